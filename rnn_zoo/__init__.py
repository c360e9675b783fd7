"""rnn_zoo: recurrent models for every classic task, in Keras 3.

`rnn_zoo.build(name, **kwargs)` returns a ready Keras model; see
`list_models()` for the names and `model_info(name)` for the arguments.
"""

from rnn_zoo._quiet_start import quiet_tensorflow as _quiet_tensorflow

_quiet_tensorflow()  # before Keras imports TensorFlow: no C++ start-up lines

from rnn_zoo import (  # noqa: E402
    apps,
    callbacks,
    cells,
    decoding,
    diagnostics,
    layers,
    metrics,
    plotting,
    tasks,
    tbptt,
    topologies,
)
from rnn_zoo.deploy import export, load_exported, streaming_model
from rnn_zoo.fast_path import fast_path_report, format_fast_path_report
from rnn_zoo.registry import (
    ModelSpec,
    build,
    list_models,
    model_info,
    register_model,
)
from rnn_zoo._validation import check_inputs
from rnn_zoo.model import ZooModel
from rnn_zoo.saving import load_model
from rnn_zoo.tasks.question_answerer import best_span

__version__ = "0.1.0"


def __getattr__(name):
    # `rnn_zoo.tuning` imports KerasTuner: only when first used.
    if name == "tuning":
        import importlib

        return importlib.import_module("rnn_zoo.tuning")
    raise AttributeError(f"module 'rnn_zoo' has no attribute {name!r}")

__all__ = [
    "ModelSpec",
    "ZooModel",
    "best_span",
    "build",
    "apps",
    "callbacks",
    "cells",
    "check_inputs",
    "decoding",
    "diagnostics",
    "export",
    "fast_path_report",
    "format_fast_path_report",
    "layers",
    "list_models",
    "load_exported",
    "load_model",
    "model_info",
    "plotting",
    "register_model",
    "streaming_model",
    "tasks",
    "tbptt",
    "topologies",
    "tuning",
]
