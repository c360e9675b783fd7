"""Ship a model: export it, run the artefact without Keras, stream it.

- `export(model, path, format=...)` writes a `"saved_model"` (TF Serving,
  `tf.saved_model.load`), `"onnx"` (ONNX Runtime) or `"litert"` (the LiteRT
  interpreter, `ai-edge-litert`) artefact into the folder `path`, through
  Keras' own `model.export`, plus `rnn_zoo_export.json` naming the inputs in
  order, so `load_exported` can feed them.
- `load_exported(path)` runs such a folder with the format's own runtime:
  `predict(inputs)` answers like `keras.Model.predict`, without building the
  Keras model (and without importing Keras for ONNX and LiteRT).
- `streaming_model(model)` is the model one step at a time: it takes one
  token id per row plus the recurrent states and returns the next-token
  probabilities plus the new states, for `language_model` and the decoders
  of `seq2seq_translator` and `image_captioner` (whose encoder outputs travel
  in the state). `streaming_model(model, part="start")` is the other half:
  the prompt (or source, or image) in, the first token and states out.

On LiteRT, a recurrent layer over a sequence needs TensorFlow's TensorList
ops, which the LiteRT builtin op set lacks (they need the Flex delegate,
which `ai-edge-litert` does not ship). `export(..., format="litert")`
therefore refuses full-sequence recurrent models with that reason; their
streaming step models (no loop inside) export to LiteRT with builtin ops only.
"""

import json
import pathlib
import shutil
import tempfile

import numpy as np

FORMATS = ("saved_model", "onnx", "litert")
QUANTIZATIONS = ("int8",)
_KERAS_FORMATS = {"saved_model": "tf_saved_model", "onnx": "onnx", "litert": "litert"}
_FILES = {"saved_model": "saved_model.pb", "onnx": "model.onnx", "litert": "model.tflite"}
_NEEDS = {"onnx": ("tf2onnx", "onnxruntime"), "litert": ("ai_edge_litert",)}
MANIFEST = "rnn_zoo_export.json"


def _suggest(value, options):
    from rnn_zoo._validation import suggest

    return suggest(value, options)


def _check_format(format):
    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(
            f"Unknown export format {format!r}.{_suggest(str(format), FORMATS)} "
            f"Expected one of {list(FORMATS)}. Received: format={format!r}"
        )


def _require(format):
    import importlib.util

    missing = [m for m in _NEEDS.get(format, ()) if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(
            f"Exporting to {format!r} needs the package(s) {missing}: install "
            f"them with `pip install \"rnn-zoo[export]\"`. Received: format={format!r}"
        )


def _walk_layers(model):
    """Every layer of `model`, nested models' layers included."""
    import keras

    stack, seen = list(model.layers), []
    while stack:
        layer = stack.pop(0)
        seen.append(layer)
        if isinstance(layer, keras.Model):
            stack.extend(layer.layers)
    return seen


def _loops_over_time(model):
    import keras

    kinds = (keras.layers.RNN, keras.layers.Bidirectional)
    return [layer.name for layer in _walk_layers(model) if isinstance(layer, kinds)]


def _quantized_copy(model, mode):
    """A copy of `model` with `model.quantize(mode)` applied (the model itself
    stays as it is)."""
    import keras

    steps = [layer for layer in model.layers if isinstance(layer, _StreamingStep)]
    if steps:  # a streaming model: quantize the trained model it steps through
        return streaming_model(_quantized_copy(steps[0].source, mode), part=steps[0].part)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    try:
        copy.quantize(mode)
    except Exception as error:  # Keras says which layers it cannot quantize.
        raise ValueError(
            f"Cannot quantize model {model.name!r} to {mode!r}: "
            f"{type(error).__name__}: {error}"
        ) from error
    return copy


def check_exportable(model, format, *, input_shapes=None, quantize=None):
    """Refuses, before any work, what `export(model, path, format)` refuses
    without trying: an unknown format, a backend or a missing package the
    format needs, and a loop over a dynamic time axis for LiteRT. Recipes
    call it before training, so `--export` fails in seconds, not hours.

    Returns:
        The `input_signature` `export` passes to Keras.

    Raises:
        ValueError: as `export` does, naming the model, format and reason.
    """
    import keras

    _check_format(format)
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ValueError(
            f"Unknown quantization {quantize!r}. Expected None or one of "
            f"{list(QUANTIZATIONS)}. Received: quantize={quantize!r}"
        )
    if quantize == "int8" and format == "litert":
        raise ValueError(
            f"Cannot export model {model.name!r} to 'litert' with quantize='int8': "
            "Keras' int8 Dense layers multiply int8 inputs by int8 kernels "
            "(BatchMatMul on int8 tensors), which the LiteRT converter's builtin "
            "fully_connected op does not take. Export int8 to 'onnx' or "
            "'saved_model', or export to 'litert' without quantize. "
            "Received: format='litert', quantize='int8'"
        )
    backend = keras.backend.backend()
    if backend != "tensorflow" and format != "saved_model":
        raise ValueError(
            f"Cannot export model {model.name!r} to {format!r} on the {backend} "
            "backend: Keras converts to ONNX and LiteRT through TensorFlow "
            "here. Export on the TensorFlow backend (KERAS_BACKEND=tensorflow); "
            "the weights are the same. Received: "
            f"format={format!r}, backend={backend!r}"
        )
    _require(format)
    signature = _signature(model, input_shapes)
    static = input_shapes is not None and all(
        None not in spec.shape.as_list() for spec in keras.tree.flatten(signature)
    )
    if format == "litert" and not static:
        loops = _loops_over_time(model)
        if loops:
            raise ValueError(
                f"Cannot export model {model.name!r} to 'litert': its recurrent "
                f"layer(s) {loops} loop over the time axis with TensorFlow "
                "TensorList ops, which LiteRT's builtin ops lack (they need the "
                "Flex delegate, which ai-edge-litert does not ship) unless every "
                "input shape is static. Pass static `input_shapes` (batch and "
                "time fixed, e.g. input_shapes=(1, 32)), export "
                "`rnn_zoo.streaming_model(model)` (one step, no loop), or "
                "export to 'onnx' or 'saved_model'. "
                f"Received: format='litert'"
            )
    return signature


def export(model, path, format="saved_model", *, input_shapes=None, quantize=None,
           verbose=False):
    """Exports a Keras model for serving, through Keras' `model.export`.

    Args:
        model: a `keras.Model` (any rnn_zoo model, or a `streaming_model`).
        path: str or path. A folder that does not exist yet, or an empty one;
            it receives the artefact (`saved_model.pb` and its variables,
            `model.onnx` or `model.tflite`) and `rnn_zoo_export.json` (the
            model's name, the format and its input names and dtypes in order).
        format: str. `"saved_model"` (TensorFlow SavedModel, served by TF
            Serving), `"onnx"` (ONNX Runtime) or `"litert"` (LiteRT, formerly
            TFLite). Defaults to `"saved_model"`.
        input_shapes: None, or one shape tuple per model input (a single
            tuple for a one-input model), batch axis first; `None` marks a
            dynamic axis. Defaults to the model's own input shapes (dynamic
            batch and time). LiteRT needs them static (say `(1, 32)`) for a
            model that loops over time.
        quantize: None or `"int8"`. Apply Keras' `model.quantize("int8")` to
            a copy of the model first (weights of `Dense`, `EinsumDense` and
            `Embedding` layers stored as int8; recurrent kernels stay float;
            a streaming model is rebuilt on a quantized copy of its trained
            model). ONNX and SavedModel only: LiteRT's converter refuses
            Keras' int8 matmuls. Defaults to `None`.
        verbose: bool. Let Keras print its export messages. Defaults to
            `False`.

    Returns:
        str: the folder written.

    Raises:
        TypeError: if `model` is not a Keras model.
        ValueError: for an unknown format or quantization, a `path` that
            holds files already, a missing export package, or a model the
            format cannot take (named with the reason).

    Example (runs with `[export]` installed):

    >>> import rnn_zoo, tempfile
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       num_classes=3, embedding_dim=4, units=4)
    >>> folder = export(model, tempfile.mkdtemp() + "/sm")  # doctest: +SKIP
    >>> load_exported(folder).predict(np.array([[3, 4, 0]])).shape  # doctest: +SKIP
    (1, 3)
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(
            "`export` takes a Keras model (from `rnn_zoo.build`, "
            "`rnn_zoo.streaming_model` or `keras.saving.load_model`). "
            f"Received: model of type {type(model).__name__}"
        )
    _check_format(format)
    check_exportable(model, format, input_shapes=input_shapes, quantize=quantize)
    folder = pathlib.Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(
            f"`export` writes into a new or empty folder and never overwrites: "
            f"{folder} already holds files. Pick another path. "
            f"Received: path={str(path)!r}"
        )
    signature = _signature(model, input_shapes)
    if quantize is not None:
        model = _quantized_copy(model, quantize)
    folder.mkdir(parents=True, exist_ok=True)
    kwargs = {}
    if format == "litert":
        import tensorflow as tf

        # Builtin ops only: an artefact the plain LiteRT interpreter runs.
        kwargs["target_spec"] = {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}
    target = folder if format == "saved_model" else folder / _FILES[format]
    try:
        if format == "saved_model":
            # Keras refuses an existing folder for a SavedModel: write beside
            # it, then move the files in.
            with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
                staged = pathlib.Path(tmp) / "saved_model"
                model.export(str(staged), format="tf_saved_model", verbose=verbose,
                             input_signature=signature)
                for item in staged.iterdir():
                    shutil.move(str(item), folder / item.name)
        else:
            model.export(str(target), format=_KERAS_FORMATS[format], verbose=verbose,
                         input_signature=signature, **kwargs)
    except Exception as error:
        shutil.rmtree(folder, ignore_errors=True)
        lines = str(error).strip().splitlines()
        # A converter's message ends with notes; its first "error:" line says why.
        errors = [line for line in lines if "error:" in line]
        reason = (errors or lines[-1:] or [type(error).__name__])[0]
        raise ValueError(
            f"Cannot export model {model.name!r} to {format!r}: "
            f"{type(error).__name__}: {reason[:600]}"
        ) from error
    manifest = {
        "model": model.name,
        "format": format,
        "file": _FILES[format],
        "quantize": quantize,
        "inputs": [
            {"name": t.name, "dtype": str(t.dtype), "shape": list(shape)}
            for t, shape in zip(model.inputs, _shapes(model, input_shapes))
        ],
        "num_outputs": len(model.outputs),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return str(folder)


def _shapes(model, input_shapes):
    """One shape tuple per model input, checked."""
    if input_shapes is None:
        return [tuple(t.shape) for t in model.inputs]
    shapes = input_shapes
    if len(model.inputs) == 1 and isinstance(shapes, tuple) and all(
        d is None or isinstance(d, int) for d in shapes
    ):
        shapes = [shapes]
    shapes = [tuple(s) for s in shapes]
    expected = [tuple(t.shape) for t in model.inputs]
    if len(shapes) != len(expected) or any(
        len(s) != len(e) or any(x is not None and y is not None and x != y
                                for x, y in zip(s[1:], e[1:]))
        for s, e in zip(shapes, expected)
    ):
        raise ValueError(
            f"`input_shapes` must give one shape per input of model "
            f"{model.name!r}, matching its shapes {expected} (None = any). "
            f"Received: input_shapes={input_shapes!r}"
        )
    return shapes


def _signature(model, input_shapes):
    """The `input_signature` for Keras' export, named like the inputs (Keras'
    ONNX export infers none for a model never called)."""
    import keras

    if input_shapes is None and keras.backend.backend() != "tensorflow":
        return None  # JAX: Keras computes its polymorphic shapes itself
    import tensorflow as tf

    specs = [
        tf.TensorSpec(shape, dtype=str(t.dtype), name=t.name)
        for t, shape in zip(model.inputs, _shapes(model, input_shapes))
    ]
    return specs if len(specs) == 1 else [specs]


class ExportedModel:
    """An exported folder run with its format's own runtime.

    `predict(inputs)` takes what the Keras model took (one array, or a list
    in the model's input order, or a dict by input name) and returns what
    `keras.Model.predict` returns: one NumPy array, or a list of them.
    """

    def __init__(self, path):
        folder = pathlib.Path(path)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise ValueError(
                f"{folder} is not an rnn_zoo export folder: it has no {MANIFEST}. "
                "Export with `rnn_zoo.export(model, path, format=...)`. "
                f"Received: path={str(path)!r}"
            )
        self.manifest = json.loads(manifest_path.read_text())
        self.format = self.manifest["format"]
        self.path = folder
        self.input_names = [i["name"] for i in self.manifest["inputs"]]
        self.input_dtypes = [i["dtype"] for i in self.manifest["inputs"]]
        self._run = getattr(self, f"_load_{self.format}")()

    def _load_saved_model(self):
        import tensorflow as tf

        serve = tf.saved_model.load(str(self.path)).signatures["serving_default"]
        names = sorted(serve.structured_input_signature[1])

        def run(arrays):
            if names == sorted(self.input_names):
                feed = dict(zip(self.input_names, arrays))
            else:
                feed = dict(zip(names, arrays))
            return _ordered(serve(**{k: tf.constant(v) for k, v in feed.items()}))

        return run

    def _load_onnx(self):
        import onnxruntime

        session = onnxruntime.InferenceSession(
            str(self.path / self.manifest["file"]), providers=["CPUExecutionProvider"]
        )
        names = [i.name for i in session.get_inputs()]
        by_name = sorted(names) == sorted(self.input_names)

        def run(arrays):
            feed = dict(zip(self.input_names if by_name else names, arrays))
            return session.run(None, feed)

        return run

    def _load_litert(self):
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(self.path / self.manifest["file"]))
        runner = interpreter.get_signature_runner()
        names = interpreter.get_signature_list()["serving_default"]["inputs"]
        by_name = sorted(names) == sorted(self.input_names)

        def run(arrays):
            feed = dict(zip(self.input_names if by_name else names, arrays))
            return _ordered(runner(**feed))

        return run

    def predict(self, inputs, batch_size=None, verbose=None):
        """Runs the artefact on `inputs`, `batch_size` rows at a time (all at
        once by default); `verbose` is accepted for `keras.Model.predict`'s
        callers and ignored."""
        del verbose
        if isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(self.input_names))
            if unknown:
                raise ValueError(
                    f"Unknown input name(s) {unknown}. This export takes "
                    f"{self.input_names}. Received: {sorted(inputs)}"
                )
            inputs = [inputs[name] for name in self.input_names]
        arrays = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(arrays) != len(self.input_names):
            raise ValueError(
                f"This export takes {len(self.input_names)} input(s) "
                f"{self.input_names}. Received: {len(arrays)} input(s)"
            )
        arrays = [np.asarray(a).astype(d) for a, d in zip(arrays, self.input_dtypes)]
        rows = len(arrays[0])
        step = rows if not batch_size else int(batch_size)
        chunks = [[np.asarray(o) for o in self._run([a[i:i + step] for a in arrays])]
                  for i in range(0, max(rows, 1), max(step, 1))]
        outputs = [np.concatenate(parts) for parts in zip(*chunks)]
        return outputs[0] if len(outputs) == 1 else outputs

    __call__ = predict


def _ordered(outputs):
    """A signature's `{"output_0": ..., "output_1": ...}` as a list in order."""
    def index(key):
        tail = key.rsplit("_", 1)[-1]
        return (int(tail) if tail.isdigit() else 0, key)

    return [outputs[key] for key in sorted(outputs, key=index)]


def load_exported(path):
    """Loads a folder `export` wrote; see `ExportedModel`.

    Raises:
        ValueError: if the folder has no `rnn_zoo_export.json`.
    """
    return ExportedModel(path)


# Streaming -----------------------------------------------------------------


def _example_prompt(step_model, length):
    """A tiny batch of one the step model's `prepare` accepts."""
    from rnn_zoo.decoding.captioning import CaptionerStep

    if isinstance(step_model, CaptionerStep):
        shape = tuple(d if d is not None else length for d in step_model.image_shape)
        return step_model.prepare(np.zeros((1,) + shape, "float32"), start_id=1)
    ids = np.ones((1, length), "int32")
    try:
        return step_model.prepare(ids)
    except ValueError:  # decoders need their start token
        return step_model.prepare(ids, start_id=1)


def _specs(values_a, values_b):
    """Shapes with `None` for the batch axis and every axis that differs."""
    specs = []
    for a, b in zip(values_a, values_b):
        a, b = np.asarray(a), np.asarray(b)
        shape = [None] + [
            None if da != db else da for da, db in zip(a.shape[1:], b.shape[1:])
        ]
        specs.append((tuple(shape), str(a.dtype)))
    return specs


def _flatten_prepared(prepared):
    if isinstance(prepared, dict):
        return list(prepared), [prepared[k] for k in prepared]
    if isinstance(prepared, (list, tuple)):
        return [f"input_{i}" for i in range(len(prepared))], list(prepared)
    return ["inputs"], [prepared]


def streaming_model(model, *, part="step"):
    """The model one token at a time, as a Keras model that exports.

    Works for every model `rnn_zoo.decoding.generate` drives
    (`language_model`, `seq2seq_translator`, `image_captioner`), from the
    trained model's own layers and weights (shared, not copied).

    Args:
        model: a trained `keras.Model`.
        part: `"step"` (default) or `"start"`.
            - `"step"`: inputs `[ids (batch,) int32, state_0, ...]`, outputs
              `[probabilities (batch, vocabulary_size), new_state_0, ...]`:
              feed each output state back as the next input state. A
              language model's states are `[h, c]` per LSTM layer (`[h]`
              for GRU and SimpleRNN), and zeros start it from nothing; a
              decoder's states end with its encoder outputs (and source
              mask), which `part="start"` computes.
            - `"start"`: the prompt (language model: ids `(batch, time)`),
              the source ids and start ids (translator) or the image and
              start ids (captioner) in; `[next_ids (batch,), state_0, ...]`
              out, ready for the step model.

    Returns:
        A `keras.Model` (Functional) whose `state_specs` attribute lists
        `(shape, dtype)` per state (batch axis `None`).

    Raises:
        TypeError: if `model` is not a Keras model.
        ValueError: for a model no step model drives, or an unknown `part`.

    Example:

    >>> import rnn_zoo
    >>> lm = rnn_zoo.build("language_model", vocabulary_size=10,
    ...                    embedding_dim=4, units=4)
    >>> step = streaming_model(lm)
    >>> [tuple(t.shape) for t in step.outputs]
    [(None, 10), (None, 4), (None, 4)]
    """
    import keras

    from rnn_zoo.decoding.generate import step_model_for

    if part not in ("step", "start"):
        raise ValueError(
            f"Unknown part {part!r}.{_suggest(str(part), ['step', 'start'])} "
            f"Expected 'step' or 'start'. Received: part={part!r}"
        )
    step_model = step_model_for(model)
    # Two prompt lengths tell which state axes follow the input's length.
    prepared = [_example_prompt(step_model, n) for n in (2, 3)]
    states = [step_model.start(p)[0] for p in prepared]
    state_specs = _specs(*[[keras.ops.convert_to_numpy(s) for s in st] for st in states])
    if part == "step":
        inputs = [keras.Input(shape=(), dtype="int32", name="ids")] + [
            keras.Input(shape=shape[1:], dtype=dtype, name=f"state_{i}")
            for i, (shape, dtype) in enumerate(state_specs)
        ]
    else:
        names, arrays_a = _flatten_prepared(prepared[0])
        _, arrays_b = _flatten_prepared(prepared[1])
        inputs = [
            keras.Input(shape=shape[1:], dtype=dtype, name=name)
            for name, (shape, dtype) in zip(names, _specs(arrays_a, arrays_b))
        ]
    layer = _StreamingStep(step_model, part, structure=type(prepared[0]).__name__,
                           names=[t.name for t in inputs], name=f"{model.name}_{part}")
    outputs = layer(inputs)
    streaming = keras.Model(inputs, outputs, name=f"{model.name}_{part}")
    streaming.state_specs = state_specs
    return streaming


def _layer_base():
    import keras

    return keras.layers.Layer


class _StreamingStep(_layer_base()):
    """Runs a `StepModel`'s `start` or `step` as one layer (not serialized:
    the streaming model is made for export, from the trained model)."""

    def __init__(self, step_model, part, structure, names, **kwargs):
        super().__init__(**kwargs)
        self.step_model = step_model
        self.source = step_model.model  # tracks the trained model's weights
        self.part = part
        self.structure = structure
        self.names = names
        self.built = True

    def call(self, inputs):
        from keras import ops

        if self.part == "step":
            ids, *state = inputs
            logits, new_state, _ = self.step_model.step(ids, list(state))
            return [ops.softmax(logits, axis=-1)] + list(new_state)
        if self.structure == "dict":
            prepared = dict(zip(self.names, inputs))
        elif self.structure in ("tuple", "list"):
            prepared = tuple(inputs)
        else:
            prepared = inputs[0]
        state, next_ids = self.step_model.start(prepared)
        return [ops.cast(next_ids, "int32")] + list(state)
