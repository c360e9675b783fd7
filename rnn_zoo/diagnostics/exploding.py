"""Exploding gradients over a few batches, and a `global_clipnorm` to fight them."""

import dataclasses

import keras
import numpy as np

from rnn_zoo._validation import check_float
from rnn_zoo.diagnostics.gradients import _FlowRunner


@dataclasses.dataclass(frozen=True)
class ExplodingGradientReport:
    """The result of `exploding_gradient_report`; `print` it for a summary.

    Attributes:
        exploding: bool. Whether any finding below was made.
        findings: tuple of str. What looks like an exploding gradient, one
            sentence each.
        global_norms: tuple of float. The gradient's global norm (over all
            trainable weights, what `global_clipnorm` clips) on each batch.
        suggested_global_clipnorm: float. The `percentile`-th percentile of
            `global_norms`, to two significant digits.
        percentile: float. The percentile used.
        current_global_clipnorm: float or None. The model's optimizer's
            `global_clipnorm`, if it has one.
        clipped_fraction: float or None. Fraction of the batches whose norm
            exceeds `current_global_clipnorm` (the updates it would shrink).
        growth: dict of layer name -> largest `first_to_last_ratio` over the
            batches (how much `||d loss / d h_t||` grows from the last step
            back to the first; far above 1 is exploding, far below vanishing).
        recurrent_kernel_norms: dict of layer name -> tuple of the recurrent
            kernel's gradient norm on each batch.
        flows: tuple of `GradientFlow`, one per batch (for
            `plot_gradient_flow`).
    """

    exploding: bool
    findings: tuple
    global_norms: tuple
    suggested_global_clipnorm: float
    percentile: float
    current_global_clipnorm: object
    clipped_fraction: object
    growth: dict
    recurrent_kernel_norms: dict
    flows: tuple = dataclasses.field(default=(), repr=False)

    def __str__(self):
        norms = np.array(self.global_norms)
        lines = [
            "Exploding gradients: " + ("YES" if self.exploding else "not seen")
            + f" ({len(norms)} batch(es))",
            f"global gradient norm: median {np.median(norms):.3g}, "
            f"max {norms.max():.3g}",
            f"suggested global_clipnorm: {self.suggested_global_clipnorm:g} "
            f"(percentile {self.percentile:g} of the observed norms)",
        ]
        if self.current_global_clipnorm is not None:
            lines.append(
                f"current global_clipnorm: {self.current_global_clipnorm:g}, "
                f"exceeded on {self.clipped_fraction:.0%} of the batches"
            )
        lines.append("gradient growth from the last step back to the first:")
        for layer, ratio in self.growth.items():
            kernel = max(self.recurrent_kernel_norms[layer])
            lines.append(
                f"  {layer}: x{ratio:.3g} (recurrent kernel gradient norm up to "
                f"{kernel:.3g})"
            )
        lines.extend(f"- {finding}" for finding in self.findings)
        return "\n".join(lines)


def _round(value, digits=2):
    if not np.isfinite(value) or value <= 0:
        return float(value)
    return float(f"{value:.{digits}g}")


def exploding_gradient_report(
    model,
    batches,
    *,
    percentile=90.0,
    growth_threshold=10.0,
    spike_threshold=10.0,
    run_eagerly=None,
):
    """Looks for exploding gradients on a few batches; suggests a clip value.

    Runs `gradient_flow` on every batch and reports:

    - growth through time: `||d loss / d h_t||` larger at the first step than
      at the last by more than `growth_threshold` (the recurrence amplifies
      the gradient, as a SimpleRNN whose recurrent kernel has a singular
      value above 1 does; Pascanu et al. 2013);
    - spikes: a batch whose global gradient norm, or a recurrent kernel's
      gradient norm, exceeds `spike_threshold` times its median over the
      batches (the "cliffs" of the loss surface that throw training off);
    - large norms: a median global norm above `spike_threshold` times the
      model's own `global_clipnorm`, so that every update gets clipped;
    - a `global_clipnorm` for `rnn_zoo.build(..., global_clipnorm=...)` (or
      `keras.optimizers.Adam(global_clipnorm=...)`): the `percentile`-th
      percentile of the observed global norms. Clipping the global norm
      rescales the whole update when it is longer than the threshold, so the
      direction is kept and only spikes are tamed. With the default 90, about
      one batch in ten gets shrunk and typical updates pass untouched.
      Pascanu et al. found thresholds from half to ten times the average
      norm to train equally well, so the exact percentile matters little.
      Norms shrink as a model trains: measure on the model you are about to
      train (or keep training), on 10 or more batches for a stable estimate.

    Args:
        model: a compiled `keras.Model` with recurrent layers, as for
            `gradient_flow`.
        batches: an iterable of `(x, y)` or `(x, y, sample_weight)` tuples
            (a list, or a `tf.data.Dataset` with `.take(n)`); at least one.
        percentile: float in (0, 100]. Which percentile of the global norms
            to suggest. Defaults to 90.
        growth_threshold: float > 1. Growth factor from the last step back to
            the first that counts as exploding. Defaults to 10.
        spike_threshold: float > 1. Ratio to the median that counts as a
            spike (needs 3 or more batches). Defaults to 10.
        run_eagerly: as in `gradient_flow`.

    Returns:
        An `ExplodingGradientReport`.

    Raises:
        ValueError: for an empty `batches`, a batch that is not an `(x, y)`
            or `(x, y, sample_weight)` tuple, a bad threshold or percentile,
            and everything `gradient_flow` refuses.

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       num_classes=3, embedding_dim=4, units=4,
    ...                       cell="simple_rnn")
    >>> rng = np.random.default_rng(0)
    >>> batches = [(rng.integers(1, 10, (4, 6)), rng.integers(0, 3, 4))
    ...            for _ in range(3)]
    >>> report = exploding_gradient_report(model, batches)
    >>> report.suggested_global_clipnorm > 0
    True
    """
    check_float("percentile", percentile, low=0.0, high=100.0, low_open=True)
    check_float("growth_threshold", growth_threshold, low=1.0, low_open=True)
    check_float("spike_threshold", spike_threshold, low=1.0, low_open=True)
    runner = _FlowRunner(model, run_eagerly=run_eagerly)
    flows = []
    for i, batch in enumerate(batches):
        if not isinstance(batch, (list, tuple)) or len(batch) not in (2, 3):
            raise ValueError(
                "Each batch must be an `(x, y)` or `(x, y, sample_weight)` tuple. "
                f"Received: batch {i} of type {type(batch).__name__}"
                + (f" with {len(batch)} elements" if isinstance(batch, (list, tuple)) else "")
            )
        batch = keras.tree.map_structure(keras.ops.convert_to_numpy, tuple(batch))
        flows.append(runner(*batch))
    if not flows:
        raise ValueError(
            "`exploding_gradient_report` needs at least one batch. "
            "Received: an empty `batches`"
        )

    norms = np.array([f.global_norm for f in flows])
    median = float(np.median(norms))
    growth = {}
    kernels = {}
    for flow in flows:
        for g in flow.layers:
            growth[g.layer] = max(growth.get(g.layer, 0.0), g.first_to_last_ratio)
            kernels.setdefault(g.layer, []).append(g.recurrent_kernel_norm)

    findings = []
    for layer, ratio in growth.items():
        if ratio > growth_threshold:
            findings.append(
                f"{layer}: ||d loss / d h_t|| grows x{ratio:.3g} from the last "
                f"step back to the first (threshold x{growth_threshold:g}): the "
                "recurrence amplifies the gradient."
            )
    if len(flows) >= 3 and median > 0 and norms.max() > spike_threshold * median:
        findings.append(
            f"global gradient norm spikes to {norms.max():.3g}, "
            f"x{norms.max() / median:.3g} its median {median:.3g} "
            f"(threshold x{spike_threshold:g})."
        )
    for layer, values in kernels.items():
        values = np.array(values)
        middle = np.median(values)
        if len(values) >= 3 and middle > 0 and values.max() > spike_threshold * middle:
            findings.append(
                f"{layer}: recurrent kernel gradient norm spikes to "
                f"{values.max():.3g}, x{values.max() / middle:.3g} its median."
            )

    current = getattr(getattr(model, "optimizer", None), "global_clipnorm", None)
    clipped = None if current is None else float(np.mean(norms > current))
    if current is not None and median > spike_threshold * current:
        findings.append(
            f"the median global gradient norm {median:.3g} is x{median / current:.3g} "
            f"the optimizer's global_clipnorm {current:g}: every update is "
            "clipped, and the recurrence is likely in an exploding regime."
        )
    return ExplodingGradientReport(
        exploding=bool(findings),
        findings=tuple(findings),
        global_norms=tuple(float(n) for n in norms),
        suggested_global_clipnorm=_round(float(np.percentile(norms, percentile))),
        percentile=float(percentile),
        current_global_clipnorm=None if current is None else float(current),
        clipped_fraction=clipped,
        growth=growth,
        recurrent_kernel_norms={k: tuple(v) for k, v in kernels.items()},
        flows=tuple(flows),
    )
