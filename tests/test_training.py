"""rnn_zoo.training: run directories, resuming, callbacks, CLI, plots, strategies."""

import json

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.training import (
    Run,
    TimeLimit,
    cli,
    get_strategy,
    is_chief,
    plot_history,
    training_callbacks,
)

ARGS = {"units": 4, "epochs": 2, "seed": 0}


def test_new_run_writes_config_and_never_overwrites(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["recipe"] == "demo" and config["arguments"] == ARGS
    assert config["versions"]["keras"] == keras.__version__
    assert run.state == "new" and not run.resumed
    run.path("history").write_text("epoch,loss\n0,1.0\n")  # it trained
    with pytest.raises(FileExistsError, match="already holds a run .* Pass --resume to continue it"):
        Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)


def test_a_start_that_failed_before_training_is_taken_over(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    run.save_json("vocabulary", {"tokens": ["stale"]})
    (tmp_path / "r" / "checkpoints").mkdir()
    again = Run.start(tmp_path / "r", recipe="demo", arguments=dict(ARGS, units=8))
    assert again.arguments["units"] == 8 and not (tmp_path / "r" / "vocabulary.json").exists()
    (tmp_path / "r" / "history.csv").write_text("epoch,loss\n0,1.0\n")
    with pytest.raises(FileExistsError, match="already holds a run"):
        Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)


def test_resume_refuses_other_arguments_and_recipes_before_touching_files(tmp_path):
    Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    before = (tmp_path / "r" / "config.json").read_text()
    with pytest.raises(ValueError, match=r"Cannot resume the run in .* with other model or data arguments: units=8 \(the run has 4\).*--units 4"):
        Run.start(tmp_path / "r", recipe="demo", arguments=dict(ARGS, units=8), resume=True)
    with pytest.raises(ValueError, match="was made by the recipe 'demo', not 'other'"):
        Run.start(tmp_path / "r", recipe="other", arguments=ARGS, resume=True)
    assert (tmp_path / "r" / "config.json").read_text() == before
    with pytest.raises(FileNotFoundError, match="Nothing to resume in .* holds no config.json"):
        Run.start(tmp_path / "none", recipe="demo", arguments=ARGS, resume=True)


def test_resume_may_change_epochs_and_checks_the_model(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    run.set_model("language_model", {"vocabulary_size": 10})
    again = Run.start(tmp_path / "r", recipe="demo", arguments=dict(ARGS, epochs=5), resume=True)
    assert again.resumed and again.arguments["epochs"] == 5 and again.config["resumes"] == 1
    again.set_model("language_model", {"vocabulary_size": 10})
    with pytest.raises(ValueError, match="with another model: it trained 'language_model' with"):
        again.set_model("language_model", {"vocabulary_size": 11})


def test_open_needs_a_finished_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="No run in .* holds no config.json"):
        Run.open(tmp_path)
    Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    with pytest.raises(FileNotFoundError, match="has no model.keras yet: its training did not finish"):
        Run.open(tmp_path / "r")
    with pytest.raises(FileNotFoundError, match="has no labels.json"):
        Run(tmp_path / "r", {}).load_json("labels")


def test_saving_keeps_earlier_models_metrics_and_history_rows(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    model = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4)
    run.save_model(model)
    run.config["resumes"] = 1
    run.save_model(model)
    assert (tmp_path / "r" / "checkpoints" / "model_before_resume_1.keras").is_file()
    assert run.state == "finished"
    assert Run.open(tmp_path / "r").load_model().count_params() == model.count_params()
    run.save_metrics({"loss": 2.0})
    run.save_metrics({"loss": 1.0})
    metrics = json.loads(run.path("metrics").read_text())
    assert metrics["loss"] == 1.0 and metrics["earlier"] == [{"loss": 2.0}]
    run.path("history").write_text("epoch,loss\n0,3.0\n1,2.5\n1,2.0\n")
    assert [r["loss"] for r in run.history()] == [3.0, 2.0] and run.epochs_done() == 2
    assert run.labels(lambda: ["a", "b"]) == ["a", "b"]
    assert run.labels(lambda: ["changed"]) == ["a", "b"]  # a resume reloads them


def test_history_reads_csvlogger_na_cells(tmp_path):
    # Keras' CSVLogger writes NA where an epoch lacks a metric (no validation data).
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    run.path("history").write_text("epoch,loss,val_loss\n0,3.0,NA\n1,2.0,1.5\n")
    rows = run.history()
    assert rows == [{"epoch": 0.0, "loss": 3.0}, {"epoch": 1.0, "loss": 2.0, "val_loss": 1.5}]


def test_default_run_dirs_never_collide(tmp_path):
    from rnn_zoo.training.runs import default_run_dir

    assert default_run_dir("demo", root=tmp_path) == tmp_path / "demo"
    assert default_run_dir("demo", resume=True, root=tmp_path) == tmp_path / "demo"
    Run.start(tmp_path / "demo", recipe="demo", arguments=ARGS)
    assert default_run_dir("demo", root=tmp_path) == tmp_path / "demo-2"
    Run.start(tmp_path / "demo-2", recipe="demo", arguments=ARGS)
    assert default_run_dir("demo", root=tmp_path) == tmp_path / "demo-3"
    assert default_run_dir("demo", resume=True, root=tmp_path) == tmp_path / "demo-2"


def test_plot_history_writes_a_png(tmp_path):
    rows = [{"epoch": 0, "loss": 2.0, "val_loss": 2.1, "accuracy": 0.3, "learning_rate": 1e-3},
            {"epoch": 1, "loss": 1.5, "val_loss": 1.7, "accuracy": 0.4, "learning_rate": 5e-4}]
    path = plot_history(rows, tmp_path / "c.png", title="demo")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="No epochs to plot"):
        plot_history([], tmp_path / "d.png")


def _tiny_fit(callbacks, epochs=3, model=None):
    if model is None:
        model = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4,
                              cell="simple_rnn")
        model.optimizer.build(model.trainable_variables)  # one trace of the train step
    x, y = rnn_zoo.model_info("language_model").example_data({"vocabulary_size": 10}, 8, 5, 0)
    return model, model.fit(x, y, batch_size=4, epochs=epochs, validation_data=(x, y),
                            callbacks=callbacks, verbose=0)


class _Model:
    stop_training = False


def test_time_limit_stops_after_the_batch_that_spends_the_budget():
    limit = TimeLimit(1e-9)
    limit.set_model(_Model())
    limit.on_train_begin()
    limit.on_train_batch_end(0)
    assert limit.stopped and limit.model.stop_training
    patient = TimeLimit(10.0, start=0.0)  # a budget that began long ago
    patient.set_model(_Model())
    patient.on_train_begin()
    patient.on_train_batch_end(0)
    assert patient.stopped
    fresh = TimeLimit(10.0)
    fresh.set_model(_Model())
    fresh.on_train_begin()
    fresh.on_train_batch_end(0)
    assert not fresh.stopped and not fresh.model.stop_training
    with pytest.raises(ValueError, match=r"`minutes` must be in \(0.0, inf\]"):
        TimeLimit(0)


def test_killed_training_resumes_at_the_epoch_it_reached(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    model = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4,
                          cell="simple_rnn")
    model.optimizer.build(model.trainable_variables)
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(training_callbacks(run, tensorboard=False) + [Kill()], epochs=4, model=model)
    assert run.state == "interrupted" and run.epochs_done() == 2
    backed_up = [w.copy() for w in model.get_weights()]
    for w in model.weights:  # as if a new process had built a fresh model
        w.assign(np.zeros(w.shape, w.dtype))
    epochs, restored = [], []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: (epochs.append(epoch),
                                            restored.append(model.get_weights())))
    _tiny_fit(training_callbacks(run, tensorboard=False) + [spy], epochs=4, model=model)
    assert all(np.array_equal(a, b) for a, b in zip(restored[0], backed_up))
    assert epochs == [2, 3]  # restored from backup/, not from scratch
    assert run.epochs_done() == 4 and not run.path("backup").exists()
    saved = sorted(p.name for p in run.path("checkpoints").iterdir())
    assert saved and all(name.startswith("epoch_") for name in saved)


def test_training_callbacks_lists_the_aids_and_checks_arguments(tmp_path):
    run = Run.start(tmp_path / "r", recipe="demo", arguments=ARGS)
    kinds = {type(c).__name__ for c in training_callbacks(run, time_limit=1.0)}
    assert kinds == {"TerminateOnNaN", "ReduceLROnPlateau", "EarlyStopping", "FiniteModelCheckpoint",
                     "BackupAndRestore", "CSVLogger", "TensorBoard", "TimeLimit"}
    kinds = {type(c).__name__ for c in training_callbacks(run, patience=0, reduce_lr_patience=0,
                                                          tensorboard=False)}
    assert "EarlyStopping" not in kinds and "ReduceLROnPlateau" not in kinds
    with pytest.raises(ValueError, match=r"`patience` must be >= 0. Received: patience=-1"):
        training_callbacks(run, patience=-1)
    with pytest.raises(ValueError, match=r"`reduce_lr_factor` must be in \(0.0, 1.0\)"):
        training_callbacks(run, reduce_lr_factor=1.0)


def _parser():
    parser = cli.recipe_parser("demo", "A demo recipe.")
    cli.add_model_arguments(parser, cell="gru", units=8, bidirectional=True)
    return parser


def test_cli_parses_typed_options_into_builder_kwargs():
    args = _parser().parse_args(["--units", "16", "--no-bidirectional", "--dropout", "0.5"])
    assert cli.model_kwargs(args) == {"cell": "gru", "units": 16, "num_layers": 1,
                                      "embedding_dim": 128, "dropout": 0.5,
                                      "bidirectional": False}
    assert args.run_dir is None and args.distribute == "none"


@pytest.mark.parametrize("argv, message", [
    (["--unit", "16"], "unrecognized arguments: --unit 16"),
    (["--epoch", "3"], "unrecognized arguments: --epoch 3"),  # no abbreviations
    (["--units", "many"], "argument --units: expected an integer >= 1, got 'many'"),
    (["--units", "0"], "argument --units: expected an integer >= 1, got '0'"),
    (["--dropout", "1"], r"argument --dropout: expected a number in \[0, 1\), got '1'"),
    (["--dropout", "x"], r"argument --dropout: expected a number in \[0, 1\), got 'x'"),
    (["--learning-rate", "-1"], "argument --learning-rate: expected a number > 0, got '-1'"),
    (["--learning-rate", "fast"], "argument --learning-rate: expected a number > 0, got 'fast'"),
    (["--patience", "-1"], "argument --patience: expected an integer >= 0, got '-1'"),
    (["--seed", "s"], "argument --seed: expected an integer >= 0, got 's'"),
    (["--cell", "rnn"], "argument --cell: invalid choice: 'rnn'"),
    (["--distribute", "tpu"], "argument --distribute: invalid choice: 'tpu'"),
])
def test_cli_rejects_unknown_and_badly_typed_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_get_strategy_checks_name_backend_and_tf_config(monkeypatch):
    assert get_strategy("none") is None
    with pytest.raises(ValueError, match="Unknown distribute 'mirror'. Did you mean 'mirrored'"):
        get_strategy("mirror")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match=r"TF_CONFIG must be JSON with a \"cluster\""):
        get_strategy("multi_worker")
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ValueError, match="needs the TensorFlow backend; this process runs Keras on 'jax'"):
        get_strategy("mirrored")


def test_is_chief_follows_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert is_chief()
    cluster = {"worker": ["a:1", "b:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert not is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert is_chief()
    cluster["chief"] = ["c:3"]
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert not is_chief()


def test_generate_text_needs_a_prompt():
    from rnn_zoo.data import Vocabulary
    from rnn_zoo.training import generate_text

    model = rnn_zoo.build("language_model", vocabulary_size=5, embedding_dim=4, units=4)
    with pytest.raises(ValueError, match="The prompt holds no tokens"):
        generate_text(model, Vocabulary(["a", "b", "c"], split="none"), "  ", 4)
