"""The contract between models and search strategies.

A strategy (greedy, sampling, beam) never looks inside a model: it drives a
`StepModel`, which knows how to encode the model's input once and then advance
one token at a time, carrying the recurrent states of every layer. Each model
family (language model, encoder-decoder, captioner) has one `StepModel`
subclass that builds itself from the trained model's layers, found by name
(`model.get_layer("decoder_lstm_0")`), so it works on a model freshly loaded
from `.keras`.

State is a flat list of tensors whose first axis is the batch (for beam
search, batch * beam_width); beam search reorders every one of them with
`keras.ops.take(tensor, indices, axis=0)`. Constant per-sequence tensors
(encoder outputs, source masks) travel in the state too, so they follow the
beams.

Everything in `start` and `step` uses `keras.ops` only, so a strategy can
compile the whole generation loop as one function on each backend.

How `rnn_zoo.decoding.generate` drives a step model:

1. `cls.matches(model)` picks the class (registration order, first match);
   the instance is `cls(model)`, built once per model and cached.
2. `prepare(inputs, start_id=...)` checks and converts the user's inputs in
   NumPy, before any compiled code runs (so errors are plain Python errors).
3. `start(prepared)` and then `step(ids, state)` run inside one compiled
   function (`tf.function` + XLA on TensorFlow, `jax.jit` on JAX); on JAX the
   values of `variables` are passed in through a `keras.StatelessScope`.
   Rows must stay independent: beam search repeats every state row
   `beam_width` times and reorders rows between steps.
"""

import numpy as np


class StepModel:
    """One-step-at-a-time view of a trained model.

    Subclasses set `vocabulary_size` and implement `start` and `step`, and
    register themselves with `register_step_model` so `generate` finds them.
    """

    vocabulary_size = None
    # The id `generate` never emits (its logit is masked out): 0 is padding
    # everywhere in rnn_zoo. `None` allows every id.
    pad_id = 0

    def __init__(self, model):
        self.model = model

    @property
    def variables(self):
        """Every variable `start` and `step` read (the whole model by default).

        On JAX the compiled loop receives their values as arguments, so a
        model trained further after the first `generate` call is seen as it is
        now, not as it was when the loop was compiled.
        """
        return list(self.model.variables)

    @classmethod
    def matches(cls, model):
        """Returns True if this step model can drive `model`."""
        raise NotImplementedError

    def prepare(self, inputs, *, start_id=None):
        """Checks and converts the user's inputs before anything is compiled.

        Runs eagerly, in NumPy: this is where bad input gets a clear error
        (ids outside the vocabulary, a prompt longer than the model accepts,
        a missing start token). Whatever it returns (an array, or a tuple or
        dict of arrays) is what `start` receives, as tensors.

        Args:
            inputs: what the user passed to `generate`.
            start_id: int or None. The start token the user passed to
                `generate`, for models that begin from one (decoders); a
                model fed through `inputs` folds it into what it returns
                (for example as a `(batch,)` array), so that it reaches
                `start` as a tensor.

        Returns:
            The batch-first arrays for `start`. The default returns
            `np.asarray(inputs)` and refuses `start_id`.
        """
        if start_id is not None:
            raise ValueError(
                f"{type(self).__name__} takes no `start_id`. "
                f"Received: start_id={start_id!r}"
            )
        return np.asarray(inputs)

    def start(self, inputs):
        """Encodes the model input once.

        Args:
            inputs: what the user passed to `generate` (prompt ids for a
                language model; source ids for an encoder-decoder; an image or
                features for a captioner), batch first.

        Returns:
            `(state, next_ids)`: the initial state list and the int tensor
            `(batch,)` of the first token to feed to `step` (the last prompt
            token, or the start token).
        """
        raise NotImplementedError

    def step(self, ids, state):
        """Advances one token.

        Args:
            ids: int tensor `(batch,)`, the token fed at this step.
            state: list of tensors from `start` or the previous `step`.

        Returns:
            `(logits, state, extras)`: float logits `(batch, vocabulary_size)`
            for the next token, the new state list, and a dict of per-step
            tensors to record (for example `{"attention": (batch, source_time)}`),
            empty when there is nothing to record.
        """
        raise NotImplementedError


_STEP_MODELS = []


def register_step_model(cls):
    """Class decorator: makes `generate` try `cls.matches(model)`."""
    _STEP_MODELS.append(cls)
    return cls


def step_model_classes():
    return list(_STEP_MODELS)
