"""rnn_zoo: recurrent models for every classic task, in Keras 3.

`rnn_zoo.build(name, **kwargs)` returns a ready Keras model; see
`list_models()` for the names and `model_info(name)` for the arguments.
"""

from rnn_zoo import callbacks, cells, decoding, layers, plotting, tasks, tbptt, topologies
from rnn_zoo.registry import (
    ModelSpec,
    build,
    list_models,
    model_info,
    register_model,
)
from rnn_zoo.tasks.question_answerer import best_span

__version__ = "0.1.0"

__all__ = [
    "ModelSpec",
    "best_span",
    "build",
    "callbacks",
    "cells",
    "decoding",
    "layers",
    "list_models",
    "model_info",
    "plotting",
    "register_model",
    "tasks",
    "tbptt",
    "topologies",
]
