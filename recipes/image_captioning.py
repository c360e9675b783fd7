"""Image captioning: a CNN encoder and a recurrent decoder with attention.

An `image_captioner` reads each image with a `keras.applications` CNN
(MobileNetV3-Small with ImageNet weights by default, frozen) and writes the
caption word by word, attending over the CNN's feature grid (Show, Attend
and Tell). Trained with teacher forcing on `<s> caption </s>`; captions for
new images come from `rnn_zoo.decoding.generate` (beam search). Data: MS-COCO
through TFDS (`coco_captions`, five captions per image), or your own image
folder with a Flickr8k-style captions file (`image.jpg#0<TAB>caption`):

    python recipes/image_captioning.py                          # TFDS coco_captions
    python recipes/image_captioning.py --image-dir Flicker8k_Dataset \\
        --captions-file Flickr8k.token.txt
    python recipes/image_captioning.py ... --image-encoder small_cnn \\
        --image-encoder-weights none                             # offline, from scratch
    python recipes/predict.py runs/image_captioning photo.jpg

With own files, 10% of the images (a seeded draw) are held out for
validation. Captions are lowercased and stripped of punctuation.

Reference: Vinyals et al. 2015; Xu et al. 2015; CS231n assignment 3.
"""

import pathlib

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data, decoding
from rnn_zoo.data import perception
from rnn_zoo.tasks._vision import IMAGE_ENCODERS
from rnn_zoo.training import Session, cli

RECIPE = "image_captioning"
START, END = "<s>", "</s>"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=64, patience=2)
    model = cli.add_model_arguments(parser, cell="lstm", units=512, embedding_dim=256,
                                    dropout=0.3)
    model.add_argument("--image-encoder", choices=sorted(IMAGE_ENCODERS),
                       default="mobilenet_v3_small", help="the CNN (default mobilenet_v3_small)")
    model.add_argument("--image-encoder-weights", default="imagenet",
                       help="'imagenet', 'none' (random) or a weights file (default imagenet)")
    model.add_argument("--image-size", type=cli.positive_int, default=224,
                       help="images are resized to this square (default 224)")
    model.add_argument("--attention", choices=("bahdanau", "luong", "none"), default="bahdanau",
                       help="attention over the feature grid (default bahdanau)")
    model.add_argument("--conditioning", choices=("initial_state", "first_input"),
                       default="initial_state", help="how the image starts the decoder")
    group = cli.add_tfds_arguments(
        parser, default="coco_captions",
        files_help="--image-dir DIR --captions-file Flickr8k.token.txt")
    group.add_argument("--image-dir", type=pathlib.Path, help="folder of the images")
    group.add_argument("--captions-file", type=pathlib.Path,
                       help="captions file, `image.jpg#N<TAB>caption` per line")
    group.add_argument("--max-tokens", type=cli.positive_int, default=10_000,
                       help="vocabulary size, padding and unknown included (default 10000)")
    group.add_argument("--max-length", type=cli.positive_int, default=30,
                       help="words kept per caption (default 30)")
    group.add_argument("--beam-width", type=cli.positive_int, default=3,
                       help="beam width of the sample captions (default 3)")
    args = parser.parse_args(argv)
    if bool(args.image_dir) != bool(args.captions_file):
        parser.error("--image-dir and --captions-file go together")
    return args


def load_splits(args):
    """`{split: dataset of (image float32 (size, size, 3), caption str)}`."""
    size = args.image_size
    if args.image_dir is None:
        datasets, _ = data.load_tfds(
            args.tfds, split=["train", "val"], data_dir=args.data_dir, download=args.download,
            files_hint="--image-dir DIR --captions-file Flickr8k.token.txt")
        splits = {}
        for split, ds in zip(("train", "validation"), datasets):
            if args.max_examples:
                ds = ds.take(args.max_examples)
            splits[split] = ds.flat_map(lambda x: tf.data.Dataset.from_tensor_slices(
                x["captions"]["text"]).map(
                    lambda text, image=x["image"]: (perception.image_tensor(image, size), text)))
        return splits
    captions = perception.read_captions(args.captions_file)
    images = list(captions)
    order = np.random.default_rng(args.seed).permutation(len(images))
    cut = max(1, len(images) // 10)
    held_out = {images[i] for i in order[:cut]}
    splits = {}
    for split, keep in (("train", lambda n: n not in held_out), ("validation", held_out.__contains__)):
        chosen = {n: c for n, c in captions.items() if keep(n)}
        pairs = perception.caption_pairs(args.image_dir, chosen)
        if args.max_examples:
            pairs = pairs[: args.max_examples]
        paths, texts = zip(*pairs)
        splits[split] = tf.data.Dataset.from_tensor_slices((list(paths), list(texts))).map(
            lambda path, text: (perception.load_image(path, size), text),
            num_parallel_calls=tf.data.AUTOTUNE)
    return splits


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits = load_splits(args)
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        splits["train"].map(lambda image, text: text), split="whitespace",
        standardize="lower_and_strip_punctuation", max_tokens=args.max_tokens,
        special_tokens=[START, END]))
    start, end = vocabulary.token_id(START), vocabulary.token_id(END)

    def encode(image, text):
        ids = vocabulary.encode(text)[: args.max_length]
        ids = tf.concat([[start], ids, [end]], 0)
        return (image, ids[:-1]), ids[1:]

    batches = {split: data.prepare(ds.map(encode, num_parallel_calls=tf.data.AUTOTUNE),
                                   batch_size=args.batch_size, shuffle=split == "train",
                                   seed=args.seed, bucket=False)
               for split, ds in splits.items()}
    weights = None if args.image_encoder_weights.lower() == "none" else args.image_encoder_weights
    model = session.build(
        "image_captioner", vocabulary_size=vocabulary.size, image_encoder=args.image_encoder,
        image_shape=[args.image_size, args.image_size, 3], image_encoder_weights=weights,
        attention=None if args.attention == "none" else args.attention,
        conditioning=args.conditioning,
        **{k: v for k, v in cli.model_kwargs(args).items() if k not in ("bidirectional", "pooling")})
    model.summary()
    session.fit(model, batches["train"], batches.get("validation"))
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    shown = list(splits["validation"].take(5).as_numpy_iterator())
    captions = caption(model, vocabulary, np.stack([i for i, _ in shown]),
                       beam_width=args.beam_width)
    samples = "\n".join(f"{c!r} (reference {t.decode()!r})" for c, (_, t) in zip(captions, shown))
    return session.finish(model, metrics, samples=samples,
                          data={"vocabulary_size": vocabulary.size})


def caption(model, vocabulary, images, *, beam_width=3, max_length=30):
    """Captions for a batch of images, by beam search until `</s>`."""
    # Compiling the search (XLA) pays off for many images; a handful of
    # samples or predictions decode faster eagerly.
    out = decoding.generate(
        model, np.asarray(images, "float32"), max_length,
        start_id=vocabulary.token_id(START), end_id=vocabulary.token_id(END),
        strategy=decoding.get("beam", beam_width=beam_width), jit_compile=len(images) > 64)
    end = vocabulary.token_id(END)
    return [vocabulary.decode([i for i in row if i != end]) for row in out.tokens]


def predict(run, inputs, **_):
    """Captions each input image file."""
    model = run.load_model()
    size = run.arguments["image_size"]
    images = np.stack([perception.load_image(path, size).numpy() for path in inputs])
    captions = caption(model, run.load_vocabulary(), images,
                       beam_width=run.arguments["beam_width"],
                       max_length=run.arguments["max_length"] + 1)
    return [f"{text}: {path}" for text, path in zip(captions, inputs)]


if __name__ == "__main__":
    main()
