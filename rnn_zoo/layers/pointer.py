"""Pointer distributions over the steps of a sequence (span extraction)."""

import keras
import numpy as np  # noqa: F401  (used in the docstring example)
from keras import ops

from rnn_zoo.layers._numerics import large_negative


@keras.saving.register_keras_serializable(package="rnn_zoo")
class BilinearPointer(keras.layers.Layer):
    """Distribution over the steps of a sequence, scored against a query.

    `score_t = h_t . W q`, `p = softmax(score)` over the real steps: the
    start and end pointers of extractive question answering (Chen et al.
    2017, "Reading Wikipedia to Answer Open-Domain Questions"; pointer
    networks, Vinyals et al. 2015).

    Called on `[sequence, query]`: `sequence (batch, time, d)` (the encoded
    context), `query (batch, q)` (the encoded question). Returns
    `(batch, time)` probabilities.

    Masks: masked steps of `sequence` get probability exactly 0 and the real
    steps sum to 1 (a sequence with no real step gets all zeros). The output
    has no mask: it is one distribution per example, and a loss on it is
    per example.

    Example:

    >>> h, q = keras.random.normal((2, 5, 4)), keras.random.normal((2, 3))
    >>> mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    >>> p = keras.ops.convert_to_numpy(BilinearPointer()([h, q], mask=[mask, None]))
    >>> p.shape, bool(np.allclose(p.sum(-1), 1)), bool((p[0, 3:] == 0).all())
    ((2, 5), True, True)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        sequence_shape, query_shape = input_shape
        self.kernel = self.add_weight(
            shape=(query_shape[-1], sequence_shape[-1]),
            initializer="glorot_uniform",
            name="kernel",
        )

    def call(self, inputs, mask=None):
        sequence, query = inputs
        projected = ops.matmul(query, self.kernel)  # (batch, d)
        scores = ops.einsum("btd,bd->bt", sequence, projected)  # (batch, time)
        steps = mask[0] if mask is not None else None
        if steps is None:
            return ops.softmax(scores, axis=-1)
        real = ops.cast(steps, "bool")
        # A large negative score softmaxes to 0; `where` makes it exact.
        p = ops.softmax(ops.where(real, scores, scores + large_negative(scores.dtype)), axis=-1)
        return ops.where(real, p, ops.zeros_like(p))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        sequence_shape, _ = input_shape
        return tuple(sequence_shape[:2])
