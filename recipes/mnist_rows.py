"""MNIST read row by row: a recurrent classifier of 28-step sequences.

Each 28x28 digit is a sequence of 28 rows of 28 pixels (scaled to [0, 1]);
a `sequence_classifier` reads the rows top to bottom and names the digit
(CS231n's RNN warm-up; Le et al. 2015 read the pixels one by one):

    python recipes/mnist_rows.py                 # TFDS mnist
    python recipes/predict.py runs/mnist_rows digit.png

10% of the training images (a seeded draw) are held out for validation.
"""

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.training import Session, cli

RECIPE = "mnist_rows"
# recipes/predict.py --format onnx (saved_model, litert): `predict` is one
# model.predict call, which an exported artefact answers too.
PREDICTS_FROM_EXPORT = True


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=5, batch_size=128, patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=128, bidirectional=False)
    parser.add_argument_group("model").add_argument(
        "--pooling", choices=("last", "mean", "max", "attention"), default="last",
        help="how the rows become one vector (default last)")
    cli.add_tfds_arguments(parser, default="mnist", files_help="none: MNIST comes from TFDS")
    return parser.parse_args(argv)


def rows(image):
    """`(28, 28, 1)` uint8 -> `(28, 28)` float32 rows in [0, 1]."""
    return tf.cast(tf.squeeze(image, -1), tf.float32) / 255.0


def load_splits(args):
    """`{"train", "validation", "test"}` datasets of `(rows, label)`."""
    datasets, info = data.load_tfds(
        args.tfds, split=["train[:90%]", "train[90%:]", "test"], data_dir=args.data_dir,
        download=args.download, files_hint=None,
    )
    splits = {name: ds.map(lambda x: (rows(x["image"]), tf.cast(x["label"], tf.int32)))
              for name, ds in zip(("train", "validation", "test"), datasets)}
    if args.max_examples:
        splits = {k: v.take(args.max_examples) for k, v in splits.items()}
    return splits, list(info.features["label"].names)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits, label_set = load_splits(args)
    labels = session.run.labels(lambda: label_set)
    batches = {split: data.prepare(ds, batch_size=args.batch_size, shuffle=split == "train",
                                   seed=args.seed, bucket=False)
               for split, ds in splits.items()}
    kwargs = cli.model_kwargs(args)
    kwargs.pop("embedding_dim", None)
    model = session.build("sequence_classifier", input_dim=28, num_classes=len(labels),
                          sequence_length=28, **kwargs)
    model.summary()
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    images = np.stack([x for x, _ in splits["test"].take(5).as_numpy_iterator()])
    truth = [int(y) for _, y in splits["test"].take(5).as_numpy_iterator()]
    samples = "\n".join(f"{line}  (true: {labels[t]})"
                        for line, t in zip(classify(model, labels, images), truth))
    return session.finish(model, metrics, samples=samples, data={"labels": labels})


def classify(model, labels, images):
    """`label (probability)` for each `(28, 28)` image in [0, 1]."""
    probabilities = model.predict(np.asarray(images, "float32"), verbose=0)
    return [f"{labels[int(np.argmax(p))]} ({float(np.max(p)):.2f})" for p in probabilities]


def predict(run, inputs, **_):
    """Classifies each input image file (PNG/JPEG, resized to 28x28 grey)."""
    images = []
    for path in inputs:
        image = tf.io.decode_image(tf.io.read_file(path), channels=1, expand_animations=False)
        images.append(rows(tf.cast(tf.image.resize(image, (28, 28)), tf.uint8)).numpy())
    outputs = classify(run.load_model(), run.load_json("labels"), images)
    return [f"{out}: {path}" for out, path in zip(outputs, inputs)]


if __name__ == "__main__":
    main()
