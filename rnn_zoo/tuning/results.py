"""Sweep results from a project folder: the trial table (CSV, Markdown),
plots (PNG), the best arguments (JSON), and retraining the best model.

Everything is read back from the files KerasTuner writes (`trial_*/
trial.json`) plus `sweep.json` (written by `tune`) and the per-trial records
`RNNHyperModel.fit` writes, so it works on a finished sweep, a killed one, or
the chief of a distributed one.
"""

import csv
import glob
import json
import math
import os

import keras
from keras_tuner.engine import trial as trial_module

from rnn_zoo import registry
from rnn_zoo.tuning import spaces
from rnn_zoo.tuning.hypermodel import TRIAL_RECORD

SWEEP_FILE = "sweep.json"
FILES = {
    "csv": "trials.csv",
    "markdown": "trials.md",
    "best": "best.json",
    "objective_plot": "objective_per_trial.png",
    "hyperparameter_plot": "objective_vs_hyperparameters.png",
}


def to_json(value):
    """`json.dump`'s fallback: NumPy scalars become Python numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"Not JSON serializable: {value!r} of type {type(value).__name__}")


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def read_sweep(project_dir):
    """Returns what `tune` recorded about a sweep in `sweep.json`.

    Raises:
        FileNotFoundError: if `project_dir` holds no sweep.
    """
    path = os.path.join(project_dir, SWEEP_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No sweep in {project_dir!r}: expected {SWEEP_FILE} written by "
            f"`rnn_zoo.tuning.tune`. Received: project_dir={project_dir!r}"
        )
    return _read_json(path)


def _last(trial, name):
    if not trial.metrics.exists(name):
        return None
    history = trial.metrics.get_history(name)
    return history[-1].mean() if history else None


def trial_rows(project_dir):
    """One dict per trial, sorted by trial id.

    Keys: `trial`, `status`, one per tuned hyperparameter (KerasTuner's own
    `tuner/...` bookkeeping left out), `objective` (the trial's best value of
    the objective), `best_epoch` (1-based), `epochs` and `seconds` (trained
    in the trial's last run), and `worker` (the tuner id that ran it, when
    its record is on this machine).
    """
    sweep = read_sweep(project_dir)
    rows = []
    for path in sorted(glob.glob(os.path.join(project_dir, "trial_*", "trial.json"))):
        trial = trial_module.Trial.load(path)
        row = {"trial": trial.trial_id, "status": trial.status}
        for name in sweep["hyperparameters"]:
            row[name] = trial.hyperparameters.values.get(name)
        row["objective"] = trial.score
        row["best_epoch"] = trial.best_step + 1 if trial.score is not None else None
        epochs = _last(trial, "fit_epochs")
        row["epochs"] = int(epochs) if epochs is not None else None
        row["seconds"] = _last(trial, "fit_seconds")
        record = os.path.join(os.path.dirname(path), TRIAL_RECORD)
        runs = _read_json(record)["runs"] if os.path.exists(record) else []
        row["worker"] = runs[-1]["tuner_id"] if runs else None
        rows.append(row)
    return rows


def best_trial(project_dir, rows=None):
    """The completed trial with the best objective, as a `trial_rows` dict,
    or `None` when no trial has completed."""
    sweep = read_sweep(project_dir)
    rows = trial_rows(project_dir) if rows is None else rows
    done = [r for r in rows if r["status"] == "COMPLETED" and r["objective"] is not None]
    if not done:
        return None
    pick = max if sweep["direction"] == "max" else min
    return pick(done, key=lambda r: r["objective"])


def best_arguments(project_dir, rows=None):
    """The best trial as JSON-friendly arguments (the content of `best.json`).

    Keys: `name`, `trial`, `objective` (the name), `direction`, `score`,
    `tuned` (the best trial's builder arguments), `fixed` (the pinned
    builder arguments), `build_kwargs` (both: `rnn_zoo.build(name,
    **build_kwargs)`), `batch_size` (tuned or fixed, else `None`).
    """
    sweep = read_sweep(project_dir)
    row = best_trial(project_dir, rows)
    if row is None:
        return None
    tuned = {
        k: spaces.decode(row[k]) for k in sweep["hyperparameters"]
        if k not in spaces.TRAINING_HYPERPARAMETERS and row.get(k) is not None
    }
    fixed = {k: v for k, v in sweep["fixed"].items()
             if k not in spaces.TRAINING_HYPERPARAMETERS}
    batch_size = row.get("batch_size", sweep["fixed"].get("batch_size"))
    return {
        "name": sweep["name"],
        "trial": row["trial"],
        "objective": sweep["objective"],
        "direction": sweep["direction"],
        "score": row["objective"],
        "tuned": tuned,
        "fixed": fixed,
        "build_kwargs": {**fixed, **tuned},
        "batch_size": batch_size,
    }


def _format(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _columns(project_dir, rows):
    sweep = read_sweep(project_dir)
    objective = sweep["objective"]
    columns = ["trial", "status", *sweep["hyperparameters"], objective,
               "best_epoch", "epochs", "seconds", "worker"]
    table = [[r["trial"], r["status"], *(r[h] for h in sweep["hyperparameters"]),
              r["objective"], r["best_epoch"], r["epochs"], r["seconds"], r["worker"]]
             for r in rows]
    return columns, table


def write_csv(project_dir, path, rows):
    columns, table = _columns(project_dir, rows)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([["" if v is None else v for v in line] for line in table])


def write_markdown(project_dir, path, rows):
    sweep = read_sweep(project_dir)
    columns, table = _columns(project_dir, rows)
    best = best_trial(project_dir, rows)
    lines = [
        f"# Sweep: {sweep['name']} ({sweep['tuner']} search)",
        "",
        f"Objective: `{sweep['objective']}` ({sweep['direction']}). "
        f"Trials: {len(rows)}, completed: "
        f"{sum(r['status'] == 'COMPLETED' for r in rows)}. "
        + (f"Best: trial {best['trial']}, {_format(best['objective'])}." if best else ""),
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(_format(v) for v in line) + " |" for line in table]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _figure(width, height):
    # The object API with the Agg canvas: no pyplot, no global backend change.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Fixed margins (in inches): a layout engine costs seconds on a grid.
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=0.8 / width, right=1 - 0.2 / width,
                           bottom=0.6 / height, top=1 - 0.4 / height,
                           wspace=0.4, hspace=0.5)
    FigureCanvasAgg(figure)
    return figure


def plot_objective(project_dir, path, rows):
    """Objective per trial, with the best so far."""
    sweep = read_sweep(project_dir)
    figure = _figure(6, 4)
    ax = figure.add_subplot()
    done = [(i, r["objective"]) for i, r in enumerate(rows) if r["objective"] is not None]
    if done:
        xs, ys = zip(*done)
        ax.plot(xs, ys, "o", label="trial")
        pick = max if sweep["direction"] == "max" else min
        best = [pick(ys[: k + 1]) for k in range(len(ys))]
        ax.step(xs, best, where="post", label="best so far")
        ax.legend()
    ax.set_xlabel("trial")
    ax.set_ylabel(sweep["objective"])
    ax.set_title(f"{sweep['name']}: {sweep['tuner']} search")
    figure.savefig(path, dpi=100)


def plot_hyperparameters(project_dir, path, rows):
    """The objective against each hyperparameter, one panel each."""
    from matplotlib.ticker import NullFormatter

    sweep = read_sweep(project_dir)
    names = list(sweep["hyperparameters"])
    columns = max(1, min(3, len(names)))
    lines = max(1, math.ceil(len(names) / columns))
    figure = _figure(4 * columns, 3 * lines)
    for k, name in enumerate(names):
        ax = figure.add_subplot(lines, columns, k + 1)
        points = [(r[name], r["objective"]) for r in rows
                  if r["objective"] is not None and r[name] is not None]
        kind = sweep["hyperparameters"][name]["class_name"]
        config = sweep["hyperparameters"][name]["config"]
        ys = [p[1] for p in points]
        if kind in ("Int", "Float"):
            ax.plot([p[0] for p in points], ys, "o")
            low, high = config["min_value"], config["max_value"]
            if config.get("sampling") == "log":
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
                if high > low:
                    ax.set_xlim(low / (high / low) ** 0.05, high * (high / low) ** 0.05)
            elif high > low:
                pad = 0.05 * (high - low)
                ax.set_xlim(low - pad, high + pad)
        else:
            # Every value the space offers, tried or not.
            categories = [str(v) for v in config.get("values", [False, True])]
            categories += sorted({str(p[0]) for p in points} - set(categories))
            ax.plot([categories.index(str(p[0])) for p in points], ys, "o")
            ax.set_xticks(range(len(categories)), categories)
            ax.set_xlim(-0.5, len(categories) - 0.5)
        ax.set_xlabel(name)
        ax.set_ylabel(sweep["objective"])
    figure.savefig(path, dpi=100)


def write_results(project_dir):
    """Writes the trial table, the plots and the best arguments of a sweep.

    Args:
        project_dir: str. The sweep's folder (`directory/project_name`).

    Returns:
        A dict of kind -> path: `csv` (`trials.csv`), `markdown`
        (`trials.md`), `objective_plot` (`objective_per_trial.png`),
        `hyperparameter_plot` (`objective_vs_hyperparameters.png`) and `best`
        (`best.json`, when a trial has completed).
    """
    rows = trial_rows(project_dir)
    paths = {kind: os.path.join(project_dir, name) for kind, name in FILES.items()}
    write_csv(project_dir, paths["csv"], rows)
    write_markdown(project_dir, paths["markdown"], rows)
    plot_objective(project_dir, paths["objective_plot"], rows)
    plot_hyperparameters(project_dir, paths["hyperparameter_plot"], rows)
    best = best_arguments(project_dir, rows)
    if best is None:
        paths.pop("best")
    else:
        with open(paths["best"], "w") as f:
            json.dump(best, f, indent=1, default=to_json)
    return paths


def _load_best(best):
    if isinstance(best, dict):
        return best
    if hasattr(best, "best"):  # a SweepResult
        return best.best
    path = os.fspath(best)
    if os.path.isdir(path):
        path = os.path.join(path, FILES["best"])
    if not os.path.exists(path):
        raise FileNotFoundError(
            "`best` must be a SweepResult, the dict of a best.json, a path to "
            f"one, or a sweep folder holding one. Received: best={best!r}"
        )
    return _read_json(path)


def retrain_best(best, train_data, validation_data=None, *, run_dir, epochs=10,
                 callbacks=None, verbose="auto"):
    """Trains the best model of a sweep from scratch into a run folder.

    The folder gets `model.keras` (the trained model), `config.json` (the
    model name, its build arguments, batch size, epochs, the sweep it came
    from, the final metrics) and `history.csv` (one line per epoch, Keras'
    `CSVLogger`).

    Args:
        best: a `SweepResult`, a sweep folder, a `best.json` path, or its dict.
        train_data: `(x, y)` arrays or a batched `tf.data.Dataset`.
        validation_data: optional, in the same form.
        run_dir: str. The folder to write; created if missing.
        epochs: int. Epochs to train.
        callbacks: optional list of Keras callbacks.
        verbose: passed to `fit`.

    Returns:
        The trained `keras.Model`.
    """
    best = _load_best(best)
    os.makedirs(run_dir, exist_ok=True)
    model = registry.build(best["name"], **best["build_kwargs"])
    fit_kwargs = {}
    if isinstance(train_data, tuple):
        x, y, *rest = train_data
        fit_kwargs.update(x=x, y=y, sample_weight=rest[0] if rest else None)
        if best.get("batch_size") is not None:
            fit_kwargs["batch_size"] = best["batch_size"]
    else:
        fit_kwargs["x"] = train_data
    history = model.fit(
        **fit_kwargs, validation_data=validation_data, epochs=epochs, verbose=verbose,
        callbacks=[*(callbacks or []),
                   keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv"))],
    )
    model.save(os.path.join(run_dir, "model.keras"))
    config = {
        "name": best["name"],
        "kwargs": best["build_kwargs"],
        "batch_size": best.get("batch_size"),
        "epochs": epochs,
        "sweep": {k: best.get(k) for k in ("trial", "objective", "direction", "score")},
        "final_metrics": {k: float(v[-1]) for k, v in history.history.items()},
    }
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=1, default=to_json)
    return model
