"""Gradient flow on a log scale: `plot_gradient_flow` and `draw_gradient_flow`."""

import pathlib

import numpy as np

from rnn_zoo._validation import check_choice
from rnn_zoo.diagnostics.gradients import QUANTITIES, GradientFlow

# The y-axis label of each quantity (`LayerGradients.norms`).
_SYMBOLS = {
    "hidden": "h_t",
    "state": "s_t",  # the whole state: (h_t, c_t) for an LSTM
    "cell_state": "c_t",
}


def _as_flows(flows):
    if isinstance(flows, GradientFlow):
        return {"": flows}
    if isinstance(flows, dict) and flows and all(
        isinstance(f, GradientFlow) for f in flows.values()
    ):
        return flows
    raise TypeError(
        "`flows` must be a `GradientFlow` (from `gradient_flow`) or a non-empty "
        "dict of label -> `GradientFlow`, for example "
        "{'simple_rnn': flow_a, 'lstm': flow_b}. "
        f"Received: flows={flows!r} of type {type(flows).__name__}"
    )


def _select(flow, layers):
    if layers is None:
        return list(flow.layers)
    chosen = []
    for key in layers:
        if isinstance(key, int) and not isinstance(key, bool):
            if not -len(flow.layers) <= key < len(flow.layers):
                raise ValueError(
                    f"`layers` index {key} is out of range: this gradient flow "
                    f"has {len(flow.layers)} recurrent layer(s) {flow.names}. "
                    f"Received: layers={layers!r}"
                )
            chosen.append(flow.layers[key])
        else:
            chosen.append(flow[key])  # KeyError with a suggestion
    return chosen


def _relative(norms, steps):
    """`norms` divided by its value at the last processed step where it is
    not 0 (an LSTM's `c` gets no gradient at the last step when only `h` is
    read out there)."""
    for step in steps[::-1]:
        if norms[step] > 0:
            return norms / norms[step]
    return norms


def draw_gradient_flow(ax, flows, *, layers=None, quantity="hidden", relative=False,
                       title=None):
    """Draws gradient norm against time step on a matplotlib `Axes`.

    One line per recurrent layer (direction) of each flow, on a log scale.
    Steps where no sequence is real, and exact zeros, are left out (a log
    scale has no zero).

    Args:
        ax: a `matplotlib.axes.Axes`.
        flows: a `GradientFlow`, or a dict of label -> `GradientFlow`
            (one per cell type, say); the label prefixes the line names.
        layers: None for every recurrent layer, or a list of layer names or
            indices into each flow's layers (`[0]`: the first layer).
        quantity: str. Which gradient: `"hidden"` for `||d loss / d h_t||`,
            `"state"` for the cell's whole state (`(h_t, c_t)` for an LSTM,
            `h_t` for SimpleRNN and GRU: the fair comparison across cells),
            `"cell_state"` for an LSTM's `||d loss / d c_t||`. See
            `LayerGradients.norms`. Defaults to `"hidden"`.
        relative: bool. Divide each line by its norm at the layer's last
            processed step (the last one with a nonzero norm), so lines of
            different models end at 1 and show only the decay. Defaults to
            `False`.
        title: optional str.

    Returns:
        `ax`.

    Raises:
        ValueError: for an unknown `quantity`, or `"cell_state"` with a
            layer whose cell has a single state.
    """
    flows = _as_flows(flows)
    quantity = check_choice("quantity", quantity, QUANTITIES)
    for label, flow in flows.items():
        for g in _select(flow, layers):
            norms = np.array(g.norms(quantity), dtype="float64")
            if relative:
                norms = _relative(norms, g.steps)
            shown = np.isfinite(norms) & (norms > 0)
            name = f"{label}: {g.layer}" if label else g.layer
            ax.plot(np.flatnonzero(shown), norms[shown], label=name, linewidth=1.5)
    symbol = _SYMBOLS[quantity]
    ylabel = (
        f"||d loss / d {symbol}|| / ||d loss / d {symbol[0]}_last||" if relative
        else f"||d loss / d {symbol}||"
    )
    if quantity == "state":
        ylabel += "\n(s = h; LSTM: s = (h, c))"
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_gradient_flow(flows, path, *, layers=None, quantity="hidden", relative=False,
                       title=None):
    """Saves a PNG of gradient norm against time step, log scale.

    `||d loss / d h_t||` (the total derivative, averaged over the batch) for
    every recurrent layer, or with `quantity="state"` the derivative with
    respect to the cell's whole state (an LSTM's `(h_t, c_t)`): a line that
    falls by orders of magnitude towards t = 0 is a vanishing gradient, the
    loss barely hears the start of the sequence. Rendered with matplotlib's
    Agg backend (no display needed).

    Args:
        flows: a `GradientFlow`, or a dict of label -> `GradientFlow`, for
            example one per cell type trained on the same task.
        path: str or path-like. Where to write the PNG.
        layers, quantity, relative, title: as in `draw_gradient_flow`.

    Returns:
        The path of the PNG, as a `pathlib.Path`.

    Raises:
        TypeError: if `flows` is not a `GradientFlow` or a dict of them.
        ValueError: for an unknown `quantity`, or `"cell_state"` with a
            single-state cell.

    Example:

    >>> import rnn_zoo, tempfile, os
    >>> from rnn_zoo.diagnostics import gradient_flow
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       num_classes=3, embedding_dim=4, units=4)
    >>> flow = gradient_flow(model, np.array([[3, 4, 5, 6]]), np.array([1]))
    >>> png = plot_gradient_flow({"lstm": flow}, os.path.join(tempfile.mkdtemp(), "flow.png"),
    ...                          quantity="state")
    >>> png.stat().st_size > 0
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    flows = _as_flows(flows)
    quantity = check_choice("quantity", quantity, QUANTITIES)
    # A Figure with its own Agg canvas: no pyplot state, no display.
    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    draw_gradient_flow(
        figure.add_subplot(), flows, layers=layers, quantity=quantity,
        relative=relative, title=title,
    )
    figure.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    return path
