"""Training aids and run directories shared by the recipes."""

from rnn_zoo.training import cli
from rnn_zoo.training.callbacks import Samples, TimeLimit, training_callbacks
from rnn_zoo.training.distribute import get_strategy, is_chief, scope
from rnn_zoo.training.plots import plot_history
from rnn_zoo.training.runs import Run
from rnn_zoo.training.samples import generate_text
from rnn_zoo.training.session import Session, perplexity
from rnn_zoo.training import tagging  # noqa: E402  (uses Session)

__all__ = [
    "Run",
    "Samples",
    "Session",
    "TimeLimit",
    "cli",
    "generate_text",
    "get_strategy",
    "is_chief",
    "perplexity",
    "plot_history",
    "scope",
    "tagging",
    "training_callbacks",
]
