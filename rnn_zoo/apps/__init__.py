"""Applications built on the zoo's models: predictive typing (`Typist`)."""

from rnn_zoo.apps.typist import Typist, simulate_typing

__all__ = ["Typist", "simulate_typing"]
