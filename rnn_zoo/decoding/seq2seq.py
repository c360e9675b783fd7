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
        start_id: int. The start token fed at the first step. Defaults to 1
            (the start id of `rnn_zoo.data.toy.CharVocabulary`).

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

    def __init__(self, model, start_id=1):
        if not self.matches(model):
            raise ValueError(
                "`Seq2SeqStepModel` drives encoder-decoder models with inputs "
                f"named {SOURCE_INPUT!r} and {DECODER_INPUT!r} (as built by "
                "`seq2seq_translator`). Received: model="
                f"{getattr(model, 'name', model)!r} with inputs "
                f"{[t.name for t in getattr(model, 'inputs', None) or []]}"
            )
        self.model = model
        decoder = _layer(model, "decoder")
        if isinstance(decoder, ScheduledSamplingDecoder):
            self.parts = decoder.parts
            self.cell = decoder.cell
            self.units = list(decoder.units)
            tensors = list(decoder.input)[1:]  # [encoded?] + flat initial states
            has_attention = decoder.attention is not None
            encoded = tensors.pop(0) if has_attention else None
            states = tensors
        else:
            self.parts, self.cell, self.units = self._find_parts(model)
            has_attention = self.parts.attention is not None
            encoded = model.get_layer("attention").input[1] if has_attention else None
            states = []
            for i in range(len(self.units)):
                layer_input = model.get_layer(f"decoder_{self.cell}_{i}").input
                states += list(layer_input[1:]) if isinstance(layer_input, (list, tuple)) else []
        self.num_states = cells_lib.num_states(self.cell)
        self.has_attention = has_attention
        self.bridged = bool(states)
        outputs = ([encoded] if has_attention else []) + list(states)
        source = next(t for t in model.inputs if _input_name(t) == SOURCE_INPUT)
        # The trained encoder and bridge, sharing the model's layers.
        self.encoder = keras.Model(source, outputs) if outputs else None
        self.source_vocabulary_size = model.get_layer("source_embedding").input_dim
        self.vocabulary_size = self.parts.logits.units
        self.start_id = self._check_target_id("start_id", start_id)

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

    def _check_target_id(self, arg, value):
        value = check_int(arg, value)
        if not 1 <= value < self.vocabulary_size:
            raise ValueError(
                f"`{arg}` must be a target token id in [1, {self.vocabulary_size}) "
                f"(target_vocabulary_size={self.vocabulary_size}; 0 is padding). "
                f"Received: {arg}={value}"
            )
        return value

    def start(self, inputs, start_id=None):
        """Encodes `inputs` (source ids `(batch, source_time)`, 0 = padding).

        Returns `(state, next_ids)`, `next_ids` the start token for each row.
        """
        start_id = self.start_id if start_id is None else self._check_target_id(
            "start_id", start_id
        )
        values = _concrete(inputs)
        if values is not None:
            if values.ndim != 2 or not np.issubdtype(values.dtype, np.integer):
                raise ValueError(
                    "Source ids must be an int array (batch, source_time). "
                    f"Received: shape={values.shape}, dtype={values.dtype}"
                )
            bad = values[(values < 0) | (values >= self.source_vocabulary_size)]
            if bad.size:
                raise ValueError(
                    "Source ids must be in [0, source_vocabulary_size="
                    f"{self.source_vocabulary_size}) (0 is padding). "
                    f"Received: source ids {sorted(set(bad.tolist()))[:10]}"
                )
        source = ops.cast(ops.convert_to_tensor(inputs), "int32")
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
        next_ids = ops.full((batch,), start_id, dtype="int32")
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


def _input_name(tensor):
    # Functional inputs are named after their `Input` layer; loaded models too.
    history = getattr(tensor, "_keras_history", None)
    if history is not None:
        return history[0].name
    return tensor.name
