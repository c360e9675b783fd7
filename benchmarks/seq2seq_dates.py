"""Date normalisation with an attention seq2seq model, on generated data.

Trains `seq2seq_translator` to turn dates written in 14 human formats
("Wed, 26 Nov 36", "11/22/2026", "22.11.2026", "nov 22 2026", ...) into ISO
8601 ("2026-11-22"), then translates held-out dates with greedy
`rnn_zoo.decoding.generate` (no teacher forcing) and reports the exact-match
rate, and saves the attention map of one example as a PNG.

    PYTHONPATH=. python benchmarks/seq2seq_dates.py

Everything is generated offline (`rnn_zoo.data.toy`); held-out dates never
appear, in any format, in the training set.
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo.data import toy  # noqa: E402
from rnn_zoo.decoding import generate  # noqa: E402
from rnn_zoo.plotting import attention_heatmap  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-examples", type=int, default=20000)
    parser.add_argument("--test-examples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--cell", default="gru")
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--embedding-dim", type=int, default=32)
    parser.add_argument("--attention", default="bahdanau")
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--plot", type=pathlib.Path, default=HERE / "seq2seq_dates_attention.png",
        help="where to save the attention heatmap of one held-out example",
    )
    return parser.parse_args(argv)


def held_out_pairs(num_examples, train_dates, seed):
    """Generated pairs whose date (in any format) is not in the training set."""
    pairs, draw = [], 0
    while len(pairs) < num_examples:
        for human, iso in toy.date_pairs(num_examples, seed=seed + draw):
            if iso not in train_dates and len(pairs) < num_examples:
                pairs.append((human, iso))
        draw += 1
    return pairs


def main(argv=None):
    args = parse_args(argv)
    began = time.perf_counter()
    keras.utils.set_random_seed(args.seed)
    source_vocabulary, target_vocabulary = toy.date_vocabularies()
    train = toy.date_pairs(args.train_examples, seed=args.seed)
    test = held_out_pairs(args.test_examples, {iso for _, iso in train}, seed=args.seed + 1000)
    x, y = toy.seq2seq_arrays(train, source_vocabulary, target_vocabulary)

    model = rnn_zoo.build(
        "seq2seq_translator",
        source_vocabulary_size=source_vocabulary.size,
        target_vocabulary_size=target_vocabulary.size,
        embedding_dim=args.embedding_dim,
        cell=args.cell,
        units=args.units,
        bidirectional=True,
        attention=args.attention,
        learning_rate=args.learning_rate,
    )
    train_began = time.perf_counter()
    history = model.fit(
        x, y, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.05,
        verbose=2,
    )
    train_seconds = time.perf_counter() - train_began

    source_ids = source_vocabulary.encode_batch([h for h, _ in test])
    out = generate(
        model, source_ids, max_length=11, start_id=target_vocabulary.start_id,
        end_id=target_vocabulary.end_id, strategy="greedy",
    )
    predictions = target_vocabulary.decode_batch(out.tokens)
    exact = float(np.mean([p == iso for p, (_, iso) in zip(predictions, test)]))
    errors = [(h, iso, p) for p, (h, iso) in zip(predictions, test) if p != iso]

    human, iso = test[0]
    steps = int(out.lengths[0])  # the output characters and the end token
    target_tokens = [target_vocabulary.decode([t]) or "</s>" for t in out.tokens[0, :steps]]
    attention_heatmap(
        out.attention[0, :steps, : len(human)],
        [c if c != " " else "\u2423" for c in human],
        target_tokens,
        args.plot,
        title=f"{human!r} -> {predictions[0]!r}",
    )
    report = dict(
        exact_match=exact,
        held_out=len(test),
        errors=errors[:10],
        final_train_loss=history.history["loss"][-1],
        final_val_accuracy=history.history["val_accuracy"][-1],
        train_seconds=round(train_seconds, 1),
        wall_seconds=round(time.perf_counter() - began, 1),
        parameters=model.count_params(),
        args={k: str(v) for k, v in vars(args).items()},
        backend=keras.backend.backend(),
        keras=keras.__version__,
        cpu_count=os.cpu_count(),
        machine=platform.processor() or platform.machine(),
        plot=str(args.plot),
    )
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
