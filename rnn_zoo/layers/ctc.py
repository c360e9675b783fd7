"""The output layer of CTC models: padded frames become certain blanks."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CTCBlankPadding(keras.layers.Layer):
    """Sets the distribution of every masked frame to a certain blank.

    Keras' CTC loss (`keras.losses.CTC`) and `keras.ops.ctc_decode` run over
    every frame of the batch. A padded frame whose distribution puts
    probability 1 on the blank adds nothing to any path: the CTC probability
    of a label over the padded sequence equals its probability over the real
    frames, and decoding drops the blanks. So the per-example input lengths
    need no extra input: the mask carries them.

    Args:
        blank_index: int. Index of the CTC blank class. Defaults to 0, as in
            `keras.losses.CTC`.

    Masks: takes the `(batch, time)` mask of its input (class probabilities
    `(batch, time, classes)`) and outputs no mask, so the loss sees one value
    per sequence.

    Example:

    >>> probs = keras.ops.full((1, 3, 4), 0.25)
    >>> mask = keras.ops.convert_to_tensor([[True, True, False]])
    >>> keras.ops.convert_to_numpy(CTCBlankPadding()(probs, mask=mask))[0, 2]
    array([1., 0., 0., 0.], dtype=float32)
    """

    def __init__(self, blank_index=0, **kwargs):
        super().__init__(**kwargs)
        self.blank_index = blank_index
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs
        blank = ops.one_hot(self.blank_index, inputs.shape[-1], dtype=inputs.dtype)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)  # (batch, time, 1)
        return ops.where(keep, inputs, blank)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(blank_index=self.blank_index)
        return config
