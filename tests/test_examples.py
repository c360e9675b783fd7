import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_learns():
    spec = importlib.util.spec_from_file_location("quickstart", ROOT / "examples" / "quickstart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--epochs", "2"]) > 0.6


@pytest.mark.slow
def test_sweep_example_runs(tmp_path):
    spec = importlib.util.spec_from_file_location("sweep", ROOT / "examples" / "sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--tune", "--max-trials", "1", "--epochs", "1",
                          "--tune-dir", str(tmp_path)])
    assert result.build_kwargs["vocabulary_size"] == 13
    assert (tmp_path / "text_classifier" / "trials.csv").exists()
