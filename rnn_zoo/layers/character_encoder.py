"""Word vectors read from characters (Lample et al. 2016)."""

import keras
import numpy as np  # noqa: F401  (used in the docstring example)
from keras import ops

from rnn_zoo import cells
from rnn_zoo._validation import check_int


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CharacterEncoder(keras.layers.Layer):
    """Encodes every word from its characters with a small bidirectional RNN.

    `chars (batch, words, chars) -> Embedding(mask_zero) -> Bidirectional(
    LSTM|GRU|SimpleRNN) over each word's characters -> (batch, words, 2 *
    units)`: the final forward and backward states, concatenated (Lample et
    al. 2016, "Neural Architectures for Named Entity Recognition"). Spelling
    reaches the tagger this way, so words never seen in training (or mapped
    to an out-of-vocabulary id) still get an informative vector.

    The words are folded into the batch with `keras.ops.reshape` (`(batch *
    words, chars)`) rather than `TimeDistributed`, which fails on an unknown
    time axis in Keras 3.15.

    Args:
        vocabulary_size: int. Number of character ids, padding id 0 included.
        embedding_dim: int. Width of the character embeddings. Defaults to 25.
        units: int. Width of each direction of the character RNN. Defaults to
            25.
        cell: str. `"lstm"`, `"gru"` or `"simple_rnn"`. Defaults to `"lstm"`.

    Masks: character id 0 is padding and is masked inside the RNN, so extra
    padding characters change nothing. A word made only of padding (a
    padding word) encodes to zeros and is masked: the output's mask is
    `(batch, words)`, True where a word has a character. (`Concatenate`
    ORs its inputs' masks; an unmasked input would unmask every padding
    word of the token embeddings it is concatenated to.)

    Example:

    >>> chars = np.array([[[3, 4, 0], [5, 0, 0], [0, 0, 0]]])  # 2 words + padding
    >>> vectors = CharacterEncoder(vocabulary_size=10, embedding_dim=4, units=3)(chars)
    >>> tuple(vectors.shape)
    (1, 3, 6)
    >>> float(keras.ops.max(keras.ops.abs(vectors[0, 2])))
    0.0
    """

    def __init__(self, vocabulary_size, embedding_dim=25, units=25, cell="lstm", **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, minimum=2)
        self.embedding_dim = check_int("embedding_dim", embedding_dim, minimum=1)
        self.units = check_int("units", units, minimum=1)
        self.cell = cells.get(cell)
        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, name="char_embedding"
        )
        self.rnn = keras.layers.Bidirectional(
            cells.layer_class(self.cell)(units, name=f"char_{self.cell}"),
            name=f"char_{self.cell}",
        )

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                "CharacterEncoder needs character ids shaped (batch, words, "
                f"chars), 0 = padding. Received: input shape={tuple(input_shape)}"
            )
        self.embedding.build((None, None))
        self.rnn.build((None, None, self.embedding_dim))

    def call(self, inputs):
        chars = ops.cast(inputs, "int32")
        batch, words, length = ops.shape(chars)
        flat = ops.reshape(chars, (-1, length))  # (batch * words, chars)
        real = ops.not_equal(flat, 0)
        has_chars = ops.any(real, axis=1)  # (batch * words,)
        # A padding word would be an empty sequence, which the cuDNN kernel
        # rejects: let it read one padding character, then zero its vector.
        first = ops.equal(ops.arange(length), 0)[None, :]
        empty = ops.logical_not(has_chars)[:, None]
        mask = ops.logical_or(real, ops.logical_and(first, empty))
        h = self.rnn(self.embedding(flat), mask=mask)  # (batch * words, 2 * units)
        h = ops.where(has_chars[:, None], h, ops.zeros_like(h))
        return ops.reshape(h, (batch, words, 2 * self.units))

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, 0), axis=-1)  # (batch, words)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], 2 * self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            embedding_dim=self.embedding_dim,
            units=self.units,
            cell=self.cell,
        )
        return config
