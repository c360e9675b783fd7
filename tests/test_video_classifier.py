import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.data import synthetic

TINY = dict(
    num_classes=3, frame_shape=(8, 8, 1), image_encoder="small_cnn",
    image_encoder_weights=None, units=4,
)


def clips(batch=2, frames=5, seed=0):
    return np.random.default_rng(seed).uniform(1, 255, (batch, frames, 8, 8, 1)).astype("float32")


def test_any_number_of_frames_and_padding_masked():
    model = rnn_zoo.build("video_classifier", per_frame=True, **TINY)
    assert model.inputs[0].shape[1] is None  # time axis unknown
    for frames in (2, 7):
        assert model.predict(clips(frames=frames), verbose=0).shape == (2, frames, 3)
    model = rnn_zoo.build("video_classifier", frame_pooling="flatten", **TINY)
    x = clips(frames=4)
    padded = np.concatenate([x, np.zeros((2, 3, 8, 8, 1), "float32")], axis=1)
    np.testing.assert_allclose(
        model.predict(padded, verbose=0), model.predict(x, verbose=0), atol=1e-5
    )
    # The per-frame features keep the grid's layout with "flatten".
    assert model.get_layer("unfold_frames").output.shape[-1] == 2 * 2 * 32


@pytest.mark.parametrize("per_frame", [False, True])
def test_features_input(per_frame):
    model = rnn_zoo.build(
        "video_classifier", num_classes=3, image_encoder=None, feature_dim=6,
        units=4, per_frame=per_frame,
    )
    x = np.random.default_rng(0).normal(size=(2, 5, 6)).astype("float32")
    expected = (2, 5, 3) if per_frame else (2, 3)
    assert model.predict(x, verbose=0).shape == expected


FEATURES = dict(num_classes=3, image_encoder=None, feature_dim=2, units=4)


def features(frames=5):
    return np.random.default_rng(0).normal(size=(2, frames, 2)).astype("float32")


def test_per_frame_labels_of_the_wrong_length():
    # A fresh model per call: the check reads the shapes the first trace sees.
    # (Features instead of frames: the check is the same, and cheaper to trace.)
    with pytest.raises(ValueError, match=(
            r"Per-frame labels must be \(batch, frames\), one per frame of the clips: "
            r"the clips have 5 frames.*Received: labels of shape \(2, 7\)")):
        rnn_zoo.build("video_classifier", per_frame=True, **FEATURES).train_on_batch(
            features(), np.zeros((2, 7), "int32")
        )
    with pytest.raises(ValueError, match=r"Per-frame labels.*Received: labels of shape \(2,\)"):
        rnn_zoo.build("video_classifier", per_frame=True, **FEATURES).train_on_batch(
            features(), np.zeros((2,), "int32")
        )


def test_clip_labels_must_be_one_per_clip():
    model = rnn_zoo.build("video_classifier", **FEATURES)
    with pytest.raises(ValueError, match=(
            r"one label per clip \(per_frame=False\), so labels must be \(batch,\). "
            r"For one label per frame, build with per_frame=True")):
        model.train_on_batch(features(), np.zeros((2, 5), "int32"))


def test_label_checks_accept_a_trailing_axis_and_round_trip():
    from rnn_zoo.tasks.video_classifier import (
        VideoLabelAccuracy,
        VideoLabelCrossentropy,
    )

    model = rnn_zoo.build("video_classifier", per_frame=True, **FEATURES)
    model.train_on_batch(features(), np.zeros((2, 5, 1), "int32"))
    model = rnn_zoo.build("video_classifier", per_frame=True, **FEATURES)
    model.train_on_batch(features(), np.zeros((2, 5), "int32"))
    clone = keras.losses.deserialize(
        keras.losses.serialize(VideoLabelCrossentropy(per_frame=True))
    )
    assert isinstance(clone, VideoLabelCrossentropy) and clone.per_frame
    metric = keras.metrics.deserialize(
        keras.metrics.serialize(VideoLabelAccuracy(per_frame=True))
    )
    assert isinstance(metric, VideoLabelAccuracy) and metric.per_frame


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(feature_dim=6), ValueError,
         "`feature_dim` is for precomputed per-frame features"),
        (dict(image_encoder=None), ValueError,
         "image_encoder=None takes precomputed per-frame features. Pass `feature_dim`"),
        (dict(image_encoder=None, frame_shape=None), ValueError,
         "`feature_dim` \\(features per frame\\) is needed"),
        (dict(frame_shape=(5, 8, 8, 1)), ValueError,
         r"`frame_shape` must be \(height, width, channels\).*frame_shape=\(5, 8, 8, 1\)"),
        (dict(image_encoder="mobilenet_v3_small", frame_shape=(32, 32, 1)), ValueError,
         "takes RGB images with 3 channels.*frame_shape=\\(32, 32, 1\\)"),
        (dict(image_encoder="mobilenetv3"), ValueError,
         "Unknown image encoder 'mobilenetv3'. Did you mean"),
        (dict(frame_pooling="average"), ValueError,
         "Unknown frame_pooling 'average'. Did you mean 'avg'"),
        (dict(per_frame="yes"), TypeError, "`per_frame` must be a bool"),
        (dict(mask_value="zero"), TypeError, "`mask_value` must be a float"),
    ],
)
def test_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        rnn_zoo.build("video_classifier", **dict(TINY, **overrides))


# Learning a generated task: which way does the plaid drift?


def test_learns_motion_direction_per_clip():
    keras.utils.set_random_seed(0)
    x, y = synthetic.drifting_plaids(256, min_frames=4, seed=0)
    model = rnn_zoo.build(
        "video_classifier", num_classes=4, frame_shape=(8, 8, 1),
        image_encoder="small_cnn", image_encoder_weights=None,
        frame_pooling="flatten", units=16, learning_rate=1e-2,
    )
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    x, y = synthetic.drifting_plaids(128, min_frames=4, seed=1)
    _, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy >= 0.9


@pytest.mark.slow
def test_learns_motion_direction_per_frame():
    keras.utils.set_random_seed(0)
    x, y = synthetic.drifting_plaids(256, per_frame=True, min_frames=4, seed=0)
    model = rnn_zoo.build(
        "video_classifier", num_classes=4, frame_shape=(8, 8, 1),
        image_encoder="small_cnn", image_encoder_weights=None,
        frame_pooling="flatten", units=32, per_frame=True, bidirectional=True,
        learning_rate=5e-3,
    )
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    x, y = synthetic.drifting_plaids(128, per_frame=True, min_frames=4, seed=1)
    _, accuracy = model.evaluate(x, y, verbose=0)  # real frames only (masked)
    assert accuracy >= 0.8
