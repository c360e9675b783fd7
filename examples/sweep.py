"""A script with `--tune`: the quick start's task, trained once or swept.

Offline, no downloads. One training run with chosen arguments:

    python examples/sweep.py

A sweep instead (KerasTuner random search; `--tuner bayesian`, `hyperband`),
resumed if run again with the same `--tune-dir`:

    python examples/sweep.py --tune --max-trials 6 --tune-objective val_accuracy

The same sweep with a chief and two worker processes:

    python -m rnn_zoo.tuning launch --workers 2 -- python examples/sweep.py --tune
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rnn_zoo  # noqa: E402
import rnn_zoo.tuning  # noqa: E402
from quickstart import KEYWORDS, make_data  # noqa: E402

import numpy as np  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    rnn_zoo.tuning.add_tune_arguments(parser)  # --tune, --tuner, --max-trials, ...
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    vocabulary, x, y = make_data(2000, 20, rng)
    train, valid = (x[:1600], y[:1600]), (x[1600:], y[1600:])
    fixed = {"vocabulary_size": len(vocabulary), "num_classes": len(KEYWORDS)}
    if args.tune:
        # Small widths: the task is small and the search should be quick.
        space = {"units": [8, 16, 32], "embedding_dim": [8, 16, 32]}
        return rnn_zoo.tuning.run_from_args(args, "text_classifier", train, valid,
                                            fixed=fixed, space=space, seed=args.seed)
    model = rnn_zoo.build("text_classifier", **fixed, embedding_dim=16, units=16,
                          cell="gru", bidirectional=True, pooling="attention",
                          learning_rate=0.01)
    model.fit(*train, validation_data=valid, epochs=args.epochs, batch_size=64)
    return model


if __name__ == "__main__":
    main()
