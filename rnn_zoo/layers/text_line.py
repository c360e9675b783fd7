"""Convolutions over text-line images whose width is a masked time axis.

A text-line image is read as a sequence of pixel columns `(batch, width,
height[, channels])`, right-padded along the width. `keras.layers.Conv2D`
drops the mask, and its `"same"` padding lets padded columns leak into the
last real ones; these layers keep every real column's output independent of
how much padding follows it.
"""

import keras
from keras import ops


def _check_rank(layer, shape, ranks):
    if len(shape) not in ranks:
        raise ValueError(
            f"{layer} takes images read column by column: (batch, width, "
            "height) or (batch, width, height, channels). "
            f"Received: inputs.shape={tuple(shape)}"
        )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedConv2D(keras.layers.Layer):
    """2D convolution (ReLU) and max pooling that respect a column mask.

    Masked columns are zeroed, the image is zero-padded by `kernel_size - 1`
    on both axes (the extra one right/below for even kernels) and convolved
    with `"valid"` padding, so each output pixel sees the same neighbourhood
    as `"same"` padding would give it; with `batch_norm`, a
    `BatchNormalization` whose batch statistics count only the real columns
    comes between the convolution and the ReLU. Outputs on masked columns
    are zeroed again, the width is zero-padded to a multiple of
    `pool_size[0]`, and
    `MaxPooling2D(pool_size)` subsamples both axes (after ReLU, a zero never
    wins a max over real values, and padding columns hold zeros).

    Args:
        filters: int. Output channels.
        kernel_size: int. Height and width of the square kernel.
        pool_size: tuple of 2 ints `(width, height)`. Max-pooling window and
            stride. Defaults to `(2, 2)`.
        batch_norm: bool. Normalise the convolution's outputs (batch
            statistics over real columns only, moving averages with momentum
            0.9) before the ReLU; CTC training then converges in far fewer
            steps. Defaults to `False`.

    Masks: takes a `(batch, width)` mask; output column `j` is real when
    input column `j * pool_size[0]` is. With right-padded images, padding
    never changes the outputs of real columns. A rank-3 input `(batch,
    width, height)` is read as one channel.

    Example:

    >>> layer = MaskedConv2D(4, kernel_size=3, pool_size=(2, 2))
    >>> tuple(layer(keras.ops.ones((2, 7, 8))).shape)
    (2, 4, 4, 4)
    """

    def __init__(self, filters, kernel_size, pool_size=(2, 2), batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_norm, bool):
            raise TypeError(
                f"`batch_norm` must be True or False. Received: batch_norm={batch_norm!r}"
            )
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool_size = tuple(pool_size)
        self.batch_norm = batch_norm
        self.supports_masking = True
        self.conv = keras.layers.Conv2D(
            filters, kernel_size, padding="valid", use_bias=not batch_norm,
            activation=None if batch_norm else "relu", name="conv",
        )
        self.norm = (keras.layers.BatchNormalization(momentum=0.9, name="norm")
                     if batch_norm else None)

    def build(self, input_shape):
        _check_rank("MaskedConv2D", input_shape, (3, 4))
        channels = 1 if len(input_shape) == 3 else input_shape[3]
        self.conv.build(
            (input_shape[0], None, input_shape[2] + self.kernel_size - 1, channels)
        )
        if self.norm is not None:
            self.norm.build((input_shape[0], None, input_shape[2], self.filters))

    def call(self, inputs, mask=None, training=None):
        if len(inputs.shape) == 3:
            inputs = ops.expand_dims(inputs, -1)  # (batch, width, height, 1)
        keep = None
        if mask is not None:
            keep = ops.cast(mask, inputs.dtype)[:, :, None, None]  # (batch, width, 1, 1)
            inputs = inputs * keep
        low = (self.kernel_size - 1) // 2
        high = self.kernel_size - 1 - low
        x = ops.pad(inputs, ((0, 0), (low, high), (low, high), (0, 0)))
        x = self.conv(x)  # (batch, width, height, filters)
        if self.norm is not None:
            norm_mask = None
            if mask is not None:  # (batch, width, height): statistics of real columns
                norm_mask = ops.broadcast_to(ops.cast(mask, "bool")[:, :, None],
                                             ops.shape(x)[:3])
            x = ops.relu(self.norm(x, training=training, mask=norm_mask))
        if keep is not None:
            x = x * keep
        pool_w, pool_h = self.pool_size
        extra = (-ops.shape(x)[1]) % pool_w
        x = ops.pad(x, ((0, 0), (0, extra), (0, 0), (0, 0)))
        if pool_w == 1 and pool_h == 1:
            return x
        return ops.max_pool(x, (pool_w, pool_h), strides=(pool_w, pool_h),
                            padding="valid")

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return mask[:, :: self.pool_size[0]]

    def compute_output_shape(self, input_shape):
        width, height = input_shape[1], input_shape[2]
        if width is not None:
            width = -(-width // self.pool_size[0])
        if height is not None:
            height = height // self.pool_size[1]
        return (input_shape[0], width, height, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      pool_size=list(self.pool_size), batch_norm=self.batch_norm)
        return config


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ColumnFeatures(keras.layers.Layer):
    """Flattens each column of a feature map into one frame vector.

    `(batch, width, height, channels) -> (batch, width, height * channels)`:
    the sequence a recurrent layer reads along the width.

    Masks: passes the `(batch, width)` mask through unchanged.

    Example:

    >>> tuple(ColumnFeatures()(keras.ops.zeros((2, 5, 4, 3))).shape)
    (2, 5, 12)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        _check_rank("ColumnFeatures", input_shape, (4,))
        if input_shape[2] is None or input_shape[3] is None:
            raise ValueError(
                "ColumnFeatures needs the height and channels known, so that "
                f"every frame has a fixed size. Received: inputs.shape={tuple(input_shape)}"
            )

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0], shape[1], inputs.shape[2] * inputs.shape[3]))

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], input_shape[2] * input_shape[3])
