"""Layers that work along the time axis of frame sequences (video, audio).

`keras.layers.TimeDistributed` fails when the time axis is unknown (Keras
3.15), and `keras.layers.Masking` and `Conv1D` do not handle frame masks the
way variable-length batches need; these small layers fill those gaps.
"""

import keras
from keras import ops


def _check_time_rank(layer, shape, minimum):
    if len(shape) < minimum:
        raise ValueError(
            f"{layer} needs inputs with a batch and a time axis and at least "
            f"{minimum - 2} feature axis(es): (batch, time, ...). "
            f"Received: inputs.shape={tuple(shape)}"
        )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class FrameMasking(keras.layers.Layer):
    """Masks the steps of a sequence whose every value equals `mask_value`.

    `keras.layers.Masking` compares the last axis only, so on video frames
    `(batch, time, height, width, channels)` it would return a 4D mask; this
    layer reduces over every axis after time and returns the `(batch, time)`
    mask recurrent layers expect.

    Args:
        mask_value: float. The value of padding frames. Defaults to 0.

    Masks: outputs the inputs unchanged, with the mask `(batch, time)`, True
    where a step holds any value other than `mask_value`.

    Example:

    >>> frames = keras.ops.zeros((1, 3, 2, 2, 1))
    >>> frames = keras.ops.slice_update(frames, (0, 0, 0, 0, 0),
    ...                                 keras.ops.ones((1, 1, 1, 1, 1)))
    >>> keras.ops.convert_to_numpy(FrameMasking().compute_mask(frames))
    array([[ True, False, False]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def build(self, input_shape):
        _check_time_rank("FrameMasking", input_shape, 3)

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        axes = tuple(range(2, len(inputs.shape)))
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=axes)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config


@keras.saving.register_keras_serializable(package="rnn_zoo")
class FoldTime(keras.layers.Layer):
    """Folds the time axis into the batch: `(batch, time, ...) -> (batch * time, ...)`.

    With `UnfoldTime`, it runs any per-frame model (a CNN) on every frame of
    a clip, like `TimeDistributed`, but also when the number of frames is
    unknown. The axes after time must be known.

    Masks: accepts a mask and outputs none (the batch axis changed);
    `UnfoldTime` takes the mask back from its reference input.

    Example:

    >>> tuple(FoldTime()(keras.ops.zeros((2, 3, 4, 4, 1))).shape)
    (6, 4, 4, 1)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        _check_time_rank("FoldTime", input_shape, 3)
        if any(d is None for d in input_shape[2:]):
            raise ValueError(
                "FoldTime needs every axis after time to be known, so that the "
                "folded frames have a fixed shape. "
                f"Received: inputs.shape={tuple(input_shape)}"
            )

    def call(self, inputs):
        return ops.reshape(inputs, (-1,) + tuple(inputs.shape[2:]))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        folded = None if batch is None or time is None else batch * time
        return (folded,) + tuple(input_shape[2:])


@keras.saving.register_keras_serializable(package="rnn_zoo")
class UnfoldTime(keras.layers.Layer):
    """Undoes `FoldTime`: `[(batch * time, ...), reference] -> (batch, time, ...)`.

    Called on `[folded, reference]`, where `reference` is the tensor that was
    folded (its batch and time sizes are read at run time).

    Masks: the output carries the reference's mask (for example from
    `FrameMasking`), so padded frames stay masked after a per-frame model.

    Example:

    >>> frames = keras.ops.zeros((2, 3, 4, 4, 1))
    >>> features = keras.ops.zeros((6, 8))
    >>> tuple(UnfoldTime()([features, frames]).shape)
    (2, 3, 8)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        folded, reference = inputs
        shape = ops.shape(reference)
        return ops.reshape(folded, (shape[0], shape[1]) + tuple(folded.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[1]

    def compute_output_shape(self, input_shape):
        folded, reference = input_shape
        return (reference[0], reference[1]) + tuple(folded[1:])


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedConv1D(keras.layers.Layer):
    """1D convolution over time that respects the mask, with subsampling.

    `Conv1D` drops the mask, and its `"same"` padding for `strides > 1`
    depends on the padded length, so padding would change the outputs of
    real frames. This layer zeroes masked frames, pads `(kernel_size - 1)`
    zeros around the sequence (the extra one on the right for even kernels)
    and convolves with `strides`: output frame `i` looks at input frames
    around `i * strides`, and `ceil(time / strides)` frames come out.

    Args:
        filters: int. Output features per frame.
        kernel_size: int. Frames each output frame looks at.
        strides: int. Subsampling factor of the time axis. Defaults to 1.
        activation: activation name. Defaults to `"relu"`.

    Masks: output frame `i` is real when input frame `i * strides` is; with
    right-padded inputs, padding never changes the outputs of real frames.

    Example:

    >>> layer = MaskedConv1D(4, kernel_size=3, strides=2)
    >>> tuple(layer(keras.ops.ones((2, 7, 3))).shape)
    (2, 4, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.activation = activation
        self.supports_masking = True
        self.conv = keras.layers.Conv1D(
            filters, kernel_size, strides=strides, padding="valid",
            activation=activation, name="conv",
        )

    def build(self, input_shape):
        _check_time_rank("MaskedConv1D", input_shape, 3)
        self.conv.build((input_shape[0], None, input_shape[2]))

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
            inputs = inputs * keep  # (batch, time, features), zeros on padding
        left = (self.kernel_size - 1) // 2
        right = self.kernel_size - 1 - left
        inputs = ops.pad(inputs, ((0, 0), (left, right), (0, 0)))
        return self.conv(inputs)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return mask[:, :: self.strides]

    def compute_output_shape(self, input_shape):
        time = input_shape[1]
        if time is not None:
            time = -(-time // self.strides)
        return (input_shape[0], time, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            activation=self.activation,
        )
        return config
