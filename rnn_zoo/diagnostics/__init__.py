"""Diagnostics: why LSTMs and GRUs exist, measured on your own model.

- `gradient_flow(model, x, y)`: for every recurrent layer, the norm of the
  total derivative `d loss / d h_t` at every step (how much the loss still
  hears step t), the same for the cell's whole state (an LSTM's `(h_t, c_t)`,
  where its gradient highway runs), and the gradient norms of the kernels.
- `plot_gradient_flow(flows, path, quantity="hidden"|"state"|"cell_state")`:
  those norms against the step, log scale.
- `exploding_gradient_report(model, batches)`: growth through time and
  gradient spikes over a few batches, and a `global_clipnorm` to use.
- `first_token_task(...)`: a generated task whose label is the first token of
  a long sequence.
"""

from rnn_zoo.diagnostics.exploding import ExplodingGradientReport, exploding_gradient_report
from rnn_zoo.diagnostics.gradients import GradientFlow, LayerGradients, gradient_flow
from rnn_zoo.diagnostics.plot import draw_gradient_flow, plot_gradient_flow
from rnn_zoo.diagnostics.tasks import first_token_task

__all__ = [
    "ExplodingGradientReport",
    "GradientFlow",
    "LayerGradients",
    "draw_gradient_flow",
    "exploding_gradient_report",
    "first_token_task",
    "gradient_flow",
    "plot_gradient_flow",
]
