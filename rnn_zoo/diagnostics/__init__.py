"""Diagnostics: why LSTMs and GRUs exist, measured on your own model.

`gradient_flow(model, x, y)` gives, for every recurrent layer, the norm of
`d loss / d h_t` at every step (how much the loss still hears step t) and the
gradient norms of the kernels; `plot_gradient_flow` draws it on a log scale;
`exploding_gradient_report` looks for exploding gradients over a few batches
and suggests a `global_clipnorm`.
"""

from rnn_zoo.diagnostics.gradients import GradientFlow, LayerGradients, gradient_flow

__all__ = [
    "GradientFlow",
    "LayerGradients",
    "gradient_flow",
]
