"""Aligned sequence -> sequence: one output per input step."""

import keras  # noqa: F401  (used in the docstring example)

from rnn_zoo.topologies.stacks import recurrent_stack


def many_to_many(
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
    name="encoder",
):
    """Returns one output vector per input step (tagging, language models).

    `(batch, time, features) -> recurrent_stack -> (batch, time, width)`

    A per-step head is a plain `Dense` on the result: `Dense` acts on the last
    axis and keeps the mask, so no `TimeDistributed` is needed (which fails on
    an unknown time axis in Keras 3.15). The output carries the input's mask,
    so a loss on it ignores padded steps.

    Args:
        inputs: float tensor `(batch, time, features)`, optionally masked.
        cell, units, num_layers, bidirectional, merge_mode, dropout,
        recurrent_dropout, residual, name: as in `recurrent_stack`. Keep
        `bidirectional=False` for models that predict the next step.

    Returns:
        Tensor `(batch, time, width)`.

    Example:

    >>> x = keras.Input((None, 6))
    >>> y = many_to_many(x, cell="lstm", units=4, bidirectional=True,
    ...                  merge_mode="sum")
    >>> tuple(y.shape)
    (None, None, 4)
    """
    return recurrent_stack(
        inputs,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
        return_sequences=True,
        name=name,
    )
