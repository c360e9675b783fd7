"""Decoding: generation that carries recurrent state step by step."""

from rnn_zoo.decoding import captioning  # noqa: F401  (registers its step model)
from rnn_zoo.decoding.base import StepModel, register_step_model

__all__ = ["StepModel", "register_step_model"]
