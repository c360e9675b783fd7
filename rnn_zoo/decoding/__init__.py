"""Decoding: generation that carries recurrent state step by step."""

from rnn_zoo.decoding.base import StepModel, register_step_model

__all__ = ["StepModel", "register_step_model"]
from rnn_zoo.decoding import seq2seq  # noqa: E402,F401  (registers Seq2SeqStepModel)
