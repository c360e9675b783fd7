"""Layers of the perception models: time folding, frame masks, masked
convolution, CTC blank padding."""

import keras
import numpy as np
import pytest

from rnn_zoo.layers import (
    CTCBlankPadding,
    FoldTime,
    FrameMasking,
    MaskedConv1D,
    UnfoldTime,
)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def round_trip(layer):
    return layer.__class__.from_config(layer.get_config())


def test_frame_masking_reduces_over_every_feature_axis():
    frames = np.ones((2, 4, 3, 3, 2), "float32")
    frames[0, 2:] = -1.0
    frames[1, 1, 0, 0, 0] = 5.0
    layer = round_trip(FrameMasking(mask_value=-1.0))
    np.testing.assert_array_equal(
        numpy(layer.compute_mask(frames)), [[True, True, False, False], [True] * 4]
    )
    np.testing.assert_array_equal(numpy(layer(frames)), frames)
    with pytest.raises(ValueError, match=r"FrameMasking needs inputs with a batch and a "
                                         r"time axis.*Received: inputs.shape=\(2, 4\)"):
        FrameMasking()(np.ones((2, 4), "float32"))


def test_fold_and_unfold_time_with_an_unknown_number_of_frames():
    frames = keras.Input((None, 4, 4, 1))
    masked = FrameMasking()(frames)
    folded = FoldTime()(masked)  # (batch * time, 4, 4, 1)
    assert tuple(folded.shape) == (None, 4, 4, 1)
    features = keras.layers.Flatten()(folded)  # (batch * time, 16)
    unfolded = UnfoldTime()([features, masked])  # (batch, time, 16)
    assert tuple(unfolded.shape) == (None, None, 16)
    pooled = keras.layers.GlobalAveragePooling1D()(unfolded)  # masked mean
    model = keras.Model(frames, [unfolded, pooled])
    x = np.random.default_rng(0).uniform(1, 2, (2, 3, 4, 4, 1)).astype("float32")
    x[1, 2] = 0.0  # a padding frame
    out, mean = model(x)
    np.testing.assert_allclose(numpy(out), x.reshape(2, 3, 16))
    np.testing.assert_allclose(numpy(mean)[1], x[1, :2].reshape(2, 16).mean(0), rtol=1e-6)
    round_trip(FoldTime())
    round_trip(UnfoldTime())


def test_fold_time_needs_known_frame_shape():
    with pytest.raises(ValueError, match="FoldTime needs every axis after time to be known"):
        FoldTime()(keras.Input((None, None, 4, 1)))


@pytest.mark.parametrize("kernel_size, strides", [(3, 1), (4, 2), (5, 3)])
def test_masked_conv1d_padding_does_not_change_real_frames(kernel_size, strides):
    layer = MaskedConv1D(3, kernel_size, strides=strides, activation="tanh")
    x = np.random.default_rng(0).normal(size=(2, 7, 2)).astype("float32")
    mask = np.ones((2, 7), bool)
    mask[1, 4:] = False
    out = numpy(layer(x, mask=mask))
    assert out.shape == (2, -(-7 // strides), 3)
    np.testing.assert_array_equal(numpy(layer.compute_mask(x, mask)), mask[:, ::strides])
    # Append padding frames full of garbage: real output frames stay the same.
    garbage = np.concatenate([x, 9 * np.ones((2, 5, 2), "float32")], axis=1)
    longer = np.concatenate([mask, np.zeros((2, 5), bool)], axis=1)
    padded = numpy(layer(garbage, mask=longer))
    real = mask[:, ::strides]
    np.testing.assert_allclose(padded[:, : out.shape[1]][real], out[real], atol=1e-6)
    clone = round_trip(layer)
    assert (clone.filters, clone.kernel_size, clone.strides) == (3, kernel_size, strides)


def test_masked_conv1d_needs_a_sequence():
    with pytest.raises(ValueError, match=r"MaskedConv1D needs inputs with a batch and a time"):
        MaskedConv1D(2, 3)(np.ones((2, 3), "float32"))


def test_ctc_blank_padding():
    probs = np.full((1, 3, 4), 0.25, "float32")
    layer = round_trip(CTCBlankPadding(blank_index=2))
    np.testing.assert_array_equal(numpy(layer(probs)), probs)  # no mask: unchanged
    out = numpy(layer(probs, mask=np.array([[True, False, True]])))
    np.testing.assert_array_equal(out[0, 1], [0, 0, 1, 0])
    np.testing.assert_array_equal(out[0, [0, 2]], probs[0, [0, 2]])
    assert layer.compute_mask(probs, np.array([[True, True, True]])) is None
