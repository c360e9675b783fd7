"""Weight tying: an output layer that reuses the input embedding matrix.

A Functional model cannot hand a variable from one layer to another, so the
tie goes through the graph: `VocabularyIds` emits every token id, the model's
own `Embedding` layer looks them up (the same layer, so the same variable)
and `TiedLogits` projects onto the resulting `(vocabulary_size, dim)` matrix.
Both layers are plain serializable layers: a tied model saves to `.keras`
and loads with `safe_mode=True`, and stays tied after loading.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnn_zoo")
class VocabularyIds(keras.layers.Layer):
    """Emits `[0, 1, ..., vocabulary_size - 1]`, whatever its input.

    Called on any tensor (for example the model's token input, which only
    places the layer in the graph); returns the int32 ids `(vocabulary_size,)`,
    so that an `Embedding` applied to them yields its whole matrix.

    Args:
        vocabulary_size: int. Number of ids to emit.

    Masks: outputs no mask.

    Example:

    >>> ids = VocabularyIds(4)(keras.ops.zeros((2, 3), "int32"))
    >>> keras.ops.convert_to_numpy(ids).tolist()
    [0, 1, 2, 3]
    """

    def __init__(self, vocabulary_size, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size

    def call(self, inputs):
        return ops.arange(self.vocabulary_size, dtype="int32")

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (self.vocabulary_size,)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((self.vocabulary_size,), dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_size=self.vocabulary_size)
        return config


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TiedLogits(keras.layers.Layer):
    """Logits from a shared embedding matrix: `x @ E^T + b`.

    Called on `[x, embeddings]`: `x (..., dim)` and the embedding matrix
    `E (vocabulary_size, dim)` (the output of `Embedding(VocabularyIds(...))`).
    Owns only the bias `(vocabulary_size,)`. Press & Wolf 2017, "Using the
    Output Embedding to Improve Language Models"; Inan et al. 2017.

    Args:
        use_bias: bool. Add a learned bias per token. Defaults to `True`.

    Masks: the output carries the mask of `x`; the matrix's mask is ignored.

    Example:

    >>> x = keras.ops.ones((2, 3, 4))
    >>> E = keras.ops.ones((6, 4))
    >>> tuple(TiedLogits()([x, E]).shape)
    (2, 3, 6)
    """

    def __init__(self, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = use_bias
        self.supports_masking = True

    def build(self, input_shape):
        x_shape, matrix_shape = input_shape
        if x_shape[-1] != matrix_shape[-1]:
            raise ValueError(
                "`TiedLogits` needs inputs as wide as the embedding matrix. "
                f"Received: x width={x_shape[-1]}, embedding width="
                f"{matrix_shape[-1]}"
            )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(matrix_shape[0],), initializer="zeros", name="bias"
            )

    def call(self, inputs, mask=None):
        x, matrix = inputs
        logits = ops.matmul(x, ops.transpose(ops.cast(matrix, x.dtype)))
        if self.use_bias:
            logits = logits + ops.cast(self.bias, x.dtype)
        return logits

    def compute_mask(self, inputs, mask=None):
        return mask[0] if mask is not None else None

    def compute_output_shape(self, input_shape):
        x_shape, matrix_shape = input_shape
        return tuple(x_shape[:-1]) + (matrix_shape[0],)

    def get_config(self):
        config = super().get_config()
        config.update(use_bias=self.use_bias)
        return config
