"""The private Keras hooks rnn_zoo needs, in one place.

rnn_zoo uses public Keras API everywhere else. Five things have no public
spelling in Keras 3.15 and are borrowed here, each behind a function of our
own so that a Keras release that moves or changes one breaks this module
(and `tests/test_keras_compat.py`) loudly, not a metric or a report
silently:

- `get_keras_mask(x)`: the mask Keras attached to a tensor (token metrics
  need the output's mask; `keras.metrics.MeanMetricWrapper` reads it the same
  way).
- `apply_mask(sample_weight, mask, dtype)`: Keras' own folding of a mask into
  sample weights (summed, no normalisation), so token metrics weigh padding
  exactly as Keras' losses do.
- `squeeze_or_expand_to_same_rank(x1, x2)`: Keras' rank matching of values
  and weights.
- `backend_rnn(...)`: `keras.backend`'s generic step loop (the function
  `keras.layers.RNN.inner_loop` calls), used by `rnn_zoo.diagnostics` to
  run a layer's step loop with a perturbation added to the state.
- `flatten_layers(model)`: every layer inside a model, nested ones included
  (the walk `model.summary` and weight tracking use); `model.layers` lists
  only the top level and misses `Bidirectional`'s inner layers.

`KERAS_TESTED` is the Keras range `pyproject.toml` pins and CI runs.
"""

import keras

KERAS_TESTED = ">=3.15.1,<3.16"


def _borrow(what, load):
    try:
        return load()
    except (ImportError, AttributeError) as error:  # pragma: no cover - a Keras change
        raise ImportError(
            f"rnn_zoo needs Keras' private {what}, which this Keras "
            f"({keras.__version__}) does not have where rnn_zoo looks for it. "
            f"rnn_zoo is tested with keras{KERAS_TESTED}: install a Keras in "
            f"that range (pip install 'keras{KERAS_TESTED}')."
        ) from error


def _masking():
    from keras.src.backend.common import masking

    return masking.get_keras_mask


def _loss_helpers():
    from keras.src.losses import loss

    return loss.apply_mask, loss.squeeze_or_expand_to_same_rank


def _backend():
    from keras.src import backend

    return backend.rnn


_backend_rnn = _borrow("keras.src.backend.rnn", _backend)
_get_keras_mask = _borrow("keras.src.backend.common.masking.get_keras_mask", _masking)
_apply_mask, _same_rank = _borrow(
    "keras.src.losses.loss.apply_mask / squeeze_or_expand_to_same_rank", _loss_helpers
)


def get_keras_mask(x):
    """The mask Keras attached to tensor `x`, or None."""
    return _get_keras_mask(x)


def apply_mask(sample_weight, mask, dtype):
    """`sample_weight * mask` (either may be None), summed as Keras' losses
    do with `reduction="sum"`: no renormalisation by the count of real
    steps."""
    return _apply_mask(sample_weight, mask, dtype=dtype, reduction="sum")


def squeeze_or_expand_to_same_rank(x1, x2):
    """`x1`, `x2` brought to one rank by dropping or adding a trailing axis
    of size 1, as Keras does for values and their weights."""
    return _same_rank(x1, x2)


def backend_rnn(*args, **kwargs):
    """`keras.backend`'s step loop: `rnn(step_function, inputs,
    initial_states, go_backwards=..., mask=..., unroll=..., input_length=...,
    zero_output_for_mask=..., return_all_outputs=...)` returning
    `(last_output, outputs, new_states)`."""
    return _backend_rnn(*args, **kwargs)


def flatten_layers(model):
    """Every layer inside `model` (not the model itself), depth first,
    nested layers included, each once."""
    walk = _borrow("Layer._flatten_layers", lambda: model._flatten_layers)
    return list(walk(include_self=False, recursive=True))
