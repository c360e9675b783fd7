"""Spelling correction: a character-level `seq2seq_translator` with attention
learns to undo generated typos (insertions, deletions, keyboard-adjacent
substitutions, transpositions) in text from any text file:

    python recipes/spelling_correction.py --text-file ../shared/data/ptb/ptb.train.txt \\
        --validation-file ../shared/data/ptb/ptb.valid.txt
    python recipes/spelling_correction.py --text-file ../shared/data/tiny_shakespeare/input.txt
    python recipes/predict.py runs/spelling_correction "teh quick borwn fox"

The text is cut into lines of whole words (at most `--max-chars`
characters); each training epoch's pairs carry typos drawn once, at
`--typo-rate` errors per letter (`rnn_zoo.data.typos`). Held-out lines
(the `--validation-file`, else the last 10% of the text) get their own
typos. Corrections are decoded with a length-normalised beam search
(`--beam-width`), then each word the model changed is put back unless the
model finds the change more likely than the input word by `--margin` nats
(`keep_unless_confident`), so a correct word is rarely broken. Reported on
the scored lines: word error rate (jiwer) of the noisy input and of the
correction, the fraction of words that were right in the input and the
correction breaks, and exact-line accuracy, with and without that check.
PTB's `<unk>` lines are left out.

Reference: Sakaguchi et al. 2017 (scrambled words); the keras-io "character
level seq2seq" example; Damerau 1964 (the four single-character errors).
"""

import argparse
import difflib
import pathlib

import jiwer
import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data, decoding
from rnn_zoo.data import text_lines, toy, typos
from rnn_zoo.training import Session, cli

RECIPE = "spelling_correction"


def margin(text):
    """`--margin`: a float or -inf, never NaN."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected a number of nats or -inf (keep every change), received {text!r}")
    return value


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=20, batch_size=64,
                               learning_rate=3e-3, patience=3)
    cli.add_model_arguments(parser, cell="gru", units=128, embedding_dim=32,
                            bidirectional=True)
    group = parser.add_argument_group("data")
    group.add_argument("--text-file", type=pathlib.Path, required=True, help="clean text to learn from")
    group.add_argument("--validation-file", type=pathlib.Path, default=None,
                       help="clean held-out text (default: the last 10%% of --text-file)")
    group.add_argument("--typo-rate", type=cli.rate, default=0.05,
                       help="errors per letter in the noisy input (default 0.05)")
    group.add_argument("--max-chars", type=cli.positive_int, default=40,
                       help="longest line, in characters (default 40)")
    group.add_argument("--train-lines", type=cli.positive_int, default=100_000,
                       help="at most this many training lines (default 100000: all of PTB's)")
    group.add_argument("--validation-lines", type=cli.positive_int, default=500,
                       help="held-out lines scored after training (default 500)")
    group.add_argument("--lowercase", action="store_true",
                       help="lower-case the text first")
    group = parser.add_argument_group("correction")
    group.add_argument("--beam-width", type=cli.positive_int, default=4,
                       help="beam search width, length-normalised; 1 is greedy (default 4)")
    group.add_argument("--margin", type=margin, default=1.0,
                       help="a changed word is kept only if the model finds the correction more "
                            "likely than the input word by this many nats (default 1.0; "
                            "-inf keeps every change)")
    return parser.parse_args(argv)


def read_lines_of(path, args):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if args.lowercase:
        text = text.lower()
    # PTB marks rare words as <unk>: those lines cannot be corrected to anything.
    return [line for line in text_lines.text_lines(text, min_chars=4, max_chars=args.max_chars)
            if "<unk>" not in line]


def split_lines(args):
    lines = read_lines_of(args.text_file, args)
    if args.validation_file:
        held_out = read_lines_of(args.validation_file, args)
    else:
        cut = max(1, len(lines) // 10)
        lines, held_out = lines[:-cut], lines[-cut:]
    return lines[: args.train_lines], held_out


def noisy_pairs(lines, *, rate, seed):
    """`(noisy, clean)` pairs, typos drawn with `seed`."""
    rng = np.random.default_rng(seed)
    return [(typos.add_typos(line, rate=rate, rng=rng), line) for line in lines]


def dataset(pairs, vocabulary):
    (source, decoder), target = toy.seq2seq_arrays(pairs, vocabulary, vocabulary)
    ragged = [tf.RaggedTensor.from_tensor(a, padding=0) for a in (source, decoder, target)]
    return tf.data.Dataset.from_tensor_slices(((ragged[0], ragged[1]), ragged[2]))


def known_characters(vocabulary, texts):
    """`texts` without the characters outside `vocabulary` (never empty)."""
    known = set(vocabulary.characters)
    return ["".join(c for c in t if c in known) or " " for t in texts]


def decode(model, vocabulary, texts, *, max_length, beam_width=1, batch_size=256):
    """The model's output for each of `texts`: greedy, or beam search with
    length-normalised scores (`length_penalty=1`) when `beam_width > 1`."""
    texts = known_characters(vocabulary, texts)
    strategy = "greedy" if beam_width == 1 else decoding.get(
        "beam", beam_width=beam_width, length_penalty=1.0)
    out = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        result = decoding.generate(model, vocabulary.encode_batch(chunk), max_length=max_length,
                                   strategy=strategy, start_id=vocabulary.start_id,
                                   end_id=vocabulary.end_id, jit_compile=len(chunk) >= 64)
        out += vocabulary.decode_batch(result.tokens)
    return out


def log_likelihoods(model, vocabulary, sources, targets, *, batch_size=256):
    """Teacher-forced `log p(target | source)` of each pair, in nats."""
    out = []
    for start in range(0, len(sources), batch_size):
        pairs = list(zip(sources[start:start + batch_size], targets[start:start + batch_size]))
        (source, decoder), target = toy.seq2seq_arrays(pairs, vocabulary, vocabulary)
        probabilities = np.asarray(model.predict_on_batch([source, decoder]), dtype=np.float64)
        chosen = np.take_along_axis(probabilities, target[..., None], axis=-1)[..., 0]
        out += list(np.where(target > 0, np.log(np.maximum(chosen, 1e-30)), 0.0).sum(axis=1))
    return np.asarray(out)


def keep_unless_confident(model, vocabulary, noisy, corrected, *, margin):
    """Undoes each changed word the model is not sure of.

    Where the correction has as many words as the input, each word it
    changed is put back to the input's word unless the model finds the
    correction more likely than that reverted line by more than `margin`
    nats (teacher-forced, given the noisy line); otherwise the whole line
    is compared with the input line the same way. `margin=inf` keeps every
    input line, `margin=-inf` every correction.
    """
    noisy = known_characters(vocabulary, noisy)
    sources, candidates, owners = [], [], []
    for row, (n, o) in enumerate(zip(noisy, corrected)):
        n_words, o_words = n.split(), o.split()
        if n == o:
            continue
        if len(n_words) == len(o_words):
            for i, (a, b) in enumerate(zip(n_words, o_words)):
                if a != b:
                    sources.append(n)
                    candidates.append(" ".join(o_words[:i] + [a] + o_words[i + 1:]))
                    owners.append((row, i))
        else:
            sources.append(n)
            candidates.append(n)
            owners.append((row, None))
    out = list(corrected)
    if not sources:
        return out
    rows = sorted({row for row, _ in owners})
    line_scores = dict(zip(rows, log_likelihoods(
        model, vocabulary, [noisy[r] for r in rows], [corrected[r] for r in rows])))
    reverted = log_likelihoods(model, vocabulary, sources, candidates)
    undo = {}
    for (row, i), score in zip(owners, reverted):
        if line_scores[row] - score <= margin:
            undo.setdefault(row, []).append(i)
    for row, words in undo.items():
        if None in words:
            out[row] = noisy[row]
            continue
        o_words, n_words = corrected[row].split(), noisy[row].split()
        for i in words:
            o_words[i] = n_words[i]
        out[row] = " ".join(o_words)
    return out


def correct(model, vocabulary, texts, *, max_length, beam_width=1, margin=-np.inf):
    """Corrections of `texts` (characters outside the vocabulary dropped):
    the decoded output, then `keep_unless_confident` with `margin`."""
    corrected = decode(model, vocabulary, texts, max_length=max_length, beam_width=beam_width)
    if margin == -np.inf:
        return corrected
    return keep_unless_confident(model, vocabulary, texts, corrected, margin=margin)


def correction_scores(clean, noisy, corrected):
    """WER before/after (jiwer), words broken, exact-line accuracy."""
    kept = broken = 0
    for c, n, o in zip(clean, noisy, corrected):
        c, n, o = c.split(), n.split(), o.split()
        right = {i for i, (a, b) in enumerate(zip(c, n)) if a == b}
        matcher = difflib.SequenceMatcher(None, c, o, autojunk=False)
        matched = {block.a + j for block in matcher.get_matching_blocks()
                   for j in range(block.size)}
        kept += len(right)
        broken += len(right - matched)
    return {
        "wer_noisy": jiwer.wer(clean, noisy),
        "wer_corrected": jiwer.wer(clean, corrected),
        "words_broken": broken / max(1, kept),
        "exact_line_accuracy": float(np.mean([a == b for a, b in zip(clean, corrected)])),
    }


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    train_lines, held_out = split_lines(args)
    # Every letter a typo can type, and every character of the clean text.
    letters = "".join(typos.KEYBOARD_NEIGHBOURS)
    characters = sorted(set("".join(train_lines)) | set(letters) | set(letters.upper()))
    vocabulary = toy.CharVocabulary(characters)
    session.run.labels(lambda: [vocabulary.characters], name="vocabularies")
    known = set(characters)
    held_out = [line for line in held_out if set(line) <= known]
    cut = len(held_out) // 2
    validation_lines, scored_lines = held_out[:cut], held_out[cut:][: args.validation_lines]
    train = noisy_pairs(train_lines, rate=args.typo_rate, seed=args.seed)
    validation = noisy_pairs(validation_lines, rate=args.typo_rate, seed=args.seed + 1)
    scored = noisy_pairs(scored_lines, rate=args.typo_rate, seed=args.seed + 2)
    batches = {
        "train": data.prepare(dataset(train, vocabulary), batch_size=args.batch_size,
                              shuffle=True, seed=args.seed),
        "validation": data.prepare(dataset(validation, vocabulary),
                                   batch_size=args.batch_size, shuffle=False),
    }
    print(f"[{RECIPE}] {len(train):,} training lines, e.g. {train[0]}; "
          f"{len(scored)} lines scored; {len(characters)} characters")
    model = session.build(
        "seq2seq_translator", source_vocabulary_size=vocabulary.size,
        target_vocabulary_size=vocabulary.size, attention="bahdanau",
        **cli.model_kwargs(args))
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {"validation": batches["validation"]})
    noisy = [n for n, _ in scored]
    clean = [c for _, c in scored]
    decoded = decode(model, vocabulary, noisy, max_length=args.max_chars + 10,
                     beam_width=args.beam_width)
    # The model's own output too, so the gate's effect shows.
    metrics.update({f"held_out_ungated_{k}": v for k, v in
                    correction_scores(clean, noisy, decoded).items() if k != "wer_noisy"})
    corrected = keep_unless_confident(model, vocabulary, noisy, decoded, margin=args.margin)
    metrics.update({f"held_out_{k}": v for k, v in
                    correction_scores(clean, noisy, corrected).items()})
    samples = "\n".join(f"{n!r} -> {o!r}   (clean {c!r})"
                        for n, o, c in zip(noisy[:10], corrected, clean))
    return session.finish(model, metrics, samples=samples, data={
        "lines": {"train": len(train), "validation": len(validation), "scored": len(scored)},
        "typo_rate": args.typo_rate, "characters": len(characters),
    })


def predict(run, inputs, **_):
    """Corrects each input sentence."""
    vocabulary = toy.CharVocabulary(run.load_json("vocabularies")[0])
    inputs = [t.lower() if run.arguments.get("lowercase") else t for t in inputs]
    arguments = run.arguments
    return correct(run.load_model(), vocabulary, list(inputs),
                   max_length=max(len(t) for t in inputs) + 10,
                   beam_width=arguments.get("beam_width", 1),
                   margin=arguments.get("margin", -np.inf))


if __name__ == "__main__":
    main()
