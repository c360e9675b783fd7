"""`--tune` for any script in two lines.

```python
parser = argparse.ArgumentParser()
...                                          # the script's own options
rnn_zoo.tuning.add_tune_arguments(parser)    # line 1
args = parser.parse_args()
train, valid = make_data(args)               # the script's own pipeline
if args.tune:                                # line 2
    return rnn_zoo.tuning.run_from_args(args, "text_classifier", train, valid,
                                        fixed={"vocabulary_size": v, "num_classes": c})
```

The same script then runs on every machine of a distributed sweep:
`python -m rnn_zoo.tuning launch --workers 2 -- python script.py --tune`.
"""

import argparse
import json
import os

from rnn_zoo.tuning import results
from rnn_zoo.tuning.sweep import TUNERS, tune


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _json_dict(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not JSON: {e}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, got {text!r}")
    return value


def add_tune_arguments(parser):
    """Adds the sweep options to an `argparse` parser, in their own group.

    `--tune` (run a sweep instead of one training run), `--tuner`
    (`random`, `bayesian`, `hyperband`), `--max-trials`, `--tune-dir`
    (default `sweeps`), `--tune-project` (default: the model name),
    `--tune-objective`, `--tune-space` (JSON, the `space` argument of `tune`:
    `'{"units": [64, 128]}'`), `--tune-overwrite` (start afresh instead of
    resuming) and `--tune-retrain` (train the best model again from scratch
    into `<sweep folder>/best_run`).

    Args:
        parser: an `argparse.ArgumentParser`.

    Returns:
        The argument group.

    Example:

    >>> parser = argparse.ArgumentParser()
    >>> _ = add_tune_arguments(parser)
    >>> args = parser.parse_args(["--tune", "--tuner", "bayesian", "--max-trials", "5"])
    >>> args.tune, args.tuner, args.max_trials, args.tune_dir
    (True, 'bayesian', 5, 'sweeps')
    """
    group = parser.add_argument_group("hyperparameter sweep (KerasTuner)")
    group.add_argument("--tune", action="store_true",
                       help="search hyperparameters instead of one training run")
    group.add_argument("--tuner", choices=sorted(TUNERS), default="random",
                       help="search algorithm (default: random)")
    group.add_argument("--max-trials", type=_positive_int, default=None,
                       help="number of trials for random and bayesian (default: 10)")
    group.add_argument("--tune-dir", default="sweeps",
                       help="folder of the sweeps (default: sweeps)")
    group.add_argument("--tune-project", default=None,
                       help="the sweep's subfolder (default: the model name)")
    group.add_argument("--tune-objective", default=None,
                       help="metric to optimise (default: val_loss, or loss "
                            "without validation data)")
    group.add_argument("--tune-space", type=_json_dict, default=None,
                       help='changes to the search space as JSON, e.g. '
                            '\'{"units": [64, 128], "dropout": null}\'')
    group.add_argument("--tune-overwrite", action="store_true",
                       help="start the sweep afresh instead of resuming it")
    group.add_argument("--tune-retrain", action="store_true",
                       help="train the best model again into <sweep>/best_run")
    return group


def run_from_args(args, name, train_data, validation_data=None, *, fixed=None,
                  space=None, epochs=None, **kwargs):
    """Runs the sweep the parsed `add_tune_arguments` options ask for.

    Args:
        args: the `argparse.Namespace`.
        name: str. The registered model name.
        train_data, validation_data: as for `tune`.
        fixed: dict. Pinned builder arguments (the required ones included).
        space: dict. The script's own changes to the search space;
            `--tune-space` is laid over them.
        epochs: int. Epochs per trial; defaults to `args.epochs` when the
            script has that option, else 10.
        **kwargs: more arguments for `tune` (`callbacks`, `seed`, ...).

    Returns:
        The `SweepResult` (`None` on a distributed worker). With
        `--tune-retrain`, the best model is trained into
        `result.project_dir/best_run` (see `retrain_best`).
    """
    if epochs is None:
        epochs = getattr(args, "epochs", None) or 10
    result = tune(
        name, train_data, validation_data,
        tuner=args.tuner, max_trials=args.max_trials, objective=args.tune_objective,
        directory=args.tune_dir, project_name=args.tune_project,
        fixed=fixed, space={**(space or {}), **(args.tune_space or {})},
        epochs=epochs, overwrite=args.tune_overwrite, **kwargs,
    )
    if result is None:
        return None
    print(f"best {result.objective}: {result.score:.4g} (trial {result.trial_id})")
    print(f"best arguments: {json.dumps(result.build_kwargs)}")
    print(f"batch size: {result.batch_size}")
    print(f"results: {os.path.dirname(result.files['csv'])}")
    if args.tune_retrain:
        run_dir = os.path.join(result.project_dir, "best_run")
        results.retrain_best(result, train_data, validation_data, run_dir=run_dir,
                             epochs=epochs, callbacks=kwargs.get("callbacks"),
                             verbose=kwargs.get("verbose", "auto"))
        print(f"best model trained again into {run_dir}")
    return result
