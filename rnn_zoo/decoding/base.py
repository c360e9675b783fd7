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
"""


class StepModel:
    """One-step-at-a-time view of a trained model.

    Subclasses set `vocabulary_size` and implement `start` and `step`, and
    register themselves with `register_step_model` so `generate` finds them.
    """

    vocabulary_size = None

    @classmethod
    def matches(cls, model):
        """Returns True if this step model can drive `model`."""
        raise NotImplementedError

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
