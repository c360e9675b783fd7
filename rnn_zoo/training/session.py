"""What every recipe does around its own data and model: seed, strategy, run
directory, build, fit with the training aids, evaluate, save and report."""

import json
import math
import os
import pathlib
import shutil
import time

import keras

import rnn_zoo
from rnn_zoo.training.callbacks import TimeLimit, training_callbacks
from rnn_zoo.training.distribute import get_strategy, is_chief, scope
from rnn_zoo.training.plots import plot_history
from rnn_zoo.training.runs import Run, default_run_dir


class Session:
    """One recipe invocation: `Session(recipe, args)` then `build`, `fit`,
    `evaluate`, `finish`.

    On creation it seeds Python, NumPy and the backend (`args.seed`), picks
    the `tf.distribute` strategy (`args.distribute`) and starts or resumes
    the run directory (`args.run_dir`, `args.resume`). Under
    `multi_worker`, workers other than the chief write into
    `<run_dir>/workers/<type>_<index>` so they never touch the chief's files.

    Args:
        recipe: str. The recipe's name, recorded in `config.json`.
        args: the parsed `argparse.Namespace` (`rnn_zoo.training.cli`).

    Attributes:
        run: the `Run`.
        strategy: the `tf.distribute.Strategy` or `None`.
    """

    def __init__(self, recipe, args):
        self.args = args
        self.recipe = recipe
        self._start = time.monotonic()
        self.train_seconds = 0.0
        self.stopped_by_time_limit = False
        keras.utils.set_random_seed(args.seed)
        self.strategy = get_strategy(args.distribute)
        if args.run_dir is None:
            args.run_dir = default_run_dir(recipe, resume=args.resume)
        run_dir = pathlib.Path(args.run_dir)
        if not is_chief():
            task = json.loads(os.environ["TF_CONFIG"])["task"]
            run_dir = run_dir / "workers" / f"{task['type']}_{task['index']}"
        self.run = Run.start(run_dir, recipe=recipe, arguments=vars(args), resume=args.resume)
        status = f"resuming a {self.run.state} run" if self.run.resumed else "new run"
        print(f"[{recipe}] run directory: {self.run.directory} ({status})")
        if self.strategy is not None:
            print(f"[{recipe}] {type(self.strategy).__name__} with "
                  f"{self.strategy.num_replicas_in_sync} replicas")

    @property
    def replicas(self):
        return self.strategy.num_replicas_in_sync if self.strategy is not None else 1

    def build(self, name, **kwargs):
        """`rnn_zoo.build(name, **kwargs)` under the strategy, recorded in the run.

        The learning rate and clipping come from the recipe's options unless
        given. A resume checks the kwargs against the run's and, if the run
        had finished, continues from its saved model (optimizer state kept).
        """
        kwargs.setdefault("learning_rate", self.args.learning_rate)
        kwargs.setdefault("global_clipnorm", self.args.global_clipnorm)
        self.run.set_model(name, kwargs)
        with scope(self.strategy):
            if self.run.state == "finished":
                print(f"[{self.recipe}] continuing from {self.run.path('model')} "
                      f"after {self.run.epochs_done()} epochs")
                model = self.run.load_model()
            else:
                model = rnn_zoo.build(name, **kwargs)
        self._check_exports(model)
        return model

    def _export_formats(self):
        return list(dict.fromkeys(getattr(self.args, "export", None) or ()))

    def _check_exports(self, model):
        """`--export`: refuses, before training, a format the model cannot
        take for a reason known without trying (`rnn_zoo.deploy.check_exportable`)."""
        from rnn_zoo.deploy import check_exportable

        quantize = getattr(self.args, "quantize", None)
        if quantize and not self._export_formats():
            raise ValueError(
                f"--quantize {quantize} quantizes the exported model and needs "
                "--export FORMAT (onnx or saved_model). Received: --quantize "
                f"{quantize} without --export")
        for format in self._export_formats():
            try:
                check_exportable(model, format, quantize=quantize)
            except ValueError as error:
                raise ValueError(
                    f"--export {format}: {error} Nothing was trained; drop "
                    f"{format!r} from --export (the run's model.keras can be "
                    "exported later with rnn_zoo.export)."
                ) from None

    def _export(self, model):
        """`--export`: writes `export/<format>/` per format, after the run is
        saved; returns `({format: folder or {"failed": reason}}, failures)`."""
        done, failures = {}, []
        for format in self._export_formats():
            try:
                folder = self.run.export(model, format,
                                         quantize=getattr(self.args, "quantize", None))
            except Exception as error:  # the run is saved: report, never lose it
                reason = str(error) if isinstance(error, ValueError) else (
                    f"{type(error).__name__}: {error}")
                done[format] = {"failed": reason}
                failures.append(f"--export {format}: {reason}")
                continue
            done[format] = str(folder.relative_to(self.run.directory))
            print(f"[{self.recipe}] exported {model.name!r} to {format}: {folder}")
        return done, failures

    def fit(self, model, train, validation=None, *, callbacks=(), monitor=None):
        """`model.fit` with the training aids (`training_callbacks`) and the
        recipe's epochs, steps, patience and time limit.

        Returns:
            The `History`, or `None` if the run already trained `--epochs`.

        Raises:
            SystemExit: the loss became NaN or infinite (`TerminateOnNaN`
                stopped training). The run keeps its last finite checkpoint
                as `model.keras` (or no model), `metrics.json` says so (with
                `null` for the non-finite values), and the recipe exits 1.
        """
        args = self.args
        initial_epoch = self.run.epochs_done() if self.run.state == "finished" else 0
        if initial_epoch >= args.epochs:
            print(f"[{self.recipe}] the run already trained {initial_epoch} epochs; "
                  "pass a larger --epochs to train more.")
            return None
        if model.optimizer is not None and not model.optimizer.built:
            # Creating the optimizer's variables now, not inside the first
            # training step, spares tf.function a second trace of the step.
            with scope(self.strategy):
                model.optimizer.build(model.trainable_variables)
        if self.run.state == "interrupted":
            initial_epoch = self._check_backup(model, initial_epoch)
        _check_first_batch(model, train)
        monitor = monitor or ("val_loss" if validation is not None else "loss")
        aids = training_callbacks(
            self.run, monitor=monitor, patience=args.patience,
            time_limit=args.time_limit, time_limit_start=self._start,
            verbose=1 if args.verbose else 0,
        )
        start = time.monotonic()
        history = model.fit(
            train, validation_data=validation, epochs=args.epochs,
            initial_epoch=initial_epoch, steps_per_epoch=args.steps_per_epoch,
            callbacks=aids + list(callbacks), verbose=args.verbose,
            shuffle=False,  # the datasets come shuffled (seeded) by the recipe
        )
        self.train_seconds += time.monotonic() - start
        self.stopped_by_time_limit = any(isinstance(c, TimeLimit) and c.stopped for c in aids)
        # TerminateOnNaN ends the epoch at the NaN batch; its mean loss is NaN.
        if any(not math.isfinite(v) for v in history.history.get("loss", [])):
            self._diverged(history)
        return history

    def _check_backup(self, model, initial_epoch):
        """Loads the `BackupAndRestore` state once; if it is truncated or
        corrupt, moves it aside (`backup_corrupt_N/`), says so, and resumes
        from the last good checkpoint instead (its weights; the optimizer
        starts afresh). Returns the epoch to resume at."""
        backup = self.run.path("backup")
        weights = backup / "latest.weights.h5"
        metadata = backup / "training_metadata.json"
        try:
            if weights.exists():
                model.load_weights(weights)
            if metadata.exists():
                int(json.loads(metadata.read_text())["epoch"])
            return initial_epoch
        except Exception as error:  # h5py and JSON raise many kinds
            problem = f"{type(error).__name__}: {str(error)[:200]}"
        n = 1
        while (self.run.directory / f"backup_corrupt_{n}").exists():
            n += 1
        aside = self.run.directory / f"backup_corrupt_{n}"
        os.replace(backup, aside)
        checkpoints = sorted(
            p for p in self.run.path("checkpoints").glob("epoch_*.keras")
            if p.stem[len("epoch_"):].isdigit()
        )
        good = None
        for path in reversed(checkpoints):
            try:
                good = rnn_zoo.load_model(path, compile=False)
                break
            except ValueError as error:
                print(f"[{self.recipe}] skipping the checkpoint {path}: {error}")
        if good is not None:
            model.set_weights(good.get_weights())
            initial_epoch = int(path.stem[len("epoch_"):])
            where = f"the last good checkpoint {path.name} (epoch {initial_epoch})"
        else:
            initial_epoch = 0
            where = "the start (no good checkpoint)"
        print(f"[{self.recipe}] the backup in {backup} is truncated or corrupt "
              f"({problem}); moved it to {aside.name}/ and resuming from {where}.")
        return initial_epoch

    def _diverged(self, history):
        """The loss went NaN or infinite: keep the last finite model as the
        run's model (never the NaN one), record it, exit with a message."""
        run = self.run
        losses = history.history["loss"]
        bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
        bad_epoch = history.epoch[bad] + 1
        kept = run.path("model") if run.path("model").is_file() else None
        if kept is None:
            checkpoints = sorted(
                p for p in run.path("checkpoints").glob("epoch_*.keras")
                if p.stem[len("epoch_"):].isdigit() and int(p.stem[len("epoch_"):]) < bad_epoch
            )
            if checkpoints:
                shutil.copyfile(checkpoints[-1], run.path("model"))
                kept = checkpoints[-1]
        message = (
            f"[{self.recipe}] training stopped: the loss became NaN or infinite "
            f"in epoch {bad_epoch} (the updates diverged). "
            + (f"The run's model.keras is the last finite checkpoint ({kept.name})."
               if kept is not None else
               "No finite checkpoint was saved, so the run has no model.keras.")
            + " Start a new run (another --run-dir) with a lower --learning-rate "
            "or --global-clipnorm."
        )
        run.save_metrics({
            "failed": "the loss became NaN or infinite",
            "model_from": None if kept is None else str(kept.relative_to(run.directory)),
            "nan_epoch": bad_epoch,
            "history": {k: list(v) for k, v in history.history.items()},
            "train_seconds": round(self.train_seconds, 1),
        })
        raise SystemExit(message)

    def evaluate(self, model, datasets, *, callbacks=()):
        """Evaluates on each named dataset: `{"validation": ds}` ->
        `{"validation_loss": ..., "validation_accuracy": ...}`."""
        metrics = {}
        for split, dataset in datasets.items():
            if dataset is None:
                continue
            results = model.evaluate(dataset, verbose=0, return_dict=True,
                                     callbacks=list(callbacks))
            metrics.update({f"{split}_{k}": float(v) for k, v in results.items()})
        return metrics

    def finish(self, model, metrics, *, samples=None, data=None):
        """Saves the model, metrics, curves and samples; prints a report.

        Args:
            model: the trained model.
            metrics: dict of final figures (`evaluate`'s, plus the recipe's).
            samples: str. Generated text or predictions for `samples.txt`.
            data: dict of facts about the data (sizes, padding fraction).

        Returns:
            The metrics dict as written to `metrics.json` (with `--export`,
            `"export"`: the folder per format).

        Raises:
            SystemExit: an `--export` format failed (after everything else
                is saved; `metrics.json` names the reason).
        """
        run = self.run
        run.save_model(model)
        exports, failures = self._export(model)
        rows = run.history()
        if rows:
            plot_history(rows, run.path("curves"), title=f"{self.recipe}: {run.directory.name}")
        figures = dict(metrics)
        figures.update({
            "epochs_trained": run.epochs_done(),
            "train_seconds": round(self.train_seconds, 1),
            "wall_seconds": round(time.monotonic() - self._start, 1),
            "stopped_by_time_limit": self.stopped_by_time_limit,
            "replicas": self.replicas,
            "parameters": int(model.count_params()),
        })
        if data:
            figures["data"] = data
        if exports:
            figures["export"] = exports
        figures = run.save_metrics(figures)
        if samples:
            run.write_samples(samples, heading="final")
        print(f"\n[{self.recipe}] results ({run.directory}):")
        for key, value in figures.items():
            if isinstance(value, float):
                print(f"  {key}: {value:.4g}")
            elif not isinstance(value, (dict, list)) and key != "earlier":
                print(f"  {key}: {value}")
        if samples:
            print(f"\n{samples}")
        print(f"\n[{self.recipe}] use it: python recipes/predict.py {run.directory} ...")
        if failures:
            raise SystemExit(
                f"[{self.recipe}] the run is saved in {run.directory} (model.keras, "
                "metrics.json), but " + "; ".join(failures))
        return figures


def _check_first_batch(model, data):
    """`rnn_zoo.check_inputs` on the first batch of a `tf.data.Dataset`: bad
    ids or labels get a clear error before training starts."""
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return
    for batch in data.take(1):
        batch = tuple(batch) if isinstance(batch, (tuple, list)) else (batch,)
        to_numpy = lambda t: tf.nest.map_structure(lambda v: v.numpy(), t)  # noqa: E731
        x = to_numpy(batch[0])
        y = to_numpy(batch[1]) if len(batch) > 1 and not isinstance(batch[1], dict) else None
        rnn_zoo.check_inputs(model, x, y if not isinstance(y, (tuple, list)) else None)


def perplexity(loss):
    """`exp(loss)` for a mean cross-entropy in nats (inf if it overflows)."""
    try:
        return math.exp(loss)
    except OverflowError:
        return float("inf")
