"""SpecAugment's frequency and time masking (Park et al. 2019)."""

import keras
from keras import ops

from rnn_zoo._validation import check_int


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SpecAugment(keras.layers.Layer):
    """Masks random bands of frequency bins and of frames, in training only.

    Each example gets `freq_masks` bands of `0..freq_width` consecutive
    feature bins and `time_masks` bands of `0..time_width` consecutive
    frames (widths and starts drawn uniformly, per example), set to the
    example's mean feature value over its real frames. Outside training the
    layer is the identity, so predictions and exports are unaffected. Time
    bands start on real frames only; the input's mask passes through
    unchanged.

    Args:
        freq_masks: int >= 0. Frequency bands per example. Defaults to 2.
        freq_width: int >= 0. Largest frequency band, in bins. Defaults to 8.
        time_masks: int >= 0. Time bands per example. Defaults to 2.
        time_width: int >= 0. Largest time band, in frames. Defaults to 10.
        seed: int or None. Seed of the random draws. Defaults to None.

    Input: `(batch, frames, bins)` features, optionally masked.

    Example:

    >>> layer = SpecAugment(freq_masks=1, freq_width=2, time_masks=0, seed=0)
    >>> x = keras.ops.ones((1, 4, 6))
    >>> bool(keras.ops.all(layer(x) == x))  # not training: the identity
    True

    Reference: Park et al. 2019, "SpecAugment: A Simple Data Augmentation
    Method for Automatic Speech Recognition".
    """

    def __init__(self, freq_masks=2, freq_width=8, time_masks=2, time_width=10,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in [("freq_masks", freq_masks), ("freq_width", freq_width),
                            ("time_masks", time_masks), ("time_width", time_width)]:
            check_int(name, value, minimum=0)
        check_int("seed", seed, allow_none=True)
        self.freq_masks, self.freq_width = freq_masks, freq_width
        self.time_masks, self.time_width = time_masks, time_width
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def _bands(self, count, width, size, limit):
        """(batch, size) bool: `count` random bands of up to `width` per row;
        bands start below `limit` (batch, 1), the row's real length."""
        batch = ops.shape(limit)[0]
        positions = ops.expand_dims(ops.arange(size), 0)  # (1, size)
        covered = ops.zeros((batch, size), "bool")
        for _ in range(count):
            draws = keras.random.uniform((batch, 2), seed=self.seed_generator)
            band = ops.cast(ops.floor(draws[:, :1] * (width + 1)), "int32")
            start = ops.cast(ops.floor(draws[:, 1:] * ops.cast(limit, "float32")), "int32")
            covered = covered | ((positions >= start) & (positions < start + band))
        return covered

    def call(self, inputs, training=False, mask=None):
        if not training or not (self.freq_masks or self.time_masks):
            return inputs
        batch, frames, bins = ops.shape(inputs)[0], ops.shape(inputs)[1], inputs.shape[-1]
        if mask is None:
            real = ops.ones((batch, frames), inputs.dtype)
        else:
            real = ops.cast(mask, inputs.dtype)
        lengths = ops.sum(real, axis=1, keepdims=True)  # (batch, 1)
        mean = ops.sum(inputs * real[..., None], axis=(1, 2), keepdims=True) / (
            ops.maximum(lengths[..., None], 1.0) * bins)
        covered = ops.zeros((batch, frames, bins), "bool")
        if self.freq_masks:
            full = ops.full((batch, 1), bins, "int32")
            covered = covered | ops.expand_dims(
                self._bands(self.freq_masks, self.freq_width, bins, full), 1)
        if self.time_masks:
            covered = covered | ops.expand_dims(self._bands(
                self.time_masks, self.time_width, frames, ops.cast(lengths, "int32")), 2)
        return ops.where(covered, ops.cast(mean, inputs.dtype), inputs)

    def get_config(self):
        config = super().get_config()
        config.update(freq_masks=self.freq_masks, freq_width=self.freq_width,
                      time_masks=self.time_masks, time_width=self.time_width, seed=self.seed)
        return config
