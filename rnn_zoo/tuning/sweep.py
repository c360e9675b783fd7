"""`tune(name, train_data, validation_data, ...)`: a KerasTuner sweep over a
registered model, with its results written beside the trials."""

import dataclasses
import json
import os
from typing import Optional

import keras_tuner

from rnn_zoo import registry
from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.tuning import results, spaces
from rnn_zoo.tuning.hypermodel import RNNHyperModel

TUNERS = {
    "bayesian": keras_tuner.BayesianOptimization,
    "hyperband": keras_tuner.Hyperband,
    "random": keras_tuner.RandomSearch,
}


def role():
    """This process's part in KerasTuner's distributed mode: `"chief"`,
    `"worker"`, or `"single"` (no `KERASTUNER_ORACLE_IP` set)."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return "single"
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


@dataclasses.dataclass
class SweepResult:
    """What a sweep found.

    Attributes:
        name: str. The model name.
        best_kwargs: dict. The best trial's tuned builder arguments (without
            `fixed` and `batch_size`).
        fixed: dict. The pinned builder arguments (without `batch_size`).
        batch_size: int or None. The best trial's batch size (tuned or
            fixed), or `None` when the data came batched.
        objective: str. The objective's name.
        score: float. The best trial's objective.
        trial_id: str. The best trial.
        project_dir: str. The sweep's folder.
        files: dict. Kind -> path of the written results (`csv`, `markdown`,
            `best`, `objective_plot`, `hyperparameter_plot`).
        trials: list of dicts. One row per trial (see `trial_rows`).
        tuner: the KerasTuner tuner (`get_best_models`, `results_summary`).
    """

    name: str
    best_kwargs: dict
    fixed: dict
    batch_size: Optional[int]
    objective: str
    score: float
    trial_id: str
    project_dir: str
    files: dict
    trials: list
    tuner: object = dataclasses.field(repr=False, default=None)

    @property
    def build_kwargs(self):
        """`fixed` and `best_kwargs` together: `rnn_zoo.build(name, **these)`."""
        return {**self.fixed, **self.best_kwargs}

    @property
    def best(self):
        """The content of `best.json`."""
        return results._read_json(self.files["best"])

    def build(self):
        """Builds (untrained) the best model."""
        return registry.build(self.name, **self.build_kwargs)


def _fit_data(train_data, arg="train_data"):
    """`(x, y[, sample_weight])` arrays -> fit kwargs and True; anything else
    (a `tf.data.Dataset`, a `PyDataset`) goes in `x`, batched already."""
    if isinstance(train_data, tuple):
        if len(train_data) not in (2, 3):
            raise ValueError(
                f"`{arg}` must be `(x, y)` or `(x, y, sample_weight)` arrays, or "
                f"a batched `tf.data.Dataset`. Received: a tuple of "
                f"{len(train_data)} items"
            )
        x, y, *rest = train_data
        return {"x": x, "y": y, "sample_weight": rest[0] if rest else None}, True
    return {"x": train_data}, False


def _objective_names(objective):
    items = objective if isinstance(objective, list) else [objective]
    names = []
    for item in items:
        if isinstance(item, keras_tuner.Objective):
            names.append(item.name)
        elif isinstance(item, str):
            names.append(item)
        else:
            raise TypeError(
                "`objective` must be a metric name, a `keras_tuner.Objective` "
                f"or a list of them. Received: objective={objective!r}"
            )
    return names


def logged_metrics(name, kwargs, validation=True):
    """The names `fit` logs for a model built with `kwargs` (`val_` ones too
    when `validation`): evaluates it once on two example sequences."""
    spec = registry.model_info(name)
    model = registry.build(name, **kwargs)
    full = {**{k: v for k, v in spec.arguments.items()
               if k not in spec.required_arguments}, **kwargs}
    x, y = spec.example_data(full, 2, 5, 0)
    model.run_eagerly = True  # two samples: tracing would cost more than it saves
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    names = sorted(logs)
    return names + [f"val_{n}" for n in names] if validation else names


def _check_objective(name, kwargs, objective, validation):
    logged = logged_metrics(name, kwargs, validation)
    for metric in _objective_names(objective):
        if metric not in logged:
            hint = ""
            if metric.startswith("val_") and not validation:
                hint = " Validation metrics need `validation_data`."
            raise ValueError(
                f"Model {name!r} does not log {metric!r}, so it cannot be the "
                f"objective.{hint} It logs: {logged}. Received: "
                f"objective={objective!r}"
            )


def _write_sweep(project_dir, name, tuner_name, oracle, hm, epochs):
    os.makedirs(project_dir, exist_ok=True)
    objective = oracle.objective
    info = {
        "name": name,
        "tuner": tuner_name,
        "objective": objective.name,
        "direction": getattr(objective, "direction", "min"),
        "fixed": hm.fixed,
        "hyperparameters": {
            k: {"class_name": type(hp).__name__, "config": spaces._config(hp)}
            for k, hp in hm.space.items()
        },
        "epochs": epochs,
        "max_trials": oracle.max_trials,
    }
    with open(os.path.join(project_dir, results.SWEEP_FILE), "w") as f:
        json.dump(info, f, indent=1, default=results.to_json)


def tune(
    name,
    train_data,
    validation_data=None,
    *,
    tuner="random",
    max_trials=None,
    objective=None,
    directory="sweeps",
    project_name=None,
    fixed=None,
    space=None,
    epochs=10,
    callbacks=None,
    overwrite=False,
    seed=None,
    verbose=1,
    **tuner_kwargs,
):
    """Searches the hyperparameters of a registered model with KerasTuner.

    Every argument is checked (hyperparameter names, ranges, pinned values,
    the objective) before the first trial. The sweep lives in
    `directory/project_name`: run `tune` again with the same folder and it
    resumes (finished trials are kept, a trial cut short runs again). At the
    end it writes there `trials.csv` and `trials.md` (every trial: its
    hyperparameters, objective, best epoch, epochs, seconds, worker),
    `objective_per_trial.png`, `objective_vs_hyperparameters.png` and
    `best.json`.

    Distributed: with `KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT` and
    `KERASTUNER_TUNER_ID` set (see `rnn_zoo.tuning.launch`), the process whose
    tuner id contains `"chief"` serves the search and writes the results;
    the others (workers) run trials and return `None`.

    Args:
        name: str. A registered model name.
        train_data: `(x, y)` or `(x, y, sample_weight)` arrays, or a batched
            `tf.data.Dataset`. With arrays `batch_size` is searched too
            (unless `fixed` pins it or `space={"batch_size": None}`).
        validation_data: optional, in the form `fit` takes.
        tuner: str. `"random"`, `"bayesian"` or `"hyperband"` (KerasTuner's
            `RandomSearch`, `BayesianOptimization`, `Hyperband`).
        max_trials: int. Number of trials (random and bayesian; defaults to
            10). Hyperband sets its own from `epochs` and `factor`.
        objective: str, `keras_tuner.Objective`, or a list of them. A metric
            the model logs; defaults to `"val_loss"` with validation data,
            else `"loss"`.
        directory: str. Where sweeps live. Defaults to `"sweeps"`.
        project_name: str. The sweep's folder name; defaults to `name`.
        fixed: dict. Pinned builder arguments (the required ones included)
            and optionally `batch_size`; see `hypermodel`.
        space: dict. Changes to the search space; see `hypermodel`.
        epochs: int. Epochs per trial (Hyperband: the most a trial gets).
        callbacks: optional list of Keras callbacks for every trial (for
            example `keras.callbacks.EarlyStopping`).
        overwrite: bool. Start afresh instead of resuming. Defaults to False.
        seed: optional int, the tuner's random seed.
        verbose: passed to `fit` and KerasTuner's progress display.
        **tuner_kwargs: more arguments for the KerasTuner tuner
            (`executions_per_trial`, `factor`, `hyperband_iterations`,
            `num_initial_points`, `max_consecutive_failed_trials`, ...).

    Returns:
        A `SweepResult` (`result.build_kwargs` builds the best model:
        `rnn_zoo.build(name, **result.build_kwargs)`; `result.batch_size` is
        its batch size), or `None` on a distributed worker.

    Raises:
        ValueError: for an unknown model, tuner, hyperparameter name, an
            empty range, a pinned value outside the space, an objective the
            model does not log, or `max_trials` given to Hyperband.

    Example:

    >>> import tempfile
    >>> import rnn_zoo
    >>> import numpy as np
    >>> x = np.random.randint(1, 10, size=(8, 5))
    >>> y = np.random.randint(0, 3, size=(8,))
    >>> result = tune("text_classifier", (x, y), (x, y), max_trials=1, epochs=1,
    ...               directory=tempfile.mkdtemp(), verbose=0,
    ...               fixed={"vocabulary_size": 10, "num_classes": 3},
    ...               space={"embedding_dim": [4], "units": [4, 8]})
    >>> model = rnn_zoo.build("text_classifier", **result.build_kwargs)
    >>> sorted(result.files)[:2]
    ['best', 'csv']
    """
    tuner_name = check_choice("tuner", tuner, sorted(TUNERS), normalize=str.lower)
    if tuner_name == "hyperband" and max_trials is not None:
        raise ValueError(
            "Hyperband sets its number of trials itself, from `epochs` (its "
            "`max_epochs`), `factor` and `hyperband_iterations`; leave "
            f"`max_trials` out. Received: tuner='hyperband', max_trials={max_trials!r}"
        )
    if tuner_name != "hyperband":
        max_trials = check_int("max_trials", 10 if max_trials is None else max_trials, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    fixed = spaces.plain(fixed)
    space = dict(space or {})
    data, arrays = _fit_data(train_data)
    if not arrays:
        for arg, given in (("space", space), ("fixed", fixed)):
            if given.get("batch_size") is not None:
                raise ValueError(
                    "`batch_size` applies to array data only: a dataset comes "
                    "batched; batch it yourself (`dataset.batch(n)`). "
                    f"Received: {arg}={{'batch_size': {given['batch_size']!r}}} "
                    f"with train_data of type {type(train_data).__name__}"
                )
    hm = RNNHyperModel(
        name, fixed, spaces.search_space(name, fixed=fixed, space=space, batch_size=arrays)
    )
    if objective is None:
        objective = "val_loss" if validation_data is not None else "loss"
    _check_objective(name, hm.build_kwargs(keras_tuner.HyperParameters()), objective,
                     validation_data is not None)

    this_role = role()
    options = dict(
        hypermodel=hm, objective=objective, directory=directory,
        project_name=project_name or name, seed=seed,
        # Only one process may wipe a shared project folder.
        overwrite=overwrite and this_role != "worker",
    )
    if tuner_name == "hyperband":
        options["max_epochs"] = epochs
    else:
        options["max_trials"] = max_trials
    kt_tuner = TUNERS[tuner_name](**options, **tuner_kwargs)
    project_dir = str(kt_tuner.project_dir)
    if this_role != "worker":
        _write_sweep(project_dir, name, tuner_name, kt_tuner.oracle, hm, epochs)

    kt_tuner.search(
        **data, validation_data=validation_data, epochs=epochs,
        callbacks=list(callbacks or []), verbose=verbose,
    )
    if this_role == "worker":
        return None
    files = results.write_results(project_dir)
    rows = results.trial_rows(project_dir)
    best = results.best_arguments(project_dir, rows)
    if best is None:
        raise RuntimeError(
            f"No trial of the sweep in {project_dir!r} completed; see the "
            f"`message` of the trials in its trial_*/trial.json files, or "
            f"{files['markdown']}."
        )
    return SweepResult(
        name=name, best_kwargs=best["tuned"], fixed=best["fixed"],
        batch_size=best["batch_size"], objective=best["objective"],
        score=best["score"], trial_id=best["trial"], project_dir=project_dir,
        files=files, trials=rows, tuner=kt_tuner,
    )
