"""Sentiment (or any text classification): one label per text.

Trains a bidirectional LSTM classifier on IMDB movie reviews through
tensorflow-datasets, or on your own data: a CSV/TSV file with a header
(`text` and `label` columns by default) or a folder per label of `.txt`
files (the aclImdb layout: `train/pos`, `train/neg`):

    python recipes/sentiment.py                        # TFDS imdb_reviews
    python recipes/sentiment.py --train-file train.csv --test-file test.csv
    python recipes/sentiment.py --train-dir aclImdb/train --test-dir aclImdb/test
    python recipes/predict.py runs/sentiment "A wonderful, moving film."

Without a validation file or folder, 10% of the training data (a seeded
draw) is held out for validation. Texts are lowercased, stripped of
punctuation, split on whitespace and cut to `--max-length` words.

Reference: Maas et al. 2011 (the IMDB data set); CS224n lecture 6.
"""

import pathlib

import numpy as np
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.training import Session, cli

RECIPE = "sentiment"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=5, batch_size=32, patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=64, embedding_dim=128, dropout=0.3,
                            bidirectional=True)
    parser.add_argument_group("model").add_argument(
        "--pooling", choices=("last", "mean", "max", "attention"), default="mean",
        help="how the sequence becomes one vector (default mean)")
    group = cli.add_tfds_arguments(parser, default="imdb_reviews",
                                   files_help="CSV/TSV: --train-file; aclImdb folders: "
                                   "--train-dir")
    group.add_argument("--train-file", type=pathlib.Path, help="CSV/TSV training table")
    group.add_argument("--validation-file", type=pathlib.Path, help="CSV/TSV validation table")
    group.add_argument("--test-file", type=pathlib.Path, help="CSV/TSV test table")
    group.add_argument("--text-column", default="text", help="header of the text column")
    group.add_argument("--label-column", default="label", help="header of the label column")
    group.add_argument("--train-dir", type=pathlib.Path, help="folder per label (aclImdb train/)")
    group.add_argument("--validation-dir", type=pathlib.Path, help="folder per label")
    group.add_argument("--test-dir", type=pathlib.Path, help="folder per label (aclImdb test/)")
    group.add_argument("--labels", nargs="+", default=None,
                       help="the label set, in order (default: the training labels, sorted)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=20_000,
                       help="vocabulary size, padding and unknown included (default 20000)")
    group.add_argument("--max-length", type=cli.positive_int, default=400,
                       help="words kept per text (default 400)")
    args = parser.parse_args(argv)
    if args.train_file and args.train_dir:
        parser.error("give --train-file or --train-dir, not both")
    for kind in ("file", "dir"):
        extra = [f"--{s}-{kind}" for s in ("validation", "test")
                 if getattr(args, f"{s}_{kind}") is not None]
        if extra and getattr(args, f"train_{kind}") is None:
            parser.error(f"{' and '.join(extra)} need --train-{kind}")
    return args


def read_own(args, split):
    """`(texts, labels)` of one split of the user's files, or `None`."""
    path = getattr(args, f"{split}_file")
    if path is not None:
        return data.read_table(path, text_column=args.text_column, label_column=args.label_column)
    directory = getattr(args, f"{split}_dir")
    if directory is not None:
        return data.read_label_folders(directory, labels=args.labels)
    return None


def load_splits(args):
    """`({"train": ds, "validation": ds, "test": ds}, labels)`: `(text, label_id)`."""
    own = {split: read_own(args, split) for split in ("train", "validation", "test")}
    if own["train"] is None:
        datasets, info = data.load_tfds(
            args.tfds, split=["train[:90%]", "train[90%:]", "test"], data_dir=args.data_dir,
            download=args.download,
            files_hint="--train-file FILE.csv (text,label columns) or --train-dir aclImdb/train",
        )
        splits = {name: ds.map(lambda x: (x["text"], tf.cast(x["label"], tf.int32)))
                  for name, ds in zip(("train", "validation", "test"), datasets)}
        if args.max_examples:
            splits = {k: v.take(args.max_examples) for k, v in splits.items()}
        return splits, list(info.features["label"].names)

    labels = args.labels or sorted(set(own["train"][1]))
    if len(labels) < 2:
        raise ValueError(
            f"The training data holds a single label {labels}: a classifier needs "
            "at least two. Received: labels=" + repr(labels)
        )
    if own["validation"] is None:  # hold out a seeded 10% of the training data
        texts, names = own["train"]
        order = np.random.default_rng(args.seed).permutation(len(texts))
        cut = max(1, len(texts) // 10)
        own["validation"] = ([texts[i] for i in order[:cut]], [names[i] for i in order[:cut]])
        own["train"] = ([texts[i] for i in order[cut:]], [names[i] for i in order[cut:]])
    splits = {}
    for split, pair in own.items():
        if pair is None:
            continue
        texts, names = pair
        if args.max_examples:
            texts, names = texts[: args.max_examples], names[: args.max_examples]
        source = str(getattr(args, f"{split}_file") or getattr(args, f"{split}_dir")
                     or args.train_file or args.train_dir)
        ids = data.label_ids(names, labels, source=source)
        splits[split] = tf.data.Dataset.from_tensor_slices(
            (tf.constant(texts, tf.string), tf.constant(ids, tf.int32)))
    return splits, labels


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits, label_set = load_splits(args)
    labels = session.run.labels(lambda: label_set)
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        splits["train"].map(lambda text, label: text), split="whitespace",
        standardize="lower_and_strip_punctuation", max_tokens=args.max_tokens))

    def encode(text, label):
        return vocabulary.encode(text)[: args.max_length], label

    batches = {
        split: data.prepare(ds.map(encode, num_parallel_calls=tf.data.AUTOTUNE),
                            batch_size=args.batch_size, shuffle=split == "train",
                            seed=args.seed)
        for split, ds in splits.items()
    }
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] vocabulary of {vocabulary.size} words, labels {labels}; padding "
          f"is {padding:.1%} of the training batches")

    model = session.build("text_classifier", vocabulary_size=vocabulary.size,
                          num_classes=len(labels), **cli.model_kwargs(args))
    model.summary()
    session.fit(model, batches["train"], batches.get("validation"))
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    examples = [t.decode() for t, _ in
                splits.get("validation", splits["train"]).take(5).as_numpy_iterator()]
    samples = "\n".join(classify(model, vocabulary, labels, examples, args.max_length))
    return session.finish(model, metrics, samples=samples, data={
        "vocabulary_size": vocabulary.size, "labels": labels,
        "padding_fraction_train": padding,
    })


def classify(model, vocabulary, labels, texts, max_length):
    """`label (probability): text` for each text."""
    import keras

    ids = [vocabulary.encode(t).numpy()[:max_length] for t in texts]
    padded = keras.utils.pad_sequences(ids, maxlen=max(1, max(map(len, ids))),
                                       padding="post", value=0)
    probabilities = model.predict(padded, verbose=0)
    return [f"{labels[int(np.argmax(p))]} ({float(np.max(p)):.2f}): {t[:200]}"
            for p, t in zip(probabilities, texts)]


def predict(run, inputs, **_):
    """Classifies each input text."""
    return classify(run.load_model(), run.load_vocabulary(), run.load_json("labels"), inputs,
                    run.arguments["max_length"])


if __name__ == "__main__":
    main()
