"""One decoder step of an encoder-decoder, and a decoder that loops it.

`decoder_step` is the single definition of what an encoder-decoder's decoder
does for one token: embed it, run every recurrent cell, attend over the
encoder outputs, project, score the target vocabulary. The
`ScheduledSamplingDecoder` layer loops it over the target sequence (training
with scheduled sampling needs the previous step's prediction before the next
step can run); generation (`rnn_zoo.decoding.seq2seq`) calls it one token at a
time. Both therefore compute exactly what the teacher-forced model computes
with the fused recurrent layers of `rnn_zoo.topologies.encoder_decoder`.
"""

import collections

import keras
from keras import ops

from rnn_zoo import cells as cells_lib
from rnn_zoo.layers.attention import ATTENTIONS

DecoderParts = collections.namedtuple(
    "DecoderParts",
    ["embedding", "cells", "residual", "attention", "projection", "logits"],
)
DecoderParts.__doc__ = """The layers one decoder step runs through.

Attributes:
    embedding: `Embedding` of the target ids.
    cells: list of recurrent cells (`LSTMCell`, ...), bottom to top.
    residual: list of bools, one per cell: add the cell's input to its output.
    attention: `BahdanauAttention` / `LuongAttention` created with
        `return_attention_scores=True`, or `None`.
    projection: `Dense(tanh)` over `[context; h]`, or `None` without attention.
    logits: `Dense(vocabulary_size)`, the pre-softmax scores.
"""


def decoder_step(parts, ids, states, encoded=None, source_mask=None, *,
                 training=False, head_dropout_mask=None):
    """Runs one decoder step.

    Args:
        parts: `DecoderParts`.
        ids: int tensor `(batch,)`, the tokens fed at this step.
        states: list with one list of state tensors per cell (`[h, c]` for
            LSTM, `[h]` otherwise), each `(batch, units)`.
        encoded: float tensor `(batch, source_time, encoder_width)`; needed
            with attention.
        source_mask: bool tensor `(batch, source_time)`, `False` on padding.
        training: bool. Training mode of the cells.
        head_dropout_mask: optional float tensor `(batch, width)` multiplied
            into the input of the `logits` layer (dropout, drawn outside the
            loop so the loop stays stateless).

    Returns:
        `(logits, states, weights)`: `(batch, vocabulary_size)`, the new
        states in the layout of `states`, and the attention weights
        `(batch, source_time)` (`None` without attention).
    """
    # The lookup itself: calling the layer would attach its padding mask,
    # which the cells (no masking support) would warn about.
    x = ops.take(parts.embedding.embeddings, ids, axis=0)  # (batch, embedding_dim)
    new_states = []
    for cell, residual, cell_states in zip(parts.cells, parts.residual, states):
        y, cell_states = cell(x, list(cell_states), training=training)
        new_states.append(list(cell_states) if isinstance(cell_states, (list, tuple)) else [cell_states])
        x = x + y if residual else y  # (batch, units_i)
    weights = None
    if parts.attention is not None:
        context, weights = parts.attention(
            [ops.expand_dims(x, 1), encoded], mask=[None, source_mask]
        )  # (batch, 1, encoder_width), (batch, 1, source_time)
        context, weights = context[:, 0], weights[:, 0]
        x = parts.projection(ops.concatenate([context, x], axis=-1))  # (batch, units)
    if head_dropout_mask is not None:
        x = x * head_dropout_mask
    return parts.logits(x), new_states, weights


def residual_flags(input_width, units, residual):
    """Which stacked layers add their input (the rule of `recurrent_stack`)."""
    widths = [input_width, *units]
    return [bool(residual) and a == b for a, b in zip(widths[:-1], widths[1:])]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ScheduledSamplingDecoder(keras.layers.Layer):
    """Attention decoder run step by step, fed its own predictions at random.

    `ids_t -> Embedding -> (LSTM|GRU|SimpleRNN)Cell x num_layers [-> attention
    over encoder outputs -> Dense(tanh) over [context; h]] -> Dense(vocabulary)`

    In training, the token fed at step `t > 0` is, with probability
    `sampling_probability`, a sample from the decoder's own distribution at
    step `t - 1` instead of the reference `ids[:, t]` (scheduled sampling,
    Bengio et al. 2015, "Scheduled Sampling for Sequence Prediction with
    Recurrent Neural Networks"; no gradient flows through the sample, as in
    the paper). The probability is a non-trainable variable, so a schedule can
    change it during training (`rnn_zoo.callbacks.ScheduledSampling`). With
    probability 0, and always outside training, the reference is fed: the
    layer then computes exactly what the teacher-forced `encoder_decoder`
    with the same weights computes. All random draws (coins, Gumbel noise for
    the samples, dropout masks) are made before the loop, so it also runs
    under JAX.

    Called on `[ids, encoded, *initial_state]` (`encoded` only with
    `attention`; `initial_state` flat, layer by layer, or absent for zeros):
    `ids` int `(batch, target_time)`, 0 = padding; `encoded`
    `(batch, source_time, encoder_width)` whose mask marks the real source
    steps. Returns the logits `(batch, target_time, vocabulary_size)`, masked
    where `ids` is 0. Padded source steps get attention weight 0.

    Args:
        vocabulary_size: int. Number of target ids, padding 0 included.
        embedding_dim: int. Width of the target embeddings.
        cell: str. `"lstm"`, `"gru"` or `"simple_rnn"`.
        units: list of ints, one width per layer.
        attention: `None`, `"bahdanau"` or `"luong"`.
        dropout: float. Input dropout of every cell and before the logits.
        recurrent_dropout: float. Dropout on the recurrent states.
        residual: bool. Skip connections between layers of equal width.
        sampling_probability: float in [0, 1]. Initial probability of feeding
            the model's own prediction in training. Defaults to 0.
        seed: int or None. Seed of the random draws.

    Example:

    >>> layer = ScheduledSamplingDecoder(7, 4, "gru", [4])
    >>> ids = keras.ops.convert_to_tensor([[1, 3, 2, 0]])
    >>> tuple(layer([ids]).shape)
    (1, 4, 7)
    """

    def __init__(self, vocabulary_size, embedding_dim, cell, units, attention=None,
                 dropout=0.0, recurrent_dropout=0.0, residual=False,
                 sampling_probability=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.cell = cells_lib.get(cell)
        self.units = list(units)
        self.attention = attention
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.residual = residual
        self.sampling_probability = sampling_probability
        self.seed = seed
        self.supports_masking = True
        self.seed_generator = keras.random.SeedGenerator(seed)

        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, name="target_embedding"
        )
        cell_class = {
            "lstm": keras.layers.LSTMCell,
            "gru": keras.layers.GRUCell,
            "simple_rnn": keras.layers.SimpleRNNCell,
        }[self.cell]
        self.cells = [
            cell_class(
                width, dropout=dropout, recurrent_dropout=recurrent_dropout,
                seed=seed, name=f"decoder_{self.cell}_{i}",
            )
            for i, width in enumerate(self.units)
        ]
        self.attention_layer = None
        self.projection = None
        if attention is not None:
            self.attention_layer = ATTENTIONS[attention](
                self.units[-1], return_attention_scores=True, name="attention"
            )
            self.projection = keras.layers.Dense(
                self.units[-1], activation="tanh", name="attention_projection"
            )
        self.logits = keras.layers.Dense(vocabulary_size, name="logits")

    @property
    def parts(self):
        return DecoderParts(
            embedding=self.embedding,
            cells=self.cells,
            residual=residual_flags(self.embedding_dim, self.units, self.residual),
            attention=self.attention_layer,
            projection=self.projection,
            logits=self.logits,
        )

    @property
    def num_states(self):
        """Number of state tensors per layer (2 for LSTM, else 1)."""
        return cells_lib.num_states(self.cell)

    def build(self, input_shape):
        self.embedding.build((None,))
        width = self.embedding_dim
        for cell in self.cells:
            cell.build((None, width))
            width = cell.units
        if self.attention is not None:
            encoded_shape = tuple(input_shape[1])
            self.attention_layer.build([(None, 1, width), encoded_shape])
            self.projection.build((None, encoded_shape[-1] + width))
        self.logits.build((None, width))
        self.probability = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.sampling_probability),
            trainable=False,
            name="sampling_probability",
        )

    def _split(self, inputs):
        inputs = list(inputs)
        ids, rest = inputs[0], inputs[1:]
        encoded = rest.pop(0) if self.attention is not None else None
        return ids, encoded, rest

    def call(self, inputs, mask=None, training=None):
        ids, encoded, flat_states = self._split(inputs)
        source_mask = None
        if self.attention is not None and mask is not None:
            source_mask = mask[1]
        ids = ops.cast(ids, "int32")
        batch, time = ops.shape(ids)[0], ops.shape(ids)[1]
        n = self.num_states
        if not flat_states:
            flat_states = [
                ops.zeros((batch, width), dtype=self.compute_dtype)
                for width in self.units for _ in range(n)
            ]
        states = [list(flat_states[i * n:(i + 1) * n]) for i in range(len(self.units))]

        # Every random draw happens here, outside the loop (stateless loop body).
        width_in = self.embedding_dim
        for cell, cell_states in zip(self.cells, states):
            cell.get_dropout_mask(ops.zeros((batch, width_in), dtype=self.compute_dtype))
            cell.get_recurrent_dropout_mask(cell_states[0])
            width_in = cell.units
        if training:
            coins = keras.random.uniform((batch, time), seed=self.seed_generator)
            coins = ops.logical_and(
                ops.less(coins, ops.cast(self.probability, coins.dtype)),
                ops.expand_dims(ops.greater(ops.arange(time), 0), 0),
            )  # step 0 always gets the start token
            uniform = keras.random.uniform(
                (batch, time, self.vocabulary_size), minval=1e-9, maxval=1.0,
                seed=self.seed_generator,
            )
            gumbel = -ops.log(-ops.log(uniform))  # argmax(logits + g) ~ softmax
        else:
            coins = ops.zeros((batch, time), dtype="bool")
            gumbel = ops.zeros((batch, time, 1))
        if training and self.dropout > 0:
            keep = keras.random.dropout(
                ops.ones((batch, time, self.units[-1])), self.dropout,
                seed=self.seed_generator,
            )
        else:
            keep = ops.ones((batch, time, 1))

        parts = self.parts

        def step(carry, x):
            previous_logits, flat = carry
            ids_t, coin_t, gumbel_t, keep_t = x
            own = ops.cast(ops.argmax(previous_logits + gumbel_t, axis=-1), "int32")
            fed = ops.where(coin_t, own, ids_t)
            cell_states = [list(flat[i * n:(i + 1) * n]) for i in range(len(self.units))]
            logits, cell_states, _ = decoder_step(
                parts, fed, cell_states, encoded, source_mask,
                training=training, head_dropout_mask=keep_t,
            )
            carry = (logits, [s for layer_states in cell_states for s in layer_states])
            # Keras' TensorFlow `scan` needs the per-step outputs shaped like
            # the carry; the states stacked alongside are small.
            return carry, carry

        init = (
            ops.zeros((batch, self.vocabulary_size), dtype=self.compute_dtype),
            [s for layer_states in states for s in layer_states],
        )
        time_major = [ops.moveaxis(t, 1, 0) for t in (ids, coins, gumbel, keep)]
        _, (logits, _) = ops.scan(step, init, time_major)  # (time, batch, vocab)
        for cell in self.cells:
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        return ops.moveaxis(logits, 0, 1)  # (batch, time, vocabulary)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs[0], 0)

    def compute_output_shape(self, input_shape):
        ids_shape = input_shape[0]
        return (ids_shape[0], ids_shape[1], self.vocabulary_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            embedding_dim=self.embedding_dim,
            cell=self.cell,
            units=self.units,
            attention=self.attention,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            residual=self.residual,
            sampling_probability=self.sampling_probability,
            seed=self.seed,
        )
        return config
