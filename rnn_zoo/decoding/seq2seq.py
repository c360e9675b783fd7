"""Step-by-step view of an encoder-decoder (`seq2seq_translator`).

`start` runs the trained encoder and bridge once, as a sub-model of the
trained model; `step` runs one decoder step through the trained decoder's
layers (`decoder_step`: target embedding, each recurrent layer's `.cell`,
attention on one query step, projection, `logits`). Both the teacher-forced
model (fused recurrent layers) and the scheduled-sampling model (a
`ScheduledSamplingDecoder` layer named `decoder`) are recognised; layers are
found by name, so a model loaded from `.keras` works.

State layout (every tensor batch first, so beams can reorder it):
`[decoder states of layer 0 ([h, c] or [h]), ..., of the last layer,
encoder outputs (batch, source_time, width), source mask (batch, source_time)]`
(the last two only with attention).
"""

import keras
import numpy as np
from keras import ops

from rnn_zoo import cells as cells_lib
from rnn_zoo._validation import check_int
from rnn_zoo.decoding.base import StepModel, register_step_model
from rnn_zoo.layers.seq2seq_decoder import DecoderParts, ScheduledSamplingDecoder, decoder_step

SOURCE_INPUT = "source_ids"
DECODER_INPUT = "decoder_ids"


def _layer(model, name):
    try:
        return model.get_layer(name)
    except ValueError:
        return None


def _concrete(x):
    """`x` as a NumPy array if it has values now (not a traced tensor)."""
    if isinstance(x, (np.ndarray, list, tuple)):
        return np.asarray(x)
    try:
        return np.asarray(keras.ops.convert_to_numpy(x))
    except Exception:  # a symbolic or traced tensor: nothing to check
        return None


@register_step_model
class Seq2SeqStepModel(StepModel):
    """Encodes the source once, then decodes one target token per `step`.

    Args:
        model: a `seq2seq_translator` model (inputs named `source_ids` and
            `decoder_ids`), trained or freshly loaded.
        start_id: int or None. The start token fed at the first step when
            `prepare` gets none (`generate` passes its `start_id` there).

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("seq2seq_translator", source_vocabulary_size=10,
    ...                       target_vocabulary_size=8, embedding_dim=4, units=4)
    >>> step_model = Seq2SeqStepModel(model, start_id=1)
    >>> state, ids = step_model.start(np.array([[4, 5, 0]]))
    >>> logits, state, extras = step_model.step(ids, state)
    >>> tuple(logits.shape), tuple(extras["attention"].shape)
    ((1, 8), (1, 3))
    """

    def __init__(self, model, start_id=None):
        if not self.matches(model):
            raise ValueError(
                "`Seq2SeqStepModel` drives encoder-decoder models with inputs "
                f"named {SOURCE_INPUT!r} and {DECODER_INPUT!r} (as built by "
                "`seq2seq_translator`). Received: model="
                f"{getattr(model, 'name', model)!r} with inputs "
                f"{[t.name for t in getattr(model, 'inputs', None) or []]}"
            )
        super().__init__(model)
        decoder = _layer(model, "decoder")
        if isinstance(decoder, ScheduledSamplingDecoder):
            self.parts = decoder.parts
            self.cell = decoder.cell
            self.units = list(decoder.units)
            tensors = _float_inputs(decoder)[1:]  # [encoded?] + flat initial states
            has_attention = decoder.attention is not None
            encoded = tensors.pop(0) if has_attention else None
            states = tensors
        else:
            self.parts, self.cell, self.units = self._find_parts(model)
            has_attention = self.parts.attention is not None
            encoded = model.get_layer("attention").input[1] if has_attention else None
            states = []
            for i in range(len(self.units)):
                # [x, *initial_state] (none without a bridge)
                states += _float_inputs(model.get_layer(f"decoder_{self.cell}_{i}"))[1:]
        self.num_states = cells_lib.num_states(self.cell)
        self.has_attention = has_attention
        self.bridged = bool(states)
        outputs = ([encoded] if has_attention else []) + list(states)
        source = next(t for t in model.inputs if _input_name(t) == SOURCE_INPUT)
        # The trained encoder and bridge, sharing the model's layers.
        self.encoder = keras.Model(source, outputs) if outputs else None
        self.source_vocabulary_size = model.get_layer("source_embedding").input_dim
        self.vocabulary_size = self.parts.logits.units
        self.start_id = (
            None if start_id is None else self._check_target_id("start_id", start_id)
        )

    @classmethod
    def matches(cls, model):
        if not isinstance(model, keras.Model) or not getattr(model, "inputs", None):
            return False
        names = {_input_name(t) for t in model.inputs}
        if names != {SOURCE_INPUT, DECODER_INPUT}:
            return False
        return _layer(model, "logits") is not None or isinstance(
            _layer(model, "decoder"), ScheduledSamplingDecoder
        )

    @staticmethod
    def _find_parts(model):
        cell = next(
            (c for c in cells_lib.CELLS if _layer(model, f"decoder_{c}_0") is not None),
            None,
        )
        if cell is None:
            raise ValueError(
                "The encoder-decoder has no decoder layer named "
                f"'decoder_{{cell}}_0' for any cell in {list(cells_lib.CELLS)}. "
                f"Received: layers {[layer.name for layer in model.layers]}"
            )
        layers = []
        while _layer(model, f"decoder_{cell}_{len(layers)}") is not None:
            layers.append(model.get_layer(f"decoder_{cell}_{len(layers)}"))
        residual = [_layer(model, f"{layer.name}_residual") is not None for layer in layers]
        parts = DecoderParts(
            embedding=model.get_layer("target_embedding"),
            cells=[layer.cell for layer in layers],
            residual=residual,
            attention=_layer(model, "attention"),
            projection=_layer(model, "attention_projection"),
            logits=model.get_layer("logits"),
        )
        return parts, cell, [layer.cell.units for layer in layers]

    def _start_id(self, start_id=None):
        start_id = self.start_id if start_id is None else start_id
        if start_id is None:
            raise ValueError(
                "An encoder-decoder starts decoding from a start token: pass "
                "`start_id` (for `rnn_zoo.data.toy` vocabularies, "
                "`vocabulary.start_id`). Received: start_id=None"
            )
        return self._check_target_id("start_id", start_id)

    def _check_target_id(self, arg, value):
        value = check_int(arg, value)
        if not 1 <= value < self.vocabulary_size:
            raise ValueError(
                f"`{arg}` must be a target token id in [1, {self.vocabulary_size}) "
                f"(target_vocabulary_size={self.vocabulary_size}; 0 is padding). "
                f"Received: {arg}={value}"
            )
        return value

    def prepare(self, inputs, *, start_id=None):
        """Checks the source ids in NumPy; returns the arrays `start` reads.

        Args:
            inputs: source ids: int `(batch, source_time)` (0 = padding), one
                source `(source_time,)`, or a list of unequal lists (right-
                padded here).
            start_id: int. The start token of the target vocabulary; defaults
                to the `start_id` this step model was made with.

        Returns:
            `{"source_ids": (batch, source_time) int32, "start_ids": (batch,)
            int32}`.
        """
        start_id = self._start_id(start_id)
        source = _source_array(inputs)
        bad = source[(source < 0) | (source >= self.source_vocabulary_size)]
        if bad.size:
            raise ValueError(
                "Source ids must be in [0, source_vocabulary_size="
                f"{self.source_vocabulary_size}) (0 is padding). "
                f"Received: source ids {sorted(set(bad.tolist()))[:10]}"
            )
        start_ids = np.full((source.shape[0],), start_id, "int32")
        return {"source_ids": source, "start_ids": start_ids}

    def start(self, inputs):
        """Encodes the source once.

        Args:
            inputs: the dict `prepare` returns (as tensors), or source ids
                `(batch, source_time)` (then checked here, and decoding starts
                from this step model's `start_id`).

        Returns:
            `(state, next_ids)`, `next_ids` the start token of each row.
        """
        if not isinstance(inputs, dict):
            if _concrete(inputs) is not None:
                inputs = self.prepare(inputs)
            else:  # traced source ids: checked by whoever traced them
                ids = ops.full((ops.shape(inputs)[0],), self._start_id(), "int32")
                inputs = {"source_ids": inputs, "start_ids": ids}
        source, next_ids = inputs["source_ids"], inputs["start_ids"]
        source = ops.cast(ops.convert_to_tensor(source), "int32")
        next_ids = ops.cast(ops.convert_to_tensor(next_ids), "int32")
        batch = ops.shape(source)[0]
        outputs = self.encoder(source, training=False) if self.encoder is not None else []
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        encoded = outputs.pop(0) if self.has_attention else None
        if self.bridged:
            states = outputs
        else:
            states = [
                ops.zeros((batch, width)) for width in self.units
                for _ in range(self.num_states)
            ]
        state = list(states)
        if self.has_attention:
            state += [encoded, ops.not_equal(source, 0)]
        return state, next_ids

    def step(self, ids, state):
        n, layers = self.num_states, len(self.units)
        flat = list(state[: n * layers])
        states = [flat[i * n:(i + 1) * n] for i in range(layers)]
        encoded = source_mask = None
        if self.has_attention:
            encoded, source_mask = state[n * layers], state[n * layers + 1]
        logits, states, weights = decoder_step(
            self.parts, ops.cast(ids, "int32"), states, encoded, source_mask
        )
        new_state = [s for layer_states in states for s in layer_states]
        if not self.has_attention:
            return logits, new_state, {}
        return logits, new_state + [encoded, source_mask], {"attention": weights}


def _float_inputs(layer):
    """The float tensors a layer was called with, in call order. Masks (bool)
    that Keras recorded with the call are left out."""
    inputs = layer.input
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [t for t in inputs if str(t.dtype) != "bool"]


def _source_array(inputs):
    """Source ids as a right-padded int32 array `(batch, source_time)`."""
    if isinstance(inputs, (list, tuple)) and inputs and all(
        isinstance(row, (list, tuple, np.ndarray)) for row in inputs
    ):
        width = max(len(row) for row in inputs)
        rows = [np.pad(np.asarray(row), (0, width - len(row))) for row in inputs]
        inputs = np.stack(rows) if rows else np.zeros((0, 0), "int64")
    values = _concrete(inputs)
    if values is None:
        raise TypeError(
            "Source ids must be an int array (batch, source_time) with values "
            f"(not a symbolic tensor). Received: inputs of type {type(inputs).__name__}"
        )
    if values.ndim == 1:
        values = values[None]
    if values.ndim != 2 or values.size == 0 or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            "Source ids must be a non-empty int array (batch, source_time), "
            "one source (source_time,), or a list of lists of ints. "
            f"Received: shape={values.shape}, dtype={values.dtype}"
        )
    return values


def _input_name(tensor):
    # Functional inputs are named after their `Input` layer; loaded models too.
    history = getattr(tensor, "_keras_history", None)
    if history is not None:
        return history[0].name
    return tensor.name
