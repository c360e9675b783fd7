"""Video classification: a CNN on every frame, a recurrent layer over time.

A `video_classifier` runs a `keras.applications` CNN (MobileNetV3-Small with
ImageNet weights by default, frozen) on each frame and an LSTM over the
frame features (Donahue et al. 2015, LRCN). Each clip contributes
`--num-frames` frames spread evenly over it; shorter clips are padded with
masked frames. Data: UCF101 through TFDS (`ucf101`), or your own folder per
label, each clip a folder of frame images or a video file (OpenCV reads
those: `pip install opencv-python-headless`):

    python recipes/video_classification.py                       # TFDS ucf101
    python recipes/video_classification.py --train-dir clips/train \\
        --test-dir clips/test                                     # clips/train/<label>/<clip>
    python recipes/predict.py runs/video_classification clip_folder

With own files and no --validation-dir, 10% of the training clips (a seeded
draw) are held out for validation.
"""

import pathlib

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data import perception
from rnn_zoo.tasks._vision import IMAGE_ENCODERS
from rnn_zoo.training import Session, cli

RECIPE = "video_classification"
# recipes/predict.py --format onnx (saved_model, litert): `predict` is one
# model.predict call, which an exported artefact answers too.
PREDICTS_FROM_EXPORT = True


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=8, patience=3)
    model = cli.add_model_arguments(parser, cell="lstm", units=256, bidirectional=False,
                                    dropout=0.3)
    model.add_argument("--pooling", choices=("last", "mean", "max", "attention"),
                       default="mean", help="how the frames become one vector (default mean)")
    model.add_argument("--image-encoder", choices=sorted(IMAGE_ENCODERS),
                       default="mobilenet_v3_small", help="the per-frame CNN")
    model.add_argument("--image-encoder-weights", default="imagenet",
                       help="'imagenet', 'none' (random) or a weights file (default imagenet)")
    model.add_argument("--frame-pooling", choices=("avg", "max", "flatten"), default="avg",
                       help="how each frame's feature grid becomes a vector (default avg)")
    model.add_argument("--frame-size", type=cli.positive_int, default=112,
                       help="frames are resized to this square (default 112)")
    model.add_argument("--num-frames", type=cli.positive_int, default=16,
                       help="frames taken per clip, spread evenly (default 16)")
    group = cli.add_tfds_arguments(parser, default="ucf101",
                                   files_help="--train-dir DIR/<label>/<clip>")
    for split in ("train", "validation", "test"):
        group.add_argument(f"--{split}-dir", type=pathlib.Path,
                           help=f"{split} clips: a folder per label")
    args = parser.parse_args(argv)
    extra = [f"--{s}-dir" for s in ("validation", "test") if getattr(args, f"{s}_dir")]
    if extra and args.train_dir is None:
        parser.error(f"{' and '.join(extra)} need --train-dir")
    return args


def load_splits(args):
    """`({split: dataset of (frames (T, size, size, 3), label)}, labels)`."""
    size, count = args.frame_size, args.num_frames
    if args.train_dir is None:
        datasets, info = data.load_tfds(
            args.tfds, split=["train[:90%]", "train[90%:]", "test"], data_dir=args.data_dir,
            download=args.download, files_hint="--train-dir DIR/<label>/<clip>")

        def clip(x):
            frames = perception.sample_frames(x["video"], count)  # (T, H, W, 3)
            return perception.image_tensor(frames, size), tf.cast(x["label"], tf.int32)

        splits = {name: ds.map(clip) for name, ds in
                  zip(("train", "validation", "test"), datasets)}
        if args.max_examples:
            splits = {k: v.take(args.max_examples) for k, v in splits.items()}
        return splits, list(info.features["label"].names)

    listed = {s: perception.read_video_folders(getattr(args, f"{s}_dir"))
              for s in ("train", "validation", "test") if getattr(args, f"{s}_dir")}
    labels = sorted(set(listed["train"][1]))
    if "validation" not in listed:
        clips, names = listed["train"]
        order = np.random.default_rng(args.seed).permutation(len(clips))
        cut = max(1, len(clips) // 10)
        listed["validation"] = ([clips[i] for i in order[:cut]], [names[i] for i in order[:cut]])
        listed["train"] = ([clips[i] for i in order[cut:]], [names[i] for i in order[cut:]])
    splits = {}
    for split, (clips, names) in listed.items():
        if args.max_examples:
            clips, names = clips[: args.max_examples], names[: args.max_examples]
        ids = data.label_ids(names, labels, source=str(getattr(args, f"{split}_dir")
                                                       or args.train_dir))

        def clips_and_labels(clips=clips, ids=ids):
            for path, label in zip(clips, ids):
                yield perception.load_clip(path, frame_size=size, num_frames=count), label

        splits[split] = tf.data.Dataset.from_generator(clips_and_labels, output_signature=(
            tf.TensorSpec((None, size, size, 3), tf.float32), tf.TensorSpec((), tf.int32)))
    return splits, labels


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits, label_set = load_splits(args)
    labels = session.run.labels(lambda: label_set)
    # Padded frames are all zeros, which `mask_value=0` masks (so is a real
    # frame that is exactly black everywhere: a fade to black tells nothing).
    batches = {split: data.prepare(ds, batch_size=args.batch_size, shuffle=split == "train",
                                   seed=args.seed, bucket=False)
               for split, ds in splits.items()}
    weights = None if args.image_encoder_weights.lower() == "none" else args.image_encoder_weights
    kwargs = {k: v for k, v in cli.model_kwargs(args).items() if k != "embedding_dim"}
    model = session.build(
        "video_classifier", num_classes=len(labels), image_encoder=args.image_encoder,
        frame_shape=[args.frame_size, args.frame_size, 3], image_encoder_weights=weights,
        frame_pooling=args.frame_pooling, mask_value=0.0, **kwargs)
    model.summary()
    session.fit(model, batches["train"], batches.get("validation"))
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    shown = list(splits["validation"].take(4).as_numpy_iterator())
    outputs = classify(model, labels, [frames for frames, _ in shown])
    samples = "\n".join(f"{o} (true: {labels[int(y)]})" for o, (_, y) in zip(outputs, shown))
    return session.finish(model, metrics, samples=samples, data={"labels": labels})


def classify(model, labels, clips):
    """`label (probability)` for each clip `(frames, size, size, 3)`."""
    longest = max(len(c) for c in clips)
    batch = np.zeros((len(clips), longest, *clips[0].shape[1:]), "float32")
    for i, c in enumerate(clips):
        batch[i, : len(c)] = c
    probabilities = model.predict(batch, verbose=0)
    return [f"{labels[int(np.argmax(p))]} ({float(np.max(p)):.2f})" for p in probabilities]


def predict(run, inputs, **_):
    """Classifies each clip (a folder of frames or a video file)."""
    args = run.arguments
    clips = [perception.load_clip(path, frame_size=args["frame_size"],
                                  num_frames=args["num_frames"]) for path in inputs]
    outputs = classify(run.load_model(), run.load_json("labels"), clips)
    return [f"{out}: {path}" for out, path in zip(outputs, inputs)]


if __name__ == "__main__":
    main()
