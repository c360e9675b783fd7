"""The training curves of a run, as a PNG (matplotlib, no display needed)."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def plot_history(rows, path, *, title=None):
    """Plots per-epoch losses, metrics and the learning rate into a PNG.

    Uses a bare `Figure` on the Agg canvas, so it works without a display and
    leaves pyplot's global backend alone.

    Args:
        rows: list of dicts, one per epoch, with an `"epoch"` key and metric
            values (`Run.history()`); `val_*` keys are drawn beside their
            training metric.
        path: where to write the PNG.
        title: str. Figure title.

    Returns:
        The path written.
    """
    if not rows:
        raise ValueError("No epochs to plot: the history is empty. Received: rows=[]")
    epochs = [int(r["epoch"]) + 1 for r in rows]
    names = sorted({k for r in rows for k in r
                    if k not in ("epoch", "learning_rate") and not k.startswith("val_")})
    names.sort(key=lambda k: k != "loss")  # loss first
    panels = names + (["learning_rate"] if any("learning_rate" in r for r in rows) else [])
    figure = Figure(figsize=(4.5 * len(panels), 3.6))
    FigureCanvasAgg(figure)
    for i, name in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), i + 1)
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            points = [(e, r[key]) for e, r in zip(epochs, rows) if key in r]
            if points and key != "val_learning_rate":
                axes.plot(*zip(*points), marker="o", label=label if name != "learning_rate" else None)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(name)
        if name == "learning_rate":
            axes.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        elif axes.get_legend_handles_labels()[0]:
            axes.legend()
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    # Fixed margins: a layout engine costs seconds per figure on a slow CPU.
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.82, wspace=0.3)
    figure.savefig(path, dpi=90)
    return path
