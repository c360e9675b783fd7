"""The recurrent stack every rnn_zoo model is made of."""

import keras

from rnn_zoo import cells
from rnn_zoo._validation import check_bool, check_choice, check_dropout, check_int

MERGE_MODES = ("ave", "concat", "mul", "sum")


def validate_stack_args(
    *,
    cell,
    units,
    num_layers,
    bidirectional,
    merge_mode,
    dropout,
    recurrent_dropout,
    residual,
):
    """Checks the shared stack arguments; returns them normalised.

    `cell` becomes its canonical name and `units` a list with one width per
    layer. Builders call this before creating any layer, so a bad argument
    fails fast with a clear message.
    """
    cell = cells.get(cell)
    num_layers = check_int("num_layers", num_layers, minimum=1)
    if isinstance(units, (list, tuple)):
        if not units:
            raise ValueError(
                "`units` must be an int or a non-empty list with one width per "
                f"layer (num_layers={num_layers}). Received: units={list(units)!r}"
            )
        if len(units) != num_layers:
            raise ValueError(
                "`units` must be an int or a list with one width per layer "
                f"(num_layers={num_layers}); pass num_layers={len(units)} to "
                f"stack {len(units)} layer{'s' if len(units) > 1 else ''}. "
                f"Received: units={list(units)!r}"
            )
        units = [check_int("units", u, minimum=1) for u in units]
    else:
        units = [check_int("units", units, minimum=1)] * num_layers
    check_bool("bidirectional", bidirectional)
    merge_mode = check_choice("merge_mode", merge_mode, MERGE_MODES)
    if not bidirectional and merge_mode != "concat":
        raise ValueError(
            "`merge_mode` says how a bidirectional layer combines its two "
            "directions, so it needs bidirectional=True (a one-way stack has "
            "nothing to merge). Pass bidirectional=True, or leave merge_mode at "
            f"its default. Received: merge_mode={merge_mode!r}, bidirectional=False"
        )
    dropout = check_dropout("dropout", dropout)
    recurrent_dropout = check_dropout("recurrent_dropout", recurrent_dropout)
    check_bool("residual", residual)
    if recurrent_dropout > 0:
        cells.warn_once(
            "`recurrent_dropout > 0` leaves the fused cuDNN kernel: on a GPU the "
            "recurrent layers fall back to the generic, much slower loop. Use "
            "`dropout` (between layers) to keep the fast path."
        )
    return dict(
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
    )


def output_width(units, bidirectional, merge_mode):
    """Feature width of a recurrent layer's output."""
    return 2 * units if (bidirectional and merge_mode == "concat") else units


def check_sequence_input(x, arg="inputs"):
    """Checks `x` is a float tensor shaped (batch, time, features)."""
    shape = tuple(x.shape)
    if len(shape) != 3:
        raise ValueError(
            f"`{arg}` must be a 3D tensor (batch, time, features) for a "
            f"recurrent layer. Received: {arg}.shape={shape}"
        )
    if not str(x.dtype).startswith(("float", "bfloat")):
        raise TypeError(
            f"`{arg}` must be a float tensor (batch, time, features); integer "
            "token ids need an `Embedding` first. "
            f"Received: {arg}.dtype={x.dtype}"
        )


def recurrent_stack(
    inputs,
    *,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    return_sequences=True,
    return_state=False,
    initial_state=None,
    stateful=False,
    name="encoder",
):
    """Stacks recurrent layers on a sequence.

    `(batch, time, features) -> [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers`

    The mask of `inputs` (for example from `Embedding(mask_zero=True)`) flows
    through every layer, so padded steps change neither the outputs at real
    steps nor the final states. Layers are named `f"{name}_{cell}_{i}"`
    (`encoder_lstm_0`, ...); decoding code finds them by these names.

    Args:
        inputs: float tensor `(batch, time, features)`.
        cell: str. `"lstm"`, `"gru"` or `"simple_rnn"` (Keras class names
            accepted). Defaults to `"lstm"`.
        units: int, or list of ints with one width per layer. Defaults to 128.
        num_layers: int. Number of stacked recurrent layers. Defaults to 1.
        bidirectional: bool. Wrap every layer in `Bidirectional`. Defaults to
            `False`.
        merge_mode: str. How `Bidirectional` combines the two directions:
            `"concat"`, `"sum"`, `"mul"` or `"ave"`. Defaults to `"concat"`.
        dropout: float in [0, 1). Dropout on each layer's inputs (one mask per
            sequence; keeps the cuDNN path). Defaults to 0.
        recurrent_dropout: float in [0, 1). Dropout on the recurrent state.
            Any value above 0 leaves the cuDNN path (warned once). Defaults to 0.
        residual: bool. Add each layer's input to its output where both have
            the same width (Wu et al. 2016); not applied to a layer that
            returns a vector. Defaults to `False`.
        return_sequences: bool. Whether the last layer returns every step
            `(batch, time, width)` or the final output `(batch, width)`.
        return_state: bool. Also return the final states of every layer.
        initial_state: `None`, or a list with one entry per layer, each `None`
            or the list of state tensors that layer starts from (`[h, c]` for
            LSTM, `[h]` otherwise; forward then backward when bidirectional).
        stateful: bool. Keep states across batches (truncated BPTT); needs
            a fixed batch size on the input.
        name: str. Prefix of the layer names. Defaults to `"encoder"`.

    Returns:
        The output tensor; with `return_state=True`, the tuple
        `(outputs, states)` where `states[i]` is the list of final state
        tensors of layer `i`.

    Raises:
        ValueError: for a bad argument value, or `inputs` not 3D.
        TypeError: for `inputs` that are not float (token ids need an
            `Embedding` first), or arguments of the wrong type.

    Example:

    >>> x = keras.Input((None, 8))
    >>> y = recurrent_stack(x, cell="gru", units=4, num_layers=2,
    ...                     bidirectional=True)
    >>> tuple(y.shape)
    (None, None, 8)
    """
    check_sequence_input(inputs)
    args = validate_stack_args(
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    cell, units = args["cell"], args["units"]
    if initial_state is not None and len(initial_state) != num_layers:
        raise ValueError(
            "`initial_state` must have one entry per layer "
            f"(num_layers={num_layers}). Received: {len(initial_state)} entries"
        )
    if residual and not _has_residual_pair(inputs.shape[-1], units, bidirectional, merge_mode):
        raise ValueError(
            "`residual=True` needs a layer whose input and output widths are "
            "equal, and no layer here has one. Use equal `units` in at least "
            "two stacked layers (or an input as wide as the first layer). "
            f"Received: input width={inputs.shape[-1]}, units={units}, "
            f"bidirectional={bidirectional}, merge_mode={merge_mode!r}"
        )
    layers = make_recurrent_layers(
        args,
        return_sequences=return_sequences,
        return_state=return_state,
        stateful=stateful,
        name=name,
    )
    return apply_recurrent_layers(
        inputs, layers, initial_state=initial_state, residual=residual
    )


def make_recurrent_layers(args, *, return_sequences, return_state, stateful, name):
    """Creates the layers of a stack from `validate_stack_args` output.

    Topologies that run the same layers twice (for example on a conditioning
    step, then on the tokens) create them here and call
    `apply_recurrent_layers` once per input.
    """
    layer_class = cells.layer_class(args["cell"])
    layers = []
    for i, width in enumerate(args["units"]):
        last = i == args["num_layers"] - 1
        layer = layer_class(
            width,
            dropout=args["dropout"],
            recurrent_dropout=args["recurrent_dropout"],
            return_sequences=return_sequences or not last,
            return_state=return_state,
            stateful=stateful,
            name=f"{name}_{args['cell']}_{i}",
        )
        if args["bidirectional"]:
            layer = keras.layers.Bidirectional(
                layer, merge_mode=args["merge_mode"], name=layer.name
            )
        layers.append(layer)
    return layers


def apply_recurrent_layers(
    inputs, layers, *, initial_state=None, residual=False, suffix=""
):
    """Runs `inputs` through `layers`; see `recurrent_stack` for the returns.

    `suffix` is appended to the names of the residual `Add` layers, so the same
    recurrent layers can be applied to two inputs in one model.
    """
    x, states = inputs, []
    return_state = _inner(layers[0]).return_state
    for i, layer in enumerate(layers):
        start = initial_state[i] if initial_state is not None else None
        y = layer(x, initial_state=start) if start is not None else layer(x)
        if return_state:
            y, layer_states = y[0], list(y[1:])
            states.append(layer_states)
        sequences = _inner(layer).return_sequences
        if residual and sequences and x.shape[-1] == y.shape[-1]:
            y = keras.layers.Add(name=f"{layer.name}_residual{suffix}")([x, y])
        x = y
    return (x, states) if return_state else x


def _inner(layer):
    return layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer


def _has_residual_pair(input_width, units, bidirectional, merge_mode):
    widths = [input_width] + [output_width(u, bidirectional, merge_mode) for u in units]
    return any(a == b for a, b in zip(widths[:-1], widths[1:]))
