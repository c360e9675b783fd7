"""A run directory: everything one training leaves behind, and resuming it.

```
runs/char_lm/
  config.json      recipe, its arguments, model name and kwargs, versions
  vocabulary.json  the vocabulary (more `*.json` for labels, other languages)
  model.keras      the trained model (best weights when early stopping restores them)
  checkpoints/     epoch_NNN.keras at each improvement; never overwritten
  backup/          BackupAndRestore state while training runs (gone when it ends)
  history.csv      per-epoch losses, metrics and learning rate (CSVLogger)
  curves.png       the training curves
  metrics.json     final evaluation, padding fraction, wall time, hardware
  samples.txt      generated text or predictions
  logs/            TensorBoard
  export/<format>/ with --export: rnn_zoo.export's artefact (onnx, saved_model, litert)
```
"""

import csv
import datetime
import json
import math
import os
import pathlib
import platform
import shutil

import keras

FILES = {
    "config": "config.json",
    "model": "model.keras",
    "checkpoints": "checkpoints",
    "backup": "backup",
    "history": "history.csv",
    "curves": "curves.png",
    "metrics": "metrics.json",
    "samples": "samples.txt",
    "logs": "logs",
    "export": "export",
}

# Recipe arguments a resume may change: they do not change the model or the
# data it sees, only how long and how loudly it trains.
RESUMABLE_ARGUMENTS = ("epochs", "resume", "verbose", "time_limit", "distribute",
                       "sample_every", "run_dir", "export", "quantize")


def _jsonable(value):
    """JSON-ready: paths as str, NumPy scalars as Python numbers, and a
    non-finite float as `None` (strict JSON has no NaN or Infinity)."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # NumPy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pathlib.Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _write_json(path, data):
    tmp = pathlib.Path(f"{path}.tmp")
    text = json.dumps(_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    tmp.write_text(text + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)  # never a half-written file


def _never_trained(directory):
    """True if a directory holds only what a run writes before training
    (`config.json`, vocabularies, empty folders): a start that failed on its
    data, which a new run may take over. Anything else is kept."""
    for entry in directory.iterdir():
        if entry.is_dir():
            if any(entry.iterdir()):
                return False
        elif entry.suffix != ".json":
            return False
    return (directory / FILES["config"]).is_file()


def _flags(arguments):
    """`{"units": 64}` -> `--units 64`, for the messages."""
    parts = []
    for key, value in sorted(arguments.items()):
        flag = "--" + key.replace("_", "-")
        if value is True:
            parts.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, list):
            parts.append(f"{flag} {' '.join(map(str, value))}")
        else:
            parts.append(f"{flag} {value}")
    return " ".join(parts)


class Run:
    """One training's directory: config, vocabulary, model, logs, results.

    Create one with `Run.start` (a new run, or `resume=True` to continue one)
    and open a finished one with `Run.open` (for `generate`/`predict`).

    Attributes:
        directory: `pathlib.Path` of the run.
        config: dict written to `config.json`.
        resumed: bool. Whether this run continues an earlier one.
    """

    def __init__(self, directory, config, *, resumed=False):
        self.directory = pathlib.Path(directory)
        self.config = config
        self.resumed = resumed

    def path(self, key):
        """Path of one of the run's files (`"model"`, `"history"`, ...)."""
        return self.directory / FILES[key]

    @classmethod
    def start(cls, directory, *, recipe, arguments, resume=False,
              resumable=RESUMABLE_ARGUMENTS):
        """Starts a new run in an empty (or absent) directory, or resumes one.

        A new run refuses a directory that already holds files, so no
        finished run is ever overwritten (it takes over only a run that
        failed before training: `config.json` and vocabularies, nothing else). A resume refuses a run made by
        another recipe or with other arguments (everything but `resumable`,
        which only say how long and how loudly to train), before touching
        any file.

        Args:
            directory: the run directory.
            recipe: str. The recipe's name (`"char_lm"`).
            arguments: dict of the recipe's parsed arguments (JSON-friendly).
            resume: bool. Continue the run in `directory`.
            resumable: names of arguments a resume may change.

        Returns:
            A `Run`.

        Raises:
            FileExistsError: a new run in a directory that holds files.
            FileNotFoundError: a resume of a directory without a run.
            ValueError: a resume with another recipe or other arguments.
        """
        directory = pathlib.Path(directory)
        arguments = _jsonable(dict(arguments))
        config_path = directory / FILES["config"]
        if not resume:
            if directory.exists() and _never_trained(directory):
                for leftover in directory.iterdir():  # a start that failed early
                    leftover.rmdir() if leftover.is_dir() else leftover.unlink()
            if directory.exists() and any(directory.iterdir()):
                raise FileExistsError(
                    f"The run directory {str(directory)!r} already holds a run "
                    "(or other files), and a new run never overwrites one. Pass "
                    "--resume to continue it, or choose another --run-dir."
                )
            directory.mkdir(parents=True, exist_ok=True)
            config = {
                "recipe": recipe,
                "arguments": arguments,
                "model": None,
                "created": datetime.datetime.now().isoformat(timespec="seconds"),
                "versions": versions(),
                "resumes": 0,
            }
            _write_json(config_path, config)
            return cls(directory, config)

        if not config_path.is_file():
            raise FileNotFoundError(
                f"Nothing to resume in {str(directory)!r}: it holds no "
                f"{FILES['config']}. Run without --resume to start a new run there."
            )
        config = json.loads(config_path.read_text(encoding="utf-8"))
        if config.get("recipe") != recipe:
            raise ValueError(
                f"The run in {str(directory)!r} was made by the recipe "
                f"{config.get('recipe')!r}, not {recipe!r}: resume it with that "
                "recipe, or choose another --run-dir."
            )
        saved = config["arguments"]
        changed = {
            key: (saved.get(key), value)
            for key, value in arguments.items()
            if key not in resumable and saved.get(key) != value
        }
        if changed:
            details = ", ".join(f"{k}={new!r} (the run has {old!r})"
                                for k, (old, new) in sorted(changed.items()))
            kept = {k: v for k, v in saved.items() if k not in resumable}
            raise ValueError(
                f"Cannot resume the run in {str(directory)!r} with other model "
                f"or data arguments: {details}. A resumed run must train the "
                "same model on the same data; only "
                f"{sorted(set(resumable) - {'resume', 'run_dir'})} may change. "
                f"Resume with the run's arguments ({_flags(kept)}) or start a "
                "new run with another --run-dir."
            )
        for key in resumable:
            if key in arguments:
                saved[key] = arguments[key]
        config["resumes"] = config.get("resumes", 0) + 1
        _write_json(config_path, config)
        return cls(directory, config, resumed=True)

    @classmethod
    def open(cls, directory, *, format="keras"):
        """Opens a saved run to use its model (`generate`, `predict`).

        Args:
            directory: the run directory.
            format: `"keras"` (default: `load_model` loads `model.keras`) or
                an export format (`"onnx"`, `"saved_model"`, `"litert"`):
                `load_model` then returns the run's `export/<format>/` run
                by its own runtime (`rnn_zoo.load_exported`), without
                building the Keras model.

        Raises:
            FileNotFoundError: no run, an unfinished one, or no export of
                that format (saying which exist and how to make one).
        """
        directory = pathlib.Path(directory)
        config_path = directory / FILES["config"]
        if not config_path.is_file():
            raise FileNotFoundError(
                f"No run in {str(directory)!r}: it holds no {FILES['config']}. "
                "Pass the --run-dir a recipe trained into."
            )
        run = cls(directory, json.loads(config_path.read_text(encoding="utf-8")))
        if not run.path("model").is_file():
            raise FileNotFoundError(
                f"The run in {str(directory)!r} has no {FILES['model']} yet: its "
                "training did not finish. Resume it with the recipe and --resume."
            )
        if format != "keras":
            run._check_export(format)
        run.format = format
        return run

    format = "keras"

    def exports(self):
        """The formats the run has exported (`export/<format>/` folders)."""
        from rnn_zoo.deploy import MANIFEST

        root = self.path("export")
        if not root.is_dir():
            return []
        return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())

    def _check_export(self, format):
        from rnn_zoo.deploy import FORMATS

        if format not in FORMATS:
            raise ValueError(
                f"Unknown model format {format!r}. Expected 'keras' or one of "
                f"{list(FORMATS)}. Received: format={format!r}")
        if format not in self.exports():
            have = self.exports()
            raise FileNotFoundError(
                f"The run in {str(self.directory)!r} has no {format} export "
                f"(export/{format}/): it has "
                + (f"the export(s) {have} and " if have else "no exports, only ")
                + f"{FILES['model']}. Make one with `rnn_zoo.export("
                f"rnn_zoo.load_model({str(self.path('model'))!r}), "
                f"{str(self.path('export') / format)!r}, format={format!r})`, or "
                f"train with --export {format}."
            )

    def export(self, model, format, *, quantize=None):
        """Writes `export/<format>/` with `rnn_zoo.export(model, ...)`
        (`quantize="int8"`: of an int8 copy; the manifest says so). An
        earlier export of that format (a resumed run) is replaced only once
        the new one is written (its model stays in `checkpoints/`).

        Returns:
            The folder written.

        Raises:
            ValueError: `rnn_zoo.export`'s, naming model, format and reason
                (nothing of the run is touched).
        """
        from rnn_zoo.deploy import export

        root = self.path("export")
        staged, target = root / f".{format}.new", root / format
        if staged.exists():
            shutil.rmtree(staged)
        export(model, staged, format=format, quantize=quantize)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)
        return target

    @property
    def arguments(self):
        return self.config["arguments"]

    @property
    def state(self):
        """`"new"`, `"interrupted"` (a backup to restore) or `"finished"`."""
        if self.path("backup").exists():
            return "interrupted"
        if self.path("model").exists():
            return "finished"
        return "new"

    def set_model(self, name, kwargs):
        """Records the model's name and kwargs; a resume must match them."""
        model = {"name": name, "kwargs": _jsonable(dict(kwargs))}
        if self.config.get("model") not in (None, model):
            old = self.config["model"]
            raise ValueError(
                f"Cannot resume the run in {str(self.directory)!r} with another "
                f"model: it trained {old['name']!r} with {old['kwargs']}, and "
                f"this call builds {name!r} with {model['kwargs']}. Resume with "
                "the run's arguments, or start a new run with another --run-dir."
            )
        self.config["model"] = model
        _write_json(self.path("config"), self.config)

    def save_json(self, name, data):
        """Writes `<name>.json` in the run (labels, data facts)."""
        path = self.directory / f"{name}.json"
        _write_json(path, data)
        return path

    def load_json(self, name):
        path = self.directory / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"The run in {str(self.directory)!r} has no {path.name}.")
        return json.loads(path.read_text(encoding="utf-8"))

    def vocabulary(self, make, name="vocabulary"):
        """The run's vocabulary: loaded if saved (a resume), else `make()`d and saved."""
        from rnn_zoo.data.vocabulary import Vocabulary

        path = self.directory / f"{name}.json"
        if path.is_file():
            return Vocabulary.load(path)
        vocabulary = make()
        vocabulary.save(path)
        return vocabulary

    def load_vocabulary(self, name="vocabulary"):
        from rnn_zoo.data.vocabulary import Vocabulary

        return Vocabulary.load(self.directory / f"{name}.json")

    def labels(self, make, name="labels"):
        """The run's label list: loaded if saved, else `make()`d and saved."""
        path = self.directory / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        labels = list(make())
        _write_json(path, labels)
        return labels

    def load_model(self, path=None):
        """Loads the run's model (or another `.keras` file of it), `safe_mode=True`.

        A run opened with `Run.open(..., format="onnx")` (or another export
        format) returns its exported artefact instead, as an
        `rnn_zoo.deploy.ExportedModel` (`predict` like Keras' own)."""
        if path is None and self.format != "keras":
            from rnn_zoo.deploy import load_exported

            return load_exported(self.path("export") / self.format)
        from rnn_zoo.saving import load_model

        return load_model(path or self.path("model"))

    def epochs_done(self):
        """Number of epochs `history.csv` records (0 if none)."""
        path = self.path("history")
        if not path.is_file():
            return 0
        with path.open(newline="") as f:
            epochs = {row["epoch"] for row in csv.DictReader(f) if row.get("epoch")}
        return len(epochs)

    def history(self):
        """Rows of `history.csv` as dicts of floats, one per epoch (the last
        row wins where a resume repeated an epoch)."""
        path = self.path("history")
        if not path.is_file():
            return []
        with path.open(newline="") as f:
            rows = {}
            for row in csv.DictReader(f):
                # Keras' CSVLogger writes "NA" for a metric an epoch lacks
                # (validation metrics of a run without validation data).
                values = {k: float(v) for k, v in row.items() if v not in ("", None, "NA")}
                if "epoch" in values:
                    rows[int(values["epoch"])] = values
        return [rows[k] for k in sorted(rows)]

    def save_model(self, model):
        """Saves `model.keras`; a resumed run first moves the earlier final
        model into `checkpoints/`, so no finished model is lost."""
        path = self.path("model")
        if path.exists():
            self.path("checkpoints").mkdir(exist_ok=True)
            kept = self.path("checkpoints") / f"model_before_resume_{self.config.get('resumes', 0)}.keras"
            os.replace(path, kept)
        model.save(path)
        return path

    def write_samples(self, text, *, heading=None):
        """Appends a block of samples (generated text, predictions) to `samples.txt`."""
        with self.path("samples").open("a", encoding="utf-8") as f:
            if heading:
                f.write(f"== {heading}\n")
            f.write(text.rstrip("\n") + "\n\n")

    def save_metrics(self, metrics):
        """Writes `metrics.json` and returns what it wrote (a resume replaces
        the figures with the new ones, keeping the earlier under `"earlier"`)."""
        path = self.path("metrics")
        data = dict(_jsonable(metrics))
        if path.is_file():
            earlier = json.loads(path.read_text(encoding="utf-8"))
            data["earlier"] = earlier.pop("earlier", []) + [earlier]
        _write_json(path, data)
        return data


def default_run_dir(recipe, *, resume=False, root="runs"):
    """`runs/<recipe>`, or the next free `runs/<recipe>-N` for a new run, so
    running a recipe twice never collides; for a resume, the latest existing.

    Example:

    >>> str(default_run_dir("demo", root="/nonexistent"))
    '/nonexistent/demo'
    """
    root = pathlib.Path(root)

    def candidate(n):
        return root / (recipe if n == 1 else f"{recipe}-{n}")

    n = 1
    while candidate(n).exists() and any(candidate(n).iterdir()):
        n += 1
    return candidate(max(n - 1, 1)) if resume else candidate(n)


def versions():
    import tensorflow as tf

    import rnn_zoo

    return {
        "rnn_zoo": rnn_zoo.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "tensorflow": tf.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
    }
