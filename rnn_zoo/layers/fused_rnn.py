"""`LSTM`, `GRU`, `SimpleRNN`: Keras' layers, with PyTorch's fused kernel on the
torch backend.

Keras' PyTorch backend runs an LSTM or GRU with PyTorch's fused kernel
(`torch.lstm` / `torch.gru`, what `torch.nn.LSTM` calls: oneDNN's fused RNN
primitive on CPU, cuDNN on CUDA) only on a GPU and only without a mask, and a
SimpleRNN never; on CPU it loops over the steps in Python. These subclasses
call the fused kernel (`torch.rnn_tanh` / `torch.rnn_relu` for SimpleRNN)
on every device, with the layer's own weights, and handle right-padded masks
through sequence lengths. Everything else is Keras' layer: the same
arguments, weights (`kernel`, `recurrent_kernel`, `bias`, same shapes and gate
order), saved config and results, so a `.keras` file written on one backend
loads and predicts identically on another. On TensorFlow and JAX they are
exactly Keras' layers (cuDNN on a GPU included).

The fused kernel runs when the layer's math is the kernel's (see
`static_reasons`) and, at run time, when the mask (if any) is right-padded
with no empty row; otherwise the layer runs Keras' loop, so the result is the
same either way. `rnn_zoo.fast_path_report(model)` says which path each layer
takes and why.
"""

import keras

_TANH = (keras.activations.tanh, keras.ops.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid)
_RELU = (keras.activations.relu, keras.ops.relu)


def kernel_name(layer):
    """The PyTorch op that runs `layer`'s fused path."""
    if isinstance(layer, keras.layers.LSTM):
        return "torch.lstm"
    if isinstance(layer, keras.layers.GRU):
        return "torch.gru"
    return "torch.rnn_relu" if layer.cell.activation in _RELU else "torch.rnn_tanh"


def static_reasons(layer):
    """Why `layer` (a Keras LSTM, GRU or SimpleRNN) cannot run PyTorch's
    fused kernel.

    Returns a tuple of strings, empty when the kernel computes the layer's
    function exactly. These are the conditions known before any data is
    seen; a mask that is not right-padded, or a row with no step, runs
    Keras' loop at run time (`RUNTIME_NOTES`).
    """
    cell = layer.cell
    reasons = []
    if isinstance(layer, keras.layers.SimpleRNN):
        if cell.activation not in _TANH + _RELU:
            reasons.append(f"activation={_name(cell.activation)!r} (needs 'tanh' or 'relu')")
    elif cell.activation not in _TANH:
        reasons.append(f"activation={_name(cell.activation)!r} (needs 'tanh')")
    if not isinstance(layer, keras.layers.SimpleRNN) and cell.recurrent_activation not in _SIGMOID:
        reasons.append(
            f"recurrent_activation={_name(cell.recurrent_activation)!r} (needs 'sigmoid')"
        )
    if cell.recurrent_dropout:
        reasons.append(f"recurrent_dropout={cell.recurrent_dropout} (needs 0)")
    if layer.unroll:
        reasons.append("unroll=True (needs False)")
    if isinstance(layer, keras.layers.GRU) and not cell.reset_after:
        reasons.append("reset_after=False (needs True)")
    if getattr(layer, "use_cudnn", "auto") is False:
        reasons.append("use_cudnn=False (asks for Keras' loop)")
    if layer.compute_dtype != "float32":
        reasons.append(f"compute dtype {layer.compute_dtype} (needs float32)")
    return tuple(reasons)


RUNTIME_NOTES = (
    "a mask must be right-padded with no empty row, else Keras' loop runs",
)


def _name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


class _FusedMixin:
    """Routes `inner_loop` to PyTorch's fused kernel when it is exact."""

    # What the last call ran: "fused" (PyTorch's kernel), "keras" (Keras' own
    # implementation: its loop, or cuDNN where Keras picks it), or None
    # before the first call. Set only when the call runs eagerly.
    last_path = None

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if keras.backend.backend() == "torch" and not static_reasons(self):
            from rnn_zoo.layers import _torch_rnn

            out = _torch_rnn.run(self, sequences, initial_state, mask, training)
            if out is not None:
                object.__setattr__(self, "last_path", "fused")
                return out
        object.__setattr__(self, "last_path", "keras")
        return super().inner_loop(sequences, initial_state, mask, training=training)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class LSTM(_FusedMixin, keras.layers.LSTM):
    """`keras.layers.LSTM`, run by `torch.lstm` on the torch backend when exact.

    Same arguments as `keras.layers.LSTM`; see the module docstring.

    Example:

    >>> layer = LSTM(4, return_sequences=True)
    >>> tuple(layer(keras.ops.zeros((2, 3, 5))).shape)
    (2, 3, 4)
    """


@keras.saving.register_keras_serializable(package="rnn_zoo")
class GRU(_FusedMixin, keras.layers.GRU):
    """`keras.layers.GRU`, run by `torch.gru` on the torch backend when exact
    (`reset_after=True`, the default).

    Same arguments as `keras.layers.GRU`; see the module docstring.

    Example:

    >>> layer = GRU(4)
    >>> tuple(layer(keras.ops.zeros((2, 3, 5))).shape)
    (2, 4)
    """


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SimpleRNN(_FusedMixin, keras.layers.SimpleRNN):
    """`keras.layers.SimpleRNN`, run by `torch.rnn_tanh` (or `torch.rnn_relu`
    for `activation="relu"`) on the torch backend when exact.

    Same arguments as `keras.layers.SimpleRNN`; see the module docstring.

    Example:

    >>> layer = SimpleRNN(4)
    >>> tuple(layer(keras.ops.zeros((2, 3, 5))).shape)
    (2, 4)
    """
