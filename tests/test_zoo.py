"""Zoo-wide checks, run for every registered model with its tiny arguments.

A new builder gets all of these by registering `tiny_kwargs` and
`example_data`; no new test code is needed.
"""

import keras
import numpy as np
import pytest

import rnn_zoo

MODELS = rnn_zoo.list_models()
VARIANTS = [
    pytest.param(name, variant, id=f"{name}-" + "-".join(f"{k}={v}" for k, v in variant.items()))
    for name in MODELS
    for variant in rnn_zoo.model_info(name).test_variants
]
BATCH, TIME = 2, 5


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def predict(model, x):
    return [numpy(y) for y in as_list(model(x, training=False))]


def tiny(name, **overrides):
    spec = rnn_zoo.model_info(name)
    kwargs = dict(spec.tiny_kwargs, **overrides)
    x, y = spec.example_data(kwargs, BATCH, TIME, 0)
    return rnn_zoo.build(name, **kwargs), kwargs, x, y


def pad(x, kwargs, extra):
    """Appends padding steps to every sequence input: input k gets
    `extra + k` steps, so each output's time axis tells which input it follows.
    Float inputs of rank >= 3 (features, video frames) are padded along axis 1
    with the model's `mask_value` when it has one.
    Returns the padded inputs and a map padded length -> original length."""
    padded, lengths, token_steps = [], {}, {}
    for k, arr in enumerate(as_list(x)):
        steps = extra + k
        if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer):
            value = 0
            token_steps.setdefault(arr.shape[1], steps)
        elif arr.ndim == 3 and np.issubdtype(arr.dtype, np.integer):
            # Sub-token ids per token (characters of each word), aligned with
            # the token input of the same length: padded like it on the token
            # axis, and on their own axis too.
            steps = token_steps.get(arr.shape[1], steps)
            padded.append(np.pad(arr, [(0, 0), (0, steps), (0, 2)]))
            continue
        elif arr.ndim >= 3 and kwargs.get("mask_value") is not None:
            value = kwargs["mask_value"]
        else:
            padded.append(arr)
            continue
        widths = [(0, 0), (0, steps)] + [(0, 0)] * (arr.ndim - 2)
        padded.append(np.pad(arr, widths, constant_values=value))
        lengths[arr.shape[1] + steps] = arr.shape[1]
    return (padded if isinstance(x, (list, tuple)) else padded[0]), lengths


@pytest.mark.parametrize("name", MODELS)
def test_build_outputs_and_compile(name):
    model, kwargs, x, y = tiny(name)
    assert isinstance(model, keras.Model)
    assert model.compiled
    outputs = predict(model, x)
    for out, target in zip(outputs, as_list(y)):
        assert out.shape[: target.ndim] == target.shape
        assert np.all(np.isfinite(out))
    # Softmax heads: every distribution sums to 1.
    np.testing.assert_allclose(outputs[0].sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_training_step_changes_every_weight(name, variant):
    model, kwargs, x, y = tiny(name, **variant)
    model.compile(
        # Adam's first step moves every weight with a nonzero gradient by about
        # the learning rate, however small the gradient (SGD's update can
        # vanish below float precision, e.g. additive attention's query at
        # initialization); a weight cut off from the loss still stays put.
        optimizer=keras.optimizers.Adam(0.01, epsilon=1e-12),
        loss=model.loss,
        run_eagerly=keras.backend.backend() == "tensorflow",
    )
    before = [numpy(w).copy() for w in model.trainable_weights]
    loss = model.train_on_batch(x, y)
    assert np.all(np.isfinite(loss))
    unchanged = [
        w.path
        for w, old in zip(model.trainable_weights, before)
        if np.array_equal(numpy(w), old)
    ]
    assert not unchanged, f"weights not trained: {unchanged}"


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_padding_does_not_change_outputs(name, variant):
    model, kwargs, x, y = tiny(name, **variant)
    reference = predict(model, x)
    x_padded, lengths = pad(x, kwargs, extra=3)
    assert lengths, "the model has no padded sequence input to check"
    for ref, out in zip(reference, predict(model, x_padded)):
        if out.ndim >= 2 and out.shape[1] != ref.shape[1]:
            # An axis that grew with the padding is a time axis.
            out = out[:, : lengths[out.shape[1]]]
        # Compare only real positions: padded outputs are free to differ.
        np.testing.assert_allclose(out, ref, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_variable_lengths(name):
    model, kwargs, _, _ = tiny(name)
    spec = rnn_zoo.model_info(name)
    for time in (3, 7):
        x, y = spec.example_data(kwargs, BATCH, time, 1)
        for out, target in zip(predict(model, x), as_list(y)):
            assert out.shape[: target.ndim] == target.shape


@pytest.mark.parametrize("name", MODELS)
def test_config_round_trip(name):
    model, _, x, _ = tiny(name)
    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for a, b in zip(predict(model, x), predict(clone, x)):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_round_trip(name, tmp_path):
    model, _, x, y = tiny(name)
    model.fit(x, y, epochs=1, verbose=0)  # saved optimizer state too
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in loaded.layers)
    for a, b in zip(predict(model, x), predict(loaded, x)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # The loaded model trains on (compiled state came back).
    assert np.all(np.isfinite(loaded.train_on_batch(x, y)))
