"""Machine translation with an attention encoder-decoder (seq2seq).

Trains `seq2seq_translator` (bidirectional encoder, Bahdanau attention) on
TED talks Portuguese -> English through tensorflow-datasets, or on your own
parallel text (one sentence per line, line i of one file translating line i
of the other):

    python recipes/translation.py                       # TFDS ted_hrlr_translate/pt_to_en
    python recipes/translation.py --source-file train.pt --target-file train.en \\
        --validation-source-file dev.pt --validation-target-file dev.en
    python recipes/predict.py runs/translation "este é um problema ."

Sentences are lowercased, stripped of punctuation and split on spaces, one
vocabulary per language; targets get `[START]` and `[END]` tokens. Sentence
pairs are batched by length. After training, validation sentences are
translated by beam search (`rnn_zoo.decoding.generate`) and their attention
maps saved as PNGs beside the model. Metrics: teacher-forced per-token loss
(perplexity) and accuracy, and corpus BLEU-4 of the beam translations.

Reference: Bahdanau, Cho & Bengio 2015; Luong, Pham & Manning 2015; CS224n
lecture 7.
"""

import collections
import math
import pathlib

import numpy as np
import tensorflow as tf

from rnn_zoo import data, decoding
from rnn_zoo.training import Session, cli, perplexity

RECIPE = "translation"
START, END = "[START]", "[END]"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=64, patience=2)
    cli.add_model_arguments(parser, cell="gru", units=256, embedding_dim=128, dropout=0.2,
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
    group.add_argument("--max-tokens", type=cli.positive_int, default=15_000,
                       help="vocabulary size per language (default 15000)")
    group.add_argument("--max-length", type=cli.positive_int, default=40,
                       help="tokens kept per sentence (default 40)")
    group.add_argument("--beam-width", type=cli.positive_int, default=4,
                       help="beam width of the final translations (default 4)")
    group.add_argument("--bleu-sentences", type=cli.positive_int, default=500,
                       help="validation sentences translated for BLEU (default 500)")
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
              beam_width=4, batch_size=64):
    """Beam-search translations of `sentences` and their attention weights.

    Returns:
        List of `(source_tokens, target_tokens, attention)`, attention
        `(target_steps, source_steps)` or `None` without attention.
    """
    import keras

    out = []
    start, end = target_vocabulary.token_id(START), target_vocabulary.token_id(END)
    strategy = decoding.get("beam", beam_width=beam_width) if beam_width > 1 else "greedy"
    for i in range(0, len(sentences), batch_size):
        chunk = sentences[i:i + batch_size]
        ids = [source_vocabulary.encode(s).numpy()[:max_length] for s in chunk]
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


def bleu(hypotheses, references, max_order=4):
    """Corpus BLEU-4 in percent (Papineni et al. 2002: clipped n-gram
    precisions, geometric mean, brevity penalty), one reference per sentence,
    on the recipe's tokens.

    Example:

    >>> round(bleu([["the", "cat", "sat", "down"]], [["the", "cat", "sat", "down"]]), 1)
    100.0
    """
    matches, totals = [0] * max_order, [0] * max_order
    hyp_length = ref_length = 0
    for hyp, ref in zip(hypotheses, references):
        hyp_length, ref_length = hyp_length + len(hyp), ref_length + len(ref)
        for n in range(1, max_order + 1):
            h = collections.Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            r = collections.Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            matches[n - 1] += sum((h & r).values())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    if min(matches) == 0 or not hyp_length:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_order
    brevity = min(0.0, 1 - ref_length / hyp_length)
    return 100 * math.exp(log_precision + brevity)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    pairs = load_pairs(args)
    train_sources, train_targets = pairs["train"]
    standardize = "lower_and_strip_punctuation"
    source_vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        train_sources, standardize=standardize, max_tokens=args.max_tokens), "source_vocabulary")
    target_vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        train_targets, standardize=standardize, max_tokens=args.max_tokens,
        special_tokens=[START, END]), "target_vocabulary")
    batches = {k: data.prepare(dataset(s, t, source_vocabulary, target_vocabulary,
                                       args.max_length),
                               batch_size=args.batch_size, shuffle=k == "train", seed=args.seed)
               for k, (s, t) in pairs.items()}
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] {len(train_sources):,} training pairs, vocabularies of "
          f"{source_vocabulary.size} and {target_vocabulary.size}; padding is {padding:.1%} "
          "of the training batches")

    model = session.build(
        "seq2seq_translator", source_vocabulary_size=source_vocabulary.size,
        target_vocabulary_size=target_vocabulary.size,
        attention=None if args.attention == "none" else args.attention,
        **cli.model_kwargs(args))
    model.summary()
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    for split in ("validation", "test"):
        if f"{split}_loss" in metrics:
            metrics[f"{split}_perplexity"] = perplexity(metrics[f"{split}_loss"])

    sources, references = (x[: args.bleu_sentences] for x in pairs["validation"])
    translated = translate(model, source_vocabulary, target_vocabulary, sources,
                           max_length=args.max_length, beam_width=args.beam_width)
    reference_tokens = [target_vocabulary.decode(target_vocabulary.encode(r)).split()
                        for r in references]
    metrics["validation_bleu"] = bleu([t for _, t, _ in translated], reference_tokens)
    lines = []
    for i, ((source, target, weights), reference) in enumerate(zip(translated[:5], references)):
        lines.append(f"{' '.join(source)}\n  -> {' '.join(target)}\n  reference: {reference}")
        if weights is not None and len(target):
            from rnn_zoo.plotting import attention_heatmap

            attention_heatmap(weights[: len(target)], source, target,
                              session.run.directory / f"attention_{i}.png",
                              title="attention, validation sentence " + str(i))
    return session.finish(model, metrics, samples="\n".join(lines), data={
        "pairs": {k: len(s) for k, (s, _) in pairs.items()},
        "vocabulary_sizes": [source_vocabulary.size, target_vocabulary.size],
        "padding_fraction_train": padding,
    })


def predict(run, inputs, **_):
    """Translates each input sentence (beam search)."""
    translated = translate(run.load_model(), run.load_vocabulary("source_vocabulary"),
                           run.load_vocabulary("target_vocabulary"), list(inputs),
                           max_length=run.arguments["max_length"],
                           beam_width=run.arguments["beam_width"])
    return [" ".join(target) for _, target, _ in translated]


if __name__ == "__main__":
    main()
