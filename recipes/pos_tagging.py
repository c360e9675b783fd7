"""Part-of-speech tagging: a universal POS tag (UPOS) for every word.

Trains a bidirectional LSTM tagger on Universal Dependencies English EWT
through tensorflow-datasets, or on your own CoNLL-U files:

    python recipes/pos_tagging.py                      # TFDS universal_dependencies/en_ewt
    python recipes/pos_tagging.py --train-file en_ewt-ud-train.conllu \\
        --validation-file en_ewt-ud-dev.conllu --test-file en_ewt-ud-test.conllu
    python recipes/predict.py runs/pos_tagging "The cat sat on the mat ."

Metric: per-token accuracy over real (unpadded) tokens.

Reference: Plank, Søgaard & Goldberg 2016, "Multilingual Part-of-Speech
Tagging with Bidirectional LSTMs" (UD English 1.2: about 94% with words only).
"""


import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data.tagging import format_tagged, tagged_dataset, tagging_batches
from rnn_zoo.training import Session, cli

RECIPE = "pos_tagging"
TFDS_SPLITS = ("train", "dev", "test")


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=32, patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=128, embedding_dim=100, dropout=0.25,
                            bidirectional=True)
    group = cli.add_tfds_arguments(parser, default="universal_dependencies/en_ewt",
                                   files_help="CoNLL-U: --train-file, --validation-file, "
                                   "--test-file")
    cli.add_split_file_arguments(group, "CoNLL-U")
    group.add_argument("--lowercase", action="store_true", help="lowercase the words")
    group.add_argument("--max-tokens", type=cli.positive_int, default=None,
                       help="keep the most frequent words only (default: all)")
    cli.add_tagger_arguments(parser)
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
    tags = info.features["upos"].feature.names
    splits = {}
    for name, ds in zip(("train", "validation", "test"), datasets):
        if args.max_examples:
            ds = ds.take(args.max_examples)
        splits[name] = ds.map(lambda x: (x["tokens"], tf.cast(x["upos"], tf.int32)))
    return splits, list(tags)


def tagger_kwargs(args, vocabulary, char_vocabulary, tags):
    kwargs = dict(vocabulary_size=vocabulary.size, num_tags=len(tags), crf=args.crf,
                  **cli.model_kwargs(args))
    if char_vocabulary is not None:
        kwargs["char_vocabulary_size"] = char_vocabulary.size
    return kwargs


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits, tag_set = load_splits(args)
    tags = session.run.labels(lambda: tag_set, name="tags")
    vocabulary, char_vocabulary, batches = tagging_batches(
        session.run, splits, batch_size=args.batch_size, seed=args.seed,
        standardize="lower" if args.lowercase else "none", max_tokens=args.max_tokens,
        char_features=args.char_features, pad_to=args.crf_length if args.crf else None)
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] vocabulary of {vocabulary.size} words, {len(tags)} tags; "
          f"padding is {padding:.1%} of the training batches")

    model = session.build("sequence_tagger",
                          **tagger_kwargs(args, vocabulary, char_vocabulary, tags))
    model.summary()
    session.fit(model, batches["train"], batches.get("validation"))
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    examples = [[w.decode() for w in words] for words, _ in
                splits.get("validation", splits["train"]).take(5).as_numpy_iterator()]
    samples = "\n".join(format_tagged(model, vocabulary, tags, examples,
                                      char_vocabulary=char_vocabulary))
    return session.finish(model, metrics, samples=samples, data={
        "vocabulary_size": vocabulary.size, "tags": tags,
        "padding_fraction_train": padding,
    })


def predict(run, inputs, **_):
    """Tags each input sentence (words split by spaces)."""
    chars = run.load_vocabulary("char_vocabulary") if run.arguments["char_features"] else None
    return format_tagged(run.load_model(), run.load_vocabulary(), run.load_json("tags"),
                         [text.split() for text in inputs], char_vocabulary=chars)


if __name__ == "__main__":
    main()
