import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_learns():
    spec = importlib.util.spec_from_file_location("quickstart", ROOT / "examples" / "quickstart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--epochs", "2"]) > 0.6
