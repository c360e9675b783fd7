"""Gradient-flow diagnostics: exact against hand-derived gradients and finite
differences, consistent with the model's own training step, for every model."""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.diagnostics import (
    draw_gradient_flow,
    exploding_gradient_report,
    first_token_task,
    gradient_flow,
    plot_gradient_flow,
)

MODELS = rnn_zoo.list_models()


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def recurrent_names(model):
    """Expected layer names, found independently of the diagnostics."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            names += [f"{layer.name}/forward", f"{layer.name}/backward"]
        elif isinstance(layer, keras.layers.RNN):
            names.append(layer.name)
    return names


def cells_by_name(model):
    cells = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            cells[f"{layer.name}/forward"] = layer.forward_layer.cell
            cells[f"{layer.name}/backward"] = layer.backward_layer.cell
        elif isinstance(layer, keras.layers.RNN):
            cells[layer.name] = layer.cell
    return cells


def tiny(name):
    spec = rnn_zoo.model_info(name)
    kwargs = dict(spec.tiny_kwargs)
    if any(v.get("bidirectional") for v in spec.test_variants):
        kwargs["bidirectional"] = True  # per-direction results get checked too
    x, y = spec.example_data(kwargs, 2, 5, 0)
    return rnn_zoo.build(name, **kwargs), x, y


@pytest.mark.parametrize("name", MODELS)
def test_every_model(name):
    model, x, y = tiny(name)
    # Plain SGD, so one training step below applies exactly the gradient.
    model.compile(
        optimizer=keras.optimizers.SGD(1.0), loss=model.loss,
        run_eagerly=keras.backend.backend() == "tensorflow",
    )
    flow = gradient_flow(model, x, y)
    assert sorted(flow.names) == sorted(recurrent_names(model))
    # The loss is the compiled loss in inference mode, padding excluded.
    loss = model.test_on_batch(x, y, return_dict=True)["loss"]
    np.testing.assert_allclose(flow.loss, loss, rtol=1e-5)
    for g in flow.layers:
        batch, time, _ = g.state_gradients.shape
        # Each layer runs over its own input's steps (question, context,
        # decoder inputs ... may differ in length).
        # A layer may run over an axis folded into the batch (visual_dialog's
        # utterance RNN reads batch * turns sequences of turn_length steps).
        sizes = {d for a in (x if isinstance(x, (list, tuple)) else [x]) for d in a.shape[1:]}
        assert batch == 2 or (batch % 2 == 0 and batch // 2 in sizes)
        assert g.mask.shape == (batch, time)
        assert time in sizes
        assert g.hidden_state_norms.shape == (time,)
        # Padded steps are skipped by the layer: no gradient reaches them.
        assert np.all(g.state_gradients[~g.mask] == 0)
        real = g.mask.any(axis=0)
        assert np.all(np.isfinite(g.hidden_state_norms[real]))
        assert np.all(g.hidden_state_norms[real] > 0)
        assert g.go_backwards == g.layer.endswith("/backward")
        if g.go_backwards:
            assert g.steps[0] > g.steps[-1]
        # The whole state: h first, then (LSTM) c; the hidden part unchanged.
        cell = cells_by_name(model)[g.layer]
        assert g.state_sizes == ((cell.units, cell.units) if isinstance(
            cell, keras.layers.LSTMCell) else (cell.units,))
        assert g.full_state_gradients.shape == (batch, time, sum(g.state_sizes))
        np.testing.assert_array_equal(
            g.full_state_gradients[..., : g.state_sizes[0]], g.state_gradients
        )
        assert np.all(g.full_state_gradients[~g.mask] == 0)
        assert np.all(g.state_norms[real] >= g.hidden_state_norms[real] * (1 - 1e-6))
        if len(g.state_sizes) == 1:
            assert g.cell_state_norms is None and g.cell_state_gradients is None
            np.testing.assert_allclose(g.state_norms[real], g.hidden_state_norms[real])

    # Kernel gradients equal the ones one plain SGD step applies.
    before = [numpy(v).copy() for v in model.trainable_variables]
    model.train_on_batch(x, y)
    step = {
        id(v): old - numpy(v) for v, old in zip(model.trainable_variables, before)
    }
    global_norm = np.sqrt(sum(np.sum(s.astype("float64") ** 2) for s in step.values()))
    np.testing.assert_allclose(flow.global_norm, global_norm, rtol=1e-3)
    cells = cells_by_name(model)
    for g in flow.layers:
        for attr, value in (("kernel", g.kernel_norm),
                            ("recurrent_kernel", g.recurrent_kernel_norm)):
            variable = getattr(cells[g.layer], attr)
            expected = np.linalg.norm(step[id(variable)])
            # `old - new` loses up to float32 eps * |w| per entry to rounding.
            rounding = 2 * np.finfo("float32").eps * np.linalg.norm(numpy(variable))
            np.testing.assert_allclose(value, expected, rtol=1e-3, atol=rounding)


def linear_rnn(go_backwards, w=0.7, u=0.9):
    """x -> SimpleRNN(1 unit, linear, no bias) -> final h; MSE loss."""
    inputs = keras.Input((None, 1))
    layer = keras.layers.SimpleRNN(
        1, activation=None, use_bias=False, go_backwards=go_backwards, name="rnn"
    )
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.array([[w]]), np.array([[u]])])
    model.compile(loss="mse")
    return model


@pytest.mark.parametrize("go_backwards", [False, True])
def test_linear_rnn_closed_form_and_finite_differences(go_backwards):
    # h_t = w x_t + u h_(t-1), loss = mean_b (h_last - y)^2, so
    # d loss / d h_t = 2 (h_last - y) / batch * u^(steps after t).
    w, u, time = 0.7, 0.9, 6
    model = linear_rnn(go_backwards, w, u)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, time, 1)).astype("float32")
    y = rng.normal(size=(2, 1)).astype("float32")
    flow = gradient_flow(model, x, y)
    g = flow["rnn"]

    h_last = numpy(model(x))[:, 0]
    after = np.arange(time)[::-1] if not go_backwards else np.arange(time)
    expected = 2 * (h_last - y[:, 0])[:, None] / 2 * u ** after[None, :]
    np.testing.assert_allclose(g.state_gradients[..., 0], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g.hidden_state_norms, np.abs(expected).mean(0), rtol=1e-5)
    assert g.first_to_last_ratio == pytest.approx(u ** (time - 1), rel=1e-4)

    # Finite differences of the real model: x_t += eps / w moves h_t by eps
    # and nothing else at step t.
    eps = 1e-2
    for t in (0, 3, time - 1):
        plus, minus = x.copy(), x.copy()
        plus[0, t] += eps / w
        minus[0, t] -= eps / w
        fd = (model.test_on_batch(plus, y) - model.test_on_batch(minus, y)) / (2 * eps)
        np.testing.assert_allclose(g.state_gradients[0, t, 0], fd, rtol=1e-3)


def test_tanh_rnn_finite_differences():
    # A tanh SimpleRNN whose input kernel is square and invertible: any
    # change of h_t is reachable through x_t alone, so finite differences of
    # the real model give the total derivative d loss / d h_t.
    time, units = 5, 3
    inputs = keras.Input((time, units))
    layer = keras.layers.SimpleRNN(units, name="rnn")
    outputs = keras.layers.Dense(2)(layer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(loss="mse")
    rng = np.random.default_rng(1)
    kernel = np.eye(units) + 0.3 * rng.normal(size=(units, units))
    recurrent = 0.8 * rng.normal(size=(units, units))
    bias = 0.1 * rng.normal(size=units)
    layer.set_weights([kernel, recurrent, bias])
    kernel, recurrent, bias = (w.astype("float64") for w in layer.get_weights())
    x = rng.normal(size=(1, time, units)).astype("float32")
    y = rng.normal(size=(1, 2)).astype("float32")
    g = gradient_flow(model, x, y)["rnn"]

    h, states = np.zeros(units), []
    for t in range(time):
        h = np.tanh(x[0, t] @ kernel + h @ recurrent + bias)
        states.append(h)

    eps = 3e-3
    for t in range(time):
        pre = np.arctanh(states[t])
        for k in range(units):
            losses = []
            for sign in (1, -1):
                target = states[t].copy()
                target[k] += sign * eps
                moved = x.astype("float64")
                moved[0, t] += np.linalg.solve(kernel.T, np.arctanh(target) - pre)
                out = numpy(model(moved.astype("float32"))).astype("float64")
                losses.append(np.mean((out - y) ** 2))
            fd = (losses[0] - losses[1]) / (2 * eps)
            np.testing.assert_allclose(g.state_gradients[0, t, k], fd, rtol=2e-3, atol=1e-4)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_forward(kernel, recurrent, bias, x, perturb=None):
    """A float64 NumPy LSTM in Keras' gate order (i, f, c, o), written from
    the equations: `perturb = (t, dh, dc)` adds dh to h_t and dc to c_t
    after step t. Returns the final h and the (c_t, f_t) of every step."""
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros((x.shape[0], units))
    cells, forgets = [], []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        if perturb is not None and perturb[0] == t:
            h, c = h + perturb[1], c + perturb[2]
        cells.append(c)
        forgets.append(sigmoid(f))
    return h, cells, forgets


def lstm_model(time, features, units, rng, recurrent_scale):
    inputs = keras.Input((time, features))
    layer = keras.layers.LSTM(units, name="rnn")
    model = keras.Model(inputs, layer(inputs))
    model.compile(loss="mse")
    weights = [
        rng.normal(size=(features, 4 * units)),
        recurrent_scale * rng.normal(size=(units, 4 * units)),
        0.5 * rng.normal(size=4 * units),
    ]
    layer.set_weights([w.astype("float32") for w in weights])
    return model, [w.astype("float64") for w in layer.get_weights()]


def test_lstm_cell_state_closed_form():
    # With a zero recurrent kernel the gates read x_t only, so h_t reaches
    # the loss only at the last step (the readout) while c_t carries the
    # gradient back through the forget gates alone, the lecture's highway:
    # d loss / d c_t = dL/dh_T * o_T * tanh'(c_T) * f_T * ... * f_(t+1).
    time, features, units = 6, 2, 3
    rng = np.random.default_rng(4)
    model, (kernel, recurrent, bias) = lstm_model(time, features, units, rng, 0.0)
    x = rng.normal(size=(2, time, features)).astype("float32")
    y = rng.normal(size=(2, units)).astype("float32")
    g = gradient_flow(model, x, y)["rnn"]

    h_last, cells, forgets = lstm_forward(kernel, recurrent, bias, x.astype("float64"))
    np.testing.assert_allclose(numpy(model(x)), h_last, rtol=1e-5, atol=1e-6)
    d_h_last = 2 * (h_last - y) / y.size  # mse: mean over batch and units
    o_last = sigmoid(x[:, -1].astype("float64") @ kernel[:, 3 * units :] + bias[3 * units :])
    d_c = [d_h_last * o_last * (1 - np.tanh(cells[-1]) ** 2)]  # through h_T
    for t in range(time - 1, 0, -1):
        d_c.insert(0, d_c[0] * forgets[t])  # c_(t-1) -> c_t
    expected_c = np.stack(d_c[:-1] + [np.zeros_like(d_h_last)], axis=1)
    expected_h = np.zeros_like(expected_c)
    expected_h[:, -1] = d_h_last

    assert g.state_sizes == (units, units)
    np.testing.assert_allclose(g.state_gradients, expected_h, atol=1e-7)
    np.testing.assert_allclose(g.cell_state_gradients, expected_c, rtol=1e-4, atol=1e-8)
    full = np.concatenate([expected_h, expected_c], axis=-1)
    np.testing.assert_allclose(
        g.state_norms, np.linalg.norm(full, axis=-1).mean(0), rtol=1e-4
    )
    np.testing.assert_allclose(
        g.cell_state_norms, np.linalg.norm(expected_c, axis=-1).mean(0), rtol=1e-4, atol=1e-9
    )
    np.testing.assert_array_equal(g.norms("state"), g.state_norms)
    np.testing.assert_array_equal(g.norms("cell_state"), g.cell_state_norms)
    # d loss / d h_t is 0 before the last step: the hidden state alone says
    # "vanished" while the cell state still carries the gradient.
    assert g.first_to_last_ratio == g.first_to_last("hidden") == 0
    state = np.linalg.norm(full, axis=-1).mean(0)
    assert g.first_to_last("state") == pytest.approx(state[0] / state[-1], rel=1e-4)
    assert g.first_to_last("cell_state") == float("inf")  # no c gradient at T
    assert "first/last, full state" in str(gradient_flow(model, x, y))


def test_lstm_full_state_finite_differences():
    # A general LSTM (recurrent kernel on): every component of d loss / d h_t
    # and d loss / d c_t against central differences of a float64 NumPy LSTM
    # perturbed at step t, for both sequences of the batch.
    time, features, units = 5, 2, 3
    rng = np.random.default_rng(5)
    model, (kernel, recurrent, bias) = lstm_model(time, features, units, rng, 0.7)
    inputs = keras.Input((time, features))
    head = keras.layers.Dense(2, name="head")
    model = keras.Model(inputs, head(model.get_layer("rnn")(inputs)))
    model.compile(loss="mse")
    w, b = (v.astype("float64") for v in head.get_weights())
    x = rng.normal(size=(2, time, features)).astype("float32")
    y = rng.normal(size=(2, 2)).astype("float32")
    g = gradient_flow(model, x, y)["rnn"]

    def loss(perturb=None):
        h, _, _ = lstm_forward(kernel, recurrent, bias, x.astype("float64"), perturb)
        return np.mean((h @ w + b - y) ** 2)

    np.testing.assert_allclose(
        loss(), model.test_on_batch(x, y), rtol=1e-5
    )  # the NumPy LSTM is Keras' LSTM
    eps = 1e-5
    fd = np.zeros((2, time, 2 * units))
    for t in range(time):
        for k in range(2 * units):
            step = np.zeros((2, 2 * units))
            for seq in range(2):
                step[:] = 0
                step[seq, k] = eps
                plus = loss((t, step[:, :units], step[:, units:]))
                minus = loss((t, -step[:, :units], -step[:, units:]))
                fd[seq, t, k] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(g.full_state_gradients, fd, rtol=2e-3, atol=1e-6)
    assert np.abs(fd[..., units:]).max() > 1e-3  # c_t's part is really tested


def test_quantity_errors():
    model, x, y = tiny("text_classifier")
    g = gradient_flow(model, x, y).layers[0]
    with pytest.raises(ValueError, match=r"Unknown quantity 'stat'. Did you mean 'state'\?"):
        g.norms("stat")
    gru = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3,
                        embedding_dim=4, units=4, cell="gru")
    flow = gradient_flow(gru, np.array([[3, 4, 5]]), np.array([1]))
    with pytest.raises(ValueError, match=r"'encoder_gru_0' \(GRU\) has a single state, "
                                         "so it has no cell state"):
        flow.layers[0].norms("cell_state")


def test_cell_with_matrix_states_is_refused():
    inputs = keras.Input((3, 4, 1))
    outputs = keras.layers.ConvLSTM1D(2, 3, padding="same", name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(outputs)))
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"states are vectors `\(batch, units\)`.*'conv' "
                                         r"has a ConvLSTMCell with state shapes"):
        gradient_flow(model, np.ones((2, 3, 4, 1)), np.ones((2, 1)), run_eagerly=True)


def test_padded_steps_average_over_real_sequences_only():
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3,
                          embedding_dim=4, units=4, cell="gru")
    x = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    g = gradient_flow(model, x, np.array([0, 2])).layers[0]
    np.testing.assert_array_equal(g.mask, x > 0)
    norms = np.linalg.norm(g.state_gradients, axis=-1)
    np.testing.assert_allclose(g.hidden_state_norms[:2], norms[:, :2].mean(0))
    np.testing.assert_allclose(g.hidden_state_norms[2], norms[0, 2])
    assert np.isnan(g.hidden_state_norms[3])  # no sequence is that long
    np.testing.assert_array_equal(g.steps, [0, 1, 2])


def test_compiled_matches_eager():
    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3,
                          embedding_dim=4, units=4, cell="gru", bidirectional=True)
    x = np.array([[3, 4, 5, 6, 0], [6, 7, 1, 0, 0]])
    y = np.array([[0, 1, 2, 1, 0], [2, 2, 0, 0, 0]])
    eager = gradient_flow(model, x, y, run_eagerly=True)
    compiled = gradient_flow(model, x, y, run_eagerly=False)
    assert eager.loss == pytest.approx(compiled.loss, rel=1e-6)
    for a, b in zip(eager.layers, compiled.layers):
        np.testing.assert_allclose(a.state_gradients, b.state_gradients, rtol=1e-5, atol=1e-9)
        assert a.recurrent_kernel_norm == pytest.approx(b.recurrent_kernel_norm, rel=1e-5)


def test_gradient_flow_table_and_lookup():
    model, x, y = tiny("text_classifier")
    flow = gradient_flow(model, x, y)
    text = str(flow)
    assert all(name in text for name in flow.names)
    with pytest.raises(KeyError, match="Did you mean 'encoder_lstm_0/forward'"):
        flow["encoder_lstm_0/froward"]


def first_token_model(cell, *, input_scale=1.0, forget_bias=None):
    keras.utils.set_random_seed(0)
    model = rnn_zoo.build("text_classifier", vocabulary_size=13, num_classes=4,
                          embedding_dim=16, units=32, cell=cell)
    embedding = model.get_layer("embedding")
    embedding.set_weights([embedding.get_weights()[0] * input_scale])
    if forget_bias is not None:
        layer = model.get_layer("encoder_lstm_0")
        weights = layer.get_weights()
        weights[2][32:64] = forget_bias  # Keras orders the gates i, f, c, o
        layer.set_weights(weights)
    return model


def test_vanishing_gradient_simple_rnn_vs_lstm():
    # 100 steps; the label is the first token, read at the last step.
    x, y = first_token_task(num_samples=8, sequence_length=100, seed=3)

    def ratio(model):
        return gradient_flow(model, x, y, run_eagerly=False).layers[0].first_to_last_ratio

    # The lecture's mechanism. Inputs large enough to drive the tanh units
    # into saturation (as trained embeddings do): the SimpleRNN multiplies
    # the gradient by diag(tanh') U^T at every step and loses it (~1e-19
    # measured), while an LSTM whose forget gates are open (bias 5, f ~ 0.99,
    # as training on a memory task sets them) carries it along the additive
    # cell state (~0.1).
    assert ratio(first_token_model("simple_rnn", input_scale=40.0)) < 1e-10
    assert ratio(first_token_model("lstm", input_scale=40.0, forget_bias=5.0)) > 1e-2

    # Keras' defaults at initialisation show the reverse, and robustly (three
    # seeds: SimpleRNN ~0.3, LSTM ~1e-9, GRU ~1e-20): an orthogonal recurrent
    # kernel with small embeddings keeps the SimpleRNN near-isometric, while
    # the LSTM's forget gates start at sigmoid(1) ~ 0.73 (unit_forget_bias)
    # and the GRU's update gates at sigmoid(0) = 0.5, shrinking the gradient
    # by that factor per step until training opens them.
    assert ratio(first_token_model("simple_rnn")) > 1e-2
    lstm = ratio(first_token_model("lstm"))
    assert lstm < 1e-6
    assert ratio(first_token_model("gru")) < lstm


def test_shared_layer_runs_and_stateful_layers():
    # One LSTM applied to two inputs: each run gets its own entry.
    a, b = keras.Input((4, 2)), keras.Input((3, 2))
    shared = keras.layers.LSTM(3, name="shared")
    merged = keras.layers.Concatenate()([shared(a), shared(b)])
    model = keras.Model([a, b], keras.layers.Dense(2)(merged))
    model.compile(loss="mse")
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3, 2))]
    flow = gradient_flow(model, x, np.zeros((2, 2)))
    assert flow.names == ["shared", "shared (call 2)"]
    assert [g.hidden_state_norms.shape for g in flow.layers] == [(4,), (3,)]

    # A stateful layer keeps the states it had before the diagnostics.
    inputs = keras.Input(batch_shape=(2, 4, 2))
    layer = keras.layers.GRU(3, stateful=True, name="gru")
    model = keras.Model(inputs, layer(inputs))
    model.compile(loss="mse")
    model.predict_on_batch(x[0])
    before = [numpy(s).copy() for s in layer.states]
    gradient_flow(model, x[0], np.zeros((2, 3)))
    for old, state in zip(before, layer.states):
        np.testing.assert_array_equal(numpy(state), old)


# Bad input.


def test_model_without_recurrent_layer_is_refused():
    inputs = keras.Input((5, 3))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs)))
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="at least one recurrent layer.*has none"):
        gradient_flow(model, np.zeros((2, 5, 3)), np.zeros((2, 2)))


def test_uncompiled_model_and_non_model_are_refused():
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3,
                          units=4, compile=False)
    with pytest.raises(ValueError, match="compiled loss.*Compile it with a loss"):
        gradient_flow(model, np.ones((2, 3), "int32"), np.zeros(2))
    with pytest.raises(TypeError, match="takes a `keras.Model`"):
        gradient_flow("text_classifier", np.ones((2, 3)), np.zeros(2))
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="`run_eagerly` must be a bool"):
        gradient_flow(model, np.ones((2, 3), "int32"), np.zeros(2), run_eagerly="yes")


def test_batch_that_does_not_fit_the_model_is_refused():
    model = rnn_zoo.build("sequence_classifier", input_dim=3, num_classes=3, units=4)
    x, y = np.zeros((2, 5, 3), "float32"), np.zeros(2, "int32")
    with pytest.raises(ValueError, match=r"expected shape \('batch', 'any', 3\).*"
                                         r"Received: x.shape=\(2, 5, 4\)"):
        gradient_flow(model, np.zeros((2, 5, 4)), y)
    with pytest.raises(ValueError, match=r"Received: x.shape=\(2, 5\)"):
        gradient_flow(model, np.zeros((2, 5)), y)
    with pytest.raises(ValueError, match=r"takes 1 input\(s\).*holds 2 array\(s\)"):
        gradient_flow(model, [x, x], y)
    with pytest.raises(ValueError, match=r"same number of sequences.*Received: y.shape=\(3,\)"):
        gradient_flow(model, x, np.zeros(3))
    with pytest.raises(ValueError, match="holds no sequences"):
        gradient_flow(model, np.zeros((0, 5, 3)), np.zeros(0))
    with pytest.raises(ValueError, match=r"no array for the model input\(s\)"):
        gradient_flow(model, {"other": x}, y)


def test_unsupported_backend_is_refused(monkeypatch):
    model, x, y = tiny("text_classifier")
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(NotImplementedError, match="supports the \\['jax', 'tensorflow'\\]"):
        gradient_flow(model, x, y)


class WideOutputCell(keras.layers.Layer):
    """A cell whose output is not its state: refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = 2
        self.output_size = 3

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3))

    def call(self, inputs, states):
        output = keras.ops.matmul(inputs, self.kernel)
        return output, [states[0] + output[:, :2]]


def test_cell_whose_output_is_not_its_state_is_refused():
    inputs = keras.Input((4, 2))
    outputs = keras.layers.RNN(WideOutputCell(), name="odd")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="output is their first state.*'odd'"):
        gradient_flow(model, np.ones((2, 4, 2)), np.ones((2, 3)), run_eagerly=True)


# Exploding gradients.


def linear_rnn_model(scale, time=10):
    inputs = keras.Input((time, 1))
    layer = keras.layers.SimpleRNN(1, activation=None, use_bias=False, name="rnn")
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.array([[1.0]]), np.array([[scale]])])
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=1.0), loss="mse")
    return model


def test_exploding_gradient_report():
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(4, 10, 1)), rng.normal(size=(4, 1))) for _ in range(4)]
    healthy = exploding_gradient_report(linear_rnn_model(0.5), batches)
    assert not healthy.exploding and not healthy.findings
    assert healthy.growth["rnn"] == pytest.approx(0.5 ** 9, rel=1e-3)

    model = linear_rnn_model(1.5)
    report = exploding_gradient_report(model, batches, percentile=75)
    assert report.exploding
    assert report.growth["rnn"] == pytest.approx(1.5 ** 9, rel=1e-3)
    assert any("rnn: ||d loss / d h_t|| grows x38.4" in f for f in report.findings)
    norms = [gradient_flow(model, *b).global_norm for b in batches]
    np.testing.assert_allclose(report.global_norms, norms, rtol=1e-5)
    # Rounded to two significant digits.
    assert report.suggested_global_clipnorm == float(f"{np.percentile(norms, 75):.2g}")
    assert report.current_global_clipnorm == 1.0
    assert report.clipped_fraction == np.mean(np.array(norms) > 1.0)
    clip = f"is x{np.median(norms):.3g} the optimizer's global_clipnorm 1: every update"
    assert any(clip in f for f in report.findings)
    assert "suggested global_clipnorm" in str(report)

    # One batch a hundred times larger: a spike of the global norm.
    spiky = batches[:3] + [(100 * batches[3][0], batches[3][1])]
    report = exploding_gradient_report(linear_rnn_model(0.5), spiky)
    assert any("global gradient norm spikes" in f for f in report.findings)
    assert any("recurrent kernel gradient norm spikes" in f for f in report.findings)


def test_exploding_gradient_report_bad_input():
    model = linear_rnn_model(0.5)
    batch = (np.zeros((2, 10, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="at least one batch"):
        exploding_gradient_report(model, [])
    with pytest.raises(ValueError, match=r"`\(x, y\)` or `\(x, y, sample_weight\)` tuple. "
                                         "Received: batch 1 of type ndarray"):
        exploding_gradient_report(model, [batch, batch[0]])
    with pytest.raises(ValueError, match=r"`percentile` must be in \(0.0, 100.0\]"):
        exploding_gradient_report(model, [batch], percentile=0)
    with pytest.raises(ValueError, match=r"`growth_threshold` must be in \(1.0, inf\]"):
        exploding_gradient_report(model, [batch], growth_threshold=1)


# Plots.


def test_plot_gradient_flow(tmp_path):
    from matplotlib.figure import Figure

    model, x, y = tiny("text_classifier")
    flow = gradient_flow(model, x, y)
    path = plot_gradient_flow({"a": flow, "b": flow}, tmp_path / "sub" / "flow.png",
                              title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ax = Figure().add_subplot()
    draw_gradient_flow(ax, {"a": flow, "b": flow}, layers=[0, "encoder_lstm_1/backward"],
                       relative=True)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "a: encoder_lstm_0/forward", "a: encoder_lstm_1/backward",
        "b: encoder_lstm_0/forward", "b: encoder_lstm_1/backward",
    ]
    # Relative lines are 1 at each layer's last processed step.
    assert lines[0].get_ydata()[-1] == pytest.approx(1.0)
    assert lines[1].get_ydata()[0] == pytest.approx(1.0)
    assert ax.get_yscale() == "log"

    # The whole state, and an LSTM's cell state alone.
    ax = Figure().add_subplot()
    draw_gradient_flow(ax, flow, layers=[0], quantity="state")
    g = flow.layers[0]
    shown = np.isfinite(g.state_norms) & (g.state_norms > 0)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), g.state_norms[shown])
    assert "d s_t" in ax.get_ylabel() and "LSTM: s = (h, c)" in ax.get_ylabel()
    ax = Figure().add_subplot()
    draw_gradient_flow(ax, flow, layers=[0], quantity="cell_state", relative=True)
    # c gets no gradient at the last step (only h goes on to the next
    # layer): the line is relative to the last step where it is not 0.
    norms = g.cell_state_norms
    assert norms[g.steps[-1]] == 0
    nonzero = [s for s in g.steps if norms[s] > 0][-1]
    expected = norms / norms[nonzero]
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), expected[np.isfinite(expected) & (expected > 0)]
    )
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(1.0)
    assert "d c_t" in ax.get_ylabel()
    with pytest.raises(ValueError, match=r"Unknown quantity 'hiden'. Did you mean 'hidden'\?"):
        plot_gradient_flow(flow, tmp_path / "y.png", quantity="hiden")

    with pytest.raises(TypeError, match="must be a `GradientFlow`"):
        plot_gradient_flow([flow], tmp_path / "x.png")
    with pytest.raises(ValueError, match="index 9 is out of range"):
        draw_gradient_flow(ax, flow, layers=[9])


def test_first_token_task():
    x, y = first_token_task(num_samples=50, sequence_length=30, num_classes=3,
                            num_distractors=4, seed=2)
    assert x.shape == (50, 30) and x.dtype == np.int32
    np.testing.assert_array_equal(x[:, 0], y + 1)
    assert x[:, 1:].min() >= 4 and x.max() <= 7
    assert set(np.unique(y)) == {0, 1, 2}
    same, _ = first_token_task(num_samples=50, sequence_length=30, num_classes=3,
                               num_distractors=0)
    assert same.min() >= 1 and same.max() <= 3
    with pytest.raises(ValueError, match="`sequence_length` must be >= 2"):
        first_token_task(num_samples=5, sequence_length=1)


def test_gradient_flow_recipe_smoke(tmp_path):
    import importlib.util
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "recipes" / "gradient_flow.py"
    spec = importlib.util.spec_from_file_location("gradient_flow_recipe", path)
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    report = recipe.main(["--smoke", "--cells", "lstm_open", "--output-dir", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["results"][0]["cell"] == "lstm_open" == report["results"][0]["cell"]
    result = saved["results"][0]
    assert 0 <= result["test_accuracy"] <= result["best_test_accuracy"] <= 1
    assert [s["length"] for s in result["stages"]] == [12]
    for when in ("at_initialisation", "after_training"):
        assert result[when]["first_to_last_ratio"] > 0
        assert result[when]["state_first_to_last_ratio"] > 0
        assert len(result[when]["state_norms"]) == 12
    # lstm_open starts with open forget and closed input gates (biases 5, -5).
    assert result["memory"]["numpy_matches_keras"]
    assert result["memory"]["forget_gate_mean"] > 0.9
    assert (tmp_path / "gradient_flow.png").read_bytes()[:4] == b"\x89PNG"
    model = keras.models.load_model(tmp_path / "lstm_open.keras")
    bias = model.get_layer("encoder_lstm_0").get_weights()[2]  # gates i, f, c, o
    units = len(bias) // 4
    assert bias[:units].mean() < -4 and bias[units : 2 * units].mean() > 4
    # The NumPy re-run of the other cells agrees with Keras too.
    x, y = first_token_task(num_samples=8, sequence_length=6, num_classes=3,
                            num_distractors=2)
    for cell, key in (("gru", "update_gate_mean"), ("simple_rnn", "tanh_derivative_mean")):
        model = rnn_zoo.build("text_classifier", vocabulary_size=6, num_classes=3,
                              embedding_dim=4, units=4, cell=cell)
        stats = recipe.memory_statistics(model, cell, x, y, 3)
        assert stats["numpy_matches_keras"], cell
        assert len(stats["memory_units"]) == 3 and 0 < stats[key] <= 1
    with pytest.raises(SystemExit):
        recipe.main(["--sequence-length", "100", "--curriculum", "20,500"])
