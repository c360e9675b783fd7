"""A tiny sweep the tuning tests run as a subprocess (resume, distributed).

It is also what `--tune` looks like in a script: `add_tune_arguments` and
`run_from_args`. Test hooks: `--hang-in-fit N` blocks the N-th trial of this
process after writing `--marker` (so a test can kill it mid-trial);
`--barrier DIR --barrier-size K` makes the end of each trial wait until K
processes finished a trial of that round (so distributed workers share the
trials and finish together).

    python tests/tuning_sweep.py --tune --max-trials 3 --tune-dir /tmp/s
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TINY_SPACE = {"embedding_dim": [4], "units": [4, 8], "num_layers": [1, 2],
              "batch_size": [8, 16]}

_fits = 0


def make_callback(args):
    import keras

    class Hooks(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            global _fits
            _fits += 1
            if args.hang_in_fit == _fits:
                with open(args.marker, "w") as f:
                    f.write(str(os.getpid()))
                time.sleep(600)

        def on_train_end(self, logs=None):
            if not args.barrier:
                return
            me = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
            open(os.path.join(args.barrier, f"{_fits}_{me}"), "w").close()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = [n for n in os.listdir(args.barrier) if n.startswith(f"{_fits}_")]
                if len(done) >= args.barrier_size:
                    return
                time.sleep(0.05)

    return Hooks()


def main(argv=None):
    import rnn_zoo.tuning

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--hang-in-fit", type=int, default=None)
    parser.add_argument("--marker", default=None)
    parser.add_argument("--barrier", default=None)
    parser.add_argument("--barrier-size", type=int, default=2)
    rnn_zoo.tuning.add_tune_arguments(parser)
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # Tracing costs more than it saves on a few tiny batches.
        tf.config.run_functions_eagerly(True)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(16, 5)).astype("int32")
    y = rng.integers(0, 3, size=(16,)).astype("int32")
    rnn_zoo.tuning.run_from_args(
        args, "text_classifier", (x, y), (x, y),
        fixed={"vocabulary_size": 10, "num_classes": 3}, space=TINY_SPACE,
        callbacks=[make_callback(args)], seed=0, verbose=0,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
