"""Sequence -> vector."""

import keras

from rnn_zoo._validation import check_choice
from rnn_zoo.layers.pooling import (
    AttentionPooling1D,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
)
from rnn_zoo.topologies.stacks import recurrent_stack

POOLINGS = ("attention", "last", "max", "mean")


def check_pooling(pooling):
    return check_choice("pooling", pooling, POOLINGS)


def many_to_one(
    inputs,
    *,
    pooling="last",
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
    """Reads a sequence and returns one vector.

    `(batch, time, features) -> recurrent_stack -> pooling -> (batch, width)`

    Readouts (`pooling`), all over the real steps only:

    - `"last"`: the final state (for `bidirectional`, the forward direction's
      last step with the backward direction's first).
    - `"mean"` / `"max"`: average / maximum of the last layer's outputs.
    - `"attention"`: learned attention weights over the steps
      (`AttentionPooling1D`, layer name `f"{name}_attention_pooling"`).

    Args:
        inputs: float tensor `(batch, time, features)`, optionally masked.
        pooling: str. `"last"`, `"mean"`, `"max"` or `"attention"`.
            Defaults to `"last"`.
        cell, units, num_layers, bidirectional, merge_mode, dropout,
        recurrent_dropout, residual, name: as in `recurrent_stack`.

    Returns:
        Tensor `(batch, width)`, where width is the last layer's output width.

    Example:

    >>> tokens = keras.Input((None,), dtype="int32")
    >>> x = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    >>> v = many_to_one(x, pooling="mean", cell="gru", units=4)
    >>> tuple(v.shape)
    (None, 4)
    """
    pooling = check_pooling(pooling)
    stack = dict(
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
        name=name,
    )
    if pooling == "last":
        return recurrent_stack(inputs, return_sequences=False, **stack)
    x = recurrent_stack(inputs, return_sequences=True, **stack)  # (batch, time, width)
    if pooling == "mean":
        return MaskedGlobalAveragePooling1D(name=f"{name}_mean_pooling")(x)
    if pooling == "max":
        return MaskedGlobalMaxPooling1D(name=f"{name}_max_pooling")(x)
    return AttentionPooling1D(units=x.shape[-1], name=f"{name}_attention_pooling")(x)
