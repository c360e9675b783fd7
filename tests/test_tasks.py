"""Task builders: argument errors and behaviour the zoo-wide test cannot see."""

import keras
import numpy as np
import pytest

import rnn_zoo

TEXT = dict(vocabulary_size=10, num_classes=3, embedding_dim=4, units=4)


@pytest.mark.parametrize(
    "name, kwargs, error, message",
    [
        ("text_classifier", dict(TEXT, vocabulary_size=1), ValueError, r"`vocabulary_size` must be >= 2\. Received: vocabulary_size=1"),
        ("text_classifier", dict(TEXT, num_classes=1), ValueError, r"`num_classes` must be >= 2: the head is a softmax over the classes\. For a binary task use num_classes=2\. Received: num_classes=1"),
        ("text_classifier", dict(TEXT, num_classes=0), ValueError, r"`num_classes` must be >= 2\. Received: num_classes=0"),
        ("text_classifier", dict(TEXT, embedding_dropout=1.0), ValueError, r"`embedding_dropout`.*Received: embedding_dropout=1.0"),
        ("text_classifier", dict(TEXT, pooling="avg"), ValueError, r"Unknown pooling 'avg'\..*Received: pooling='avg'"),
        ("text_classifier", dict(TEXT, cell="lsmt"), ValueError, r"Unknown cell 'lsmt'\. Did you mean 'lstm'\?"),
        ("text_classifier", dict(TEXT, embedding_dim=0), ValueError, r"`embedding_dim` must be >= 1\. Received: embedding_dim=0"),
        ("text_classifier", dict(TEXT, sequence_length=0), ValueError, r"`sequence_length` must be >= 1\. Received: sequence_length=0"),
        ("text_classifier", dict(TEXT, sequence_length=5.0), TypeError, r"`sequence_length` must be an int or None\. Received: sequence_length=5\.0 of type float"),
        ("text_classifier", dict(TEXT, learning_rate=0.0), ValueError, r"`learning_rate` must be in \(0\.0, inf\]\. Received: learning_rate=0\.0"),
        ("text_classifier", dict(TEXT, global_clipnorm=-1.0), ValueError, r"`global_clipnorm` must be in \(0\.0, inf\]"),
        ("text_classifier", dict(TEXT, compile="yes"), TypeError, r"`compile` must be a bool\. Received: compile='yes'"),
        ("text_classifier", dict(TEXT, name=""), TypeError, r"`name` must be a non-empty string\. Received: name=''"),
        ("text_classifier", dict(TEXT, vocabulary_size="10"), TypeError, r"`vocabulary_size` must be an int\. Received: vocabulary_size='10' of type str"),
        ("sequence_tagger", dict(vocabulary_size=10, num_tags=1), ValueError, r"`num_tags` must be >= 2"),
        ("sequence_classifier", dict(input_dim=0, num_classes=3), ValueError, r"`input_dim` must be >= 1\. Received: input_dim=0"),
        ("sequence_classifier", dict(input_dim=3, num_classes=3, mask_value="0"), TypeError, r"`mask_value` must be a float\. Received: mask_value='0'"),
        ("language_model", dict(vocabulary_size=10, bidirectional=True), ValueError, r"A language model cannot be bidirectional: it predicts the next token, and a backward layer would read that token.*Received: bidirectional=True"),
        ("language_model", dict(vocabulary_size=10, units=[4, 4]), ValueError, r"`units` must be an int or a list with one width per layer \(num_layers=1\); pass num_layers=2"),
    ],
)
def test_builder_errors(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        rnn_zoo.build(name, **kwargs)


@pytest.mark.parametrize("crf", [False, True])
def test_metrics_are_exact_per_token_accuracy(crf):
    """Two batches of different lengths: 8 tokens all right, then 2 tokens
    all wrong. Keras' own masked accuracy averages per sequence; the
    compiled metric counts tokens (0.8)."""
    import tensorflow as tf

    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3,
                          embedding_dim=4, units=4, crf=crf)

    def tags(x):
        if crf:
            from rnn_zoo.layers import crf_decode

            return keras.ops.convert_to_numpy(crf_decode(model(x)))
        return np.argmax(keras.ops.convert_to_numpy(model(x)), -1)

    long = np.array([[1, 2, 3, 4, 5, 6, 7, 8]], "int32")
    short = np.array([[3, 4, 0]], "int32")  # padded too
    long_y = tags(long).astype("int32")
    short_y = ((tags(short) + 1) % 3).astype("int32")
    batches = [(long, long_y), (short, short_y)]
    ds = tf.data.Dataset.from_generator(
        lambda: iter(batches), output_signature=(tf.TensorSpec((None, None), tf.int32),) * 2)
    results = model.evaluate(ds, verbose=0, return_dict=True)
    np.testing.assert_allclose(results["accuracy"], 8 / 10, rtol=1e-6)
    if crf:
        return
    plain = keras.metrics.SparseCategoricalAccuracy()  # the trap: Keras' own metric
    for x, y in batches:
        plain.update_state(y, model(x))
    assert abs(float(plain.result()) - 0.8) > 0.1


def test_loss_ignores_padding():
    model = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4)
    x = np.array([[1, 2, 3, 0, 0]], "int32")
    y = np.array([[2, 3, 4, 0, 0]], "int32")
    y_other = np.array([[2, 3, 4, 7, 9]], "int32")  # differs on padding only
    a = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    b = model.evaluate(x, y_other, verbose=0, return_dict=True)["loss"]
    probabilities = model.predict(x, verbose=0)[0]
    expected = -np.mean(np.log(probabilities[np.arange(3), [2, 3, 4]]))
    np.testing.assert_allclose(a, expected, rtol=1e-5)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_compiled_with_global_clipnorm():
    model = rnn_zoo.build("text_classifier", **TEXT, learning_rate=0.01, global_clipnorm=0.5)
    assert model.optimizer.global_clipnorm == 0.5
    assert model.optimizer.clipnorm is None
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.01)


def test_layer_names_are_deterministic():
    model = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4, num_layers=2, cell="gru")
    for layer in ("embedding", "decoder_gru_0", "decoder_gru_1", "logits", "probabilities"):
        model.get_layer(layer)
    tagger = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3, units=4)
    assert isinstance(tagger.get_layer("encoder_lstm_0"), keras.layers.Bidirectional)


def test_sequence_classifier_learns_mnist_style_rows():
    # Which row holds the bright stripe decides the class: the model must
    # remember where in the sequence it saw it.
    rng = np.random.default_rng(0)
    n, rows, cols = 240, 6, 5
    y = rng.integers(0, 3, size=n)
    x = rng.normal(scale=0.1, size=(n, rows, cols)).astype("float32")
    x[np.arange(n), y * 2] += 1.0
    model = rnn_zoo.build("sequence_classifier", input_dim=cols, num_classes=3, units=8, sequence_length=rows, learning_rate=0.02)
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] > 0.9


def test_text_classifier_learns_a_keyword_task():
    # Class = which of three keywords occurs somewhere in a padded sequence.
    rng = np.random.default_rng(1)
    n, time = 300, 8
    y = rng.integers(0, 3, size=n)
    x = rng.integers(4, 10, size=(n, time))
    lengths = rng.integers(3, time + 1, size=n)
    x[np.arange(n), rng.integers(0, lengths)] = y + 1
    x[np.arange(time)[None] >= lengths[:, None]] = 0
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, embedding_dim=8, units=8, pooling="max", learning_rate=0.02)
    model.fit(x.astype("int32"), y, epochs=20, batch_size=32, verbose=0)
    assert model.evaluate(x.astype("int32"), y, verbose=0, return_dict=True)["accuracy"] > 0.9


def test_text_classifier_embedding_dropout_drops_whole_tokens_in_training_only():
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=2, embedding_dim=6,
                          units=4, embedding_dropout=0.5)
    layer = model.get_layer("embedding_dropout")
    x = keras.ops.ones((4, 50, 6))
    dropped = keras.ops.convert_to_numpy(layer(x, training=True))
    zero_tokens = (dropped == 0).all(-1)
    # Whole vectors: each token is either all zeros or all 1 / (1 - rate).
    assert ((dropped == 0) | np.isclose(dropped, 2.0)).all()
    assert ((dropped == 0).any(-1) == zero_tokens).all() and 0.3 < zero_tokens.mean() < 0.7
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), keras.ops.convert_to_numpy(x))
    ids = np.array([[3, 4, 0, 0]])
    assert model.predict(ids, verbose=0).shape == (1, 2)
