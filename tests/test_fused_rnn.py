"""rnn_zoo's LSTM / GRU / SimpleRNN: PyTorch's fused kernel on the torch backend,
exactly Keras' layers' results (outputs and gradients), and `.keras` files
that load across backends.

The torch checks run in one subprocess (`fused_rnn_check.py`, with
`KERAS_BACKEND=torch`); they are skipped where PyTorch is not installed.
"""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.layers import fused_rnn

HERE = os.path.dirname(os.path.abspath(__file__))
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="PyTorch is not installed")


@pytest.fixture(scope="module")
def torch_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fused")
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], "int32")
    np.save(folder / "x.npy", x)
    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3, embedding_dim=4,
                          units=4, cell="lstm", bidirectional=True)
    model.fit(x, np.ones_like(x), epochs=1, verbose=0)
    model.save(folder / "tf_model.keras")
    np.save(folder / "tf_model.npy", keras.ops.convert_to_numpy(model(x)))
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPATH=os.path.dirname(HERE),
               TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, os.path.join(HERE, "fused_rnn_check.py"), str(folder)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, json.loads(done.stdout.strip().splitlines()[-1])


@needs_torch
def test_fused_kernel_matches_keras_layers(torch_run):
    _, result = torch_run
    cases = result["cases"]
    assert len(cases) == 57
    for case in cases:
        assert case["max_diff"] <= 1e-5, case
        # The fused kernel runs unless the mask is not right-padded or has
        # an empty row.
        loop = case["mask"] in ("holes", "empty")
        assert case["path"] == ("keras" if loop else "fused"), case
    kinds = {(c["kind"], c["kwargs"].get("go_backwards", False), c["mask"]) for c in cases
             if c["path"] == "fused"}
    for kind in ("lstm", "gru", "simple_rnn"):
        for backwards in (False, True):
            assert {(kind, backwards, "none"), (kind, backwards, "right")} <= kinds


@needs_torch
def test_keras_files_load_and_predict_the_same_across_backends(torch_run):
    folder, result = torch_run
    assert set(result["paths"]) == {"fused"}  # both models ran the fused kernel on torch
    x = np.load(folder / "x.npy")
    # Saved on TensorFlow, predicted on PyTorch.
    np.testing.assert_allclose(np.load(folder / "tf_model_on_torch.npy"),
                               np.load(folder / "tf_model.npy"), atol=1e-5)
    # Saved on PyTorch, loaded (safe mode) and predicted here.
    loaded = keras.saving.load_model(folder / "torch_model.keras", safe_mode=True)
    assert isinstance(loaded.get_layer("encoder_gru_0").forward_layer, rnn_zoo.layers.GRU)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)),
                               np.load(folder / "torch_model.npy"), atol=1e-5)


@pytest.mark.parametrize("cls", [fused_rnn.LSTM, fused_rnn.GRU, fused_rnn.SimpleRNN])
def test_same_config_and_weights_as_keras_layers(cls):
    keras_cls = getattr(keras.layers, cls.__name__)
    ours, theirs = cls(3, return_sequences=True, name="r"), keras_cls(3, return_sequences=True, name="r")
    x = np.zeros((2, 4, 5), "float32")
    ours(x), theirs(x)
    assert ours.get_config() == theirs.get_config()
    assert [(w.path, w.shape) for w in ours.weights] == [(w.path, w.shape) for w in theirs.weights]
    assert keras.saving.get_registered_name(cls) == f"rnn_zoo>{cls.__name__}"


def test_report_names_the_cpu_path_on_torch():
    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3, units=4)
    report = rnn_zoo.fast_path_report(model, backend="torch")
    assert [r.cpu_path for r in report] == ["torch.lstm", "torch.lstm"]
    assert all(r.fused and "right-padded" in r.cpu_notes[0] for r in report)
    simple = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, units=4,
                           cell="simple_rnn")
    (r,) = rnn_zoo.fast_path_report(simple, backend="torch")
    assert r.cpu_path == "torch.rnn_tanh" and not r.cpu_reasons
    (r,) = rnn_zoo.fast_path_report(model, backend="jax")[:1]
    assert r.cpu_path == "keras loop" and "torch backend only" in r.cpu_reasons[0]


def test_report_says_why_the_loop_runs():
    inputs = keras.Input((None, 3))
    x = fused_rnn.LSTM(2, activation="relu", return_sequences=True)(inputs)
    x = keras.layers.GRU(2, return_sequences=True)(x)
    x = fused_rnn.GRU(2, reset_after=False, return_sequences=True)(x)
    x = fused_rnn.LSTM(2, recurrent_dropout=0.1)(x)
    report = rnn_zoo.fast_path_report(keras.Model(inputs, x), backend="torch")
    assert [r.cpu_path for r in report] == ["keras loop"] * 4
    assert [r.cpu_reasons for r in report] == [
        ("activation='relu' (needs 'tanh')",),
        ("keras.layers.GRU (rnn_zoo.layers.GRU runs PyTorch's fused kernel)",),
        ("reset_after=False (needs True)",),
        ("recurrent_dropout=0.1 (needs 0)",),
    ]
    table = rnn_zoo.format_fast_path_report(report)
    assert "| keras loop | activation='relu' (needs 'tanh') |" in table
