"""The benchmark scripts run (tiny sizes; their figures live in benchmarks/README.md)."""

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generation_benchmark_smoke(tmp_path):
    result = load("generation").main(["--smoke", "--out", str(tmp_path)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].endswith("_smoke.json")
    saved = json.loads((tmp_path / files[0]).read_text())
    assert saved["config"]["tokens"] == 12
    for name in ("rnn_zoo", "rnn_zoo_eager", "rerun_prefix"):
        assert saved["generation"][name]["tokens_per_s"] > 0
    assert "| `rnn_zoo` |" in (tmp_path / files[1]).read_text()
    if "torch_lstmcell" in result["generation"]:
        # Same weights, greedy: PyTorch and rnn_zoo agree token for token.
        assert result["checks"]["greedy_tokens_equal_to_torch"] == 12
