"""Smoke runs: the benchmark scripts keep working (tiny sizes, seconds; their
figures live in benchmarks/README.md)."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_step_flops_counts_gates_directions_and_head():
    tt = load("training_throughput")
    # One LSTM layer: 2 * 4 gates * u * (d + u) + head 2 * u * V, x3 for training.
    expected = 3 * (2 * 4 * 8 * (4 + 8) + 2 * 8 * 10) * 2 * 5
    assert tt.step_flops("lstm256", vocab=10, embed=4, batch=2, time_steps=5, units=8) == expected
    bi = tt.step_flops("bilstm256_tagger", vocab=10, embed=4, batch=1, time_steps=1, units=8)
    assert bi == 3 * (2 * 2 * 4 * 8 * (4 + 8) + 2 * 16 * tt.NUM_TAGS)


def test_training_throughput_smoke(tmp_path):
    tt = load("training_throughput")
    rows = tt.main(["--smoke", "--backends", "tensorflow", "--no-pytorch",
                    "--configs", "gru256", "--out", str(tmp_path / "tt")])
    assert {(r["impl"], r["config"]) for r in rows} == {("rnn_zoo", "gru256"), ("keras", "gru256")}
    assert all(r["tokens_per_second"] > 0 for r in rows)
    saved = json.loads((tmp_path / "tt.json").read_text())
    assert saved["gemm_gflops"] > 0
    assert "| gru256 | tensorflow | rnn_zoo |" in (tmp_path / "tt.md").read_text()


def test_fast_path_report_covers_every_model(tmp_path):
    import rnn_zoo

    fp = load("fast_path")
    result = fp.main(["--backends", "tensorflow", "jax", "--out", str(tmp_path / "fp")])
    assert {r["model"] for r in result["rows"]} == set(rnn_zoo.list_models())
    # Masked models never get the fused path on JAX.
    assert not any(r["fused"] for r in result["rows"] if r["backend"] == "jax" and r["model"] == "language_model")
    assert (tmp_path / "fp.md").read_text().startswith("| model | backend |")


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


def test_padding_benchmark_smoke(tmp_path):
    result = load("padding").main(["--smoke", "--no-training", "--out", str(tmp_path / "padding")])
    padding = {(r["max_length"], r["strategy"]): r["padding_fraction"] for r in result["padding"]}
    cut = result["config"]["max_length"]
    # Buckets chosen for least padding never pad more than random batches.
    assert padding[(None, "least_padding_16")] <= padding[(None, "per_batch")]
    assert padding[(cut, "least_padding_8")] <= padding[(cut, "fixed")]
    assert "| `least_padding_16` |" in (tmp_path / "padding.md").read_text()


@pytest.mark.slow
def test_padding_benchmark_trains_every_strategy(tmp_path):
    result = load("padding").main(["--smoke", "--out", str(tmp_path / "padding")])
    assert [r["strategy"] for r in result["throughput"]] == list(load("padding").STRATEGIES)
    assert all(r["real_tokens_per_second"] > 0 for r in result["throughput"])


def test_imdb_like_lengths_follow_the_published_statistics():
    lengths = load("padding").imdb_like_lengths(25_000, seed=0)
    assert 10 <= lengths.min() and lengths.max() <= 2470
    assert abs(float(np.median(lengths)) - 174) <= 5
    assert abs(float(lengths.mean()) - 234) <= 8


def test_gpu_rnn_smoke_writes_rows_as_they_come(tmp_path):
    # On a machine without a GPU the script still runs (on the CPU): one
    # configuration, native PyTorch and Keras' PyTorch backend.
    pytest.importorskip("torch")
    result = load("gpu_rnn").main(["--smoke", "--configs", "gru256", "--backends", "torch",
                                   "--out", str(tmp_path / "g")])
    impls = {(r["backend"], r["impl"], r["mode"]) for r in result["rows"]}
    assert ("pytorch", "pytorch", "training") in impls
    assert ("torch", "rnn_zoo", "inference") in impls
    assert ("torch", "keras_generic", "training") in impls
    assert all(r["tokens_per_second"] > 0 for r in result["rows"])
    lines = (tmp_path / "g.jsonl").read_text().splitlines()
    assert len(lines) == len(result["rows"])
    assert "| gru256 | training | torch | rnn_zoo |" in (tmp_path / "g.md").read_text()


def test_step_latency_smoke(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("ai_edge_litert")
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("ONNX and LiteRT export go through TensorFlow")
    rows = load("step_latency").main(["--smoke", "--out", str(tmp_path)])
    assert [r["method"] for r in rows] == ["keras_generate", "keras_generate_marginal",
                                           "onnxruntime", "onnxruntime_1thread", "litert"]
    assert all(r["median_us_per_token"] > 0 for r in rows if r["method"] != "keras_generate_marginal")
    # Same weights, greedy: the exported step models pick Keras' tokens.
    assert all(r["greedy_tokens_equal_to_keras"] == r["tokens"] == 5 for r in rows)
    table = (tmp_path / "step_latency_smoke.md").read_text()
    assert "| smoke | `onnxruntime` |" in table and "Machine:" in table
    assert len((tmp_path / "step_latency_smoke.jsonl").read_text().splitlines()) == 6


def test_export_accuracy_on_a_tiny_int8_sentiment_run(tmp_path):
    """A sentiment smoke run with `--export onnx --quantize int8`, then
    `export_accuracy.py` scores Keras, a float ONNX and the run's int8 ONNX
    on the run's own validation split."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    import csv

    reviews = [("a wonderful moving film", "pos"), ("dull and far too long", "neg"),
               ("great acting , great story", "pos"), ("awful , just awful", "neg")] * 5
    train = tmp_path / "train.csv"
    with train.open("w", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *reviews])
    spec = importlib.util.spec_from_file_location("recipe_sentiment_q",
                                                  ROOT / "recipes" / "sentiment.py")
    sentiment = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sentiment)
    run_dir = tmp_path / "run"
    sentiment.main(["--train-file", str(train), "--run-dir", str(run_dir), "--epochs", "1",
                    "--batch-size", "4", "--units", "4", "--embedding-dim", "4", "--cell",
                    "simple_rnn", "--verbose", "0", "--no-bidirectional",
                    "--export", "onnx", "--quantize", "int8"])
    manifest = json.loads((run_dir / "export" / "onnx" / "rnn_zoo_export.json").read_text())
    assert manifest["quantize"] == "int8"
    result = load("export_accuracy").main([str(run_dir), "--out", str(tmp_path / "out")])
    rows = {r["model"]: r for r in result["rows"]}
    assert set(rows) == {"keras", "onnx_float", "export/onnx (int8)"}
    assert result["validation_texts"] == 4  # 20% of 20 texts, the recipe's draw
    assert rows["onnx_float"]["max_abs_probability_difference"] < 1e-4
    assert rows["onnx_float"]["same_label_as_keras"] == 1.0
    assert 0 <= rows["export/onnx (int8)"]["accuracy"] <= 1
    assert "| export/onnx (int8) |" in (tmp_path / "out" / "export_accuracy.md").read_text()
