"""Machine translation with an attention encoder-decoder (seq2seq).

Trains `seq2seq_translator` (bidirectional encoder, Bahdanau attention) on
TED talks Portuguese -> English through tensorflow-datasets, or on your own
parallel text (one sentence per line, line i of one file translating line i
of the other):

    python recipes/translation.py                       # TFDS ted_hrlr_translate/pt_to_en
    python recipes/translation.py --source-file train.pt --target-file train.en \\
        --validation-source-file dev.pt --validation-target-file dev.en
    python recipes/predict.py runs/translation "este é um problema ."

Multi30k German -> English (the data set's `train.*` and `val.*` files):

    python recipes/translation.py --source-file train.de --target-file train.en \
        --validation-source-file val.de --validation-target-file val.en

Sentences keep their case; words and punctuation become tokens (`tokenize`),
one vocabulary per language; targets get `[START]` and `[END]` tokens.
Sentence pairs are batched by length. The output layer's bias starts at the
log frequencies of the training target tokens: without it, Adam on a
vocabulary of thousands of words first drives every hidden unit into
saturation to fit those frequencies through the weights and the model never
leaves the unigram solution (validation accuracy stuck at the frequency of
"a"). After training the model is saved before anything else can fail;
validation sentences are then translated by beam search
(`rnn_zoo.decoding.generate`), detokenised (`detokenize`) and scored with
sacreBLEU (`rnn_zoo.metrics.corpus_bleu`: 13a tokenisation, cased), and their
attention maps saved as PNGs beside the model. Metrics: teacher-forced
per-token loss (perplexity) and accuracy, and corpus sacreBLEU.

Reference: Bahdanau, Cho & Bengio 2015; Luong, Pham & Manning 2015; CS224n
lecture 7.
"""

import pathlib
import re

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data, decoding, metrics as metrics_lib
from rnn_zoo.training import Session, cli, perplexity

RECIPE = "translation"
START, END = "[START]", "[END]"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=30, batch_size=64, patience=3,
                               time_limit=40)
    cli.add_model_arguments(parser, cell="gru", units=256, embedding_dim=256, dropout=0.3,
                            bidirectional=True)
    parser.add_argument_group("model").add_argument(
        "--attention", choices=("bahdanau", "luong", "none"), default="bahdanau",
        help="attention over the source (default bahdanau)")
    group = cli.add_tfds_arguments(parser, default="ted_hrlr_translate/pt_to_en",
                                   files_help="parallel text: --source-file, --target-file")
    group.add_argument("--source-file", type=pathlib.Path, help="source sentences, one per line")
    group.add_argument("--target-file", type=pathlib.Path, help="their translations")
    group.add_argument("--validation-source-file", type=pathlib.Path)
    group.add_argument("--validation-target-file", type=pathlib.Path)
    group.add_argument("--source-key", default="pt", help="TFDS source language (default pt)")
    group.add_argument("--target-key", default="en", help="TFDS target language (default en)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=10_000,
                       help="vocabulary size per language (default 10000)")
    group.add_argument("--max-length", type=cli.positive_int, default=40,
                       help="tokens kept per sentence (default 40)")
    group.add_argument("--beam-width", type=cli.positive_int, default=4,
                       help="beam width of the final translations (default 4)")
    group.add_argument("--length-penalty", type=float, default=0.6,
                       help="beam score = log-probability / length**this (default 0.6)")
    group.add_argument("--bleu-sentences", type=cli.positive_int, default=None,
                       help="validation sentences translated for sacreBLEU (default: all)")
    args = parser.parse_args(argv)
    files = [args.source_file, args.target_file]
    if any(files) and not all(files):
        parser.error("--source-file and --target-file go together")
    valid = [args.validation_source_file, args.validation_target_file]
    if any(valid) and not all(valid):
        parser.error("--validation-source-file and --validation-target-file go together")
    if any(valid) and not any(files):
        parser.error("validation files need --source-file and --target-file")
    return args


def load_pairs(args):
    """`{"train": (sources, targets), "validation": ..., ["test": ...]}` lists of str."""
    if args.source_file:
        sources, targets = data.read_parallel(args.source_file, args.target_file)
        if args.validation_source_file:
            splits = {"train": (sources, targets),
                      "validation": data.read_parallel(args.validation_source_file,
                                                       args.validation_target_file)}
        else:  # a seeded 5% of the pairs
            order = np.random.default_rng(args.seed).permutation(len(sources))
            cut = max(1, len(sources) // 20)
            pick = lambda idx: ([sources[i] for i in idx], [targets[i] for i in idx])  # noqa: E731
            splits = {"train": pick(order[cut:]), "validation": pick(order[:cut])}
    else:
        datasets, _ = data.load_tfds(
            args.tfds, split=["train", "validation", "test"], data_dir=args.data_dir,
            download=args.download, files_hint="--source-file FILE --target-file FILE")
        splits = {}
        for name, ds in zip(("train", "validation", "test"), datasets):
            pairs = [(x[args.source_key].decode("utf-8"), x[args.target_key].decode("utf-8"))
                     for x in ds.as_numpy_iterator()]
            splits[name] = ([s for s, _ in pairs], [t for _, t in pairs])
    if args.max_examples:
        splits = {k: (s[: args.max_examples], t[: args.max_examples])
                  for k, (s, t) in splits.items()}
    return splits


_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text):
    """Words and punctuation marks as space-separated tokens, case kept.

    >>> tokenize("A man's T-shirt, red.")
    "A man ' s T - shirt , red ."
    """
    return " ".join(_TOKEN.findall(text))


def detokenize(tokens):
    """Joins tokens back into text, undoing `tokenize` on ordinary sentences.

    >>> detokenize(["A", "man", "'", "s", "T", "-", "shirt", ",", "red", "."])
    "A man's T-shirt, red."
    """
    text = " ".join(tokens)
    text = re.sub(r"(\w) ([-'/]) (?=\w)", r"\1\2", text)  # T-shirt, man's, and/or
    text = re.sub(r" ([.,!?;:%)\]}])", r"\1", text)
    return re.sub(r"([(\[{$]) ", r"\1", text)


def output_log_prior(targets, target_vocabulary):
    """Log frequency of each target id in the encoded training targets
    (add-one smoothed; padding gets the smallest value): the starting bias of
    the output layer, so training starts at the unigram solution instead of
    saturating the network to reach it."""
    counts = np.ones(target_vocabulary.size)
    for ids in targets:
        np.add.at(counts, np.asarray(ids), 1)
    counts[0] = 1
    return np.log(counts / counts.sum()).astype("float32")


def dataset(sources, targets, source_vocabulary, target_vocabulary, max_length):
    """`((source_ids, decoder_ids), target_ids)`: decoder inputs are `[START] y`,
    targets `y [END]` (teacher forcing)."""
    start = target_vocabulary.token_id(START)
    end = target_vocabulary.token_id(END)

    def encode(source, target):
        s = source_vocabulary.encode(source)[:max_length]
        t = target_vocabulary.encode(target)[: max_length - 1]
        return (s, tf.concat([[start], t], 0)), tf.concat([t, [end]], 0)

    ds = tf.data.Dataset.from_tensor_slices((tf.constant(sources), tf.constant(targets)))
    # An empty side after standardizing (a line of punctuation) has nothing to learn.
    return ds.map(encode).filter(
        lambda x, y: tf.logical_and(tf.size(x[0]) > 0, tf.size(y) > 1))


def translate(model, source_vocabulary, target_vocabulary, sentences, *, max_length,
              beam_width=4, length_penalty=0.0, batch_size=64):
    """Beam-search translations of `sentences` and their attention weights.

    Returns:
        List of `(source_tokens, target_tokens, attention)`, attention
        `(target_steps, source_steps)` or `None` without attention.
    """
    import keras

    out = []
    start, end = target_vocabulary.token_id(START), target_vocabulary.token_id(END)
    strategy = (decoding.get("beam", beam_width=beam_width, length_penalty=length_penalty)
                if beam_width > 1 else "greedy")
    for i in range(0, len(sentences), batch_size):
        chunk = sentences[i:i + batch_size]
        ids = [source_vocabulary.encode(tokenize(s)).numpy()[:max_length] for s in chunk]
        ids = [x if x.size else np.array([1], "int32") for x in ids]
        padded = keras.utils.pad_sequences(ids, padding="post", value=0)
        # Compiling the search pays off for full batches, not for a few sentences.
        result = decoding.generate(model, padded, max_length + 1, strategy=strategy,
                                   start_id=start, end_id=end,
                                   jit_compile=len(sentences) >= batch_size)
        for k, source in enumerate(ids):
            length = int(result.lengths[k])
            tokens = [target_vocabulary.tokens[t] for t in result.tokens[k, :length]
                      if t not in (0, end)]
            attention = result.attention
            weights = None if attention is None else attention[k, :length, : len(source)]
            out.append(([source_vocabulary.tokens[t] for t in source], tokens, weights))
    return out


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    pairs = load_pairs(args)
    tokenized = {k: ([tokenize(x) for x in s], [tokenize(x) for x in t])
                 for k, (s, t) in pairs.items()}
    train_sources, train_targets = tokenized["train"]
    source_vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        train_sources, max_tokens=args.max_tokens), "source_vocabulary")
    target_vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        train_targets, max_tokens=args.max_tokens, special_tokens=[START, END]),
        "target_vocabulary")
    encoded = {k: dataset(s, t, source_vocabulary, target_vocabulary, args.max_length)
               for k, (s, t) in tokenized.items()}
    batches = {k: data.prepare(ds, batch_size=args.batch_size, shuffle=k == "train",
                               seed=args.seed)
               for k, ds in encoded.items()}
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] {len(train_sources):,} training pairs, vocabularies of "
          f"{source_vocabulary.size} and {target_vocabulary.size}; padding is {padding:.1%} "
          "of the training batches")

    model = session.build(
        "seq2seq_translator", source_vocabulary_size=source_vocabulary.size,
        target_vocabulary_size=target_vocabulary.size,
        attention=None if args.attention == "none" else args.attention,
        **cli.model_kwargs(args))
    if session.run.state != "finished":  # a fresh model (a resume keeps its weights)
        model.get_layer("logits").bias.assign(output_log_prior(
            (y for _, y in encoded["train"].as_numpy_iterator()), target_vocabulary))
    model.summary()
    session.fit(model, batches["train"], batches["validation"])
    try:
        metrics = evaluate(args, session, model, batches, pairs, source_vocabulary,
                           target_vocabulary)
    except BaseException:
        # The trained model is worth more than the figures: keep it.
        path = session.run.save_model(model)
        print(f"[{RECIPE}] evaluation failed; the trained model is saved at {path}")
        raise
    samples = metrics.pop("samples")
    return session.finish(model, metrics, samples=samples, data={
        "pairs": {k: len(s) for k, (s, _) in pairs.items()},
        "vocabulary_sizes": [source_vocabulary.size, target_vocabulary.size],
        "padding_fraction_train": padding,
    })


def evaluate(args, session, model, batches, pairs, source_vocabulary, target_vocabulary):
    """Teacher-forced figures, sacreBLEU of the beam translations, samples and
    attention maps of the first validation sentences."""
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    for split in ("validation", "test"):
        if f"{split}_loss" in metrics:
            metrics[f"{split}_perplexity"] = perplexity(metrics[f"{split}_loss"])

    sources, references = (x[: args.bleu_sentences] for x in pairs["validation"])
    translated = translate(model, source_vocabulary, target_vocabulary, sources,
                           max_length=args.max_length, beam_width=args.beam_width,
                           length_penalty=args.length_penalty)
    hypotheses = [detokenize(t) for _, t, _ in translated]
    metrics["validation_bleu"] = metrics_lib.corpus_bleu(hypotheses, references)
    metrics["bleu_sentences"] = len(hypotheses)
    lines = []
    for i, ((source, target, weights), hypothesis, reference) in enumerate(
            zip(translated[:5], hypotheses, references)):
        lines.append(f"{' '.join(source)}\n  -> {hypothesis}\n  reference: {reference}")
        if weights is not None and len(target):
            from rnn_zoo.plotting import attention_heatmap

            attention_heatmap(weights[: len(target)], source, target,
                              session.run.directory / f"attention_{i}.png",
                              title="attention, validation sentence " + str(i))
    metrics["samples"] = "\n".join(lines)
    return metrics


def predict(run, inputs, **_):
    """Translates each input sentence (beam search)."""
    translated = translate(run.load_model(), run.load_vocabulary("source_vocabulary"),
                           run.load_vocabulary("target_vocabulary"), list(inputs),
                           max_length=run.arguments["max_length"],
                           beam_width=run.arguments["beam_width"],
                           length_penalty=run.arguments.get("length_penalty", 0.0))
    return [detokenize(target) for _, target, _ in translated]


if __name__ == "__main__":
    main()
