"""The private Keras hooks in `rnn_zoo._keras_compat` still do what rnn_zoo
needs: a Keras release that moves or changes one fails here, by name."""

import pathlib
import re

import keras
import numpy as np
from keras import ops

from rnn_zoo import _keras_compat as compat

ROOT = pathlib.Path(__file__).resolve().parents[1]


def numpy(x):
    return ops.convert_to_numpy(x)


def test_get_keras_mask_reads_the_mask_an_embedding_attaches():
    embedding = keras.layers.Embedding(5, 2, mask_zero=True)
    out = embedding(np.array([[1, 2, 0]]))
    np.testing.assert_array_equal(numpy(compat.get_keras_mask(out)), [[True, True, False]])
    assert compat.get_keras_mask(ops.ones((1, 3))) is None


def test_apply_mask_multiplies_without_renormalising():
    mask = ops.convert_to_tensor([[True, True, False, False]])
    weight = compat.apply_mask(ops.convert_to_tensor([[2.0, 1.0, 1.0, 1.0]]), mask, "float32")
    np.testing.assert_allclose(numpy(weight), [[2.0, 1.0, 0.0, 0.0]])
    np.testing.assert_allclose(numpy(compat.apply_mask(None, mask, "float32")), [[1, 1, 0, 0]])
    assert compat.apply_mask(None, None, "float32") is None


def test_squeeze_or_expand_to_same_rank_drops_a_trailing_unit_axis():
    values, weight = compat.squeeze_or_expand_to_same_rank(ops.ones((2, 3)), ops.ones((2, 3, 1)))
    assert tuple(values.shape) == tuple(weight.shape) == (2, 3)


def test_backend_rnn_runs_a_step_function_over_time():
    def step(x, states):
        total = states[0] + x
        return total, [total]

    inputs = ops.convert_to_tensor(np.arange(6, dtype="float32").reshape(1, 3, 2))
    last, outputs, states = compat.backend_rnn(step, inputs, [ops.zeros((1, 2))])
    np.testing.assert_allclose(numpy(last), [[6.0, 9.0]])
    np.testing.assert_allclose(numpy(outputs)[0, 0], [0.0, 1.0])
    np.testing.assert_allclose(numpy(states[0]), [[6.0, 9.0]])


def test_flatten_layers_reaches_inside_bidirectional():
    inputs = keras.Input((3, 2))
    bi = keras.layers.Bidirectional(keras.layers.LSTM(2))
    model = keras.Model(inputs, bi(inputs))
    layers = compat.flatten_layers(model)
    assert bi in layers and bi.forward_layer in layers and bi.backward_layer in layers
    assert model not in layers


def test_no_other_module_imports_private_keras():
    offenders = []
    for path in sorted((ROOT / "rnn_zoo").rglob("*.py")):
        if path.name == "_keras_compat.py":
            continue
        text = path.read_text()
        if re.search(r"keras\.src|\._flatten_layers\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"private Keras outside rnn_zoo/_keras_compat.py: {offenders}"


def test_pyproject_pins_the_keras_range_compat_is_tested_with():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'"keras{compat.KERAS_TESTED}"' in text
    assert re.search(r'"tensorflow>=[\d.]+,<[\d.]+"', text), "tensorflow needs lower and upper bounds"
    low, high = re.match(r">=([\d.]+),<([\d.]+)", compat.KERAS_TESTED).groups()
    version = tuple(int(p) for p in re.match(r"[\d.]+", keras.__version__).group().split(".")[:3])
    assert tuple(int(p) for p in low.split(".")) <= version < tuple(int(p) for p in high.split("."))
