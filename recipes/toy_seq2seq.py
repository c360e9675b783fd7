"""Toy sequence-to-sequence tasks, generated offline: addition and dates.

`--task addition` learns `"535+61"` -> `"596"` (the keras-io addition RNN);
`--task dates` learns dates in 14 human formats (`"nov 22 2026"`,
`"22.11.2026"`, `"Sun, 22 Nov 26"`, ...) -> ISO 8601 `"2026-11-22"`. Both
read and write characters (`rnn_zoo.data.toy`). Held-out examples are
decoded greedily, without teacher forcing, and scored by exact match:

    python recipes/toy_seq2seq.py --task dates
    python recipes/toy_seq2seq.py --task addition --epochs 30
    python recipes/predict.py runs/toy_seq2seq "nov 22 2026" "3 March 1999"

Reference: Zaremba & Sutskever 2014, "Learning to Execute"; the keras-io
"Sequence to sequence learning for performing number addition" example.
"""

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data, decoding
from rnn_zoo.data import toy
from rnn_zoo.training import Session, cli

RECIPE = "toy_seq2seq"
TASKS = {
    "addition": (toy.addition_pairs, toy.addition_vocabularies, 5),
    "dates": (toy.date_pairs, toy.date_vocabularies, 11),
}


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=4, batch_size=64, learning_rate=3e-3,
                               patience=3)
    cli.add_model_arguments(parser, cell="gru", units=64, embedding_dim=32,
                            bidirectional=True)
    parser.add_argument_group("model").add_argument(
        "--attention", choices=("bahdanau", "luong", "none"), default="bahdanau",
        help="attention over the source (default bahdanau)")
    group = parser.add_argument_group("data")
    group.add_argument("--task", choices=sorted(TASKS), default="dates",
                       help="which generated task (default dates)")
    group.add_argument("--train-examples", type=cli.positive_int, default=20_000,
                       help="generated training pairs (default 20000)")
    group.add_argument("--test-examples", type=cli.positive_int, default=1_000,
                       help="generated held-out pairs, new targets only (default 1000)")
    return parser.parse_args(argv)


def make_pairs(args):
    """`{"train": pairs, "validation": pairs, "test": pairs}`; the held-out
    splits hold no target (answer or date) seen in training."""
    generate_pairs, _, _ = TASKS[args.task]
    train = generate_pairs(args.train_examples, seed=args.seed)
    seen = {target for _, target in train}
    held, draw = [], 1
    while len(held) < 2 * args.test_examples and draw < 100:
        held += [p for p in generate_pairs(2 * args.test_examples, seed=args.seed + 1000 * draw)
                 if p[1] not in seen]
        draw += 1
    if len(held) < 2:
        raise ValueError(
            f"Could not generate held-out {args.task} examples unseen in training; "
            f"use fewer --train-examples. Received: train_examples={args.train_examples}")
    half = len(held[: 2 * args.test_examples]) // 2
    return {"train": train, "validation": held[:half], "test": held[half: 2 * half]}


def dataset(pairs, source_vocabulary, target_vocabulary):
    """Unpadded `((source, decoder_ids), targets)` examples, for length buckets."""
    (source, decoder), target = toy.seq2seq_arrays(pairs, source_vocabulary, target_vocabulary)
    ragged = [tf.RaggedTensor.from_tensor(a, padding=0) for a in (source, decoder, target)]
    return tf.data.Dataset.from_tensor_slices(((ragged[0], ragged[1]), ragged[2]))


def solve(model, source_vocabulary, target_vocabulary, questions, max_length):
    """Greedy answers to each question (no teacher forcing)."""
    ids = source_vocabulary.encode_batch(questions)
    out = decoding.generate(model, ids, max_length=max_length + 1, strategy="greedy",
                            start_id=target_vocabulary.start_id,
                            end_id=target_vocabulary.end_id,
                            jit_compile=len(questions) >= 64)  # compiling pays off in bulk
    return target_vocabulary.decode_batch(out.tokens)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    _, vocabularies, max_length = TASKS[args.task]
    source_vocabulary, target_vocabulary = vocabularies()
    session.run.labels(lambda: [source_vocabulary.characters, target_vocabulary.characters],
                       name="vocabularies")
    pairs = make_pairs(args)
    batches = {k: data.prepare(dataset(v, source_vocabulary, target_vocabulary),
                               batch_size=args.batch_size, shuffle=k == "train", seed=args.seed)
               for k, v in pairs.items()}
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] {args.task}: {len(pairs['train']):,} training pairs, e.g. "
          f"{pairs['train'][0]}; padding is {padding:.1%} of the training batches")

    model = session.build(
        "seq2seq_translator", source_vocabulary_size=source_vocabulary.size,
        target_vocabulary_size=target_vocabulary.size,
        attention=None if args.attention == "none" else args.attention,
        **cli.model_kwargs(args))
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {"validation": batches["validation"],
                                       "test": batches["test"]})
    questions = [q for q, _ in pairs["test"]]
    answers = solve(model, source_vocabulary, target_vocabulary, questions, max_length)
    metrics["test_exact_match"] = float(np.mean([a == t for a, (_, t) in
                                                 zip(answers, pairs["test"])]))
    samples = "\n".join(f"{q} -> {a}   (expected {t})"
                        for (q, t), a in zip(pairs["test"][:10], answers))
    return session.finish(model, metrics, samples=samples, data={
        "task": args.task, "pairs": {k: len(v) for k, v in pairs.items()},
        "padding_fraction_train": padding,
    })


def predict(run, inputs, **_):
    """Answers each input (an addition such as `12+34`, or a date)."""
    source, target = (toy.CharVocabulary(c) for c in run.load_json("vocabularies"))
    return solve(run.load_model(), source, target, list(inputs),
                 TASKS[run.arguments["task"]][2])


if __name__ == "__main__":
    main()
