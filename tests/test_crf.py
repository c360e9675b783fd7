"""CRF layer, loss, metric and decoding against brute-force enumeration."""

import itertools

import keras
import numpy as np
import pytest

from rnn_zoo.layers import CRF, CRFAccuracy, CRFLoss, crf_decode

K, T = 3, 4
# Several lengths at once, a sequence with no real step included.
MASK = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], bool)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def compiled(fn):
    """`fn` traced the way `fit` runs it (no concrete values)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    import tensorflow as tf

    return tf.function(fn)


def random_crf(boundary, seed=0):
    rng = np.random.default_rng(seed)
    crf = CRF(K, use_boundary_transitions=boundary)
    crf.build((None, None, K))
    crf.transitions.assign(rng.normal(size=(K, K)))
    if boundary:
        crf.start.assign(rng.normal(size=K))
        crf.end.assign(rng.normal(size=K))
    emissions = rng.normal(size=(len(MASK), T, K)).astype("float32")
    tags = rng.integers(0, K, size=(len(MASK), T)).astype("int32")
    return crf, emissions, tags


def brute_force(crf, emissions, length):
    """Every tag path of one sequence: (paths, log-probabilities)."""
    A = numpy(crf.transitions)
    start = numpy(crf.start) if crf.use_boundary_transitions else np.zeros(K)
    end = numpy(crf.end) if crf.use_boundary_transitions else np.zeros(K)
    paths = list(itertools.product(range(K), repeat=length))
    scores = np.array([
        start[p[0]] + emissions[np.arange(length), p].sum()
        + sum(A[a, b] for a, b in zip(p[:-1], p[1:])) + end[p[-1]]
        for p in paths
    ])
    return paths, scores - np.logaddexp.reduce(scores)


@pytest.mark.parametrize("boundary", [True, False])
def test_crf_matches_brute_force(boundary):
    crf, emissions, tags = random_crf(boundary)
    probabilities = numpy(crf(emissions, mask=MASK))
    log_likelihood = numpy(crf.log_likelihood(emissions, tags, MASK))
    viterbi = numpy(crf.viterbi_decode(emissions, MASK))
    decoded = numpy(crf_decode(probabilities))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    for b, mask in enumerate(MASK):
        length = int(mask.sum())
        np.testing.assert_array_equal(viterbi[b, length:], 0)
        np.testing.assert_array_equal(decoded[b, length:], 0)
        if length == 0:
            assert log_likelihood[b] == 0.0
            continue
        paths, log_p = brute_force(crf, emissions[b], length)
        gold = paths.index(tuple(tags[b, :length]))
        np.testing.assert_allclose(log_likelihood[b], log_p[gold], rtol=1e-5)
        best = paths[int(np.argmax(log_p))]
        np.testing.assert_array_equal(viterbi[b, :length], best)
        np.testing.assert_array_equal(decoded[b, :length], best)
        # Marginals: the last row of the output.
        p = np.exp(log_p)
        marginals = np.array([[p[[q[t] == j for q in paths]].sum() for j in range(K)] for t in range(length)])
        np.testing.assert_allclose(probabilities[b, :length, K], marginals, atol=1e-5)
        # Conditionals: p(y_t = j | y_{t-1} = i) from the path probabilities.
        for t in range(1, length):
            for i in range(K):
                joint = np.array([p[[q[t - 1] == i and q[t] == j for q in paths]].sum() for j in range(K)])
                np.testing.assert_allclose(probabilities[b, t, i], joint / joint.sum(), atol=1e-5)
        # Padded steps: uniform rows.
        np.testing.assert_allclose(probabilities[b, length:], 1.0 / K, rtol=1e-6)


def test_loss_is_the_exact_negative_log_likelihood():
    crf, emissions, tags = random_crf(True, seed=1)
    probabilities = crf(emissions, mask=MASK)
    log_likelihood = numpy(crf.log_likelihood(emissions, tags, MASK))
    total = CRFLoss(reduction="sum")(tags, probabilities, sample_weight=MASK.astype("float32"))
    np.testing.assert_allclose(numpy(total), -log_likelihood.sum(), rtol=1e-5)
    # Per token, as Keras reports it with the output's mask.
    per_token = CRFLoss(reduction=None)(tags, probabilities)
    np.testing.assert_allclose(numpy(per_token)[MASK].sum(), -log_likelihood.sum(), rtol=1e-5)


def test_padding_changes_nothing():
    crf, emissions, tags = random_crf(True, seed=2)
    padded = np.concatenate([emissions, np.random.default_rng(3).normal(size=(len(MASK), 3, K))], 1)
    padded_mask = np.pad(MASK, [(0, 0), (0, 3)])
    a = numpy(crf(emissions, mask=MASK))
    b = numpy(crf(padded.astype("float32"), mask=padded_mask))
    real = MASK
    np.testing.assert_allclose(b[:, :T][real], a[real], atol=1e-6)
    np.testing.assert_array_equal(
        numpy(crf.viterbi_decode(padded, padded_mask))[:, :T], numpy(crf.viterbi_decode(emissions, MASK))
    )


def test_accuracy_metric_scores_viterbi_paths():
    crf, emissions, tags = random_crf(True, seed=4)
    probabilities = crf(emissions, mask=MASK)
    decoded = numpy(crf.viterbi_decode(emissions, MASK))
    tags[0] = decoded[0]  # one sequence right, so the score is not trivial
    metric = CRFAccuracy()
    metric.update_state(tags, probabilities, sample_weight=MASK.astype("float32"))
    expected = (decoded == tags)[MASK].mean()
    np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-6)


def test_out_of_range_tags_give_nan_when_compiled():
    crf, emissions, tags = random_crf(True)
    probabilities = crf(emissions)
    tags[1, 2] = K
    loss = compiled(lambda y, p: CRFLoss(reduction=None)(y, p))(tags, probabilities)
    loss = numpy(loss)
    assert np.isnan(loss[1]).all() and np.isfinite(np.delete(loss, 1, axis=0)).all()


def test_serialization_round_trip():
    crf = CRF(4, use_boundary_transitions=False, transitions_regularizer="l2")
    for obj in (crf, CRFLoss(), CRFAccuracy(name="tag_accuracy")):
        config = keras.saving.serialize_keras_object(obj)
        assert config["registered_name"].startswith("rnn_zoo>")
        clone = keras.saving.deserialize_keras_object(config, safe_mode=True)
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: CRF(1), ValueError, r"`num_tags` must be >= 2\. Received: num_tags=1"),
        (lambda: CRF(3, use_boundary_transitions="yes"), TypeError, r"`use_boundary_transitions` must be a bool\. Received: use_boundary_transitions='yes'"),
        (lambda: CRF(3)(np.zeros((2, 5, 4), "float32")), ValueError, r"A CRF with num_tags=3 needs emissions shaped \(batch, time, 3\): one score per step and tag \(a `Dense\(num_tags\)` before it\)\. Check that the tag counts agree\. Received: input shape=\(2, 5, 4\)"),
        (lambda: CRFLoss()(np.zeros((2, 5)), np.full((2, 5, 3), 1 / 3, "float32")), ValueError, r"`y_pred` must be the output of a `CRF` layer, shaped \(batch, time, num_tags \+ 1, num_tags\)\. A softmax tagger's.*Received: y_pred\.shape=\(2, 5, 3\)"),
        (lambda: CRFLoss()(np.zeros((2, 4)), np.full((2, 5, 4, 3), 1 / 3, "float32")), ValueError, r"CRF labels must be tag ids shaped \(batch, time\), one per step of the CRF output\. Received: y_true\.shape=\(2, 4\), y_pred\.shape=\(2, 5, 4, 3\)"),
        (lambda: CRFLoss()(np.full((2, 5), 3), np.full((2, 5, 4, 3), 1 / 3, "float32")), ValueError, r"Tag ids must be in \[0, 3\) for a CRF with num_tags=3, padded steps included \(pad labels with 0\)\. Check that the model's `num_tags` counts every tag\. Received: y_true with ids from 3 to 3"),
        (lambda: crf_decode(np.zeros((2, 5, 3))), ValueError, r"`probabilities` must be the output of a `CRF` layer.*Received: probabilities\.shape=\(2, 5, 3\)"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_tagger_trains_on_batches_of_unknown_length():
    """Batches padded each to its own length (an unknown time axis when
    traced): fit, evaluate and predict run, and the result equals the
    fixed-length computation."""
    import tensorflow as tf

    import rnn_zoo

    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data pipeline with an unknown time axis")
    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3,
                          embedding_dim=4, units=4, crf=True)
    rng = np.random.default_rng(0)
    batches = []
    for length in (3, 5, 4):
        x = rng.integers(1, 10, size=(2, length)).astype("int32")
        x[1, length - 1:] = 0
        batches.append((x, rng.integers(0, 3, size=x.shape).astype("int32")))
    ds = tf.data.Dataset.from_generator(
        lambda: iter(batches), output_signature=(tf.TensorSpec((None, None), tf.int32),) * 2)
    model.fit(ds, epochs=2, verbose=0)
    loss = model.evaluate(ds, verbose=0, return_dict=True)["loss"]
    # Mean over the batches of each batch's loss, computed one batch at a time.
    per_batch = [model.test_on_batch(x, y, return_dict=True)["loss"] for x, y in batches]
    np.testing.assert_allclose(loss, np.mean(per_batch), rtol=1e-5)
    predicted = model.predict(ds.map(lambda x, y: x), verbose=0)
    assert predicted.shape[0] == 6
