"""Which path each recurrent layer of a model takes, and why.

Keras runs an LSTM or GRU with NVIDIA's fused cuDNN kernel only under
conditions that are easy to break without noticing (one non-default
activation, `recurrent_dropout`, a mask on the JAX backend); the fallback loop
is several times slower on a GPU. On CPU, rnn_zoo's own `LSTM`, `GRU` and
`SimpleRNN` layers (`rnn_zoo.layers.fused_rnn`) run PyTorch's fused kernel on
the torch backend when it computes the layer's function exactly; everything
else runs Keras' step loop. `fast_path_report(model)` reads the conditions
off the built layers, the way the backends check them, so you can see the
cost before you train.
"""

import dataclasses

import keras

from rnn_zoo._keras_compat import flatten_layers
from rnn_zoo._validation import check_choice
from rnn_zoo.layers import fused_rnn

BACKENDS = ("jax", "tensorflow", "torch")


@dataclasses.dataclass(frozen=True)
class LayerFastPath:
    """The fast-path verdict for one recurrent layer.

    Attributes:
        layer: str. Name of the layer (a `Bidirectional` wrapper's name for
            both of its directions, with `/forward` or `/backward`).
        cell: str. Class name of the recurrent layer (`"LSTM"`, ...).
        fused: bool. Whether the fused cuDNN kernel can run on a GPU.
        reasons: tuple of str. Why not (empty when `fused`).
        notes: tuple of str. Conditions the data must meet at run time.
        cpu_path: str. What runs the layer on CPU: `"torch.lstm"`,
            `"torch.gru"`, `"torch.rnn_tanh"`, `"torch.rnn_relu"` (PyTorch's
            fused kernel, rnn_zoo's layers on the torch backend) or
            `"keras loop"`.
        cpu_reasons: tuple of str. Why the loop (empty for a fused kernel).
        cpu_notes: tuple of str. When the fused kernel falls back at run time.
    """

    layer: str
    cell: str
    fused: bool
    reasons: tuple
    notes: tuple
    cpu_path: str = "keras loop"
    cpu_reasons: tuple = ()
    cpu_notes: tuple = ()


def _recurrent_layers(model):
    for layer in flatten_layers(model):
        if isinstance(layer, keras.layers.Bidirectional):
            yield f"{layer.name}/forward", layer.forward_layer
            yield f"{layer.name}/backward", layer.backward_layer
        elif isinstance(layer, keras.layers.RNN) and not _inside_bidirectional(model, layer):
            yield layer.name, layer


def _inside_bidirectional(model, rnn):
    return any(
        isinstance(layer, keras.layers.Bidirectional)
        and rnn in (layer.forward_layer, layer.backward_layer)
        for layer in flatten_layers(model)
    )


def _has_masking(model):
    """True when some layer creates a mask (Embedding(mask_zero) or Masking)."""
    for layer in flatten_layers(model):
        if isinstance(layer, keras.layers.Embedding) and layer.mask_zero:
            return True
        if isinstance(layer, keras.layers.Masking):
            return True
    return False


def _activation_is(fn, name):
    return getattr(fn, "__name__", None) == name


def layer_fast_path(layer, *, backend, masked, name=None):
    """Returns a `LayerFastPath` for one Keras recurrent layer."""
    cell = type(layer).__name__
    reasons, notes = [], []
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        reasons.append(f"{cell} has no fused kernel in Keras (only LSTM and GRU do)")
    else:
        inner = layer.cell
        if not _activation_is(inner.activation, "tanh"):
            reasons.append(f"activation={inner.activation.__name__!r} (needs 'tanh')")
        if not _activation_is(inner.recurrent_activation, "sigmoid"):
            reasons.append(
                f"recurrent_activation={inner.recurrent_activation.__name__!r} "
                "(needs 'sigmoid')"
            )
        if inner.recurrent_dropout:
            reasons.append(f"recurrent_dropout={inner.recurrent_dropout} (needs 0)")
        if layer.unroll:
            reasons.append("unroll=True (needs False)")
        if not inner.use_bias:
            reasons.append("use_bias=False (needs True)")
        if isinstance(layer, keras.layers.GRU) and not inner.reset_after:
            reasons.append("reset_after=False (needs True)")
        if getattr(layer, "use_cudnn", "auto") is False:
            reasons.append("use_cudnn=False")
        ours = isinstance(layer, fused_rnn._FusedMixin)
        if masked and backend == "torch" and ours:
            notes.append(
                "masks must be right-padded with no fully masked row, "
                "else the layer runs Keras' loop"
            )
        elif masked and backend in ("jax", "torch"):
            reasons.append(
                f"the input is masked, and the {backend} backend's fused path "
                "takes no mask (batches padded to one length fall back)"
            )
        elif masked:
            notes.append(
                "masks must be right-padded with no fully masked row, "
                "else Keras falls back at run time"
            )
    cpu_path, cpu_reasons, cpu_notes = _cpu_path(layer, backend=backend, masked=masked)
    return LayerFastPath(
        layer=name or layer.name,
        cell=cell,
        fused=not reasons,
        reasons=tuple(reasons),
        notes=tuple(notes),
        cpu_path=cpu_path,
        cpu_reasons=cpu_reasons,
        cpu_notes=cpu_notes,
    )


def _cpu_path(layer, *, backend, masked):
    loop = "keras loop"
    kinds = (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN)
    if not isinstance(layer, kinds):
        return loop, (f"{type(layer).__name__} has no fused kernel",), ()
    if backend != "torch":
        return loop, (
            f"a fused CPU kernel runs on the torch backend only (this is {backend})",
        ), ()
    if not isinstance(layer, fused_rnn._FusedMixin):
        return loop, (
            f"keras.layers.{type(layer).__name__} (rnn_zoo.layers."
            f"{type(layer).__name__} runs PyTorch's fused kernel)",
        ), ()
    reasons = fused_rnn.static_reasons(layer)
    if reasons:
        return loop, reasons, ()
    notes = fused_rnn.RUNTIME_NOTES if masked else ()
    return fused_rnn.kernel_name(layer), (), notes


def fast_path_report(model, *, backend=None):
    """Tells which path each recurrent layer of `model` takes, and why.

    Two verdicts per layer: whether it would use cuDNN on a GPU (`fused`,
    `reasons`, `notes`), and what runs it on CPU (`cpu_path`, `cpu_reasons`,
    `cpu_notes`): PyTorch's fused kernel for rnn_zoo's layers on the torch
    backend, else Keras' step loop.

    Args:
        model: a built `keras.Model` (any model, not only rnn_zoo's).
        backend: str. `"tensorflow"`, `"jax"` or `"torch"`; defaults to the
            current Keras backend. The rules differ: on TensorFlow, and for
            rnn_zoo's layers on PyTorch, a mask is fine when right-padded;
            the JAX fused path, and Keras' own layers' on PyTorch, take no
            mask at all.

    Returns:
        A list of `LayerFastPath`, one per recurrent layer (two for a
        `Bidirectional` layer).

    Raises:
        ValueError: for an unknown backend.

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       num_classes=3, units=4, cell="simple_rnn")
    >>> [r.fused for r in fast_path_report(model, backend="tensorflow")]
    [False]
    """
    backend = check_choice(
        "backend", backend or keras.backend.backend(), BACKENDS
    )
    masked = _has_masking(model)
    return [
        layer_fast_path(layer, backend=backend, masked=masked, name=name)
        for name, layer in _recurrent_layers(model)
    ]


def format_fast_path_report(report):
    """Formats a `fast_path_report` as a Markdown table."""
    lines = [
        "| layer | cell | cuDNN | why not / notes | CPU | why / notes |",
        "|---|---|---|---|---|---|",
    ]
    for r in report:
        why = "; ".join(r.reasons or r.notes) or "-"
        cpu_why = "; ".join(r.cpu_reasons or r.cpu_notes) or "-"
        lines.append(
            f"| {r.layer} | {r.cell} | {'yes' if r.fused else 'no'} | {why} "
            f"| {r.cpu_path} | {cpu_why} |"
        )
    return "\n".join(lines)
