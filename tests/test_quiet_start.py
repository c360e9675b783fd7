"""`import rnn_zoo` (and so every recipe) starts TensorFlow without its C++
INFO lines, unless the user asked for them with TF_CPP_MIN_LOG_LEVEL."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOISE = ("oneDNN custom operations", "cudart_stub", "cuInit", "absl::InitializeLog")


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
    clean.update(env)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          env=clean, timeout=300)


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
                    reason="TensorFlow's start-up lines")
def test_a_recipe_starts_without_tensorflow_log_lines():
    done = run(["recipes/pos_tagging.py", "--help"])
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert not [n for n in NOISE if n in done.stderr], done.stderr


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
                    reason="TensorFlow's start-up lines")
def test_the_user_level_wins_and_errors_still_show():
    code = "import rnn_zoo, keras; print(keras.ops.convert_to_numpy(keras.ops.ones(2) + 1))"
    quiet = run(["-c", code])
    assert quiet.returncode == 0 and "[2. 2.]" in quiet.stdout
    assert not [n for n in NOISE if n in quiet.stderr], quiet.stderr
    # A user who sets the level keeps TensorFlow's own behaviour (no redirect).
    loud = run(["-c", "import rnn_zoo, os; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"],
               TF_CPP_MIN_LOG_LEVEL="0")
    assert loud.stdout.strip() == "0"
    # A Python error after the quiet import reaches standard error.
    failing = run(["-c", "import rnn_zoo; raise SystemExit('still heard')"])
    assert "still heard" in failing.stderr
