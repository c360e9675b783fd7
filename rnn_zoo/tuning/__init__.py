"""Hyperparameter sweeps over rnn_zoo models with KerasTuner.

- `search_space(name)`: the model's hyperparameters, named after its builder
  arguments; `register_space(name, changes)` adapts it per model.
- `hypermodel(name, fixed=..., space=...)`: a `keras_tuner.HyperModel`.
- `tune(name, train_data, validation_data, ...)`: runs a sweep, writes the
  trial table, plots and best arguments, returns a `SweepResult`.
- `write_results`, `retrain_best`: results of a sweep folder, and the best
  model trained into a run folder.
- `add_tune_arguments(parser)`, `run_from_args(args, ...)`: `--tune` for a
  script in two lines.
- `launch(command, num_workers=...)`, `python -m rnn_zoo.tuning launch`: a
  chief and workers of KerasTuner's distributed mode.
"""

from rnn_zoo.tuning.cli import add_tune_arguments, run_from_args
from rnn_zoo.tuning.distributed import launch
from rnn_zoo.tuning.hypermodel import RNNHyperModel, hypermodel
from rnn_zoo.tuning.results import retrain_best, trial_rows, write_results
from rnn_zoo.tuning.spaces import register_space, search_space
from rnn_zoo.tuning.sweep import SweepResult, tune

__all__ = [
    "RNNHyperModel",
    "SweepResult",
    "add_tune_arguments",
    "hypermodel",
    "launch",
    "register_space",
    "retrain_best",
    "run_from_args",
    "search_space",
    "trial_rows",
    "tune",
    "write_results",
]
