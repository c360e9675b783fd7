"""benchmarks/seq2seq_dates.py runs end to end (tiny sizes; its figure lives
in benchmarks/README.md)."""

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.slow  # compiles a training step and a generation loop: ~20 s CPU
def test_seq2seq_dates_benchmark_smoke(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "seq2seq_dates", ROOT / "benchmarks" / "seq2seq_dates.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plot = tmp_path / "attention.png"
    report = module.main([
        "--train-examples", "64", "--test-examples", "8", "--epochs", "1",
        "--units", "4", "--embedding-dim", "4", "--batch-size", "32",
        "--plot", str(plot),
    ])
    assert 0.0 <= report["exact_match"] <= 1.0 and report["held_out"] == 8
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_held_out_dates_are_not_in_training():
    spec = importlib.util.spec_from_file_location(
        "seq2seq_dates", ROOT / "benchmarks" / "seq2seq_dates.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from rnn_zoo.data import toy

    train = toy.date_pairs(3000, seed=0)
    test = module.held_out_pairs(500, {iso for _, iso in train}, seed=1)
    assert len(test) == 500
    assert not {iso for _, iso in test} & {iso for _, iso in train}
