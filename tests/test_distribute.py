"""`--distribute`: a recipe trains under tf.distribute with no other change,
on two logical CPU devices.

The devices must be split before TensorFlow initialises them, so the
training runs in a fresh interpreter (this test's only subprocess).
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

SCRIPT = r"""
import importlib.util, json, pathlib, sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
spec = importlib.util.spec_from_file_location("char_lm", "recipes/char_lm.py")
char_lm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(char_lm)
out = pathlib.Path(sys.argv[1])
text = out / "t.txt"
text.write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n" * 20)
results = {}
# multi_worker first: its collectives must be set up before other strategies.
for strategy in ("multi_worker", "mirrored"):
    metrics = char_lm.main([
        "--text-file", str(text), "--run-dir", str(out / strategy), "--distribute", strategy,
        "--no-tbptt",
        "--sequence-length", "8", "--steps-per-epoch", "3", "--sample-length", "5",
        "--epochs", "1", "--batch-size", "4", "--units", "4", "--embedding-dim", "4",
        "--cell", "simple_rnn", "--verbose", "0"])
    results[strategy] = {k: metrics[k] for k in ("replicas", "validation_loss", "epochs_trained")}
print("RESULTS " + json.dumps(results))
"""


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute")
@pytest.mark.slow
def test_recipe_trains_under_mirrored_and_multi_worker_strategies(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    env.pop("TF_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    lines = [l for l in done.stdout.splitlines() if l.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    results = json.loads(lines[-1][len("RESULTS "):])
    assert results["mirrored"]["replicas"] == 2  # one replica per logical CPU
    assert results["multi_worker"]["replicas"] == 1  # one local worker without TF_CONFIG
    # Synchronous data parallelism splits each global batch: same seed, same
    # data, so the same model whatever the number of replicas.
    assert results["mirrored"]["validation_loss"] == pytest.approx(
        results["multi_worker"]["validation_loss"], rel=1e-4)
    for strategy in results:
        assert results[strategy]["epochs_trained"] == 1
        assert (tmp_path / strategy / "model.keras").is_file()
