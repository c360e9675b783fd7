"""Part-of-speech tagging: a universal POS tag (UPOS) for every word.

Trains a bidirectional LSTM tagger on Universal Dependencies English EWT
through tensorflow-datasets, or on your own CoNLL-U files:

    python recipes/pos_tagging.py                      # TFDS universal_dependencies/en_ewt
    python recipes/pos_tagging.py --train-file en_ewt-ud-train.conllu \\
        --validation-file en_ewt-ud-dev.conllu --test-file en_ewt-ud-test.conllu
    python recipes/predict.py runs/pos_tagging "The cat sat on the mat ."

Defaults: lowercased words (100-dim embeddings) plus a character-level word encoder
(a BiLSTM of 50 units per direction over 30-dim embeddings of the cased characters,
Lample et al. 2016), frequency-based word dropout (alpha 0.5, Kiperwasser &
Goldberg 2016), one BiLSTM of 128 units, dropout 0.5, a softmax head, Adam
at 2e-3, early stopping on validation accuracy and an 18-minute time limit.
Multiword-token lines (`3-4 don't`) are skipped on both paths: files and
TFDS (which keeps them as tokens tagged `_`).

Metrics: per-token accuracy over real (unpadded) syntactic words, and the
accuracy on the words never seen in training (`*_unknown_word_accuracy`).

Reference: Plank, Søgaard & Goldberg 2016, "Multilingual Part-of-Speech
Tagging with Bidirectional LSTMs" (UD English 1.2: about 94% with words only).
"""


import argparse

import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data.tagging import tagged_dataset
from rnn_zoo.training import cli, tagging

RECIPE = "pos_tagging"
TFDS_SPLITS = ("train", "dev", "test")
MULTIWORD_TAG = "_"  # TFDS' UPOS name for a multiword token's range line


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=30, batch_size=32, patience=3,
                               learning_rate=2e-3, time_limit=18)
    cli.add_model_arguments(parser, cell="lstm", units=128, embedding_dim=100, dropout=0.5,
                            bidirectional=True)
    group = cli.add_tfds_arguments(parser, default="universal_dependencies/en_ewt",
                                   files_help="CoNLL-U: --train-file, --validation-file, "
                                   "--test-file")
    cli.add_split_file_arguments(group, "CoNLL-U")
    group.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True,
                       help="lowercase the word vocabulary; the character encoder still "
                       "reads the cased word (default on: 94.15%% against 93.69%% dev UPOS "
                       "on UD EWT)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=None,
                       help="keep the most frequent words only (default: all)")
    cli.add_tagger_arguments(parser, char_features=True, char_embedding_dim=30, char_units=50,
                             word_dropout=0.5)
    args = parser.parse_args(argv)
    cli.check_split_files(parser, args)
    return args


def load_splits(args):
    """`({"train": ds, "validation": ds, "test": ds}, tags)`: datasets of
    `(words, tag_ids)`."""
    if args.train_file:
        files = {"train": args.train_file, "validation": args.validation_file,
                 "test": args.test_file}
        splits = {
            split: tagged_dataset(data.read_conllu(path)[: args.max_examples],
                                  data.UPOS_TAGS, source=str(path))
            for split, path in files.items() if path is not None
        }
        return splits, list(data.UPOS_TAGS)
    datasets, info = data.load_tfds(
        args.tfds, split=list(TFDS_SPLITS), data_dir=args.data_dir, download=args.download,
        files_hint="--train-file FILE.conllu [--validation-file ... --test-file ...]",
    )
    tags = list(info.features["upos"].feature.names)
    splits = {}
    for name, ds in zip(("train", "validation", "test"), datasets):
        if args.max_examples:
            ds = ds.take(args.max_examples)
        splits[name] = syntactic_words(ds, tags)
    return splits, [t for t in tags if t != MULTIWORD_TAG]


def syntactic_words(dataset, tags):
    """TFDS `universal_dependencies` examples -> `(words, tag_ids)` of the
    syntactic words only.

    TFDS keeps a multiword token's range line (`3-4 don't`) as a token
    tagged `_` (the last of its 18 UPOS names), followed by the words it
    splits into (`do`, `n't`), which carry the real tags. Standard UPOS
    accuracy counts the syntactic words, as `read_conllu` does, so the `_`
    tokens are dropped here; the other tag ids are the 17 universal tags'.
    """
    if MULTIWORD_TAG not in tags:
        return dataset.map(lambda x: (x["tokens"], tf.cast(x["upos"], tf.int32)))
    multiword = tags.index(MULTIWORD_TAG)
    if multiword != len(tags) - 1:
        raise ValueError(
            f"The TFDS UPOS names put {MULTIWORD_TAG!r} at {multiword}, not last: the "
            f"tag ids would shift. Received: tags={tags}"
        )

    def keep_words(x):
        upos = tf.cast(x["upos"], tf.int32)
        words = tf.not_equal(upos, multiword)
        return tf.boolean_mask(x["tokens"], words), tf.boolean_mask(upos, words)

    return dataset.map(keep_words)


def main(argv=None):
    args = parse_args(argv)
    return tagging.train_tagger(RECIPE, args, load_splits,
                                standardize="lower" if args.lowercase else "none")


def predict(run, inputs, **_):
    """Tags each input sentence (words split by spaces)."""
    return tagging.predict_from_run(run, inputs)


if __name__ == "__main__":
    main()
