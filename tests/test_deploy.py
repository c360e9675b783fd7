"""`rnn_zoo.export`, `load_exported` and `streaming_model`.

The default suite exports one many-to-one model and the language model's
streaming step (tiny shapes); the sweep over every registered model and
format is `-m slow`.
"""

import pathlib

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import deploy

TF = keras.backend.backend() == "tensorflow"
needs_tf = pytest.mark.skipif(not TF, reason="ONNX and LiteRT export go through TensorFlow")
ATOL = 1e-4


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def tiny(name, batch=2, time=5, seed=0):
    spec = rnn_zoo.model_info(name)
    kwargs = dict(spec.tiny_kwargs)
    model = rnn_zoo.build(name, **kwargs)
    return model, lambda t, b=batch: spec.example_data(kwargs, b, t, seed)[0]


def check_same(model, exported, x):
    ref = as_list(model.predict(x, verbose=0))
    out = as_list(exported.predict(x))
    assert len(out) == len(ref)
    for a, b in zip(out, ref):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=ATOL)


def export_runtime(fmt):
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
        pytest.importorskip("tf2onnx")
    if fmt == "litert":
        pytest.importorskip("ai_edge_litert")


# Default suite -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["saved_model", pytest.param("onnx", marks=needs_tf)])
def test_export_text_classifier_matches_keras(tmp_path, fmt):
    export_runtime(fmt)
    model, data = tiny("text_classifier")
    folder = rnn_zoo.export(model, tmp_path / fmt, format=fmt)
    exported = rnn_zoo.load_exported(folder)
    assert exported.input_names == [t.name for t in model.inputs]
    for time in (5, 8):  # a dynamic time axis, padded rows included
        x = data(time)
        assert (x == 0).any()
        check_same(model, exported, x)


def step_through(step, x, units_specs):
    """Feeds `x` (batch, time) one step at a time from zero states."""
    state = [np.zeros((len(x),) + shape[1:], dtype) for shape, dtype in units_specs]
    outputs = []
    for t in range(x.shape[1]):
        probs, *state = as_list(step(x[:, t], state))
        outputs.append(np.asarray(probs))
    return np.stack(outputs, 1)


def test_streaming_language_model_equals_full_sequence():
    model, data = tiny("language_model")
    x = data(6)
    x = np.where(x == 0, 1, x)  # every step real: streaming has no padding
    step = rnn_zoo.streaming_model(model)
    assert [t.name for t in step.inputs][0] == "ids"
    streamed = step_through(
        lambda ids, state: [keras.ops.convert_to_numpy(o) for o in step([ids, *state])],
        x, step.state_specs,
    )
    np.testing.assert_allclose(streamed, model.predict(x, verbose=0), atol=1e-5)


@needs_tf
def test_streaming_step_exports_to_litert_and_onnx(tmp_path):
    model, data = tiny("language_model")
    x = np.where(data(4) == 0, 1, data(4))
    step = rnn_zoo.streaming_model(model)
    full = model.predict(x, verbose=0)
    for fmt in ("litert", "onnx"):
        export_runtime(fmt)
        exported = rnn_zoo.load_exported(rnn_zoo.export(step, tmp_path / fmt, format=fmt))
        streamed = step_through(lambda ids, s: exported.predict([ids, *s]), x,
                                step.state_specs)
        np.testing.assert_allclose(streamed, full, atol=ATOL)


def test_streaming_start_then_step_continues_the_prompt():
    model, data = tiny("language_model")
    x = np.where(data(5) == 0, 1, data(5))
    start = rnn_zoo.streaming_model(model, part="start")
    step = rnn_zoo.streaming_model(model)
    next_ids, *state = [keras.ops.convert_to_numpy(o) for o in start([x])]
    np.testing.assert_array_equal(next_ids, x[:, -1])
    probs = keras.ops.convert_to_numpy(step([next_ids, *state])[0])
    np.testing.assert_allclose(probs, model.predict(x, verbose=0)[:, -1], atol=1e-5)


def test_export_errors(tmp_path):
    model, _ = tiny("text_classifier")
    with pytest.raises(ValueError, match=r"Unknown export format 'onxx'.*Did you mean 'onnx'"):
        rnn_zoo.export(model, tmp_path / "a", format="onxx")
    with pytest.raises(TypeError, match="takes a Keras model.*Received: model of type str"):
        rnn_zoo.export("model.keras", tmp_path / "a")
    with pytest.raises(ValueError, match="Unknown quantization 'int4'"):
        rnn_zoo.export(model, tmp_path / "a", quantize="int4")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ValueError, match="never overwrites.*already holds files"):
        rnn_zoo.export(model, tmp_path / "full")
    with pytest.raises(ValueError, match="`input_shapes` must give one shape per input"):
        rnn_zoo.export(model, tmp_path / "b", input_shapes=[(1, 4), (1, 4)])
    with pytest.raises(ValueError, match="not an rnn_zoo export folder"):
        rnn_zoo.load_exported(tmp_path)
    with pytest.raises(ValueError, match=r"Unknown part 'stp'.*Did you mean 'step'"):
        rnn_zoo.streaming_model(model, part="stp")
    with pytest.raises(ValueError, match="No step model can drive model 'text_classifier'"):
        rnn_zoo.streaming_model(model)


@needs_tf
def test_litert_refuses_a_loop_over_a_dynamic_time_axis(tmp_path):
    export_runtime("litert")
    model, _ = tiny("language_model")
    with pytest.raises(ValueError, match=r"Cannot export model 'language_model' to "
                       r"'litert'.*TensorList.*static `input_shapes`"):
        rnn_zoo.export(model, tmp_path / "lite", format="litert")
    assert not (tmp_path / "lite").exists()


@needs_tf
def test_int8_export_is_smaller_close_and_recorded(tmp_path):
    """`quantize="int8"`: Keras' int8 Dense/Embedding in the artefact, close to
    the float model; a streaming model is rebuilt on an int8 copy; LiteRT is
    refused with the reason; a run's `export` passes it on."""
    export_runtime("onnx")
    from rnn_zoo.training import Run

    model = rnn_zoo.build("text_classifier", vocabulary_size=2000, num_classes=3,
                          embedding_dim=16, units=4)
    x = np.random.default_rng(0).integers(1, 2000, (3, 6))
    x[0, 3:] = 0
    float_folder = rnn_zoo.export(model, tmp_path / "float", format="onnx")
    run = Run.start(tmp_path / "run", recipe="demo", arguments={})
    int8_folder = run.export(model, "onnx", quantize="int8")
    exported = rnn_zoo.load_exported(int8_folder)
    assert exported.manifest["quantize"] == "int8"
    size = lambda f: (pathlib.Path(f) / "model.onnx").stat().st_size  # noqa: E731
    assert size(int8_folder) < size(float_folder) / 2  # the 2000 x 16 embedding as int8
    np.testing.assert_allclose(exported.predict(x), model.predict(x, verbose=0), atol=1e-2)
    lm, data = tiny("language_model")
    step = rnn_zoo.streaming_model(lm)
    ids = np.array([1, 2])
    state = [np.zeros((2,) + s[1:], d) for s, d in step.state_specs]
    quantized = rnn_zoo.load_exported(rnn_zoo.export(step, tmp_path / "step", format="onnx",
                                                     quantize="int8"))
    np.testing.assert_allclose(quantized.predict([ids, *state])[0],
                               keras.ops.convert_to_numpy(step([ids, *state])[0]), atol=1e-2)
    with pytest.raises(ValueError, match=r"to 'litert' with quantize='int8'.*BatchMatMul"):
        rnn_zoo.export(step, tmp_path / "lite", format="litert", quantize="int8")


# Every registered model, every format (-m slow) -----------------------------

MODELS = rnn_zoo.list_models()


@pytest.mark.slow
@needs_tf
@pytest.mark.parametrize("fmt", ["saved_model", "onnx", "litert"])
@pytest.mark.parametrize("name", MODELS)
def test_every_model_exports_and_matches_keras(tmp_path, name, fmt):
    export_runtime(fmt)
    model, data = tiny(name)
    if fmt != "litert":
        exported = rnn_zoo.load_exported(rnn_zoo.export(model, tmp_path / fmt, format=fmt))
        for time in (5, 8):
            check_same(model, exported, data(time))
        return
    # LiteRT runs a loop over time with builtin ops only at static shapes:
    # one artefact per sequence length.
    for time in (5, 8):
        x = data(time)
        shapes = [a.shape for a in as_list(x)]
        folder = rnn_zoo.export(model, tmp_path / f"{fmt}{time}", format=fmt,
                                input_shapes=shapes if len(shapes) > 1 else shapes[0])
        check_same(model, rnn_zoo.load_exported(folder), x)


@pytest.mark.slow
@needs_tf
@pytest.mark.parametrize("fmt", ["saved_model", "onnx", "litert"])
@pytest.mark.parametrize("name", ["seq2seq_translator", "image_captioner"])
def test_decoder_streaming_exports(tmp_path, name, fmt):
    export_runtime(fmt)
    model, data = tiny(name)
    start = rnn_zoo.streaming_model(model, part="start")
    step = rnn_zoo.streaming_model(model)
    source = as_list(data(5))[0]
    prompt = [source] if name == "seq2seq_translator" else [source]
    inputs = [np.asarray(keras.ops.convert_to_numpy(t)) for t in
              ([prompt[0], np.ones(len(source), "int32")])]
    first = [keras.ops.convert_to_numpy(o) for o in start(inputs)]
    ids, *state = first
    ref = [keras.ops.convert_to_numpy(o) for o in step([ids, *state])]
    exported = rnn_zoo.load_exported(rnn_zoo.export(step, tmp_path / fmt, format=fmt))
    for a, b in zip(as_list(exported.predict([ids, *state])), ref):
        np.testing.assert_allclose(a, b, atol=ATOL)
