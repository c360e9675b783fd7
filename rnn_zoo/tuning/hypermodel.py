"""`hypermodel(name, fixed=..., space=...)`: a registered model as a KerasTuner
`HyperModel`."""

import json
import os
import socket
import time

import keras_tuner

from rnn_zoo import registry
from rnn_zoo.tuning import spaces

# Written into each trial's folder by the process that trained it.
TRIAL_RECORD = "rnn_zoo_trial.json"


class RNNHyperModel(keras_tuner.HyperModel):
    """A registered rnn_zoo model with a search space over its builder's
    arguments.

    `build(hp)` registers one hyperparameter per entry of `space` (named after
    the builder argument) and returns `rnn_zoo.build(model_name, **fixed,
    **values)`. `fit(hp, model, ...)` trains with the trial's `batch_size`
    when the space or `fixed` has one, and adds two metrics to the history,
    constant over its epochs: `fit_seconds` (wall time of this `fit`) and
    `fit_epochs` (epochs it ran), which KerasTuner stores with the trial.

    Attributes:
        model_name: str. The registered model name.
        fixed: dict. Pinned builder arguments (and optionally `batch_size`).
        space: dict. Argument name -> KerasTuner hyperparameter.
    """

    def __init__(self, model_name, fixed, space):
        super().__init__(name=model_name)
        self.model_name = model_name
        self.fixed = dict(fixed)
        self.space = dict(space)

    def values(self, hp):
        """Registers the space in `hp`; returns the trial's hyperparameter
        values by name (`None` for one inactive under its condition)."""
        values = {}
        for name, param in self.space.items():
            parent, parent_values = spaces.CONDITIONS.get(name, (None, None))
            if parent not in self.space:
                parent = parent_values = None
            config = spaces._config(param)
            method = getattr(hp, type(param).__name__)
            values[name] = method(
                name, **config, parent_name=parent,
                parent_values=list(parent_values) if parent_values else None,
            )
        return values

    def build_kwargs(self, hp):
        """The builder arguments of trial `hp`: `fixed` plus its values."""
        kwargs = {
            k: v for k, v in self.fixed.items()
            if k not in spaces.TRAINING_HYPERPARAMETERS
        }
        for name, value in self.values(hp).items():
            if value is not None and name not in spaces.TRAINING_HYPERPARAMETERS:
                kwargs[name] = spaces.decode(value)
        return kwargs

    def build(self, hp):
        return registry.build(self.model_name, **self.build_kwargs(hp))

    def batch_size(self, hp):
        """The trial's batch size, or `None` when neither tuned nor fixed."""
        if "batch_size" in self.fixed:
            return self.fixed["batch_size"]
        if "batch_size" in self.space:
            return hp.get("batch_size")
        return None

    def fit(self, hp, model, *args, **kwargs):
        batch_size = self.batch_size(hp)
        if batch_size is not None:
            kwargs["batch_size"] = batch_size
        start = time.perf_counter()
        history = model.fit(*args, **kwargs)
        seconds = time.perf_counter() - start
        epochs = len(history.epoch)
        history.history["fit_seconds"] = [seconds] * epochs
        history.history["fit_epochs"] = [float(epochs)] * epochs
        _record(kwargs.get("callbacks") or [], seconds, epochs)
        return history


def _record(callbacks, seconds, epochs):
    """Appends this run to the trial's record: which worker ran it, where,
    and for how long (the oracle keeps no such thing)."""
    for callback in callbacks:
        trial, tuner = getattr(callback, "trial", None), getattr(callback, "tuner", None)
        if trial is None or tuner is None or not hasattr(tuner, "get_trial_dir"):
            continue
        path = os.path.join(tuner.get_trial_dir(trial.trial_id), TRIAL_RECORD)
        runs = []
        if os.path.exists(path):
            with open(path) as f:
                runs = json.load(f)["runs"]
        runs.append({
            "tuner_id": tuner.tuner_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "seconds": seconds,
            "epochs": epochs,
        })
        with open(path, "w") as f:
            json.dump({"trial_id": trial.trial_id, "runs": runs}, f, indent=1)
        return


def hypermodel(name, *, fixed=None, space=None, batch_size=False):
    """Returns a registered model as a `keras_tuner.HyperModel`.

    Hyperparameters are named after the builder's keyword arguments, so the
    values of any trial build the model as they are:
    `rnn_zoo.build(name, **fixed, **values)`. Depth is `num_layers`, and the
    builders set `return_sequences` on every layer from it.

    Args:
        name: str. A registered model name (`rnn_zoo.list_models()`).
        fixed: dict. Builder arguments pinned for every trial: the required
            ones (`vocabulary_size`, `num_classes`, ...) and any you do not
            want searched; `batch_size` too. A pinned argument that the
            space searches must lie inside the space.
        space: dict. Changes to the model's search space: argument name -> a
            list of choices, a dict of fields (`min_value`, `max_value`,
            `step`, `sampling`, `values`, `default`) laid over the generic
            range, a KerasTuner hyperparameter of that name, or `None` to
            leave the argument at the builder's default. See
            `rnn_zoo.tuning.search_space`.
        batch_size: bool. Whether to search `batch_size` too (for array
            data; a `tf.data.Dataset` comes batched). Defaults to `False`;
            `space={"batch_size": [...]}` turns it on as well.

    Returns:
        An `RNNHyperModel` (a `keras_tuner.HyperModel`), for any KerasTuner
        tuner: `keras_tuner.RandomSearch(hypermodel(...), ...)`.

    Raises:
        ValueError: for a name that is not a builder argument, an empty range,
            a pinned value outside the space, a missing required argument.

    Example:

    >>> import keras_tuner
    >>> hm = hypermodel("text_classifier",
    ...                 fixed={"vocabulary_size": 10, "num_classes": 3},
    ...                 space={"units": [4, 8], "embedding_dim": [4]})
    >>> hp = keras_tuner.HyperParameters()
    >>> model = hm.build(hp)  # the space's defaults
    >>> hp.values["units"], hp.values["num_layers"], hp.values["cell"]
    (4, 1, 'lstm')
    """
    return RNNHyperModel(
        name, spaces.plain(fixed),
        spaces.search_space(name, fixed=fixed, space=space, batch_size=batch_size),
    )
