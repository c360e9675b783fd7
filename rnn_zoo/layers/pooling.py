"""Masked readouts that turn a sequence into one vector."""

import keras
from keras import ops

from rnn_zoo.layers._numerics import large_negative


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedGlobalAveragePooling1D(keras.layers.Layer):
    """Mean over the real (unmasked) time steps of a sequence.

    `keras.layers.GlobalAveragePooling1D` divides by the number of real
    steps, so a sequence with none (an empty review, an empty line) pools to
    0/0 = NaN, and one such row in a batch turns the loss and every weight
    NaN. This layer divides by at least 1.

    Masks: takes the `(batch, time)` mask of its input; masked steps are
    excluded from the mean. A sequence with no real step pools to zeros (with
    zero gradients). Outputs no mask.

    Example:

    >>> x = keras.ops.convert_to_tensor([[[1.0], [5.0], [9.0]], [[2.0], [2.0], [2.0]]])
    >>> mask = keras.ops.convert_to_tensor([[True, True, False], [False] * 3])
    >>> keras.ops.convert_to_numpy(MaskedGlobalAveragePooling1D()(x, mask=mask))
    array([[3.],
           [0.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)  # (batch, time, 1)
        total = ops.sum(inputs * keep, axis=1)  # (batch, features)
        count = ops.maximum(ops.sum(keep, axis=1), 1.0)  # (batch, 1)
        return total / count

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Maximum over the real (unmasked) time steps of a sequence.

    `keras.layers.GlobalMaxPooling1D` ignores masks, so a padded step can win
    the maximum; this layer never lets a masked step through.

    Masks: takes the `(batch, time)` mask of its input; masked steps are
    excluded from the maximum. A sequence with no real step pools to zeros.
    Outputs no mask.

    Example:

    >>> x = keras.ops.convert_to_tensor([[[1.0], [5.0], [9.0]]])
    >>> mask = keras.ops.convert_to_tensor([[True, True, False]])
    >>> keras.ops.convert_to_numpy(MaskedGlobalMaxPooling1D()(x, mask=mask))
    array([[5.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)  # (batch, time, 1)
        # Masked steps take the row's own minimum (never above a real step),
        # not -inf: the ONNX export turns a filled -inf into NaN.
        lowest = ops.min(inputs, axis=1, keepdims=True)
        pooled = ops.max(ops.where(keep, inputs, lowest), axis=1)
        any_real = ops.any(keep, axis=1)  # (batch, 1)
        return ops.where(any_real, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="rnn_zoo")
class AttentionPooling1D(keras.layers.Layer):
    """Attention-weighted average of a sequence, with learned scores.

    `score_t = v . tanh(W h_t + b)`, `a = softmax(score)` over the real steps,
    output `sum_t a_t h_t` (Yang et al. 2016, "Hierarchical Attention
    Networks"; Bahdanau et al. 2015 score function with a learned query).

    Args:
        units: int. Width of the hidden scoring layer. Defaults to 64.
        return_attention_scores: bool. Also return the weights
            `(batch, time)`. Defaults to `False`.

    Masks: masked steps get weight exactly 0 and the weights of the real steps
    sum to 1; a sequence with no real step gets all weights 0 and pools to
    zeros. Outputs no mask.

    Example:

    >>> x = keras.random.normal((2, 5, 4))
    >>> tuple(AttentionPooling1D(units=3)(x).shape)
    (2, 4)
    """

    def __init__(self, units=64, return_attention_scores=False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.return_attention_scores = return_attention_scores
        self.supports_masking = True
        self.hidden = keras.layers.Dense(units, activation="tanh", name="hidden")
        self.score = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, input_shape):
        self.hidden.build(input_shape)
        self.score.build(tuple(input_shape[:-1]) + (self.units,))

    def call(self, inputs, mask=None):
        scores = ops.squeeze(self.score(self.hidden(inputs)), -1)  # (batch, time)
        if mask is not None:
            # A large negative score softmaxes to exactly 0 in float32.
            scores = ops.where(ops.cast(mask, "bool"), scores, scores + large_negative(scores.dtype))
        weights = ops.softmax(scores, axis=-1)  # (batch, time)
        if mask is not None:
            # All-padding rows: softmax spreads over the padding; zero it.
            weights = weights * ops.cast(mask, weights.dtype)
        pooled = ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)
        if self.return_attention_scores:
            return pooled, weights
        return pooled

    def compute_mask(self, inputs, mask=None):
        return None if not self.return_attention_scores else [None, None]

    def compute_output_shape(self, input_shape):
        pooled = (input_shape[0], input_shape[2])
        if self.return_attention_scores:
            return pooled, (input_shape[0], input_shape[1])
        return pooled

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, return_attention_scores=self.return_attention_scores
        )
        return config
