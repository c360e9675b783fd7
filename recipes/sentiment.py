"""Sentiment (or any text classification): one label per text.

Trains a bidirectional LSTM classifier on IMDB movie reviews through
tensorflow-datasets, or on your own data: a CSV/TSV file with a header
(`text` and `label` columns by default) or a folder per label of `.txt`
files (the aclImdb layout: `train/pos`, `train/neg`):

    python recipes/sentiment.py                        # TFDS imdb_reviews
    python recipes/sentiment.py --train-file train.csv --test-file test.csv
    python recipes/sentiment.py --train-dir aclImdb/train --test-dir aclImdb/test
    python recipes/predict.py runs/sentiment "A wonderful, moving film."

Without a validation file or folder, `--validation-fraction` (20%) of the
training data (a seeded draw) is held out for validation. Texts go through
`standardize` (HTML line breaks such as IMDB's `<br />` become spaces),
are lowercased, stripped of punctuation, split on whitespace and cut to
`--max-length` words.

Reference: Maas et al. 2011 (the IMDB data set); CS224n lecture 6.
"""

import pathlib

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.training import Session, cli

RECIPE = "sentiment"
# recipes/predict.py --format onnx (saved_model, litert): `predict` is one
# model.predict call, which an exported artefact answers too.
PREDICTS_FROM_EXPORT = True


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=4, batch_size=64, patience=1,
                               learning_rate=2e-3, time_limit=14)
    cli.add_model_arguments(parser, cell="gru", units=64, embedding_dim=128, dropout=0.5,
                            bidirectional=True)
    model_group = parser.add_argument_group("model")
    model_group.add_argument(
        "--embedding-dropout", type=cli.rate, default=0.0,
        help="fraction of tokens whose embedding is zeroed in training (default 0: "
        "0.25 gave 86.68%% against 89.94%% IMDB validation accuracy)")
    model_group.add_argument(
        "--pooling", choices=("last", "mean", "max", "attention"), default="max",
        help="how the sequence becomes one vector (default max)")
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
    group.add_argument("--validation-fraction", type=cli.rate, default=0.2,
                       help="share of the training texts held out for validation (a seeded "
                       "draw) when no validation file or folder is given (default 0.2)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=30_000,
                       help="vocabulary size, padding and unknown included (default 30000)")
    group.add_argument("--max-length", type=cli.positive_int, default=500,
                       help="words kept per text (default 500)")
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
        held_out = round(100 * args.validation_fraction)
        datasets, info = data.load_tfds(
            args.tfds, split=[f"train[:{100 - held_out}%]", f"train[{100 - held_out}%:]", "test"],
            data_dir=args.data_dir,
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
    if own["validation"] is None:  # hold out a seeded share of the training data
        texts, names = own["train"]
        order = np.random.default_rng(args.seed).permutation(len(texts))
        cut = max(1, int(len(texts) * args.validation_fraction))
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


# An HTML line break in any spelling: <br />, <br/>, <br>, <BR >.
LINE_BREAK = r"(?i)<br\s*/?\s*>"


def standardize(texts):
    """The recipe's text cleaning, before the vocabulary's lowercasing and
    punctuation stripping: HTML line breaks become spaces. IMDB reviews
    hold about 100,000 `<br />` tags; left in, punctuation stripping turns
    each into a token `br` (and glues `br` to the next word when the tag
    has no space after it), which a classifier learns from nothing.

    Example:

    >>> standardize(tf.constant("Great.<br /><br />Really")).numpy()
    b'Great.  Really'
    """
    return tf.strings.regex_replace(texts, LINE_BREAK, " ")


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits, label_set = load_splits(args)
    splits = {k: v.map(lambda text, label: (standardize(text), label),
                       num_parallel_calls=tf.data.AUTOTUNE) for k, v in splits.items()}
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
                          num_classes=len(labels), embedding_dropout=args.embedding_dropout,
                          **cli.model_kwargs(args))
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

    ids = [vocabulary.encode(standardize(t)).numpy()[:max_length] for t in texts]
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
