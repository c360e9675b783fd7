"""Attention of a decoder over encoder outputs (Bahdanau and Luong scores)."""

import keras
from keras import ops

from rnn_zoo.layers._numerics import large_negative


class _SequenceAttention(keras.layers.Layer):
    """Shared masking, softmax and context for the score functions below.

    Called on `[query, value]`: `query (batch, Tq, dq)` (decoder states),
    `value (batch, Tv, dv)` (encoder outputs, also used as keys). Returns the
    context `(batch, Tq, dv)` and, with `return_attention_scores=True`, the
    weights `(batch, Tq, Tv)`.

    Masks: padded value steps get weight exactly 0 and the weights over the
    real value steps sum to 1; the output carries the query's mask.
    """

    def __init__(self, units, return_attention_scores=False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.return_attention_scores = return_attention_scores
        self.supports_masking = True

    def score(self, query, value):
        raise NotImplementedError

    def call(self, inputs, mask=None):
        query, value = inputs
        scores = self.score(query, value)  # (batch, Tq, Tv)
        value_mask = mask[1] if mask is not None else None
        if value_mask is not None:
            keep = ops.expand_dims(ops.cast(value_mask, "bool"), 1)  # (batch, 1, Tv)
            scores = ops.where(keep, scores, scores + large_negative(scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, value)  # (batch, Tq, dv)
        if self.return_attention_scores:
            return context, weights
        return context

    def compute_mask(self, inputs, mask=None):
        query_mask = mask[0] if mask is not None else None
        if self.return_attention_scores:
            return [query_mask, query_mask]
        return query_mask

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape
        context = (query_shape[0], query_shape[1], value_shape[2])
        if self.return_attention_scores:
            return context, (query_shape[0], query_shape[1], value_shape[1])
        return context

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, return_attention_scores=self.return_attention_scores
        )
        return config


@keras.saving.register_keras_serializable(package="rnn_zoo")
class BahdanauAttention(_SequenceAttention):
    """Additive attention: `score(q, k) = v . tanh(W_q q + W_k k)`.

    Bahdanau, Cho & Bengio 2015, "Neural Machine Translation by Jointly
    Learning to Align and Translate".

    Args:
        units: int. Width of the additive scoring layer.
        return_attention_scores: bool. Also return the attention weights.

    Example:

    >>> q, v = keras.random.normal((2, 3, 4)), keras.random.normal((2, 5, 6))
    >>> context, weights = BahdanauAttention(8, return_attention_scores=True)([q, v])
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3, 6), (2, 3, 5))
    """

    def __init__(self, units, return_attention_scores=False, **kwargs):
        super().__init__(units, return_attention_scores, **kwargs)
        self.query_dense = keras.layers.Dense(units, use_bias=False, name="query")
        self.key_dense = keras.layers.Dense(units, name="key")
        self.score_dense = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        self.query_dense.build(query_shape)
        self.key_dense.build(value_shape)
        self.score_dense.build((None, self.units))

    def score(self, query, value):
        q = ops.expand_dims(self.query_dense(query), 2)  # (batch, Tq, 1, units)
        k = ops.expand_dims(self.key_dense(value), 1)  # (batch, 1, Tv, units)
        return ops.squeeze(self.score_dense(ops.tanh(q + k)), -1)  # (batch, Tq, Tv)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class LuongAttention(_SequenceAttention):
    """Multiplicative ("general") attention: `score(q, k) = q . W k`.

    Luong, Pham & Manning 2015, "Effective Approaches to Attention-based
    Neural Machine Translation".

    Args:
        units: int. Width of the query (the keys are projected to it).
        return_attention_scores: bool. Also return the attention weights.

    Example:

    >>> q, v = keras.random.normal((2, 3, 4)), keras.random.normal((2, 5, 6))
    >>> tuple(LuongAttention(4)([q, v]).shape)
    (2, 3, 6)
    """

    def __init__(self, units, return_attention_scores=False, **kwargs):
        super().__init__(units, return_attention_scores, **kwargs)
        self.key_dense = keras.layers.Dense(units, use_bias=False, name="key")

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        if query_shape[-1] is not None and query_shape[-1] != self.units:
            raise ValueError(
                "LuongAttention needs a query as wide as `units`. "
                f"Received: units={self.units}, query width={query_shape[-1]}"
            )
        self.key_dense.build(value_shape)

    def score(self, query, value):
        keys = self.key_dense(value)  # (batch, Tv, units)
        return ops.matmul(query, ops.transpose(keys, (0, 2, 1)))  # (batch, Tq, Tv)


ATTENTIONS = {"bahdanau": BahdanauAttention, "luong": LuongAttention}
