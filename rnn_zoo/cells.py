"""Recurrent cell identifiers: `"simple_rnn" | "lstm" | "gru"` -> Keras layer.

Keras class names are accepted too, case-insensitively (`"LSTM"`, `"SimpleRNN"`,
`"GRU"`); every model stores the canonical snake_case name in its config and
layer names (`encoder_lstm_0`).
"""

import warnings

import keras

from rnn_zoo._validation import check_choice
from rnn_zoo.layers import fused_rnn

CELLS = ("gru", "lstm", "simple_rnn")

# rnn_zoo's recurrent layers are Keras' layers that run PyTorch's fused kernel
# on the torch backend (`rnn_zoo.layers.fused_rnn`); elsewhere they are Keras'.
_LAYERS = {
    "simple_rnn": fused_rnn.SimpleRNN,
    "lstm": fused_rnn.LSTM,
    "gru": fused_rnn.GRU,
}
# Number of state tensors each cell carries: LSTM has (h, c), the others h.
_NUM_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}

_ALIASES = {"simplernn": "simple_rnn", "rnn": "simple_rnn"}

_warned = set()


def _normalize(name):
    key = name.strip().lower()
    compact = key.replace("_", "").replace("-", "")
    if compact in _ALIASES:
        return _ALIASES[compact]
    return compact if compact in _LAYERS else key


def get(identifier):
    """Returns the canonical cell name for an identifier.

    Args:
        identifier: str. `"simple_rnn"`, `"lstm"` or `"gru"`, or a Keras class
            name such as `"LSTM"` or `"SimpleRNN"` (any case).

    Returns:
        The canonical name: one of `"gru"`, `"lstm"`, `"simple_rnn"`.

    Raises:
        TypeError: if `identifier` is not a string.
        ValueError: if it names no known cell.

    Example:

    >>> get("LSTM")
    'lstm'
    >>> get("SimpleRNN")
    'simple_rnn'
    """
    if not isinstance(identifier, str):
        raise TypeError(
            "`cell` must be a string, one of "
            f"{sorted(CELLS)}. Received: cell={identifier!r} "
            f"of type {type(identifier).__name__}"
        )
    return check_choice("cell", identifier, CELLS, normalize=_normalize)


def layer_class(cell):
    """Returns the RNN layer class for `cell`: `rnn_zoo.layers.LSTM`, `GRU` or
    `SimpleRNN` (subclasses of Keras' layers of the same names)."""
    return _LAYERS[get(cell)]


def num_states(cell):
    """Returns how many state tensors the cell carries (2 for LSTM, else 1)."""
    return _NUM_STATES[get(cell)]


def warn_once(message):
    """Emits a `UserWarning` the first time a given message is seen."""
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, stacklevel=3)
