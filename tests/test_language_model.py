"""language_model: weight tying and the stateful build."""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.layers import BatchSizeCheck, TiedLogits, VocabularyIds

TINY = dict(vocabulary_size=10, embedding_dim=4, units=4)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def tied_output_by_hand(model, x):
    """softmax(h @ E^T + b) from the model's own hidden states and weights."""
    last = [l for l in model.layers if l.name.startswith("decoder_")][-1]
    hidden = numpy(keras.Model(model.input, last.output)(x))
    E = numpy(model.get_layer("embedding").embeddings)
    b = numpy(model.get_layer("logits").bias)
    return softmax(hidden @ E.T + b)


def test_tied_output_layer_projects_on_the_embedding_matrix():
    model = rnn_zoo.build("language_model", **TINY, num_layers=2, cell="gru", tie_weights=True)
    x = np.array([[1, 2, 3, 0], [4, 5, 6, 7]], "int32")
    assert isinstance(model.get_layer("logits"), TiedLogits)
    # One matrix: the output layer owns only its bias.
    assert [w.path for w in model.get_layer("logits").weights] == ["logits/bias"]
    untied = rnn_zoo.build("language_model", **TINY, num_layers=2, cell="gru")
    assert untied.count_params() - model.count_params() == 4 * 10
    np.testing.assert_allclose(numpy(model(x)), tied_output_by_hand(model, x), atol=1e-6)
    # Changing the embedding changes the output layer too.
    E = model.get_layer("embedding")
    E.embeddings.assign(numpy(E.embeddings) * 2.0)
    np.testing.assert_allclose(numpy(model(x)), tied_output_by_hand(model, x), atol=1e-6)


def test_tied_model_trains_the_shared_matrix_from_both_ends():
    model = rnn_zoo.build("language_model", **TINY, tie_weights=True, compile=False)
    x = np.array([[1, 2, 3]], "int32")
    ids = keras.ops.convert_to_tensor(x)

    # Gradient of the output at the last step w.r.t. the embedding, with the
    # input path cut: only the tied output projection can contribute, and it
    # touches rows (tokens) that never occur in the input.
    def loss_of(model):
        return keras.ops.sum(keras.ops.log(model(ids)[0, -1, 7:]))

    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient check written with tf.GradientTape")
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = loss_of(model)
    grad = numpy(tape.gradient(loss, model.get_layer("embedding").embeddings))
    assert np.abs(grad[7:]).sum() > 0  # reached through the output layer only
    assert np.abs(grad[[1, 2, 3]]).sum() > 0  # and through the inputs


def test_tied_model_round_trips_through_keras_file(tmp_path):
    model = rnn_zoo.build("language_model", **TINY, tie_weights=True, dropout=0.1, compile=False)
    x = np.array([[1, 2, 3, 0]], "int32")
    path = tmp_path / "tied.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(numpy(loaded(x)), numpy(model(x)), atol=1e-6)
    # Still tied after loading: the output follows the embedding.
    E = loaded.get_layer("embedding")
    E.embeddings.assign(numpy(E.embeddings) + 0.5)
    np.testing.assert_allclose(numpy(loaded(x)), tied_output_by_hand(loaded, x), atol=1e-6)


def test_vocabulary_ids_and_tied_logits_configs():
    assert VocabularyIds.from_config(VocabularyIds(7).get_config()).vocabulary_size == 7
    assert TiedLogits.from_config(TiedLogits(use_bias=False).get_config()).use_bias is False
    layer = TiedLogits(use_bias=False)
    out = layer([np.ones((2, 3), "float32"), np.arange(12, dtype="float32").reshape(4, 3)])
    np.testing.assert_allclose(numpy(out), np.ones((2, 3)) @ np.arange(12).reshape(4, 3).T)


def test_stateful_model_carries_state_between_calls():
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=2)
    x = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    first = numpy(model(x))
    second = numpy(model(x))
    assert not np.allclose(first, second)  # the state moved on
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()
    np.testing.assert_allclose(numpy(model(x)), first, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(tie_weights=True, units=8), ValueError,
         r"`tie_weights=True` makes the output layer reuse the embedding matrix, so the last recurrent layer must be as wide as the embeddings: set embedding_dim=8, or give the last layer 4 units \(for example units=\[4\]\). Received: embedding_dim=4, units=8"),
        (dict(tie_weights=True, units=[4, 6], num_layers=2), ValueError,
         r"for example units=\[4, 4\]\). Received: embedding_dim=4, units=\[4, 6\]"),
        (dict(tie_weights="yes"), TypeError, r"`tie_weights` must be a bool. Received: tie_weights='yes'"),
        (dict(stateful=True), ValueError,
         r"`stateful=True` needs a fixed `batch_size`: a stateful model keeps one recurrent state per row of the batch. Pass batch_size=<rows per batch>. Received: stateful=True, batch_size=None"),
        (dict(batch_size=4), ValueError,
         r"`batch_size` is only used by stateful models \(truncated BPTT\); a stateless model takes any batch size. Pass stateful=True, or leave batch_size=None. Received: stateful=False, batch_size=4"),
        (dict(stateful=True, batch_size=0), ValueError, r"`batch_size` must be >= 1. Received: batch_size=0"),
        (dict(stateful=1, batch_size=2), TypeError, r"`stateful` must be a bool"),
        (dict(mask_padding="no"), TypeError, r"`mask_padding` must be a bool. Received: mask_padding='no'"),
    ],
)
def test_language_model_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        rnn_zoo.build("language_model", **dict(TINY, **kwargs))


def test_stateful_model_refuses_another_batch_size():
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=2)
    with pytest.raises(
        ValueError,
        match=r"This model is stateful with batch_size=2: it keeps one recurrent state per sequence, so every batch must hold exactly 2 sequences .* Received: a batch of 3 sequences",
    ):
        model(np.ones((3, 4), "int32"))
    with pytest.raises(ValueError, match=r"stateful with batch_size=2.*Received: a batch of 1 sequences"):
        model.predict(np.ones((1, 4), "int32"), verbose=0)
    assert BatchSizeCheck.from_config(model.get_layer("batch_size_check").get_config()).batch_size == 2


@pytest.mark.parametrize("mask_padding", [True, False])
def test_mask_padding_decides_whether_id_0_counts(mask_padding):
    masked = rnn_zoo.build("language_model", **TINY, cell="gru")
    model = rnn_zoo.build("language_model", **TINY, cell="gru", mask_padding=mask_padding)
    model.set_weights(masked.get_weights())
    x, y = np.array([[3, 4, 0, 0]]), np.array([[4, 5, 6, 7]])
    # Both see the same real prefix; unmasked, id 0 is a token like any other.
    probs = numpy(model(x))
    np.testing.assert_allclose(probs[:, :2], numpy(masked(x))[:, :2], rtol=1e-5, atol=1e-6)
    nll = -np.log(np.take_along_axis(probs[0], y[0][:, None], axis=-1))[:, 0]
    loss = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    expected = nll[:2].mean() if mask_padding else nll.mean()
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
    assert model.get_layer("embedding").mask_zero is mask_padding
