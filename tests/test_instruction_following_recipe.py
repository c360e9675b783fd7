"""The instruction-following recipe: a smoke run of a few steps on generated
episodes, in-process through its `main(argv)`, then `predict.py` on the run."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

from rnn_zoo.data import navigation

RECIPES = pathlib.Path(__file__).resolve().parents[1] / "recipes"


def recipe(name):
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = ["--epochs", "1", "--batch-size", "8", "--units", "4", "--embedding-dim", "4",
        "--cell", "simple_rnn", "--verbose", "0", "--train-episodes", "24",
        "--test-episodes", "8", "--grid-size", "4", "--num-obstacles", "1"]


@pytest.mark.parametrize("observation", [
    "vector", pytest.param("image", marks=pytest.mark.slow)])  # the zoo test covers images
def test_smoke_reports_success_and_plots_then_predicts(tmp_path, observation):
    run_dir = tmp_path / "run"
    metrics = recipe("instruction_following").main(
        ["--run-dir", str(run_dir), "--observation", observation, *TINY])
    for key in ("test_success_rate", "validation_success_rate", "test_step_accuracy",
                "test_accuracy"):
        assert 0 <= metrics[key] <= 1, key
    # Batches of one shape: Keras' masked accuracy is the exact per-step one.
    assert metrics["test_step_accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-5)
    kinds = metrics["test_success_by_kind"]
    assert sum(v["episodes"] for k, v in kinds.items() if k.endswith(("segment", "segments"))) == 8
    for name in ("config.json", "model.keras", "metrics.json", "history.csv", "samples.txt",
                 "attention.png", "trajectories.png"):
        assert (run_dir / name).is_file(), name
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"]["kwargs"]["observation_shape"] == (
        [3, 3, 2] if observation == "image" else [18])
    assert "expert:" in (run_dir / "samples.txt").read_text()
    (output,) = recipe("predict").main([str(run_dir), "go left twice then go up once"])
    assert output.startswith("go left twice then go up once\n  expert: left left up stop")
    with pytest.raises(ValueError, match=r"Segment 2 \(go left once\) runs into.*empty 4x4 "
                                         r"grid from cell \(3, 3\)"):
        recipe("predict").main([str(run_dir), "go left until the wall then go left once"])


def test_options_are_checked_and_splits_differ():
    module = recipe("instruction_following")
    with pytest.raises(SystemExit):
        module.parse_args(["--observation", "pixels"])
    with pytest.raises(SystemExit):
        module.parse_args(["--train-episode", "5"])  # no abbreviations
    args = module.parse_args(["--train-episodes", "20", "--test-episodes", "20"])
    episodes = module.generate(args)
    assert {k: len(v) for k, v in episodes.items()} == {"train": 20, "validation": 20,
                                                       "test": 20}
    assert episodes["train"].texts != episodes["test"].texts
    assert module.seen_in(episodes["train"], episodes["train"]) == 20
    (words, views), actions = next(iter(module.dataset(episodes["train"])))
    first = episodes["train"]
    assert views.shape == first.observations.shape[1:] and words.shape == first.instructions[0].shape
    assert actions.numpy()[first.lengths[0] - 1] == navigation.STOP
