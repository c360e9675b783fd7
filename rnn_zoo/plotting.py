"""Plots of what a model does (matplotlib, rendered off-screen)."""

import os

import numpy as np


def attention_heatmap(weights, source_tokens, target_tokens, path, *, title=None):
    """Saves a PNG heatmap of attention weights: target tokens x source tokens.

    Row `t` shows where the decoder looked while emitting `target_tokens[t]`.
    Rendered with matplotlib's Agg canvas, so it needs no display and leaves
    the global matplotlib backend alone.

    Args:
        weights: array `(len(target_tokens), len(source_tokens))`, for example
            `generate(...).attention[i, :n, :m]` (one row, the steps and
            source positions to show).
        source_tokens: list of str. Labels of the columns.
        target_tokens: list of str. Labels of the rows.
        path: str or path-like. Where to write the PNG (`.png` is not added).
        title: str or None. Title above the plot.

    Returns:
        The `matplotlib.figure.Figure` (already saved; for further edits).

    Raises:
        ValueError: if `weights` is not 2D, or its shape does not match the
            number of tokens.

    Example:

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "attention.png"
    >>> fig = attention_heatmap([[0.9, 0.1], [0.2, 0.8]], ["a", "b"], ["x", "y"], path)
    >>> path.read_bytes()[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weights = np.asarray(weights, dtype="float32")
    if weights.ndim != 2:
        raise ValueError(
            "`weights` must be 2D (target tokens, source tokens); slice one "
            f"example out of a batch first. Received: weights.shape={weights.shape}"
        )
    expected = (len(target_tokens), len(source_tokens))
    if weights.shape != expected:
        raise ValueError(
            "`weights` must have one row per target token and one column per "
            f"source token: shape {expected}. Received: weights.shape="
            f"{weights.shape}, {len(target_tokens)} target tokens, "
            f"{len(source_tokens)} source tokens"
        )
    width = max(3.0, 0.35 * len(source_tokens) + 1.5)
    height = max(2.5, 0.35 * len(target_tokens) + 1.2)
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), [str(t) for t in source_tokens])
    ax.set_yticks(range(len(target_tokens)), [str(t) for t in target_tokens])
    ax.set_xlabel("source")
    ax.set_ylabel("target")
    ax.tick_params(axis="x", labeltop=True, labelbottom=False)
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.05)
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
    return fig
