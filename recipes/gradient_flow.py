"""Gradient flow: SimpleRNN, LSTM and GRU side by side on a long dependency.

    python recipes/gradient_flow.py --output-dir runs/gradient_flow

The task (`rnn_zoo.diagnostics.first_token_task`): the label is the first
token of a 200-step sequence of distractor tokens, read by a
`text_classifier` with the final state as readout, so the loss at the end
hears step 0 only through the whole recurrence. Each cell is trained with a
length curriculum (short sequences first, then longer, up to the full
length; `--curriculum none` trains on the full length only, where the gated
cells get no usable gradient from step 0 at initialisation), and measured at
initialisation and after training:

- `gradient_flow.png`: `||d loss / d h_t||` against t on a log scale, left at
  initialisation, right after training, one line per cell, each divided by
  its value at the last step (so every line ends at 1 and its height at t = 0
  is the factor by which the loss hears the first step less than the last);
- `results.json`: test accuracy at the full length per cell (after every
  epoch, and at the end), the first/last
  gradient ratio at initialisation and after training, global gradient norms
  and the `global_clipnorm` that `exploding_gradient_report` suggests, wall
  times, the command and the versions.

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

import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo.diagnostics import (  # noqa: E402
    draw_gradient_flow,
    exploding_gradient_report,
    first_token_task,
    gradient_flow,
)

CELLS = ("simple_rnn", "lstm", "gru")


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
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
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
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--global-clipnorm", type=float, default=1.0)
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


def run_cell(cell, args):
    """Builds, measures, trains and measures again one cell."""
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
        print(f"{cell}: trained on length {length}, test accuracy at "
              f"{args.sequence_length} after each epoch: "
              + ", ".join(f"{a:.3f}" for a in accuracies), flush=True)
    trained = exploding_gradient_report(model, probes)
    seconds = time.perf_counter() - start

    def summary(report):
        layer = report.flows[0].names[0]
        ratios = [f[layer].first_to_last_ratio for f in report.flows]
        return dict(
            first_to_last_ratio=float(np.median(ratios)),
            first_to_last_ratio_per_batch=ratios,
            global_norms=list(report.global_norms),
            suggested_global_clipnorm=report.suggested_global_clipnorm,
            exploding=report.exploding,
            findings=list(report.findings),
        )

    result = dict(
        cell=cell,
        test_accuracy=stages[-1]["test_accuracy_per_epoch"][-1],
        best_test_accuracy=max(a for s in stages for a in s["test_accuracy_per_epoch"]),
        stages=stages,
        at_initialisation=summary(at_init),
        after_training=summary(trained),
        wall_seconds=round(seconds, 1),
    )
    return result, at_init.flows[0], trained.flows[0]


def save_plot(path, flows_init, flows_trained, args):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 4.5))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, sharey=True)
    draw_gradient_flow(left, flows_init, relative=True, title="at initialisation")
    draw_gradient_flow(right, flows_trained, relative=True, title="after training")
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
    print("| cell | test accuracy (best) | d loss/d h: first/last step, at init "
          "| after training | wall s |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['cell']} | {r['test_accuracy']:.3f} ({r['best_test_accuracy']:.3f}) | "
              f"{r['at_initialisation']['first_to_last_ratio']:.2g} | "
              f"{r['after_training']['first_to_last_ratio']:.2g} | {r['wall_seconds']} |")
    print(f"wrote {args.output_dir / 'gradient_flow.png'} and {args.output_dir / 'results.json'}")
    return report


if __name__ == "__main__":
    main()
