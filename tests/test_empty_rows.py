"""All-padding rows (an empty review, an empty line) stay finite: every
pooling and every registered model gives finite outputs, loss and updates
when a batch row holds no real step (issue 16: one such row used to turn
every weight NaN)."""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.layers import (
    AttentionPooling1D,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
)

BATCH, TIME = 2, 5


def empty_first_row(x, kwargs):
    """Row 0 of every sequence input made all padding."""
    out = []
    for arr in x if isinstance(x, (list, tuple)) else [x]:
        arr = np.array(arr)
        if arr.ndim >= 2 and np.issubdtype(arr.dtype, np.integer):
            arr[0] = 0
        elif arr.ndim >= 3 and kwargs.get("mask_value") is not None:
            arr[0] = kwargs["mask_value"]
        out.append(arr)
    return out if isinstance(x, (list, tuple)) else out[0]


@pytest.mark.parametrize("layer", [
    MaskedGlobalAveragePooling1D, MaskedGlobalMaxPooling1D,
    lambda: AttentionPooling1D(units=3),
], ids=["mean", "max", "attention"])
def test_pooling_of_an_empty_row_is_zero_with_finite_gradients(layer):
    import tensorflow as tf

    layer = layer()
    x = tf.Variable(np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32"))
    mask = tf.constant([[True, True, False, False], [False] * 4])
    with tf.GradientTape() as tape:
        y = layer(x, mask=mask)
        loss = tf.reduce_sum(y ** 2)
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(y)[1], 0.0)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(y)))
    for g in grads:
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(g)))


@pytest.mark.parametrize("pooling", ["mean", "max", "attention", "last"])
def test_text_classifier_trains_on_an_empty_row(pooling):
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, embedding_dim=4,
                          units=4, num_classes=3, pooling=pooling)
    x = np.array([[0, 0, 0, 0], [3, 4, 5, 0]])
    y = np.array([1, 2])
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    model.compile(optimizer=model.optimizer, loss=model.loss, run_eagerly=True)
    loss = model.train_on_batch(x, y)
    assert np.all(np.isfinite(loss))
    for w in model.weights:
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(w))), w.path


@pytest.mark.parametrize("name", rnn_zoo.list_models())
def test_every_model_trains_on_an_empty_row(name):
    spec = rnn_zoo.model_info(name)
    kwargs = dict(spec.tiny_kwargs)
    x, y = spec.example_data(kwargs, BATCH, TIME, 0)
    model = rnn_zoo.build(name, **kwargs)
    x = empty_first_row(x, kwargs)
    for out in model(x, training=False) if isinstance(model.output, (list, tuple)) \
            else [model(x, training=False)]:
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(out)))
    # Eager: the step is what is checked, and tracing it costs more.
    model.compile(optimizer=model.optimizer, loss=model.loss, run_eagerly=True)
    loss = model.train_on_batch(x, y)
    assert np.all(np.isfinite(loss))
    bad = [w.path for w in model.weights
           if not np.all(np.isfinite(keras.ops.convert_to_numpy(w)))]
    assert not bad, f"non-finite weights after a step on an empty row: {bad}"
