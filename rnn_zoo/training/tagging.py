"""The training and prediction steps the tagging recipes (POS, NER) share."""

from rnn_zoo import data
from rnn_zoo.data.tagging import format_tagged, predict_tags, tagging_batches, word_accuracies
from rnn_zoo.training import cli
from rnn_zoo.training.session import Session


def tagger_kwargs(args, vocabulary, char_vocabulary, tags):
    """`sequence_tagger` kwargs from the recipe options and vocabularies."""
    kwargs = dict(vocabulary_size=vocabulary.size, num_tags=len(tags), crf=args.crf,
                  **cli.model_kwargs(args))
    if char_vocabulary is not None:
        kwargs.update(char_vocabulary_size=char_vocabulary.size,
                      char_embedding_dim=args.char_embedding_dim, char_units=args.char_units)
    return kwargs


def train_tagger(recipe, args, load_splits, *, standardize="none", extra_metrics=None):
    """Builds, trains, evaluates and saves a tagger run; returns its metrics.

    Args:
        recipe: str. The recipe's name (run folder, messages).
        args: the parsed options (`cli.add_tagger_arguments` among them).
        load_splits: callable `args -> ({"train": ds, ...}, tags)`, datasets of
            `(words, tag_ids)`.
        standardize: str. Word standardization for the vocabulary.
        extra_metrics: optional callable `(model, vocabulary, char_vocabulary,
            tags, splits) -> dict` of more metrics (NER's entity scores).
    """
    session = Session(recipe, args)
    splits, tag_set = load_splits(args)
    tags = session.run.labels(lambda: tag_set, name="tags")
    vocabulary, char_vocabulary, batches = tagging_batches(
        session.run, splits, batch_size=args.batch_size, seed=args.seed,
        standardize=standardize, max_tokens=args.max_tokens,
        char_features=args.char_features,
        # The CRF scans batches of any length: it shares the length buckets
        # unless --crf-length asks for one static length.
        pad_to=args.crf_length if args.crf else None,
        word_dropout=args.word_dropout)
    padding = data.padding_fraction(batches["train"])
    print(f"[{recipe}] vocabulary of {vocabulary.size} words, {len(tags)} tags; "
          f"padding is {padding:.1%} of the training batches")

    model = session.build("sequence_tagger",
                          **tagger_kwargs(args, vocabulary, char_vocabulary, tags))
    model.summary()
    # Tag accuracy decides: the loss keeps rising on a few overconfident
    # words while the accuracy still improves.
    session.fit(model, batches["train"], batches.get("validation"),
                monitor="val_accuracy" if "validation" in batches else None)
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    for split in ("validation", "test"):
        if split in splits:
            metrics.update(tagged_word_metrics(model, vocabulary, char_vocabulary, tags,
                                               splits[split], prefix=f"{split}_"))
    if extra_metrics is not None:
        metrics.update(extra_metrics(model, vocabulary, char_vocabulary, tags, splits))
    examples = [[w.decode() for w in words] for words, _ in
                splits.get("validation", splits["train"]).take(5).as_numpy_iterator()]
    samples = "\n".join(format_tagged(model, vocabulary, tags, examples,
                                      char_vocabulary=char_vocabulary))
    return session.finish(model, metrics, samples=samples, data={
        "vocabulary_size": vocabulary.size, "tags": tags,
        "padding_fraction_train": padding,
    })


def tagged_word_metrics(model, vocabulary, char_vocabulary, tags, dataset, *, prefix=""):
    """Whole-word accuracy and unknown-word accuracy of a tagger on a dataset
    of `(words, tag_ids)` (`rnn_zoo.data.tagging.word_accuracies`), tagged
    sentence by sentence as `predict` does, uncut (with `--crf-length`, a
    CRF run's batches cut longer sentences)."""
    sentences = [([w.decode() for w in ws], [tags[i] for i in ts])
                 for ws, ts in dataset.as_numpy_iterator()]
    words = [w for w, _ in sentences]
    predicted = predict_tags(model, vocabulary, tags, words, char_vocabulary=char_vocabulary)
    scores = word_accuracies([t for _, t in sentences], predicted, words, vocabulary)
    return {f"{prefix}word_accuracy": scores["accuracy"],
            f"{prefix}unknown_word_accuracy": scores["unknown_word_accuracy"],
            f"{prefix}unknown_words": scores["unknown_words"], f"{prefix}words": scores["words"]}


def predict_from_run(run, inputs):
    """Tags each input sentence (words split by spaces): `word/TAG ...`."""
    chars = run.load_vocabulary("char_vocabulary") if run.arguments["char_features"] else None
    return format_tagged(run.load_model(), run.load_vocabulary(), run.load_json("tags"),
                         [text.split() for text in inputs], char_vocabulary=chars)
