"""Decoding: generation that carries recurrent state step by step.

`generate(model, inputs, max_new_tokens, strategy=...)` works on every model
a registered `StepModel` recognises; `get(name, **config)` returns a search
strategy: `"greedy"`, `"sample"`, `"top_k"`, `"top_p"` or `"beam"`.
"""

from rnn_zoo.decoding import captioning  # noqa: F401  (registers its step model)
from rnn_zoo.decoding import language_model  # noqa: F401  (registers its step model)
from rnn_zoo.decoding import seq2seq  # noqa: F401  (registers Seq2SeqStepModel)
from rnn_zoo.decoding.base import StepModel, register_step_model
from rnn_zoo.decoding.generate import Generation, generate, step_model_for
from rnn_zoo.decoding.language_model import LanguageModelStep
from rnn_zoo.decoding.strategies import (
    BeamSearch,
    Greedy,
    Sample,
    Sampler,
    Strategy,
    TopK,
    TopP,
    get,
    serialize,
)

__all__ = [
    "BeamSearch",
    "Generation",
    "Greedy",
    "LanguageModelStep",
    "Sample",
    "Sampler",
    "StepModel",
    "Strategy",
    "TopK",
    "TopP",
    "generate",
    "get",
    "register_step_model",
    "serialize",
    "step_model_for",
]
