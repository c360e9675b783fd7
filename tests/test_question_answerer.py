"""Question answering: span pointers, best_span, learning a synthetic task."""

import itertools

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import best_span
from rnn_zoo.layers import BilinearPointer

MARKERS, VOCABULARY = 4, 24


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def run(model, x):
    """Forward pass as NumPy: eager on TensorFlow (tracing a predict function
    costs more than it saves at these sizes), compiled on JAX (eager JAX
    compiles op by op)."""
    if keras.backend.backend() == "jax":
        return model.predict(x, verbose=0)
    return keras.tree.map_structure(numpy, model(x))


def marker_questions(n, rng, max_length=12):
    """Contexts hold markers 1..4 among filler words; the question names one
    marker (among filler); the answer is the word right after that marker."""
    question = np.zeros((n, 4), "int32")
    context = np.zeros((n, max_length), "int32")
    answer = np.zeros(n, "int32")
    for i in range(n):
        length = rng.integers(8, max_length + 1)
        context[i, :length] = rng.integers(MARKERS + 1, VOCABULARY, size=length)
        slots = rng.choice(np.arange(0, length - 1, 2), size=MARKERS, replace=False)
        context[i, slots] = np.arange(1, MARKERS + 1)
        marker = rng.integers(1, MARKERS + 1)
        question_length = rng.integers(2, 5)
        question[i, :question_length] = rng.integers(MARKERS + 1, VOCABULARY, size=question_length)
        question[i, rng.integers(0, question_length)] = marker
        answer[i] = slots[marker - 1] + 1
    return [question, context], [answer, answer.copy()]


@pytest.mark.slow
def test_learns_the_word_after_the_marker():
    rng = np.random.default_rng(0)
    x, y = marker_questions(600, rng)
    x_test, y_test = marker_questions(200, rng)
    model = rnn_zoo.build(
        "question_answerer", vocabulary_size=VOCABULARY, embedding_dim=16, units=16,
        cell="gru", bidirectional=False, learning_rate=0.03,
    )  # one direction is enough here and traces twice as fast as two
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    start, end = run(model, x_test)
    np.testing.assert_array_equal(start[x_test[1] == 0], 0.0)  # padded context
    first, last = (numpy(i) for i in best_span(start, end, max_answer_length=3))
    exact_match = np.mean((first == y_test[0]) & (last == y_test[1]))
    assert exact_match > 0.9, exact_match


def test_best_span_matches_enumeration():
    rng = np.random.default_rng(1)
    start, end = rng.random((6, 7)), rng.random((6, 7))
    for max_length in (1, 3, 7):
        first, last = (numpy(i) for i in best_span(start, end, max_answer_length=max_length))
        for b in range(6):
            spans = [(i, j) for i, j in itertools.product(range(7), repeat=2) if 0 <= j - i < max_length]
            expected = max(spans, key=lambda s: start[b, s[0]] * end[b, s[1]])
            assert (first[b], last[b]) == expected
    # One example at a time: scalars back.
    first, last = best_span(start[0], end[0], max_answer_length=3)
    assert (int(first), int(last)) == (int(best_span(start, end, max_answer_length=3)[0][0]),
                                       int(best_span(start, end, max_answer_length=3)[1][0]))


def test_pointer_is_a_masked_bilinear_softmax():
    rng = np.random.default_rng(2)
    h = rng.normal(size=(2, 5, 4)).astype("float32")
    q = rng.normal(size=(2, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = BilinearPointer()
    p = numpy(layer([h, q], mask=[mask, None]))
    scores = np.einsum("btd,bd->bt", h, q @ numpy(layer.kernel))
    expected = np.where(mask, np.exp(scores), 0.0)
    np.testing.assert_allclose(p, expected / expected.sum(-1, keepdims=True), rtol=1e-5)
    assert np.all(p[0, 3:] == 0.0)
    assert layer.compute_mask([h, q], [mask, None]) is None


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
def test_learned_attention_scores_build(attention):
    spec = rnn_zoo.model_info("question_answerer")
    kwargs = dict(spec.tiny_kwargs, attention=attention)
    x, _ = spec.example_data(kwargs, 2, 5, 0)
    model = rnn_zoo.build("question_answerer", **kwargs)
    start, end = run(model, x)
    np.testing.assert_allclose(start.sum(-1), 1.0, rtol=1e-5)
    assert np.all(end[x[1] == 0] == 0.0)


QA = dict(vocabulary_size=10, embedding_dim=4, units=4)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(QA, attention="dott"), ValueError, r"Unknown attention 'dott'\. Did you mean 'dot'\? Expected one of \['bahdanau', 'dot', 'luong'\]\. Received: attention='dott'"),
        (dict(QA, question_length=0), ValueError, r"`question_length` must be >= 1\. Received: question_length=0"),
        (dict(QA, context_length="12"), TypeError, r"`context_length` must be an int or None\. Received: context_length='12' of type str"),
        (dict(QA, vocabulary_size=1), ValueError, r"`vocabulary_size` must be >= 2\. Received: vocabulary_size=1"),
    ],
)
def test_builder_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        rnn_zoo.build("question_answerer", **kwargs)


@pytest.mark.parametrize(
    "start, end, kwargs, error, message",
    [
        (np.ones((2, 5)), np.ones((2, 6)), {}, ValueError, r"`start_probs` and `end_probs` must be distributions over the same context positions, shaped \(batch, time\) or \(time,\)\. Received: start_probs\.shape=\(2, 5\), end_probs\.shape=\(2, 6\)"),
        (np.ones((2, 5, 1)), np.ones((2, 5, 1)), {}, ValueError, r"Received: start_probs\.shape=\(2, 5, 1\), end_probs\.shape=\(2, 5, 1\)"),
        (np.ones((2, 5)), np.ones((2, 5)), dict(max_answer_length=0), ValueError, r"`max_answer_length` must be >= 1\. Received: max_answer_length=0"),
    ],
)
def test_best_span_errors(start, end, kwargs, error, message):
    with pytest.raises(error, match=message):
        best_span(start, end, **kwargs)
