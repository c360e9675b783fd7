"""Sequence tagger with a CRF and a character encoder: learning, saving, errors."""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.layers import CharacterEncoder, CRFAccuracy, CRFLoss, crf_decode

O, PRE, MARK = 0, 1, 2


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def run(model, x):
    """Forward pass as NumPy: eager on TensorFlow (tracing a predict function
    costs more than it saves at these sizes), compiled on JAX (eager JAX
    compiles op by op)."""
    if keras.backend.backend() == "jax":
        return model.predict(x, verbose=0)
    return keras.tree.map_structure(numpy, model(x))


def marker_data(n, rng, time=10):
    """Token 1 is a marker, tagged MARK; the token just before a marker is
    tagged PRE; the rest O. A forward-only encoder cannot see the next token,
    so only the CRF's transitions (PRE -> MARK, never O -> MARK) can place PRE."""
    x = rng.integers(2, 10, size=(n, time))
    lengths = rng.integers(6, time + 1, size=n)
    y = np.zeros((n, time), "int32")
    for i, length in enumerate(lengths):
        # Markers at random, never adjacent, so neither the position nor the
        # words so far tell where the next one is.
        for p in range(1, length):
            if x[i, p - 1] != 1 and rng.random() < 0.3:
                x[i, p], y[i, p], y[i, p - 1] = 1, MARK, PRE
    padding = np.arange(time)[None] >= lengths[:, None]
    x[padding], y[padding] = 0, 0
    return x.astype("int32"), y


@pytest.mark.slow
def test_crf_tagger_learns_transitions():
    rng = np.random.default_rng(0)
    x, y = marker_data(400, rng)
    x_test, y_test = marker_data(200, rng)
    model = rnn_zoo.build(
        "sequence_tagger", vocabulary_size=10, num_tags=3, embedding_dim=8, units=8,
        bidirectional=False, crf=True, learning_rate=0.05,
    )
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    tags = numpy(crf_decode(run(model, x_test)))
    real = x_test > 0
    assert (tags == y_test)[real].mean() > 0.97
    assert (tags == PRE)[y_test == PRE].mean() > 0.95
    transitions = numpy(model.get_layer("crf").transitions)
    assert transitions[PRE, MARK] > transitions[O, MARK] + 1.0


@pytest.mark.slow
@pytest.mark.parametrize("bidirectional", [False, True])
def test_crf_head_is_never_worse_than_softmax_on_the_same_budget(bidirectional):
    # Issue 15 item 8 on a fixture: same data, sizes, epochs, optimiser and
    # seed; the CRF's Viterbi tags are at least as accurate as the softmax
    # argmax (a one-way encoder leaves PRE to the CRF's transitions alone).
    rng = np.random.default_rng(1)
    x, y = marker_data(400, rng)
    x_test, y_test = marker_data(200, rng)
    real = x_test > 0
    accuracy = {}
    for crf in (False, True):
        keras.utils.set_random_seed(0)
        model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3,
                              embedding_dim=8, units=8, bidirectional=bidirectional,
                              crf=crf, learning_rate=0.05)
        model.fit(x, y, epochs=3, batch_size=32, verbose=0)
        scores = run(model, x_test)
        tags = numpy(crf_decode(scores)) if crf else np.argmax(scores, axis=-1)
        accuracy[crf] = (tags == y_test)[real].mean()
    assert accuracy[True] >= accuracy[False] - 0.005, accuracy


def test_crf_tagger_with_characters_saves_loads_and_trains_on(tmp_path):
    spec = rnn_zoo.model_info("sequence_tagger")
    kwargs = dict(spec.tiny_kwargs, crf=True, char_vocabulary_size=8, char_embedding_dim=3, char_units=2)
    x, y = spec.example_data(kwargs, 2, 5, 0)
    model = rnn_zoo.build("sequence_tagger", **kwargs)
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "tagger.keras")
    loaded = keras.saving.load_model(tmp_path / "tagger.keras", safe_mode=True)
    np.testing.assert_allclose(run(loaded, x), run(model, x), atol=1e-6)
    assert isinstance(loaded.loss, CRFLoss)
    assert isinstance(loaded.get_layer("char_encoder"), CharacterEncoder)
    # Eagerly on TensorFlow: tracing costs seconds, and `fit` traces in the
    # learning test above.
    loaded.run_eagerly = keras.backend.backend() == "tensorflow"
    before = numpy(loaded.get_layer("crf").transitions)
    logs = loaded.train_on_batch(x, y, return_dict=True)
    assert not np.array_equal(numpy(loaded.get_layer("crf").transitions), before)
    assert np.isfinite(logs["loss"]) and 0 <= logs["accuracy"] <= 1
    assert any(isinstance(m, CRFAccuracy) for m in loaded.metrics[-1].metrics)


def spelling_data(n, rng, words, time=6, unknown_rate=0.3):
    """Word i is spelled `words[i]`; its tag is 1 when its first character is
    below 5. Id 1 is the out-of-vocabulary word: only its characters tell."""
    ids = rng.integers(0, len(words), size=(n, time))
    chars = np.zeros((n, time, 4), "int32")
    for index in np.ndindex(n, time):
        spelling = words[ids[index]]
        chars[index][: len(spelling)] = spelling
    y = (chars[..., 0] < 5).astype("int32")
    x = np.where(rng.random((n, time)) < unknown_rate, 1, ids + 2).astype("int32")
    return [x, chars], y


@pytest.mark.slow
def test_character_encoder_tags_unseen_words():
    rng = np.random.default_rng(0)
    spell = lambda n: [rng.integers(1, 9, size=rng.integers(2, 5)) for _ in range(n)]
    seen, unseen = spell(30), spell(30)
    x, y = spelling_data(300, rng, seen)
    x_test, y_test = spelling_data(100, rng, unseen, unknown_rate=1.0)  # all out-of-vocabulary
    model = rnn_zoo.build(
        "sequence_tagger", vocabulary_size=32, num_tags=2, embedding_dim=8, units=8,
        cell="gru", bidirectional=False, char_vocabulary_size=9, char_embedding_dim=8,
        char_units=8, learning_rate=0.02,
    )
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    # Every test token has the same word id: the spelling alone tags it.
    accuracy = (np.argmax(run(model, x_test), -1) == y_test).mean()
    assert accuracy > 0.9, accuracy


def test_character_encoder_ignores_padding():
    encoder = CharacterEncoder(vocabulary_size=9, embedding_dim=3, units=2, cell="gru")
    chars = np.array([[[3, 4, 5, 0], [6, 0, 0, 0]], [[7, 8, 0, 0], [0, 0, 0, 0]]], "int32")
    out = numpy(encoder(chars))
    padded = numpy(encoder(np.pad(chars, [(0, 0), (0, 2), (0, 3)])))
    np.testing.assert_allclose(padded[:, :2], out, atol=1e-6)
    np.testing.assert_array_equal(padded[:, 2:], 0.0)
    np.testing.assert_array_equal(out[1, 1], 0.0)  # a padding word
    np.testing.assert_array_equal(numpy(encoder.compute_mask(chars)), [[True, True], [True, False]])
    assert out[0, 0].any() and not np.allclose(out[0, 0], out[0, 1])


TAGGER = dict(vocabulary_size=10, num_tags=3, embedding_dim=4, units=4)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(TAGGER, crf="yes"), TypeError, r"`crf` must be a bool\. Received: crf='yes'"),
        (dict(TAGGER, char_units=8), ValueError, r"`char_units` only apply to the character encoder, which `char_vocabulary_size` turns on: set it to the number of character ids \(padding id 0 included\)\. Received: char_units=8, char_vocabulary_size=None"),
        (dict(TAGGER, char_embedding_dim=4, char_units=8), ValueError, r"`char_embedding_dim`, `char_units` only apply.*Received: char_embedding_dim=4, char_units=8, char_vocabulary_size=None"),
        (dict(TAGGER, char_vocabulary_size=1), ValueError, r"`char_vocabulary_size` must be >= 2\. Received: char_vocabulary_size=1"),
        (dict(TAGGER, char_vocabulary_size=5, char_units=0), ValueError, r"`char_units` must be >= 1\. Received: char_units=0"),
        (dict(TAGGER, char_vocabulary_size=5, char_embedding_dim=2.0), TypeError, r"`char_embedding_dim` must be an int\. Received: char_embedding_dim=2\.0 of type float"),
    ],
)
def test_tagger_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        rnn_zoo.build("sequence_tagger", **kwargs)


def test_crf_tagger_rejects_tags_beyond_num_tags_when_eager():
    model = rnn_zoo.build("sequence_tagger", **TAGGER, crf=True)
    model.compile(optimizer="sgd", loss=model.loss, run_eagerly=True)
    x = np.array([[1, 2, 3, 0]], "int32")
    with pytest.raises(ValueError, match=r"Tag ids must be in \[0, 3\) for a CRF with num_tags=3.*Received: y_true with ids from 0 to 4"):
        model.train_on_batch(x, np.array([[0, 4, 1, 0]], "int32"))


def test_character_encoder_needs_three_axes():
    with pytest.raises(ValueError, match=r"CharacterEncoder needs character ids shaped \(batch, words, chars\), 0 = padding\. Received: input shape=\(2, 5\)"):
        CharacterEncoder(vocabulary_size=9)(np.ones((2, 5), "int32"))
