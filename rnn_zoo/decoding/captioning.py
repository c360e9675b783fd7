"""The step model of `image_captioner`: encode the image once, then one word a step."""

import re

import keras
import numpy as np
from keras import ops

from rnn_zoo import cells
from rnn_zoo.decoding.base import StepModel, register_step_model

_RECURRENT = re.compile(r"^decoder_(gru|lstm|simple_rnn)_(\d+)$")
_IMAGE_INPUTS = ("image", "image_features")


def _recurrent_layers(model):
    found = {}
    for layer in model.layers:
        match = _RECURRENT.match(layer.name)
        if match:
            found[int(match.group(2))] = layer
    if not found or sorted(found) != list(range(len(found))):
        return None
    return [found[i] for i in range(len(found))]


def _optional_layer(model, name):
    names = {layer.name for layer in model.layers}
    return model.get_layer(name) if name in names else None


@register_step_model
class CaptionerStep(StepModel):
    """Drives an `image_captioner` one token at a time.

    Built from the trained model's layers, found by name, so it also works on
    a model loaded from `.keras`: `image_encoder` (if any), `image_pooling`
    and `image_grid`, `embedding`, the recurrent `decoder_{cell}_{i}` layers
    (their cells are called directly), the conditioning layers
    (`decoder_initial_state_{i}_{k}`, or `decoder_context_projection` for
    `conditioning="first_input"`), the residual adds, `attention`,
    `attention_concat`, `attention_projection` and `logits`.

    `start` runs the image encoder once and computes the decoder's initial
    states (for `"first_input"`, by running the image step through the
    cells); the state is every layer's states (`[h, c]` for LSTM, `[h]`
    otherwise), then, with attention, the feature grid `(batch, h * w, c)`,
    so it follows the beams. With attention, each step records
    `{"attention": (batch, h * w)}`: where in the image the word looked.

    Inputs: images `(batch, height, width, channels)` (one image
    `(height, width, channels)` is accepted) or, for a model built with
    `image_encoder=None`, features `(batch, *feature_shape)`. Generation
    begins from `start_id` (the `<s>` token), which is required.
    """

    def __init__(self, model):
        super().__init__(model)
        self.image_input = next(
            layer for layer in model.layers if layer.name in _IMAGE_INPUTS
        )
        self.image_shape = tuple(model.inputs[0].shape[1:])
        self.encoder = _optional_layer(model, "image_encoder")
        self.pooling = _optional_layer(model, "image_pooling")
        self.grid = _optional_layer(model, "image_grid")
        self.embedding = model.get_layer("embedding")
        self.vocabulary_size = int(self.embedding.input_dim)
        self.recurrent = _recurrent_layers(model)
        self.cell_names = [_RECURRENT.match(l.name).group(1) for l in self.recurrent]
        self.num_states = [cells.num_states(c) for c in self.cell_names]
        self.residual = [
            _optional_layer(model, f"{l.name}_residual") for l in self.recurrent
        ]
        self.context_residual = [
            _optional_layer(model, f"{l.name}_residual_context") for l in self.recurrent
        ]
        self.context_projection = _optional_layer(model, "decoder_context_projection")
        self.initial_state = None
        if self.context_projection is None:
            self.initial_state = [
                [model.get_layer(f"decoder_initial_state_{i}_{k}") for k in range(n)]
                for i, n in enumerate(self.num_states)
            ]
        self.attention = _optional_layer(model, "attention")
        if self.attention is not None:
            self.attention_concat = model.get_layer("attention_concat")
            self.attention_projection = model.get_layer("attention_projection")
        self.logits = model.get_layer("logits")

    @classmethod
    def matches(cls, model):
        if not isinstance(model, keras.Model) or len(model.inputs) != 2:
            return False
        names = {layer.name for layer in model.layers}
        if not names & set(_IMAGE_INPUTS):
            return False
        if not {"embedding", "logits"} <= names or _recurrent_layers(model) is None:
            return False
        return len(model.outputs[0].shape) == 3

    def prepare(self, inputs, *, start_id=None):
        """Checks the images (or features) and the start token, in NumPy."""
        vocab = self.vocabulary_size
        if start_id is None:
            raise ValueError(
                "A captioner writes from the start token: pass "
                "`start_id` (the id of `<s>` in the caption vocabulary). "
                "Received: start_id=None"
            )
        if isinstance(start_id, bool) or not isinstance(start_id, (int, np.integer)):
            raise TypeError(f"`start_id` must be an int. Received: start_id={start_id!r}")
        if not 0 < start_id < vocab:
            raise ValueError(
                f"`start_id` must be a token id in [1, {vocab}) (0 is padding). "
                f"Received: start_id={start_id}"
            )
        images = np.asarray(keras.ops.convert_to_numpy(inputs), dtype="float32")
        received = images.shape
        expected = self.image_shape
        what = "images" if self.encoder is not None else "image features"
        if images.ndim == len(expected):
            images = images[None]
        if images.ndim != len(expected) + 1:
            raise ValueError(
                f"This captioner takes {what} of shape (batch, "
                f"{', '.join(str(d) for d in expected)}) (or one without the "
                f"batch axis). Received: inputs of shape {received}"
            )
        if any(e is not None and e != d for e, d in zip(expected, images.shape[1:])):
            channels = (
                " (check the number of channels)"
                if self.encoder is not None and expected[-1] != images.shape[-1]
                else ""
            )
            raise ValueError(
                f"This captioner takes {what} of shape (batch, "
                f"{', '.join(str(d) for d in expected)}){channels}. "
                f"Received: inputs of shape {received}"
            )
        return images, np.full((len(images),), start_id, "int32")

    def start(self, inputs):
        images, start_ids = inputs
        features = images
        if self.encoder is not None:
            features = self.encoder(images, training=False)  # (batch, h, w, c)
        if self.pooling is not None:
            vector = self.pooling(features)  # (batch, c)
        else:
            vector = features  # (batch, c)
        if self.attention is not None:
            grid = self.grid(features)  # (batch, h * w, c)
        if self.initial_state is not None:
            state = [dense(vector) for layers in self.initial_state for dense in layers]
        else:
            # Show and Tell: the image is the first input, read from zeros.
            batch = ops.shape(vector)[0]
            zeros = [
                [ops.zeros((batch, l.cell.units), vector.dtype)] * n
                for l, n in zip(self.recurrent, self.num_states)
            ]
            x = self.context_projection(vector)  # (batch, embed)
            state = self._cells(x, [s for z in zeros for s in z], self.context_residual)[1]
        if self.attention is not None:
            state = state + [grid]
        return state, ops.cast(start_ids, "int32")

    def _cells(self, x, state, residuals):
        new_state, k = [], 0
        for layer, residual, n in zip(self.recurrent, residuals, self.num_states):
            y, states = layer.cell(x, state[k : k + n], training=False)
            k += n
            new_state.extend(states if isinstance(states, (list, tuple)) else [states])
            x = residual([x, y]) if residual is not None else y  # (batch, units)
        return x, new_state

    def step(self, ids, state):
        # The embedding matrix directly: calling the layer would attach a mask.
        x = ops.take(self.embedding.embeddings, ops.cast(ids, "int32"), axis=0)
        extras = {}
        if self.attention is None:
            x, new_state = self._cells(x, state, self.residual)
        else:
            grid = state[-1]
            x, new_state = self._cells(x, state[:-1], self.residual)
            context, weights = self.attention([ops.expand_dims(x, 1), grid])
            x = self.attention_concat([context[:, 0], x])
            x = self.attention_projection(x)  # (batch, units)
            new_state = new_state + [grid]
            extras["attention"] = weights[:, 0]  # (batch, h * w)
        return self.logits(x), new_state, extras
