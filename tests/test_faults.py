"""Faults during training: a NaN run, corrupt checkpoints and backups
(issue 16). Nothing lost, nothing silent."""

import json

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.training import Run, Session, cli

TINY = dict(vocabulary_size=10, embedding_dim=4, units=4, num_classes=3)


def strict_json(path):
    def refuse(name):
        raise AssertionError(f"{path} holds {name}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def data():
    import tensorflow as tf

    x = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [6, 7, 8, 9], [2, 0, 0, 0]], "int32")
    return tf.data.Dataset.from_tensor_slices((x, np.array([0, 1, 2, 1]))).batch(2)


def session(tmp_path, *argv):
    args = cli.recipe_parser("demo", "demo").parse_args(
        ["--run-dir", str(tmp_path / "run"), "--epochs", "3", "--verbose", "0", *argv])
    return Session("demo", args)


class PoisonAtEpoch(keras.callbacks.Callback):
    """Sets one weight to NaN at the start of an epoch: the loss goes NaN."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            w = self.model.get_layer("logits").kernel
            w.assign(np.full(w.shape, np.nan, "float32"))


def test_a_nan_run_exits_with_a_message_and_keeps_the_last_finite_checkpoint(tmp_path):
    s = session(tmp_path)
    model = s.build("text_classifier", **TINY)
    with pytest.raises(SystemExit, match=r"the loss became NaN or infinite in epoch 2 "
                       r".*last finite checkpoint \(epoch_001.keras\)"):
        s.fit(model, data(), callbacks=[PoisonAtEpoch(1)])
    kept = rnn_zoo.load_model(s.run.path("model"))
    assert all(np.all(np.isfinite(w)) for w in kept.get_weights())
    metrics = strict_json(s.run.path("metrics"))
    assert metrics["failed"] == "the loss became NaN or infinite"
    assert metrics["model_from"] == "checkpoints/epoch_001.keras"
    assert None in metrics["history"]["loss"]  # NaN written as null


def test_a_run_nan_from_the_first_epoch_has_no_model(tmp_path):
    s = session(tmp_path)
    model = s.build("text_classifier", **TINY)
    with pytest.raises(SystemExit, match="No finite checkpoint was saved, so the run has "
                       "no model.keras"):
        s.fit(model, data(), callbacks=[PoisonAtEpoch(0)])
    assert not s.run.path("model").exists()
    assert strict_json(s.run.path("metrics"))["model_from"] is None


def test_metrics_json_is_strict_with_null_for_non_finite_values(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments={})
    run.save_metrics({"loss": float("nan"), "perplexity": float("inf"),
                      "accuracy": np.float32(0.5), "nested": [float("-inf")]})
    metrics = strict_json(run.path("metrics"))
    assert metrics == {"loss": None, "perplexity": None, "accuracy": 0.5, "nested": [None]}


class KillAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class Epochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)


def interrupted_run(tmp_path):
    s = session(tmp_path, "--patience", "0")
    model = s.build("text_classifier", **TINY)
    with pytest.raises(KeyboardInterrupt):
        s.fit(model, data(), callbacks=[KillAtEpoch(2)])
    assert s.run.state == "interrupted"
    return s


def test_a_truncated_backup_is_named_and_the_run_resumes_from_the_last_good_checkpoint(
        tmp_path, capsys):
    s = interrupted_run(tmp_path)
    weights = s.run.path("backup") / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[:200])  # truncated
    checkpoints = sorted(s.run.path("checkpoints").iterdir())
    stamps = {p: p.stat().st_mtime_ns for p in checkpoints}
    resumed = session(tmp_path, "--patience", "0", "--resume")
    model = resumed.build("text_classifier", **TINY)
    epochs = Epochs()
    resumed.fit(model, data(), callbacks=[epochs])
    out = capsys.readouterr().out
    last = int(checkpoints[-1].stem[len("epoch_"):])
    assert re_search(r"the backup in .*backup is truncated or corrupt \(.*\); moved it to "
                     rf"backup_corrupt_1/ and resuming from the last good checkpoint "
                     rf"epoch_{last:03d}.keras", out)
    assert epochs.seen == list(range(last, 3))  # at most the epoch in flight is redone
    assert (s.run.directory / "backup_corrupt_1" / "latest.weights.h5").exists()  # kept
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())  # none rewritten


def test_a_corrupt_checkpoint_is_named_and_skipped(tmp_path, capsys):
    s = interrupted_run(tmp_path)
    (s.run.path("backup") / "training_metadata.json").write_text("{")
    checkpoints = sorted(s.run.path("checkpoints").iterdir())
    assert len(checkpoints) == 2
    checkpoints[-1].write_bytes(b"not a zip")
    resumed = session(tmp_path, "--patience", "0", "--resume")
    model = resumed.build("text_classifier", **TINY)
    epochs = Epochs()
    resumed.fit(model, data(), callbacks=[epochs])
    out = capsys.readouterr().out
    assert re_search(r"skipping the checkpoint .*epoch_002.keras: The file .* is not a "
                     r"valid `.keras` file: it is truncated or corrupt", out)
    assert "resuming from the last good checkpoint epoch_001.keras (epoch 1)" in out
    assert epochs.seen == [1, 2]


def re_search(pattern, text):
    import re

    return re.search(pattern, text, re.S) is not None
