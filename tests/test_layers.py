import keras
import numpy as np
import pytest

from rnn_zoo.layers import (
    AttentionPooling1D,
    BahdanauAttention,
    LuongAttention,
    MaskedGlobalMaxPooling1D,
)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_masked_max_excludes_padding():
    x = np.array([[[1.0, -5.0], [2.0, -1.0], [9.0, 9.0]]], "float32")
    mask = np.array([[True, True, False]])
    out = numpy(MaskedGlobalMaxPooling1D()(x, mask=mask))
    np.testing.assert_array_equal(out, [[2.0, -1.0]])
    np.testing.assert_array_equal(numpy(MaskedGlobalMaxPooling1D()(x)), [[9.0, 9.0]])
    empty = numpy(MaskedGlobalMaxPooling1D()(x, mask=np.zeros((1, 3), bool)))
    np.testing.assert_array_equal(empty, [[0.0, 0.0]])


def test_attention_pooling_matches_formula():
    layer = AttentionPooling1D(units=2, return_attention_scores=True)
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool)
    layer.build(x.shape)
    W = np.arange(6, dtype="float32").reshape(3, 2) / 10
    b = np.array([0.1, -0.2], "float32")
    v = np.array([[1.0], [-2.0]], "float32")
    layer.hidden.set_weights([W, b])
    layer.score.set_weights([v])
    pooled, weights = layer(x, mask=mask)
    scores = (np.tanh(x @ W + b) @ v)[..., 0]
    scores = np.where(mask, scores, -np.inf)
    expected_w = softmax(scores)
    np.testing.assert_allclose(numpy(weights), expected_w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(numpy(pooled), (x * expected_w[..., None]).sum(1), rtol=1e-5)
    assert np.all(numpy(weights)[1, 2:] == 0.0)


def test_bahdanau_matches_formula():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 6)).astype("float32")
    mask = [None, np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)]
    layer = BahdanauAttention(3, return_attention_scores=True)
    layer.build([q.shape, v.shape])
    Wq = rng.normal(size=(4, 3)).astype("float32")
    Wk = rng.normal(size=(6, 3)).astype("float32")
    bk = rng.normal(size=(3,)).astype("float32")
    w = rng.normal(size=(3, 1)).astype("float32")
    layer.query_dense.set_weights([Wq])
    layer.key_dense.set_weights([Wk, bk])
    layer.score_dense.set_weights([w])
    context, weights = layer([q, v], mask=mask)
    scores = (np.tanh((q @ Wq)[:, :, None] + (v @ Wk + bk)[:, None]) @ w)[..., 0]
    scores = np.where(mask[1][:, None], scores, -np.inf)
    expected = softmax(scores)
    np.testing.assert_allclose(numpy(weights), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numpy(context), expected @ v, rtol=1e-4, atol=1e-5)


def test_luong_matches_formula():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 6)).astype("float32")
    layer = LuongAttention(4, return_attention_scores=True)
    layer.build([q.shape, v.shape])
    W = rng.normal(size=(6, 4)).astype("float32")
    layer.key_dense.set_weights([W])
    context, weights = layer([q, v])
    expected = softmax(q @ (v @ W).transpose(0, 2, 1))
    np.testing.assert_allclose(numpy(weights), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(numpy(context), expected @ v, rtol=1e-4, atol=1e-5)


def test_luong_needs_query_as_wide_as_units():
    with pytest.raises(ValueError, match=r"LuongAttention needs a query as wide as `units`\. Received: units=5, query width=4"):
        LuongAttention(5)([np.zeros((1, 2, 4), "float32"), np.zeros((1, 3, 6), "float32")])


@pytest.mark.parametrize(
    "layer",
    [
        AttentionPooling1D(units=3, return_attention_scores=True),
        BahdanauAttention(3),
        LuongAttention(4, return_attention_scores=True),
        MaskedGlobalMaxPooling1D(),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_layers_serialize(layer):
    config = keras.saving.serialize_keras_object(layer)
    assert config["module"].startswith("rnn_zoo") or config["registered_name"].startswith("rnn_zoo>")
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
