"""The step model of `language_model`: prompt once, then one token a step."""

import re

import keras
import numpy as np
from keras import ops

from rnn_zoo import cells
from rnn_zoo.decoding.base import StepModel, register_step_model
from rnn_zoo.layers.tied_logits import TiedLogits

_RECURRENT = re.compile(r"^decoder_(gru|lstm|simple_rnn)_(\d+)$")
# Layers a language model may hold besides its recurrent ones; the step model
# refuses a model with anything else, rather than generate from a network it
# does not reproduce.
_KNOWN = {
    "tokens", "batch_size_check", "embedding", "head_dropout", "logits",
    "probabilities", "vocabulary_ids",
}
_RECURRENT_TYPES = (keras.layers.GRU, keras.layers.LSTM, keras.layers.SimpleRNN)


def _recurrent_layers(model):
    """The `decoder_{cell}_{i}` layers in order, or None if not contiguous."""
    found = {}
    for layer in model.layers:
        match = _RECURRENT.match(layer.name)
        if match:
            found[int(match.group(2))] = layer
    if not found or sorted(found) != list(range(len(found))):
        return None
    return [found[i] for i in range(len(found))]


@register_step_model
class LanguageModelStep(StepModel):
    """Drives a `language_model` one token at a time.

    Built from the trained model's layers, found by name: `embedding`, the
    recurrent `decoder_{cell}_{i}` layers (their cells are called directly,
    `cell(x_t, states)`), their `decoder_{cell}_{i}_residual` adds if any,
    and `logits` (a `Dense`, or `TiedLogits` reading the embedding matrix).
    The prompt is encoded once, by a `keras.layers.RNN` over each trained
    cell; the state is every layer's states, `[h, c]` per LSTM layer and
    `[h]` otherwise, batch first.

    Prompts: int ids `(batch, time)` (or one prompt `(time,)`, or a list of
    unequal lists, right-padded here), 0 = padding. Each row continues from
    its own last real token; `start_id`, if given, is put in front of every
    prompt (and alone makes the prompt when `inputs` is None).
    """

    def __init__(self, model):
        super().__init__(model)
        self.embedding = model.get_layer("embedding")
        self.recurrent = _recurrent_layers(model)
        self.residual = []
        for layer in self.recurrent:
            names = {l.name for l in model.layers}
            name = f"{layer.name}_residual"
            self.residual.append(model.get_layer(name) if name in names else None)
        self.logits = model.get_layer("logits")
        self.vocabulary_size = int(self.embedding.input_dim)
        self.sequence_length = model.inputs[0].shape[1]
        self.num_states = [
            cells.num_states(_RECURRENT.match(l.name).group(1)) for l in self.recurrent
        ]
        # The prompt runs through the trained cells in one RNN call per layer.
        self.encoders = [
            keras.layers.RNN(
                layer.cell, return_sequences=True, return_state=True,
                name=f"{layer.name}_prompt",
            )
            for layer in self.recurrent
        ]

    @classmethod
    def matches(cls, model):
        if not isinstance(model, keras.Model) or len(model.inputs) != 1:
            return False
        if not str(model.inputs[0].dtype).startswith("int"):
            return False
        recurrent = _recurrent_layers(model)
        if recurrent is None:
            return False
        if not all(isinstance(l, _RECURRENT_TYPES) for l in recurrent):
            return False  # e.g. Bidirectional
        names = {l.name for l in recurrent}
        names |= {f"{n}_residual" for n in names}
        layers = {l.name for l in model.layers}
        return {"embedding", "logits"} <= layers and layers <= names | _KNOWN

    def prepare(self, inputs, *, start_id=None):
        vocab = self.vocabulary_size
        if start_id is not None:
            if isinstance(start_id, bool) or not isinstance(start_id, (int, np.integer)):
                raise TypeError(
                    f"`start_id` must be an int. Received: start_id={start_id!r}"
                )
            if not 0 < start_id < vocab:
                raise ValueError(
                    f"`start_id` must be a token id in [1, {vocab}) (0 is "
                    f"padding). Received: start_id={start_id}"
                )
        if inputs is None:
            if start_id is None:
                raise ValueError(
                    "A language model continues a prompt: pass at least one "
                    "token id as `inputs`, or a `start_id` to begin from. "
                    "Received: inputs=None, start_id=None"
                )
            inputs = np.zeros((1, 0), "int32")
        ids = _as_id_matrix(inputs)
        if start_id is not None:
            ids = np.concatenate([np.full((len(ids), 1), start_id, "int32"), ids], 1)
        if ids.size and (ids.min() < 0 or ids.max() >= vocab):
            raise ValueError(
                "The prompt holds token ids outside the vocabulary of this "
                f"model: ids must be in [0, {vocab}) (0 = padding). "
                f"Received: min id {ids.min()}, max id {ids.max()}"
            )
        empty = np.flatnonzero(~(ids != 0).any(axis=1)) if ids.size else [0]
        if len(empty):
            raise ValueError(
                "Every prompt needs at least one real token (id > 0) to "
                f"continue from; prompt row {int(empty[0])} has none. Give a "
                "token, or pass `start_id`. "
                f"Received: inputs of shape {ids.shape}"
            )
        limit = self.sequence_length
        if limit is not None and ids.shape[1] > limit:
            raise ValueError(
                f"The prompt is longer than this model accepts: it was built "
                f"with sequence_length={limit}, and the prompt has "
                f"{ids.shape[1]} steps. Pass the last {limit} tokens, or "
                "rebuild the model with sequence_length=None (generation "
                "itself can run past sequence_length: it carries the state). "
                f"Received: prompt shape {ids.shape}"
            )
        return ids

    def start(self, inputs):
        ids = ops.cast(inputs, "int32")  # (batch, time)
        real = ids != 0
        positions = ops.expand_dims(ops.arange(ops.shape(ids)[1], dtype="int32"), 0)
        last = ops.max(ops.where(real, positions, -1), axis=1)  # (batch,)
        next_ids = ops.take_along_axis(ids, ops.expand_dims(last, 1), axis=1)[:, 0]
        # Everything before each row's last real token; that token is fed to
        # the first `step`, which predicts the first new token.
        mask = ops.logical_and(real, positions < ops.expand_dims(last, 1))
        # The matrix is read directly: the layer's call would attach its mask
        # to the output, which the cells then warn about.
        x = ops.take(self.embedding.embeddings, ids, axis=0)  # (batch, time, embed)
        state = []
        for encoder, residual in zip(self.encoders, self.residual):
            y, *states = encoder(x, mask=mask, training=False)
            x = residual([x, y]) if residual is not None else y
            state.extend(states)
        return state, next_ids

    def step(self, ids, state):
        x = ops.take(self.embedding.embeddings, ids, axis=0)  # (batch, embed)
        new_state, k = [], 0
        for layer, residual, n in zip(self.recurrent, self.residual, self.num_states):
            y, states = layer.cell(x, state[k : k + n], training=False)
            k += n
            new_state.extend(states if isinstance(states, (list, tuple)) else [states])
            x = residual([x, y]) if residual is not None else y  # (batch, units)
        if isinstance(self.logits, TiedLogits):
            logits = self.logits([x, self.embedding.embeddings])
        else:
            logits = self.logits(x)
        return logits, new_state, {}


def _as_id_matrix(inputs):
    """Int ids `(batch, time)` from an array, one sequence, or ragged lists."""
    if isinstance(inputs, (list, tuple)) and inputs and all(
        isinstance(row, (list, tuple, np.ndarray)) for row in inputs
    ):
        rows = [np.asarray(row).reshape(-1) for row in inputs]
        width = max(len(row) for row in rows)
        ids = np.zeros((len(rows), width), dtype=np.result_type(*rows, np.int32))
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
    else:
        ids = np.asarray(keras.ops.convert_to_numpy(inputs))
    if ids.ndim == 1:
        ids = ids[None]
    if ids.ndim != 2:
        raise ValueError(
            "The prompt must be token ids `(batch, time)` or one sequence "
            f"`(time,)`. Received: inputs of shape {ids.shape}"
        )
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(
            "The prompt must hold integer token ids. "
            f"Received: inputs of dtype {ids.dtype}"
        )
    return ids.astype("int32")
