"""Named-entity recognition: a PER/ORG/LOC/MISC tag (IOB) for every word.

Trains a bidirectional LSTM tagger on CoNLL-2003 English through
tensorflow-datasets, or on your own CoNLL-2003 column files
(`word POS chunk NER` per line, a blank line between sentences):

    python recipes/ner.py                              # TFDS conll2003
    python recipes/ner.py --train-file eng.train --validation-file eng.testa \\
        --test-file eng.testb
    python recipes/predict.py runs/ner "John lives in New York ."

Metrics: per-token accuracy, and entity-level precision, recall and F1 (exact
span and type) from `seqeval`, which counts entities as the shared task's
`conlleval` does (`rnn_zoo.metrics.entity_scores`).

Reference: Lample et al. 2016, "Neural Architectures for Named Entity
Recognition" (BiLSTM without characters or CRF: about 77-84 F1 depending on
embeddings; with both, 90.9).
"""


import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data.tagging import predict_tags, tagged_dataset
from rnn_zoo.metrics import entity_scores
from rnn_zoo.training import cli, tagging

RECIPE = "ner"
TFDS_SPLITS = ("train", "dev", "test")


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=32, patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=128, embedding_dim=100, dropout=0.25,
                            bidirectional=True)
    group = cli.add_tfds_arguments(parser, default="conll2003",
                                   files_help="CoNLL-2003 columns: --train-file, "
                                   "--validation-file, --test-file")
    cli.add_split_file_arguments(group, "CoNLL-2003")
    group.add_argument("--max-tokens", type=cli.positive_int, default=None,
                       help="keep the most frequent words only (default: all)")
    cli.add_tagger_arguments(parser)
    args = parser.parse_args(argv)
    cli.check_split_files(parser, args)
    return args


def load_splits(args):
    """`({"train": ds, ...}, tags)`: datasets of `(words, tag_ids)`."""
    if args.train_file:
        files = {"train": args.train_file, "validation": args.validation_file,
                 "test": args.test_file}
        splits = {
            split: tagged_dataset(data.read_conll2003(path)[: args.max_examples],
                                  data.CONLL2003_NER_TAGS, source=str(path))
            for split, path in files.items() if path is not None
        }
        return splits, list(data.CONLL2003_NER_TAGS)
    datasets, info = data.load_tfds(
        args.tfds, split=list(TFDS_SPLITS), data_dir=args.data_dir, download=args.download,
        files_hint="--train-file FILE [--validation-file ... --test-file ...]",
    )
    splits = {}
    for name, ds in zip(("train", "validation", "test"), datasets):
        if args.max_examples:
            ds = ds.take(args.max_examples)
        splits[name] = ds.map(lambda x: (x["tokens"], tf.cast(x["ner"], tf.int32)))
    return splits, list(info.features["ner"].feature.names)


def entity_metrics(model, vocabulary, char_vocabulary, tags, splits):
    """Entity-level precision, recall and F1 on the validation and test splits."""
    metrics = {}
    for split in ("validation", "test"):
        if split in splits:
            sentences = [([w.decode() for w in ws], [tags[i] for i in ts])
                         for ws, ts in splits[split].as_numpy_iterator()]
            predicted = predict_tags(model, vocabulary, tags, [w for w, _ in sentences],
                                     char_vocabulary=char_vocabulary)
            scores = entity_scores([t for _, t in sentences], predicted)
            metrics.update({f"{split}_entity_{k}": v for k, v in scores.items()})
            # per_type is a dict: metrics.json keeps it, the printed report skips it.
    return metrics


def main(argv=None):
    return tagging.train_tagger(RECIPE, parse_args(argv), load_splits,
                                extra_metrics=entity_metrics)


def predict(run, inputs, **_):
    """Tags each input sentence (words split by spaces): `word/TAG ...`."""
    return tagging.predict_from_run(run, inputs)


if __name__ == "__main__":
    main()
