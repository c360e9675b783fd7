"""Argument checks shared by builders, topologies and layers.

Every check raises a Keras-style message: what is wrong, what is expected, and
what was received (`Received: name=value`), with a "did you mean" for names.
"""

import difflib
import math
import numbers


def suggest(name, options):
    """Returns `" Did you mean 'x'?"` for the closest option, or `""`."""
    matches = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def check_choice(arg, value, options, *, what=None, normalize=None):
    """Checks that `value` is one of `options`; returns the matching option.

    Args:
        arg: str. The argument name, for the message.
        value: The received value.
        options: Iterable of accepted values (str or None).
        what: str. How to call the thing in the message (defaults to `arg`).
        normalize: Optional callable applied to a str `value` before matching
            (for example `str.lower`).
    """
    options = list(options)
    key = normalize(value) if (normalize and isinstance(value, str)) else value
    if key in options:
        return key
    named = sorted(str(o) for o in options)
    hint = suggest(key, [o for o in options if o is not None]) if isinstance(key, str) else ""
    raise ValueError(
        f"Unknown {what or arg} {value!r}.{hint} Expected one of {named}. "
        f"Received: {arg}={value!r}"
    )


def check_int(arg, value, *, minimum=None, allow_none=False):
    """Checks that `value` is an int (not a bool) >= `minimum`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{arg}` must be an int{' or None' if allow_none else ''}. "
            f"Received: {arg}={value!r} of type {type(value).__name__}"
        )
    if minimum is not None and value < minimum:
        raise ValueError(
            f"`{arg}` must be >= {minimum}. Received: {arg}={value!r}"
        )
    return int(value)


def check_float(arg, value, *, low=None, high=None, low_open=False, high_open=False):
    """Checks that `value` is a finite real number inside the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{arg}` must be a float. Received: {arg}={value!r} "
            f"of type {type(value).__name__}"
        )
    if not math.isfinite(value):
        # NaN compares false with every bound, so it would pass any interval.
        raise ValueError(
            f"`{arg}` must be a finite number. Received: {arg}={value!r}"
        )
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(
            f"`{arg}` must be in {left}{lo}, {hi}{right}. Received: {arg}={value!r}"
        )
    return float(value)


def check_bool(arg, value):
    if not isinstance(value, bool):
        raise TypeError(
            f"`{arg}` must be a bool. Received: {arg}={value!r} "
            f"of type {type(value).__name__}"
        )
    return value


def check_dropout(arg, value):
    """Dropout rates live in [0, 1): a rate of 1 would drop everything."""
    return check_float(arg, value, low=0.0, high=1.0, high_open=True)


def _arrays(data):
    if isinstance(data, dict):
        return list(data.values()), list(data)
    if isinstance(data, (list, tuple)):
        return list(data), None
    return [data], None


def _embedding_sizes(model):
    """`{input index: vocabulary size}` for inputs read by an `Embedding`."""
    import keras

    sizes = {}
    for layer in model.layers:
        if not isinstance(layer, keras.layers.Embedding):
            continue
        try:
            source = layer.input
        except (AttributeError, ValueError):
            continue
        for i, tensor in enumerate(model.inputs):
            if source is tensor:
                sizes[i] = min(sizes.get(i, layer.input_dim), layer.input_dim)
    return sizes


def _is_sparse_label_loss(loss):
    import keras

    if isinstance(loss, str):
        return "sparse_categorical" in loss
    fn = getattr(loss, "fn", None)  # keras.losses.LossFunctionWrapper
    return isinstance(loss, keras.losses.SparseCategoricalCrossentropy) or (
        "sparse_categorical" in getattr(fn, "__name__", ""))


def check_inputs(model, x, y=None):
    """Checks arrays for `model.fit`/`predict`/`evaluate`; raises a clear error.

    Keras and TensorFlow answer some bad data only deep inside a trace (token
    ids >= the vocabulary, a 3-D array for token ids, an empty batch) and
    accept other bad data silently (negative or float token ids, float or
    out-of-range class labels). This check names each, with what was
    expected and what was received. `rnn_zoo.training.Session.fit` runs it
    on the first batch; call it yourself before `fit`/`predict` on your own
    arrays.

    Args:
        model: a `keras.Model` (any registered rnn_zoo model).
        x: the inputs: an array, a list of arrays, or a dict by input name.
        y: optional targets: an array (for models with one output).

    Returns:
        `None`.

    Raises:
        ValueError: an empty batch, a wrong rank, a negative id, an id >= the
            vocabulary size, a label outside `[0, num_classes)`.
        TypeError: float token ids, or float labels for an integer-label loss.

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       embedding_dim=4, units=4, num_classes=3)
    >>> rnn_zoo.check_inputs(model, [[1, 2, 12]])
    Traceback (most recent call last):
    ...
    ValueError: Token ids must be < the model's vocabulary_size=10...
    """
    import numpy as np

    if len(model.inputs) == 1 and not isinstance(x, dict):
        x = [x]  # a nested list is one array of ids, not a list of inputs
    if isinstance(x, dict):  # by input name, in the model's order
        names = [getattr(t, "name", None) for t in model.inputs]
        x = [x[n] for n in names] if all(n in x for n in names) else []
    arrays, _ = _arrays(x)
    sizes = _embedding_sizes(model)
    specs = list(model.inputs)
    for i, arr in enumerate(arrays):
        if i >= len(specs):
            break
        spec = specs[i]
        label = f"input {spec.name!r}" if len(specs) > 1 else "the input"
        arr = np.asarray(arr)
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(
                f"The batch is empty: {label} holds no examples, and the model "
                "needs at least one row to predict, evaluate or train on. "
                f"Received: {label} of shape {arr.shape}"
            )
        expected_rank = len(spec.shape)
        if arr.ndim != expected_rank:
            layout = "(batch, time) token ids" if "int" in str(spec.dtype) and expected_rank == 2 \
                else f"shape {tuple(spec.shape)} (None = any size)"
            raise ValueError(
                f"The model expects {label} as {layout}: an array of rank "
                f"{expected_rank}. Received: an array of rank {arr.ndim} with "
                f"shape {arr.shape}"
            )
        if "int" not in str(spec.dtype):
            continue
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(
                f"Token ids must be integers: {label} is read by an embedding "
                "(0 = padding). Convert with `np.asarray(x, 'int32')` after "
                "mapping text through the run's vocabulary. "
                f"Received: {label} of dtype {arr.dtype}"
            )
        if arr.size and arr.min() < 0:
            raise ValueError(
                f"Token ids must be >= 0 (0 = padding): {label} holds "
                f"{int(arr.min())}. Received: {label} with min {int(arr.min())}"
            )
        size = sizes.get(i)
        if size is not None and arr.size and arr.max() >= size:
            raise ValueError(
                f"Token ids must be < the model's vocabulary_size={size}: "
                f"{label} holds {int(arr.max())}, which has no embedding row. "
                "Encode with the vocabulary the model was built with, or build "
                f"it with a larger vocabulary_size. Received: {label} with max "
                f"{int(arr.max())}"
            )
    if y is None or not _is_sparse_label_loss(getattr(model, "loss", None)):
        return
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            "Labels must be integer class ids for this model (its loss is "
            "sparse categorical cross-entropy): a float label would be cut to "
            "an int without a word. Received: labels of dtype "
            f"{y.dtype}" + (f" such as {y.ravel()[0].item()!r}" if y.size else "")
        )
    expected_rank = len(model.outputs[0].shape) - 1
    if y.ndim != expected_rank and not (y.ndim == expected_rank + 1 and y.shape[-1] == 1):
        one_hot = y.ndim == expected_rank + 1 and y.shape[-1] == model.outputs[0].shape[-1]
        raise ValueError(
            "Labels must be integer class ids, one per "
            + ("example" if expected_rank == 1 else "step")
            + f" (an array of rank {expected_rank}): this model's loss is sparse "
            "categorical cross-entropy."
            + (" These look one-hot: pass `np.argmax(y, axis=-1)`." if one_hot else "")
            + f" Received: labels of shape {y.shape}"
        )
    num_classes = model.outputs[0].shape[-1]
    if y.size and (y.min() < 0 or (num_classes is not None and y.max() >= num_classes)):
        bad = int(y.min()) if y.min() < 0 else int(y.max())
        raise ValueError(
            f"Labels must be class ids in [0, {num_classes}) (num_classes="
            f"{num_classes}). Received: a label {bad}"
        )
