"""Truncated BPTT: the data layout, state carrying, resets, errors."""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import tbptt

TINY = dict(vocabulary_size=10, embedding_dim=4, units=4, num_layers=2)
JAX = keras.backend.backend() == "jax"
# Keras' JAX trainer drops stateful RNN states between batches (they are not
# variables its compiled steps return), so fit-based TBPTT is refused there.
needs_stateful_fit = pytest.mark.skipif(JAX, reason="Keras' JAX trainer does not carry RNN states")


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def stream_of(n, seed=0):
    return np.random.default_rng(seed).integers(1, 10, size=n).astype("int32")


def states_of(model):
    return [
        numpy(s)
        for layer in model.layers
        if getattr(layer, "stateful", False)
        for s in layer.states
    ]


def test_split_stream_lays_rows_out_contiguously():
    stream = stream_of(24)
    x, y = tbptt.split_stream(stream, batch_size=3, bptt=3)
    # (24 - 1) // 3 = 7 inputs per row -> 3 windows, the last padded by 2.
    assert x.shape == y.shape == (9, 3)
    rows_x = x.reshape(3, 3, 3).transpose(1, 0, 2).reshape(3, 9)  # (row, time)
    rows_y = y.reshape(3, 3, 3).transpose(1, 0, 2).reshape(3, 9)
    for i in range(3):
        np.testing.assert_array_equal(rows_x[i, :7], stream[7 * i : 7 * i + 7])
        np.testing.assert_array_equal(rows_y[i, :7], stream[7 * i + 1 : 7 * i + 8])
    assert np.all(rows_x[:, 7:] == 0) and np.all(rows_y[:, 7:] == 0)
    # Batch k + 1 continues batch k row by row.
    np.testing.assert_array_equal(x[3:6, 0], stream[[3, 10, 17]])


def test_documents_are_split_separately():
    a, b = stream_of(13, 1), stream_of(9, 2)
    x, y = tbptt.split_stream([a, b], batch_size=2, bptt=3)
    xa, _ = tbptt.split_stream(a, batch_size=2, bptt=3)
    xb, _ = tbptt.split_stream(b, batch_size=2, bptt=3)
    np.testing.assert_array_equal(x, np.concatenate([xa, xb]))
    assert tbptt.document_starts([a, b], batch_size=2, bptt=3) == [0, len(xa) // 2]


def test_make_dataset_serves_full_batches_in_order():
    stream = stream_of(50)
    x, y = tbptt.split_stream(stream, batch_size=4, bptt=5)
    batches = list(tbptt.make_dataset(stream, batch_size=4, bptt=5).as_numpy_iterator())
    assert len(batches) == len(x) // 4
    for k, (bx, by) in enumerate(batches):
        assert bx.shape == (4, 5)
        np.testing.assert_array_equal(bx, x[4 * k : 4 * k + 4])
        np.testing.assert_array_equal(by, y[4 * k : 4 * k + 4])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_windows_with_carried_state_equal_the_whole_stream(cell):
    batch_size, bptt = 3, 4
    stream = stream_of(3 * 13 + 1)
    whole = rnn_zoo.build("language_model", **TINY, cell=cell, compile=False)
    stateful = rnn_zoo.build(
        "language_model", **TINY, cell=cell, stateful=True, batch_size=batch_size, compile=False
    )
    stateful.set_weights(whole.get_weights())
    x, _ = tbptt.split_stream(stream, batch_size=batch_size, bptt=bptt)
    rows = x.reshape(-1, batch_size, bptt).transpose(1, 0, 2).reshape(batch_size, -1)
    expected = numpy(whole(rows))  # every row read whole, in one call
    pieces = [numpy(stateful(x[k : k + batch_size])) for k in range(0, len(x), batch_size)]
    windowed = np.concatenate(pieces, axis=1)
    real = rows > 0
    np.testing.assert_allclose(windowed[real], expected[real], atol=1e-5)


@needs_stateful_fit
def test_reset_states_callback_resets_at_epochs_and_documents():
    a, b = stream_of(3 * 2 * 4 + 1, 3), stream_of(2 * 2 * 4 + 1, 4)
    starts = tbptt.document_starts([a, b], batch_size=2, bptt=4)
    assert starts == [0, 3]
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=2)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(max(np.abs(s).max() for s in states_of(self.model)))

    model.fit(
        tbptt.make_dataset([a, b], batch_size=2, bptt=4),
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[tbptt.ResetStates(reset_at=starts), Record()],
    )
    assert len(seen) == 10
    zero = [s == 0 for s in seen]
    # Zero states at each epoch's first batch and at the second document.
    assert zero == [True, False, False, True, False] * 2


@needs_stateful_fit
def test_reset_states_around_evaluation():
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=2)
    data = tbptt.make_dataset(stream_of(41), batch_size=2, bptt=5)
    callback = tbptt.ResetStates()
    first = model.evaluate(data, verbose=0, callbacks=[callback])
    again = model.evaluate(data, verbose=0, callbacks=[callback])
    np.testing.assert_allclose(again, first, rtol=1e-6)
    assert all(np.all(s == 0) for s in states_of(model))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: tbptt.split_stream(stream_of(3), batch_size=4, bptt=2), ValueError,
         r"A stream of 3 tokens is too short for batch_size=4: each of the 4 rows needs at least one input and its target, so at least 5 tokens"),
        (lambda: tbptt.split_stream(np.array([1, 0, 2, 3]), batch_size=1, bptt=2), ValueError,
         r"`tokens` must hold token ids >= 1: id 0 is padding.*Received: min id 0"),
        (lambda: tbptt.split_stream(np.ones((2, 3), "int32"), batch_size=1, bptt=2), ValueError,
         r"`tokens` must be one token stream \(a 1D array of ids\), or a list of them for separate documents. Received: tokens of shape \(2, 3\)"),
        (lambda: tbptt.split_stream(np.ones(5) * 1.5, batch_size=1, bptt=2), TypeError,
         r"`tokens` must hold integer token ids. Received: dtype float64"),
        (lambda: tbptt.split_stream(stream_of(9), batch_size=2, bptt=0), ValueError,
         r"`bptt` must be >= 1. Received: bptt=0"),
        (lambda: tbptt.make_dataset(stream_of(9), batch_size=0, bptt=2), ValueError,
         r"`batch_size` must be >= 1. Received: batch_size=0"),
        (lambda: tbptt.ResetStates(reset_at=[3, -1]), ValueError,
         r"`reset_at\[1\]` must be >= 0. Received: reset_at\[1\]=-1"),
    ],
)
def test_tbptt_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@needs_stateful_fit
def test_reset_states_needs_a_stateful_model():
    model = rnn_zoo.build("language_model", **TINY)
    with pytest.raises(ValueError, match=r"`ResetStates` needs a stateful model: build it with stateful=True and a batch_size"):
        model.fit(np.ones((2, 3), "int32"), np.ones((2, 3), "int32"), verbose=0, callbacks=[tbptt.ResetStates()])


def test_stateful_fit_refuses_another_batch_size():
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=4)
    with pytest.raises(ValueError, match=r"This model is stateful with batch_size=4.*Received: a batch of 3 sequences"):
        model.fit(tbptt.make_dataset(stream_of(41), batch_size=3, bptt=5), shuffle=False, verbose=0)


@pytest.mark.skipif(not JAX, reason="JAX only")
def test_fit_based_tbptt_is_refused_on_jax(monkeypatch):
    monkeypatch.setattr(rnn_zoo.cells, "_warned", set())  # warned once per process
    with pytest.warns(UserWarning, match=r"On the JAX backend, Keras' fit/evaluate/predict do not carry stateful RNN states"):
        rnn_zoo.build("language_model", **dict(TINY, units=5), stateful=True, batch_size=2)
    model = rnn_zoo.build("language_model", **TINY, stateful=True, batch_size=2)
    with pytest.raises(RuntimeError, match=r"Truncated BPTT with `fit` needs the TensorFlow \(or PyTorch\) backend: Keras' JAX trainer does not carry stateful RNN states"):
        model.fit(tbptt.make_dataset(stream_of(41), batch_size=2, bptt=5), shuffle=False, verbose=0, callbacks=[tbptt.ResetStates()])
