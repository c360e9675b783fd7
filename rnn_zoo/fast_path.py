"""Which recurrent layers of a model can use the fused cuDNN kernel, and why not.

Keras runs an LSTM or GRU with NVIDIA's fused cuDNN kernel only under
conditions that are easy to break without noticing (one non-default
activation, `recurrent_dropout`, a mask on the JAX backend); the fallback loop
is several times slower on a GPU. `fast_path_report(model)` reads the
conditions off the built layers, the way Keras' backends check them, so you
can see the cost before you train.
"""

import dataclasses

import keras

from rnn_zoo._validation import check_choice

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
    """

    layer: str
    cell: str
    fused: bool
    reasons: tuple
    notes: tuple


def _recurrent_layers(model):
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Bidirectional):
            yield f"{layer.name}/forward", layer.forward_layer
            yield f"{layer.name}/backward", layer.backward_layer
        elif isinstance(layer, keras.layers.RNN) and not _inside_bidirectional(model, layer):
            yield layer.name, layer


def _inside_bidirectional(model, rnn):
    return any(
        isinstance(layer, keras.layers.Bidirectional)
        and rnn in (layer.forward_layer, layer.backward_layer)
        for layer in model._flatten_layers(include_self=False, recursive=True)
    )


def _has_masking(model):
    """True when some layer creates a mask (Embedding(mask_zero) or Masking)."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
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
        if masked and backend in ("jax", "torch"):
            reasons.append(
                f"the input is masked, and the {backend} backend's fused path "
                "takes no mask (batches padded to one length fall back)"
            )
        elif masked:
            notes.append(
                "masks must be right-padded with no fully masked row, "
                "else Keras falls back at run time"
            )
    return LayerFastPath(
        layer=name or layer.name,
        cell=cell,
        fused=not reasons,
        reasons=tuple(reasons),
        notes=tuple(notes),
    )


def fast_path_report(model, *, backend=None):
    """Tells which recurrent layers of `model` would use cuDNN on a GPU.

    Args:
        model: a built `keras.Model` (any model, not only rnn_zoo's).
        backend: str. `"tensorflow"`, `"jax"` or `"torch"`; defaults to the
            current Keras backend. The rules differ: on TensorFlow a mask is
            fine when right-padded; the JAX and PyTorch fused paths take no
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
    lines = ["| layer | cell | cuDNN | why not / notes |", "|---|---|---|---|"]
    for r in report:
        why = "; ".join(r.reasons or r.notes) or "-"
        lines.append(f"| {r.layer} | {r.cell} | {'yes' if r.fused else 'no'} | {why} |")
    return "\n".join(lines)
