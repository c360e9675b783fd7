"""A guard for stateful models, which accept one batch size only."""

import keras


@keras.saving.register_keras_serializable(package="rnn_zoo")
class BatchSizeCheck(keras.layers.Layer):
    """Passes its input through; refuses a batch of the wrong size.

    Stateful recurrent layers keep one state row per sequence of the batch,
    so a stateful model accepts exactly `batch_size` sequences per call. This
    layer says so in plain words before the recurrent layers fail on a shape.
    The check needs a static batch size: on TensorFlow, a short last batch in
    `fit`/`predict` after retracing can still reach the recurrent layer as
    an unknown size (`rnn_zoo.tbptt.make_dataset` never makes short batches).

    Args:
        batch_size: int. The one accepted batch size.

    Masks: passes the input's mask through.

    Example:

    >>> check = BatchSizeCheck(2)
    >>> tuple(check(keras.ops.ones((2, 3))).shape)
    (2, 3)
    """

    def __init__(self, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.supports_masking = True

    def call(self, inputs):
        received = inputs.shape[0]
        if received is not None and received != self.batch_size:
            raise ValueError(
                f"This model is stateful with batch_size={self.batch_size}: it "
                f"keeps one recurrent state per sequence, so every batch must "
                f"hold exactly {self.batch_size} sequences (truncated BPTT "
                "batches from `rnn_zoo.tbptt.make_dataset` always do). Use "
                f"a batch size of {self.batch_size}, or a model built with "
                "stateful=False for other sizes. "
                f"Received: a batch of {received} sequences"
            )
        return inputs

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(batch_size=self.batch_size)
        return config
