"""Vector -> sequence (captioning, generation from a code)."""

import keras

from rnn_zoo import cells
from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.topologies.stacks import (
    apply_recurrent_layers,
    check_sequence_input,
    make_recurrent_layers,
    recurrent_stack,
    validate_stack_args,
)

CONDITIONINGS = ("first_input", "initial_state")


def one_to_many(
    context,
    inputs=None,
    *,
    sequence_length=None,
    conditioning="initial_state",
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    name="decoder",
):
    """Unrolls a sequence from one vector.

    Without `inputs`: `context -> RepeatVector(sequence_length) ->
    recurrent_stack -> (batch, sequence_length, width)`.

    With `inputs` (teacher forcing, e.g. `<s> w1 ... w(n-1)` embedded), the
    context conditions the stack and the output is aligned with `inputs`:

    - `conditioning="initial_state"`: `Dense(tanh)` maps the context to every
      layer's initial states (`h0`, and `c0` for LSTM), as in the CS231n
      captioning model. Layers `f"{name}_initial_state_{i}_{k}"`.
    - `conditioning="first_input"`: the context, projected to the inputs'
      width, is fed as an extra first step whose output is dropped (Vinyals
      et al. 2015, "Show and Tell"). The stack reads the context step, then
      the tokens from the states it left.

    Args:
        context: float tensor `(batch, features)`.
        inputs: optional float tensor `(batch, time, features)`.
        sequence_length: int. Steps to unroll when `inputs` is None.
        conditioning: str. `"initial_state"` or `"first_input"`; used when
            `inputs` are given. Defaults to `"initial_state"`.
        cell, units, num_layers, bidirectional, merge_mode, dropout,
        recurrent_dropout, residual, name: as in `recurrent_stack`.
            `bidirectional=True` is refused with `inputs` (it would read the
            tokens it must predict).

    Returns:
        Tensor `(batch, time, width)`.

    Example:

    >>> features = keras.Input((16,))
    >>> tokens = keras.Input((None, 8))
    >>> y = one_to_many(features, tokens, cell="gru", units=4, num_layers=2)
    >>> tuple(y.shape)
    (None, None, 4)
    >>> tuple(one_to_many(features, sequence_length=3, units=4).shape)
    (None, 3, 4)
    """
    if len(context.shape) != 2:
        raise ValueError(
            "`context` must be a 2D tensor (batch, features). "
            f"Received: context.shape={tuple(context.shape)}"
        )
    conditioning = check_choice("conditioning", conditioning, CONDITIONINGS)
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
    stack = dict(args, name=name)
    if inputs is None:
        if sequence_length is None:
            raise ValueError(
                "`one_to_many` needs `sequence_length` (the number of steps to "
                "unroll) when no `inputs` are given. Received: "
                "sequence_length=None, inputs=None"
            )
        check_int("sequence_length", sequence_length, minimum=1)
        x = keras.layers.RepeatVector(sequence_length, name=f"{name}_repeat")(context)
        return recurrent_stack(x, return_sequences=True, **stack)
    check_sequence_input(inputs)
    if bidirectional:
        raise ValueError(
            "`bidirectional=True` cannot be used with `inputs`: the backward "
            "direction would read the tokens the model has to predict. "
            "Received: bidirectional=True"
        )
    if conditioning == "initial_state":
        initial_state = [
            [
                keras.layers.Dense(
                    width, activation="tanh", name=f"{name}_initial_state_{i}_{k}"
                )(context)
                for k in range(cells.num_states(args["cell"]))
            ]
            for i, width in enumerate(args["units"])
        ]
        return recurrent_stack(
            inputs, return_sequences=True, initial_state=initial_state, **stack
        )
    # "first_input": one shared stack reads the context step, then the tokens.
    layers = make_recurrent_layers(
        args, return_sequences=True, return_state=True, stateful=False, name=name
    )
    step = keras.layers.Dense(inputs.shape[-1], name=f"{name}_context_projection")(
        context
    )
    step = keras.layers.Reshape((1, inputs.shape[-1]), name=f"{name}_context_step")(
        step
    )  # (batch, 1, features)
    _, states = apply_recurrent_layers(
        step, layers, residual=residual, suffix="_context"
    )
    outputs, _ = apply_recurrent_layers(
        inputs, layers, initial_state=states, residual=residual
    )
    return outputs
