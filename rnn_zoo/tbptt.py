"""Truncated backpropagation through time (TBPTT) for language models.

Training on a long token stream in windows of `bptt` steps, carrying the
recurrent state from one window to the next and stopping gradients at window
edges (Williams & Peng 1990; Zaremba et al. 2014; Merity et al. 2018):

1. Data: `split_stream` cuts the stream into `batch_size` contiguous rows and
   the rows into windows, so that row `i` of batch `k + 1` continues row `i`
   of batch `k`. `make_dataset` serves those batches, in order, as a
   `tf.data.Dataset`.
2. Model: `rnn_zoo.build("language_model", stateful=True, batch_size=...)`
   keeps each row's state between batches; each batch is one
   backpropagation window, so gradients stop at its edges.
3. `ResetStates`: a callback that zeroes the states at the start of every
   epoch, of every evaluation, and at document boundaries.

Backends: TensorFlow (and PyTorch, untested). On JAX, Keras 3's `fit`,
`evaluate` and `predict` do not carry stateful RNN states from one batch to
the next (they are not among the variables its compiled steps thread
through), so `ResetStates` refuses to run there; calling the stateful model
directly (`model(x)`) does carry them on every backend.

Example:

>>> import numpy as np, rnn_zoo
>>> stream = np.arange(1, 42) % 9 + 1          # 41 token ids, none is 0
>>> x, y = split_stream(stream, batch_size=2, bptt=8)
>>> x.shape                                    # 2 rows of 20, 3 windows
(6, 8)
>>> bool((x[2, :8] == stream[8:16]).all())     # batch 1, row 0 goes on
True
>>> model = rnn_zoo.build("language_model", vocabulary_size=10,
...                       embedding_dim=4, units=4, stateful=True,
...                       batch_size=2)
>>> history = model.fit(make_dataset(stream, batch_size=2, bptt=8),
...                     epochs=1, shuffle=False, verbose=0,
...                     callbacks=[ResetStates()])
"""

import keras
import numpy as np

from rnn_zoo._validation import check_int


def _as_stream(tokens, arg="tokens"):
    stream = np.asarray(keras.ops.convert_to_numpy(tokens))
    if stream.ndim != 1:
        raise ValueError(
            f"`{arg}` must be one token stream (a 1D array of ids), or a list "
            f"of them for separate documents. Received: {arg} of shape "
            f"{stream.shape}"
        )
    if stream.size and not np.issubdtype(stream.dtype, np.integer):
        raise TypeError(
            f"`{arg}` must hold integer token ids. Received: dtype {stream.dtype}"
        )
    if stream.size and stream.min() < 1:
        raise ValueError(
            f"`{arg}` must hold token ids >= 1: id 0 is padding, which the "
            "models mask out, so it cannot be part of a text. "
            f"Received: min id {stream.min()}"
        )
    return stream.astype("int32")


def _documents(tokens):
    """A list of 1D streams from one stream or a list of documents."""
    if isinstance(tokens, (list, tuple)) and tokens and not np.isscalar(tokens[0]):
        return [_as_stream(doc, "documents") for doc in tokens]
    return [_as_stream(tokens)]


def _split_one(stream, batch_size, bptt):
    row = (len(stream) - 1) // batch_size  # inputs per row; targets one later
    if row < 1:
        raise ValueError(
            f"A stream of {len(stream)} tokens is too short for "
            f"batch_size={batch_size}: each of the {batch_size} rows needs at "
            f"least one input and its target, so at least {batch_size + 1} "
            "tokens. Use a smaller batch_size or a longer text. "
            f"Received: {len(stream)} tokens"
        )
    x = stream[: row * batch_size].reshape(batch_size, row)
    y = stream[1 : row * batch_size + 1].reshape(batch_size, row)
    windows = -(-row // bptt)
    pad = windows * bptt - row  # the last window is right-padded with 0
    x = np.pad(x, [(0, 0), (0, pad)])
    y = np.pad(y, [(0, 0), (0, pad)])

    def batches(a):  # (rows, windows * bptt) -> (windows * rows, bptt)
        return a.reshape(batch_size, windows, bptt).transpose(1, 0, 2).reshape(-1, bptt)

    return batches(x), batches(y)


def split_stream(tokens, *, batch_size, bptt):
    """Cuts a token stream into TBPTT batches; returns `(x, y)` arrays.

    The stream (minus a remainder of fewer than `batch_size` tokens) is laid
    out as `batch_size` contiguous rows, and the rows are cut into windows
    of `bptt` steps. The arrays hold the windows batch after batch: rows
    `[k * batch_size, (k + 1) * batch_size)` are batch `k`, and row `i` of
    batch `k + 1` continues row `i` of batch `k`. `y` is `x` shifted by one
    token. The last window is right-padded with 0 (padding, which the model
    and its loss ignore), so no token is dropped for a window that does not
    fill up.

    Feed the batches in order and unshuffled (`model.fit(x, y,
    batch_size=batch_size, shuffle=False)`), or use `make_dataset`.

    Args:
        tokens: 1D int array of token ids >= 1, or a list of such arrays
            (documents): each document is split on its own and its batches
            follow the previous document's, so no row runs from one document
            into the next; pair with `ResetStates(reset_at=
            document_starts(...))`.
        batch_size: int >= 1. Number of parallel rows.
        bptt: int >= 1. Steps per window (the backpropagation horizon).

    Returns:
        `(x, y)`: int32 arrays `(num_batches * batch_size, bptt)`.

    Raises:
        ValueError: for a stream too short for `batch_size`, ids < 1, or bad
            argument values.
    """
    check_int("batch_size", batch_size, minimum=1)
    check_int("bptt", bptt, minimum=1)
    parts = [_split_one(doc, batch_size, bptt) for doc in _documents(tokens)]
    return (
        np.concatenate([x for x, _ in parts]),
        np.concatenate([y for _, y in parts]),
    )


def document_starts(documents, *, batch_size, bptt):
    """Batch indices at which each document of `split_stream` begins.

    Example:

    >>> document_starts([np.arange(1, 30), np.arange(1, 10)],
    ...                 batch_size=2, bptt=5)
    [0, 3]
    """
    check_int("batch_size", batch_size, minimum=1)
    check_int("bptt", bptt, minimum=1)
    starts, batch = [], 0
    for doc in _documents(documents):
        starts.append(batch)
        batch += len(_split_one(doc, batch_size, bptt)[0]) // batch_size
    return starts


def make_dataset(tokens, *, batch_size, bptt):
    """`split_stream` as a `tf.data.Dataset` of `(x, y)` batches, in order.

    Every batch holds exactly `batch_size` rows of `bptt` steps, as a
    stateful model needs; the dataset is not shuffled (shuffling would break
    the continuity the states rely on).

    Args:
        tokens, batch_size, bptt: as in `split_stream`.

    Returns:
        A `tf.data.Dataset` yielding int32 `(x, y)`, each
        `(batch_size, bptt)`.
    """
    import tensorflow as tf

    x, y = split_stream(tokens, batch_size=batch_size, bptt=bptt)
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(
        batch_size, drop_remainder=True
    )


def _stateful_layers(model):
    return [
        layer
        for layer in model.layers
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_states")
    ]


class ResetStates(keras.callbacks.Callback):
    """Zeroes the states of a stateful model's recurrent layers.

    Resets at the start of every training epoch (each epoch reads the stream
    from its beginning again), before every evaluation and prediction run
    (and after them, so training resumes from zero states rather than from
    the evaluation's), and before the training batches listed in
    `reset_at` (the first batch of each document, see `document_starts`).

    Args:
        reset_at: optional list of training batch indices (within an epoch)
            before which to reset. Defaults to none.

    Raises:
        ValueError: when the model has no stateful recurrent layer (the
            callback would do nothing).
        RuntimeError: on the JAX backend (see the module docstring).

    Example:

    >>> callback = ResetStates(reset_at=[0, 12])
    """

    def __init__(self, reset_at=None):
        super().__init__()
        reset_at = [] if reset_at is None else list(reset_at)
        for i, index in enumerate(reset_at):
            check_int(f"reset_at[{i}]", index, minimum=0)
        self.reset_at = set(reset_at)

    def reset(self):
        for layer in self._layers:
            layer.reset_states()

    def set_model(self, model):
        if keras.backend.backend() == "jax":
            raise RuntimeError(
                "Truncated BPTT with `fit` needs the TensorFlow (or PyTorch) "
                "backend: Keras' JAX trainer does not carry stateful RNN "
                "states from one batch to the next, so every window would "
                "start from zero states. Run with KERAS_BACKEND=tensorflow, or "
                "train on whole sequences. Received: backend 'jax'"
            )
        super().set_model(model)
        self._layers = _stateful_layers(model)
        if not self._layers:
            raise ValueError(
                "`ResetStates` needs a stateful model: build it with "
                "stateful=True and a batch_size, for example "
                "rnn_zoo.build('language_model', ..., stateful=True, "
                f"batch_size=32). Received: model {model.name!r} with no "
                "stateful recurrent layer"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self.reset()

    def on_train_batch_begin(self, batch, logs=None):
        if batch in self.reset_at and batch != 0:
            self.reset()

    def on_test_begin(self, logs=None):
        self.reset()

    def on_test_end(self, logs=None):
        self.reset()

    def on_predict_begin(self, logs=None):
        self.reset()

    def on_predict_end(self, logs=None):
        self.reset()
