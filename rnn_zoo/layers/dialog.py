"""Layers that run an utterance encoder over every turn of a dialog history.

A history is a batch of dialogs, each a sequence of turns, each turn a
sequence of tokens: `(batch, turns, tokens)`. `FoldTurns` puts the turns into
the batch, so one recurrent stack reads every turn at once, and
`UnfoldTurns` gives each dialog its sequence of turn vectors back, with a
mask of its real turns. They use `keras.ops.reshape`, so the number of turns
and their length may be unknown (`TimeDistributed` fails on an unknown axis
in Keras 3.15).
"""

import keras
import numpy as np  # noqa: F401  (used in the docstring examples)
from keras import ops


def _check_history_rank(layer, arg, shape, rank, what):
    if len(shape) != rank:
        raise ValueError(
            f"{layer} needs a dialog history shaped {what}: one row of token "
            "ids per turn, 0 = padding (an example with fewer turns is padded "
            f"with all-zero turns). Received: {arg}.shape={tuple(shape)}"
        )


def check_history_shape(shape):
    """Raises a clear `ValueError` for a history with no turns or no tokens.

    Only sizes known from the static shape are checked (a 0 anywhere in
    `(batch, turns, tokens)` after the batch axis): an empty history is one
    padding turn, not zero turns.
    """
    turns, tokens = shape[1], shape[2]
    if turns == 0 or tokens == 0:
        raise ValueError(
            "The dialog history needs at least one turn of at least one token: "
            "(batch, turns, tokens) with turns >= 1 and tokens >= 1. A dialog "
            "without history is one padding turn (all zeros), e.g. "
            "np.zeros((batch, 1, 1), 'int32'). "
            f"Received: history of shape {tuple(shape[:3])}"
        )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class FoldTurns(keras.layers.Layer):
    """Folds the turns of a dialog history into the batch: token ids
    `(batch, turns, tokens) -> (batch * turns, tokens)`.

    Each turn becomes one token sequence of a batch an utterance encoder
    reads at once (after `Embedding(mask_zero=True)`, whose mask then marks
    the real tokens of every turn).

    A turn without any real token (a padding turn) would be an empty
    sequence, which the cuDNN kernel does not take (Keras leaves the fast
    path, or fails, on a fully masked row): its first id becomes 1, so the
    encoder reads one step, and `UnfoldTurns` zeroes that turn's vector.
    (The fold happens on the ids rather than on the embedded turns so that
    the mask comes from the embedding: a mask folded in `compute_mask` would
    be traced once with the symbolic shape, unknown token axis included.)

    Masks: takes none and outputs none; embed the folded ids with
    `mask_zero=True`.

    Raises:
        ValueError: for ids that are not 3D `(batch, turns, tokens)`, or
            (when called on data) a history with 0 turns or 0 tokens per
            turn.

    Example:

    >>> ids = np.array([[[3, 4, 0], [0, 0, 0]]])  # one dialog: a turn, a padding turn
    >>> keras.ops.convert_to_numpy(FoldTurns()(ids))
    array([[3, 4, 0],
           [1, 0, 0]])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        _check_history_rank("FoldTurns", "history", input_shape, 3, "(batch, turns, tokens)")

    def call(self, inputs):
        check_history_shape(inputs.shape)
        flat = ops.reshape(inputs, (-1, ops.shape(inputs)[2]))  # (batch * turns, tokens)
        empty = ops.logical_not(ops.any(ops.not_equal(flat, 0), axis=1, keepdims=True))
        first = ops.equal(ops.cumsum(ops.ones_like(flat), axis=1), 1)
        return ops.where(ops.logical_and(first, empty), ops.ones_like(flat), flat)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        batch, turns = input_shape[0], input_shape[1]
        folded = None if batch is None or turns is None else batch * turns
        return (folded, input_shape[2])


@keras.saving.register_keras_serializable(package="rnn_zoo")
class UnfoldTurns(keras.layers.Layer):
    """Undoes `FoldTurns` on turn vectors: `[(batch * turns, features),
    history] -> (batch, turns, features)`.

    `history` is the dialog history's token ids `(batch, turns, tokens)`, 0 =
    padding; its batch and turn sizes are read at run time. The vectors of
    padding turns (all zeros) are set to zero, whatever the utterance
    encoder made of the one padding step it read.

    Masks: outputs the turn mask `(batch, turns)`: True for the turns with a
    real token, and always for turn 0, so that a dialog whose history is all
    padding still gives the dialog encoder one (zero) step to read rather
    than an empty sequence. Turns must be right-padded: real turns first.

    Raises:
        ValueError: for a `history` that is not 3D `(batch, turns, tokens)`,
            or turn vectors that are not 2D.

    Example:

    >>> ids = np.array([[[3, 4, 0], [0, 0, 0]]])
    >>> vectors = keras.ops.ones((2, 5))
    >>> unfold = UnfoldTurns()
    >>> keras.ops.convert_to_numpy(unfold([vectors, ids]))[0, :, 0]
    array([1., 0.], dtype=float32)
    >>> keras.ops.convert_to_numpy(unfold.compute_mask([vectors, ids]))
    array([[ True, False]])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        vectors, history = input_shape
        _check_history_rank("UnfoldTurns", "history", history, 3, "(batch, turns, tokens)")
        if len(vectors) != 2:
            raise ValueError(
                "UnfoldTurns takes one vector per turn, (batch * turns, "
                "features), as an utterance encoder gives them. "
                f"Received: vectors of shape {tuple(vectors)}"
            )

    def call(self, inputs):
        vectors, history = inputs
        shape = ops.shape(history)
        out = ops.reshape(vectors, (shape[0], shape[1], vectors.shape[-1]))
        real = ops.any(ops.not_equal(history, 0), axis=-1, keepdims=True)
        return ops.where(real, out, ops.zeros_like(out))  # (batch, turns, features)

    def compute_mask(self, inputs, mask=None):
        real = ops.any(ops.not_equal(inputs[1], 0), axis=-1)  # (batch, turns)
        first = ops.equal(ops.cumsum(ops.ones_like(real, dtype="int32"), axis=1), 1)
        return ops.logical_or(real, first)

    def compute_output_shape(self, input_shape):
        vectors, history = input_shape
        return (history[0], history[1], vectors[-1])
