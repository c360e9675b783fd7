"""Gradient flow: SimpleRNN, LSTM and GRU side by side on a long dependency.

    python recipes/gradient_flow.py --output-dir runs/gradient_flow

The task (`rnn_zoo.diagnostics.first_token_task`): the label is the first
token of a 200-step sequence of distractor tokens, read by a
`text_classifier` with the final state as readout, so the loss at the end
hears step 0 only through the whole recurrence. Four models: `simple_rnn`,
`lstm` and `gru` with Keras' initialisation, and `lstm_open`, an LSTM whose
forget gates start open and input gates closed (bias 5 and -5), where the
lecture explains the LSTM's memory. Each is trained with a length curriculum
(short sequences first, then longer, up to the full length; `--curriculum
none` trains on the full length only, where the Keras-initialised gated
cells get no usable gradient from step 0), and measured at initialisation
and after training:

- `gradient_flow.png`: the gradient with respect to each cell's whole state
  against t on a log scale (`||d loss / d (h_t, c_t)||` for the LSTM, whose
  memory and gradient highway is the cell state c; `||d loss / d h_t||` for
  SimpleRNN and GRU, whose state is h), at initialisation and after
  training, and, for contrast, `||d loss / d h_t||` alone after training.
  One line per cell, each divided by its value at the last step (so every
  line ends at 1 and its height at t = 0 is the factor by which the loss
  hears the first step less than the last);
- `results.json`: test accuracy at the full length per cell (after every
  epoch, and at the end), the first/last gradient ratio of the whole state
  and of h alone at initialisation and after training (and the curves), the
  factor the gradient keeps per step over the middle half of the sequence,
  global gradient norms and the `global_clipnorm` that
  `exploding_gradient_report` suggests, what the trained cell does with the
  first token (`memory`: the LSTM's forget and input gates on its memory
  units, the GRU's update gates, the SimpleRNN's saturation and tanh'),
  wall times, the command and the versions;
- `<cell>.keras`: the trained models.

`--smoke` runs tiny sizes in seconds (for the tests).
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo.training import cli  # noqa: E402
from rnn_zoo.diagnostics import (  # noqa: E402
    draw_gradient_flow,
    exploding_gradient_report,
    first_token_task,
    gradient_flow,
)

# The models compared, and their cells. `lstm_open` is an LSTM whose gates
# start where the lecture explains its memory: forget gates open, input gates
# closed, so the cell keeps its content (biases `--open-forget-bias`,
# `--open-input-bias`); the others use Keras' initialisation.
CELLS = {"simple_rnn": "simple_rnn", "lstm": "lstm", "lstm_open": "lstm", "gru": "gru"}


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def lengths(text):
    if text == "none":
        return []
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v < 2 for v in values):
        raise argparse.ArgumentTypeError(
            f"must be 'none' or comma-separated lengths >= 2, got {text!r}"
        )
    return values


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], allow_abbrev=False
    )
    parser.add_argument("--output-dir", type=pathlib.Path, default=pathlib.Path("runs/gradient_flow"))
    parser.add_argument("--cells", nargs="+", choices=list(CELLS), default=list(CELLS))
    parser.add_argument("--sequence-length", type=positive_int, default=200)
    parser.add_argument("--curriculum", type=lengths, default=[10, 20, 50, 100],
                        help="lengths trained on before the full length (comma-separated), "
                             "or 'none' to train on the full length only")
    parser.add_argument("--epochs-per-stage", type=positive_int, default=2)
    parser.add_argument("--num-classes", type=positive_int, default=4)
    parser.add_argument("--num-distractors", type=positive_int, default=8)
    parser.add_argument("--units", type=positive_int, default=32)
    parser.add_argument("--embedding-dim", type=positive_int, default=16)
    parser.add_argument("--train-samples", type=positive_int, default=2000)
    parser.add_argument("--test-samples", type=positive_int, default=500)
    parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--learning-rate", type=cli.positive_float, default=3e-3)
    parser.add_argument("--global-clipnorm", type=cli.positive_float, default=1.0)
    parser.add_argument("--open-forget-bias", type=float, default=5.0,
                        help="lstm_open: initial bias of the forget gates (Keras: 1.0, "
                             "f = sigmoid(1) ~ 0.73; 5: f ~ 0.993, open)")
    parser.add_argument("--open-input-bias", type=float, default=-5.0,
                        help="lstm_open: initial bias of the input gates (Keras: 0.0, "
                             "i = 0.5; -5: i ~ 0.007, closed)")
    parser.add_argument("--probe-batches", type=positive_int, default=4,
                        help="batches of the test set the gradients are measured on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, seconds: checks that the recipe runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sequence_length, args.curriculum, args.epochs_per_stage = 12, [], 1
        args.units, args.embedding_dim, args.train_samples = 4, 4, 64
        args.test_samples, args.probe_batches = 32, 2
    if args.num_classes < 2:
        parser.error("--num-classes must be >= 2")
    if args.curriculum and max(args.curriculum) >= args.sequence_length:
        parser.error(
            "--curriculum lengths must be shorter than --sequence-length "
            f"({args.sequence_length}); the full length is always the last stage"
        )
    return args


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _run_cell(cell, weights, inputs):
    """The trained layer, step by step in NumPy (float64), from its weights.

    Returns the final h and, per step, the memory (c for LSTM, h otherwise)
    and the gates: LSTM forget f, input i and output o; GRU update z (the
    fraction of h_(t-1) kept); SimpleRNN none. Each `(batch, time, units)`.
    """
    kernel, recurrent, bias = (w.astype("float64") for w in weights)
    batch, time, _ = inputs.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    memory, gates = [], {}

    def keep(**values):
        for key, value in values.items():
            gates.setdefault(key, []).append(value)

    for t in range(time):
        x = inputs[:, t]
        if cell == "simple_rnn":  # h = tanh(x W + h U + b)
            h = np.tanh(x @ kernel + h @ recurrent + bias)
            memory.append(h)
        elif cell == "lstm":  # Keras' gate order: i, f, c, o
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
            i, f, o = _sigmoid(i), _sigmoid(f), _sigmoid(o)
            c = f * c + i * np.tanh(g)
            h = o * np.tanh(c)
            memory.append(c)
            keep(forget=f, input=i, output=o)
        else:  # GRU, reset_after=True (Keras' default): gates z, r, h
            x_part = x @ kernel + bias[0]
            h_part = h @ recurrent + bias[1]
            z = _sigmoid(x_part[:, :units] + h_part[:, :units])
            r = _sigmoid(x_part[:, units : 2 * units] + h_part[:, units : 2 * units])
            candidate = np.tanh(x_part[:, 2 * units :] + r * h_part[:, 2 * units :])
            h = z * h + (1 - z) * candidate
            memory.append(h)
            keep(update=z)
    gates = {key: np.stack(values, axis=1) for key, values in gates.items()}
    return h, np.stack(memory, axis=1), gates


def memory_statistics(model, cell, x, y, num_classes):
    """How the trained cell keeps the first token for the whole sequence.

    The memory units are the `num_classes` units whose final memory (c_T for
    an LSTM, h_T otherwise) best separates the labels (largest share of
    their variance between the classes). For them: LSTM forget gates after
    step 0 and their product over the sequence (the factor the cell-state
    highway applies to d loss / d c: prod f_t), input gates on the first
    token and on the distractors; GRU update gates likewise; SimpleRNN
    saturation (|h| > 0.99) and tanh' = 1 - h^2, the factor its gradient
    picks up at every step; for every cell, how much the memory moves while
    it holds the token (0: a fixed point). Computed in NumPy from the
    layer's weights; the final h is checked against the Keras layer's output.
    """
    layer = model.get_layer(f"encoder_{cell}_0")
    embedding = model.get_layer("embedding").get_weights()[0]
    h, memory, gates = _run_cell(cell, layer.get_weights(), embedding[x].astype("float64"))
    keras_h = keras.ops.convert_to_numpy(
        keras.Model(model.input, layer.output)(x, training=False)
    )  # (batch, units)
    final = memory[:, -1]  # (batch, units)
    total = final.var(axis=0)
    between = np.zeros_like(total)
    for label in range(num_classes):
        members = final[y == label]
        if len(members):
            between += len(members) / len(final) * (members.mean(0) - final.mean(0)) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        separation = np.where(total > 0, between / total, 0.0)  # (units,)
    units = np.argsort(-separation)[:num_classes]
    stats = dict(
        numpy_matches_keras=bool(np.abs(h - keras_h).max() < 1e-3),
        memory_units=[int(u) for u in units],
        label_variance_share=[round(float(separation[u]), 3) for u in units],
    )
    later = slice(1, None)  # the distractor steps
    # How much the memory moves while it holds the token: over the last
    # three quarters of the sequence, its standard deviation over time
    # relative to its mean size (0: a fixed point).
    held = memory[:, memory.shape[1] // 4 :][..., units]
    stats["memory_relative_std_over_time"] = float(
        np.mean(held.std(axis=1) / np.maximum(np.abs(held).mean(axis=1), 1e-12))
    )
    if cell == "lstm":
        f = gates["forget"][:, later][..., units]  # (batch, time - 1, memory units)
        stats.update(
            forget_gate_mean=float(f.mean()),
            forget_gate_min=float(f.min()),
            # prod_t f_t per sequence and unit: what the highway keeps of
            # d loss / d c from the last step back to step 0.
            forget_gate_product_median=float(np.median(np.prod(f, axis=1))),
            forget_gate_mean_all_units=float(gates["forget"][:, later].mean()),
            input_gate_first_token=float(gates["input"][:, 0][..., units].mean()),
            input_gate_distractors=float(gates["input"][:, later][..., units].mean()),
            output_gate_distractors=float(gates["output"][:, later][..., units].mean()),
            cell_state_abs_mean=float(np.abs(memory[..., units]).mean()),
        )
    elif cell == "gru":
        z = gates["update"][:, later][..., units]
        stats.update(
            update_gate_mean=float(z.mean()),
            update_gate_min=float(z.min()),
            update_gate_product_median=float(np.median(np.prod(z, axis=1))),
            update_gate_mean_all_units=float(gates["update"][:, later].mean()),
        )
    else:
        kernel = layer.get_weights()[1].astype("float64")
        hm = memory[:, later][..., units]
        stats.update(
            saturated_fraction=float((np.abs(hm) > 0.99).mean()),
            saturated_fraction_all_units=float((np.abs(memory[:, later]) > 0.99).mean()),
            tanh_derivative_mean=float((1 - hm**2).mean()),
            tanh_derivative_mean_all_units=float((1 - memory[:, later] ** 2).mean()),
            recurrent_kernel_largest_singular_value=float(np.linalg.norm(kernel, 2)),
        )
    return stats


def _factor_per_step(norms):
    """`(norms[T/4] / norms[3T/4]) ** (1 / (T/2))`: the factor by which the
    gradient shrinks (< 1) or grows per step back through the middle half of
    a length-T sequence; 0 when it fell below float32's range there."""
    time = len(norms)
    early, late = time // 4, time - 1 - time // 4
    if not norms[late] > 0 or late <= early:
        return float("nan")
    return float((norms[early] / norms[late]) ** (1 / (late - early)))


def run_cell(name, args):
    """Builds, measures, trains and measures again one model of `CELLS`."""
    cell = CELLS[name]
    task = dict(num_classes=args.num_classes, num_distractors=args.num_distractors)
    x_test, y_test = first_token_task(
        num_samples=args.test_samples, sequence_length=args.sequence_length,
        seed=args.seed + 1, **task,
    )
    probes = [
        (x_test[i : i + args.batch_size], y_test[i : i + args.batch_size])
        for i in range(0, len(x_test), args.batch_size)
    ][: args.probe_batches]
    keras.utils.set_random_seed(args.seed)
    model = rnn_zoo.build(
        "text_classifier",
        vocabulary_size=1 + args.num_classes + args.num_distractors,
        num_classes=args.num_classes,
        embedding_dim=args.embedding_dim,
        cell=cell,
        units=args.units,
        pooling="last",
        learning_rate=args.learning_rate,
        global_clipnorm=args.global_clipnorm,
    )
    if name == "lstm_open":
        layer = model.get_layer("encoder_lstm_0")
        kernel, recurrent, bias = layer.get_weights()
        bias[: args.units] = args.open_input_bias  # Keras' gate order: i, f, c, o
        bias[args.units : 2 * args.units] = args.open_forget_bias
        layer.set_weights([kernel, recurrent, bias])
    start = time.perf_counter()
    at_init = exploding_gradient_report(model, probes)

    stages = []
    for stage, length in enumerate([*args.curriculum, args.sequence_length]):
        x, y = first_token_task(
            num_samples=args.train_samples, sequence_length=length,
            seed=args.seed + 100 + stage, **task,
        )
        losses, accuracies = [], []
        for _ in range(args.epochs_per_stage):
            history = model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
            losses.append(history.history["loss"][-1])
            accuracies.append(
                model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
            )
        stages.append(dict(length=length, train_loss_per_epoch=losses,
                           test_accuracy_per_epoch=accuracies))
        print(f"{name}: trained on length {length}, test accuracy at "
              f"{args.sequence_length} after each epoch: "
              + ", ".join(f"{a:.3f}" for a in accuracies), flush=True)
    trained = exploding_gradient_report(model, probes)
    seconds = time.perf_counter() - start
    x_probe = np.concatenate([x for x, _ in probes])
    y_probe = np.concatenate([y for _, y in probes])
    memory = memory_statistics(model, cell, x_probe, y_probe, args.num_classes)
    model.save(args.output_dir / f"{name}.keras")

    def summary(report):
        layer = report.flows[0].names[0]
        hidden = [f[layer].first_to_last("hidden") for f in report.flows]
        state = [f[layer].first_to_last("state") for f in report.flows]
        return dict(
            # d loss / d h_t, step 0 over the last step (median over batches).
            first_to_last_ratio=float(np.median(hidden)),
            first_to_last_ratio_per_batch=hidden,
            # The same for the cell's whole state: (h_t, c_t) for an LSTM.
            state_first_to_last_ratio=float(np.median(state)),
            state_first_to_last_ratio_per_batch=state,
            # The factor the whole state's gradient keeps per step over the
            # middle half of the sequence, away from the readout at the end
            # (geometric mean over the probe batches).
            state_factor_per_step=float(np.exp(np.mean(
                [np.log(_factor_per_step(f[layer].state_norms)) for f in report.flows]
            ))),
            # The plotted curves (first probe batch), per step.
            hidden_state_norms=report.flows[0][layer].hidden_state_norms.tolist(),
            state_norms=report.flows[0][layer].state_norms.tolist(),
            global_norms=list(report.global_norms),
            suggested_global_clipnorm=report.suggested_global_clipnorm,
            exploding=report.exploding,
            findings=list(report.findings),
        )

    result = dict(
        cell=name,
        test_accuracy=stages[-1]["test_accuracy_per_epoch"][-1],
        best_test_accuracy=max(a for s in stages for a in s["test_accuracy_per_epoch"]),
        stages=stages,
        at_initialisation=summary(at_init),
        after_training=summary(trained),
        memory=memory,
        wall_seconds=round(seconds, 1),
    )
    return result, at_init.flows[0], trained.flows[0]


def save_plot(path, flows_init, flows_trained, args):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(17, 4.8))
    FigureCanvasAgg(figure)
    panels = figure.subplots(1, 3, sharey=True)
    draw_gradient_flow(panels[0], flows_init, quantity="state", relative=True,
                       title="at initialisation: whole state")
    draw_gradient_flow(panels[1], flows_trained, quantity="state", relative=True,
                       title="after training: whole state (LSTM: h and c)")
    draw_gradient_flow(panels[2], flows_trained, quantity="hidden", relative=True,
                       title="after training: h_t only")
    figure.suptitle(
        f"How much the loss hears step t: label = first of {args.sequence_length} "
        "tokens, read at the last step"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv=None):
    args = parse_args(argv)
    command = "python recipes/gradient_flow.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    args.output_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results, flows_init, flows_trained = [], {}, {}
    for cell in args.cells:
        result, init, trained = run_cell(cell, args)
        results.append(result)
        flows_init[cell], flows_trained[cell] = init, trained
    save_plot(args.output_dir / "gradient_flow.png", flows_init, flows_trained, args)
    report = dict(
        command=command.strip(),
        task=dict(name="first_token_task", sequence_length=args.sequence_length,
                  num_classes=args.num_classes, num_distractors=args.num_distractors,
                  chance_accuracy=1 / args.num_classes),
        arguments={k: (str(v) if isinstance(v, pathlib.Path) else v)
                   for k, v in vars(args).items()},
        results=results,
        wall_seconds=round(time.perf_counter() - start, 1),
        versions=dict(python=platform.python_version(), keras=keras.__version__,
                      backend=keras.backend.backend(), rnn_zoo=rnn_zoo.__version__),
        hardware=f"{os.cpu_count()} CPU cores ({platform.machine()})",
    )
    (args.output_dir / "results.json").write_text(json.dumps(report, indent=2))
    print("| cell | test accuracy (best) | whole state: first/last step, at init "
          "| after training | per step, after training | h only: at init "
          "| after training | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        init, after = r["at_initialisation"], r["after_training"]
        print(f"| {r['cell']} | {r['test_accuracy']:.3f} ({r['best_test_accuracy']:.3f}) | "
              f"{init['state_first_to_last_ratio']:.2g} | "
              f"{after['state_first_to_last_ratio']:.2g} | "
              f"{after['state_factor_per_step']:.3f} | "
              f"{init['first_to_last_ratio']:.2g} | {after['first_to_last_ratio']:.2g} | "
              f"{r['wall_seconds']} |")
    for r in results:
        print(f"{r['cell']} memory units after training: "
              + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in r["memory"].items()))
    print(f"wrote {args.output_dir / 'gradient_flow.png'}, {args.output_dir / 'results.json'} "
          "and the trained models")
    return report


if __name__ == "__main__":
    main()
