"""Tiny sweeps: every tuner type, the results, retraining, resume after a
kill, and KerasTuner's distributed mode (a chief and two workers)."""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras
import keras_tuner
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import tuning
from rnn_zoo.tuning import results

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "tuning_sweep.py")
FIXED = {"vocabulary_size": 10, "num_classes": 3}
TINY = {"embedding_dim": [4], "units": [4, 8], "num_layers": [1, 2],
        "batch_size": [8, 16]}


@pytest.fixture(scope="module", autouse=True)
def eager():
    """Tracing a tf.function costs more than it saves on two tiny batches."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    yield
    tf.config.run_functions_eagerly(False)


def data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 10, size=(n, 5)).astype("int32")
    y = rng.integers(0, 3, size=(n,)).astype("int32")
    return x, y


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def check_sweep(result, num_trials):
    rows = read_csv(result.files["csv"])
    assert len(rows) == len(result.trials) == num_trials >= 2
    assert all(r["status"] == "COMPLETED" for r in rows)
    assert {"trial", "units", "num_layers", "cell", "batch_size", "val_loss",
            "best_epoch", "epochs", "seconds", "worker"} <= set(rows[0])
    assert all(float(r["seconds"]) > 0 and 1 <= int(r["epochs"]) <= 2 for r in rows)
    # The best trial is the one with the lowest val_loss.
    assert result.score == min(float(r["val_loss"]) for r in rows)
    assert result.objective == "val_loss"
    # Hyperparameter names are builder arguments: the result builds as is.
    assert not any(k.startswith("tuner/") for k in result.best_kwargs)
    model = rnn_zoo.build("text_classifier", **result.fixed, **result.best_kwargs)
    layer = model.get_layer("encoder_" + result.best_kwargs["cell"] + "_0")
    assert getattr(layer, "forward_layer", layer).units == result.best_kwargs["units"]
    assert result.batch_size in (8, 16)
    with open(result.files["best"]) as f:
        best = json.load(f)
    assert best["build_kwargs"] == result.build_kwargs
    assert best["batch_size"] == result.batch_size
    for kind in ("objective_plot", "hyperparameter_plot"):
        with open(result.files[kind], "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(result.files["markdown"]) as f:
        table = f.read()
    assert f"| {result.trial_id} | COMPLETED |" in table


# The random search runs in the `sweep` fixture below.
@pytest.mark.parametrize("tuner", [pytest.param(t, marks=pytest.mark.slow) for t in ("bayesian", "hyperband")])
def test_tiny_sweep_per_tuner(tuner, tmp_path):
    options = {"max_trials": 2} if tuner != "hyperband" else {"factor": 2}
    result = tuning.tune(
        "text_classifier", data(), data(8, 1), tuner=tuner, seed=1,
        epochs=1 if tuner != "hyperband" else 2,
        directory=str(tmp_path), fixed=FIXED, space=TINY, verbose=0, **options,
    )
    check_sweep(result, 2 if tuner != "hyperband" else len(result.tuner.oracle.trials))
    if tuner == "hyperband":
        assert {r["epochs"] for r in result.trials} == {1, 2}  # its rounds


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """One sweep through the `--tune` helpers, retraining the best model."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    tuning.add_tune_arguments(parser)
    directory = str(tmp_path_factory.mktemp("sweeps"))
    args = parser.parse_args(["--tune", "--max-trials", "2", "--tune-dir", directory,
                              "--tune-project", "tc", "--tune-retrain",
                              "--tune-space", '{"batch_size": [8]}', "--epochs", "1"])
    # A NumPy count, as `len(vocabulary)` of an array gives: still JSON.
    fixed = {"vocabulary_size": np.int64(10), "num_classes": 3}
    return tuning.run_from_args(args, "text_classifier", data(), data(8, 1),
                                fixed=fixed, space=TINY, seed=0, verbose=0)


def test_random_sweep_through_run_from_args_and_retrain_best(sweep):
    check_sweep(sweep, 2)
    assert sweep.project_dir.endswith(os.path.join("", "tc"))
    assert sweep.batch_size == 8  # --tune-space laid over the script's space
    run_dir = os.path.join(sweep.project_dir, "best_run")
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    assert config["name"] == "text_classifier"
    assert config["kwargs"] == sweep.build_kwargs
    assert config["epochs"] == 1 and config["batch_size"] == 8
    assert set(config["final_metrics"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    history = read_csv(os.path.join(run_dir, "history.csv"))
    assert [int(h["epoch"]) for h in history] == [0]
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    x, _ = data(4, 2)
    assert model.predict(x, verbose=0).shape == (4, 3)
    assert model.count_params() == sweep.build().count_params()


def test_retrain_best_from_a_folder(sweep, tmp_path):
    model = tuning.retrain_best(sweep.project_dir, data(), run_dir=str(tmp_path / "run"),
                                epochs=1, verbose=0)
    assert sorted(os.listdir(tmp_path / "run")) == ["config.json", "history.csv", "model.keras"]
    assert model.count_params() == sweep.build().count_params()


def test_report_command(sweep, capsys):
    from rnn_zoo.tuning.__main__ import main

    os.remove(sweep.files["csv"])
    assert main(["report", sweep.project_dir]) == 0
    assert os.path.exists(sweep.files["csv"])
    out = capsys.readouterr().out
    assert "| trial | status |" in out and "val_loss" in out


def test_no_completed_trial(tmp_path):
    class Fail(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            raise RuntimeError("this trial fails")

    with pytest.raises(RuntimeError, match=r"No trial of the sweep in .* completed"):
        tuning.tune("text_classifier", data(), tuner="random", max_trials=1, epochs=1,
                    directory=str(tmp_path), fixed=FIXED, space=TINY, verbose=0,
                    callbacks=[Fail()])
    rows = results.trial_rows(str(tmp_path / "text_classifier"))
    assert [r["status"] for r in rows] == ["FAILED"]


def script_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("KERASTUNER_ORACLE_IP", None)
    return env


def load_trials(project_dir):
    trials = {}
    for name in sorted(os.listdir(project_dir)):
        if name.startswith("trial_"):
            trial = keras_tuner.engine.trial.Trial.load(
                os.path.join(project_dir, name, "trial.json"))
            record = os.path.join(project_dir, name, "rnn_zoo_trial.json")
            runs = []
            if os.path.exists(record):
                with open(record) as f:
                    runs = json.load(f)["runs"]
            trials[trial.trial_id] = (trial, runs)
    return trials


@pytest.mark.slow
def test_resume_after_a_kill(tmp_path):
    project_dir = str(tmp_path / "text_classifier")
    marker = str(tmp_path / "hanging")
    log = tmp_path / "first.log"
    command = [sys.executable, SCRIPT, "--tune", "--max-trials", "3",
               "--tune-dir", str(tmp_path)]
    # First run: trial 0 completes, then the process hangs in trial 1's fit.
    with open(log, "w") as out:
        first = subprocess.Popen(command + ["--hang-in-fit", "2", "--marker", marker],
                                 env=script_env(), stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not os.path.exists(marker):
                assert first.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the sweep never reached trial 1"
                time.sleep(0.2)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
    before = load_trials(project_dir)
    assert before["0"][0].status == "COMPLETED"
    assert before["1"][0].status == "RUNNING"  # killed mid-trial
    assert not os.path.exists(os.path.join(project_dir, "trials.csv"))

    second = subprocess.run(command, env=script_env(), capture_output=True, timeout=300)
    assert second.returncode == 0, second.stderr.decode()[-3000:]
    after = load_trials(project_dir)
    assert sorted(after) == ["0", "1", "2"]
    assert all(trial.status == "COMPLETED" for trial, _ in after.values())
    # Trial 0 was not run again; trial 1 ran again, with the same values, in
    # the second process (the one that ran trial 2).
    assert after["0"][0].score == before["0"][0].score
    assert [run["pid"] for run in after["0"][1]] == [first.pid]
    second_pid = after["2"][1][0]["pid"]
    assert second_pid != first.pid
    assert [run["pid"] for run in after["1"][1]] == [second_pid]
    assert after["1"][0].hyperparameters.values == before["1"][0].hyperparameters.values
    assert len(read_csv(os.path.join(project_dir, "trials.csv"))) == 3


@pytest.mark.slow
def test_distributed_chief_and_two_workers(tmp_path):
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    command = [sys.executable, SCRIPT, "--tune", "--max-trials", "4",
               "--tune-dir", str(tmp_path), "--barrier", str(barrier)]
    codes = tuning.launch(command, num_workers=2, log_dir=str(tmp_path / "logs"),
                          env=script_env(), timeout=240)
    logs = {n: (tmp_path / "logs" / n).read_text()[-3000:]
            for n in os.listdir(tmp_path / "logs")}
    assert codes == {"chief": 0, "tuner0": 0, "tuner1": 0}, logs
    project_dir = str(tmp_path / "text_classifier")
    trials = load_trials(project_dir)
    # Every trial finished, each ran exactly once, and both workers had some.
    assert sorted(trials) == ["0", "1", "2", "3"]
    assert all(trial.status == "COMPLETED" for trial, _ in trials.values())
    assert all(len(runs) == 1 for _, runs in trials.values())
    workers = [runs[0]["tuner_id"] for _, runs in trials.values()]
    assert sorted(set(workers)) == ["tuner0", "tuner1"]
    # The chief wrote the results of all of them.
    rows = read_csv(os.path.join(project_dir, "trials.csv"))
    assert sorted(r["worker"] for r in rows) == sorted(workers)
    with open(os.path.join(project_dir, "best.json")) as f:
        best = json.load(f)
    assert best["trial"] in trials
