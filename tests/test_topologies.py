import itertools

import keras
import numpy as np
import pytest

from rnn_zoo.cells import CELLS
from rnn_zoo.topologies import (
    encoder_decoder,
    many_to_many,
    many_to_one,
    one_to_many,
    recurrent_stack,
)
from rnn_zoo.topologies.many_to_one import POOLINGS


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def tokens_and_padded(vocab=10, batch=2, time=5, extra=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, size=(batch, time)).astype("int32")
    x[1, 3:] = 0  # second row is shorter
    return x, np.pad(x, [(0, 0), (0, extra)])


def embedded_model(head, vocab=10, dim=4):
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab, dim, mask_zero=True)(tokens)
    return keras.Model(tokens, head(x))


# ---------------------------------------------------------------- stacks


def test_recurrent_stack_names_shapes_and_states():
    x = keras.Input((None, 3))
    y, states = recurrent_stack(
        x, cell="LSTM", units=[4, 6], num_layers=2, bidirectional=True,
        return_state=True, name="enc",
    )
    assert tuple(y.shape) == (None, None, 12)
    assert len(states) == 2 and all(len(s) == 4 for s in states)  # h, c per direction
    model = keras.Model(x, y)
    assert model.get_layer("enc_lstm_0").forward_layer.units == 4
    assert model.get_layer("enc_lstm_1").forward_layer.units == 6


@pytest.mark.parametrize("merge_mode, width", [("concat", 8), ("sum", 4), ("mul", 4), ("ave", 4)])
def test_merge_modes(merge_mode, width):
    y = recurrent_stack(keras.Input((None, 3)), units=4, bidirectional=True, merge_mode=merge_mode)
    assert y.shape[-1] == width


def test_vector_output():
    y = recurrent_stack(keras.Input((None, 3)), cell="gru", units=4, num_layers=2, return_sequences=False)
    assert tuple(y.shape) == (None, 4)


def test_residual_adds_where_widths_match():
    x = keras.Input((None, 4))
    y = recurrent_stack(x, units=4, num_layers=3, residual=True, name="res")
    model = keras.Model(x, y)
    names = {layer.name for layer in model.layers}
    assert {"res_lstm_0_residual", "res_lstm_1_residual", "res_lstm_2_residual"} <= names


def test_residual_skips_unequal_widths():
    x = keras.Input((None, 3))
    model = keras.Model(x, recurrent_stack(x, units=[4, 4], num_layers=2, residual=True, name="r"))
    names = {layer.name for layer in model.layers}
    assert "r_lstm_0_residual" not in names and "r_lstm_1_residual" in names


def test_initial_state_is_used():
    x = keras.Input((None, 3))
    h = keras.Input((4,))
    y = recurrent_stack(x, cell="gru", units=4, initial_state=[[h]], return_sequences=False)
    model = keras.Model([x, h], y)
    data = np.ones((1, 2, 3), "float32")
    a = numpy(model([data, np.zeros((1, 4), "float32")]))
    b = numpy(model([data, np.ones((1, 4), "float32")]))
    assert not np.allclose(a, b)


def test_recurrent_dropout_warns_once_and_builds():
    from rnn_zoo import cells

    cells._warned.clear()
    with pytest.warns(UserWarning, match=r"`recurrent_dropout > 0` leaves the fused cuDNN kernel"):
        recurrent_stack(keras.Input((None, 3)), units=4, recurrent_dropout=0.1)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(units=0), ValueError, r"`units` must be >= 1\. Received: units=0"),
        (dict(units=2.5), TypeError, r"`units` must be an int\. Received: units=2\.5 of type float"),
        (dict(num_layers=0), ValueError, r"`num_layers` must be >= 1\. Received: num_layers=0"),
        (dict(units=[4, 4], num_layers=3), ValueError, r"`units` must be an int or a list with one width per layer \(num_layers=3\); pass num_layers=2"),
        (dict(dropout=1.0), ValueError, r"`dropout` must be in \[0\.0, 1\.0\)\. Received: dropout=1\.0"),
        (dict(dropout=-0.1), ValueError, r"`dropout` must be in \[0\.0, 1\.0\)\. Received: dropout=-0\.1"),
        (dict(recurrent_dropout=1.5), ValueError, r"`recurrent_dropout` must be in \[0\.0, 1\.0\)"),
        (dict(dropout="0.1"), TypeError, r"`dropout` must be a float\. Received: dropout='0\.1' of type str"),
        (dict(merge_mode="avg"), ValueError, r"Unknown merge_mode 'avg'\. Did you mean 'ave'\? Expected one of \['ave', 'concat', 'mul', 'sum'\]\. Received: merge_mode='avg'"),
        (dict(bidirectional="yes"), TypeError, r"`bidirectional` must be a bool\. Received: bidirectional='yes' of type str"),
        (dict(cell="lstmm"), ValueError, r"Unknown cell 'lstmm'\. Did you mean 'lstm'\?"),
        (dict(units=4, residual=True), ValueError, r"`residual=True` needs a layer whose input and output widths are equal.*Received: input width=3, units=\[4\]"),
        (dict(units=4, num_layers=2, initial_state=[None]), ValueError, r"`initial_state` must have one entry per layer \(num_layers=2\)\. Received: 1 entries"),
    ],
)
def test_stack_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        recurrent_stack(keras.Input((None, 3)), **kwargs)


def test_stack_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"`inputs` must be a 3D tensor \(batch, time, features\) for a recurrent layer\. Received: inputs\.shape=\(None, 3\)"):
        recurrent_stack(keras.Input((3,)))


def test_stack_rejects_token_ids():
    with pytest.raises(TypeError, match=r"`inputs` must be a float tensor .*need an `Embedding` first\. Received: inputs\.dtype=int32"):
        recurrent_stack(keras.Input((None, 1), dtype="int32"))


# ---------------------------------------------------------------- many_to_one


@pytest.mark.parametrize(
    "pooling, cell, bidirectional",
    list(itertools.product(POOLINGS, CELLS, [False, True])),
)
def test_pooling_ignores_padding(pooling, cell, bidirectional):
    model = embedded_model(
        lambda x: many_to_one(x, pooling=pooling, cell=cell, units=4, num_layers=2, bidirectional=bidirectional)
    )
    x, padded = tokens_and_padded()
    np.testing.assert_allclose(numpy(model(x)), numpy(model(padded)), atol=1e-5)


def test_last_pooling_is_the_final_real_state():
    # With one unidirectional layer, "last" is the output at the last real step.
    features = keras.Input((None, 4))
    model = keras.Model(features, many_to_one(keras.layers.Masking()(features), pooling="last", cell="gru", units=4))
    data = np.random.default_rng(0).normal(size=(1, 5, 4)).astype("float32")
    data[:, 3:] = 0.0  # padding
    steps = keras.layers.GRU(4, return_sequences=True)
    steps.build(data.shape)
    steps.set_weights(model.get_layer("encoder_gru_0").get_weights())
    np.testing.assert_allclose(numpy(model(data))[0], numpy(steps(data[:, :3]))[0, -1], atol=1e-5)


def test_unknown_pooling():
    with pytest.raises(ValueError, match=r"Unknown pooling 'average'\..*Expected one of \['attention', 'last', 'max', 'mean'\]\. Received: pooling='average'"):
        many_to_one(keras.Input((None, 3)), pooling="average")


# ---------------------------------------------------------------- many_to_many


@pytest.mark.parametrize("cell, bidirectional", list(itertools.product(CELLS, [False, True])))
def test_many_to_many_ignores_padding(cell, bidirectional):
    model = embedded_model(lambda x: many_to_many(x, cell=cell, units=4, num_layers=2, bidirectional=bidirectional))
    x, padded = tokens_and_padded()
    out, out_padded = numpy(model(x)), numpy(model(padded))
    np.testing.assert_allclose(out[0], out_padded[0, :5], atol=1e-5)
    np.testing.assert_allclose(out[1, :3], out_padded[1, :3], atol=1e-5)


# ---------------------------------------------------------------- one_to_many


@pytest.mark.parametrize("conditioning", ["initial_state", "first_input"])
@pytest.mark.parametrize("cell", CELLS)
def test_one_to_many_conditions_on_context(conditioning, cell):
    context = keras.Input((6,))
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    y = one_to_many(context, x, conditioning=conditioning, cell=cell, units=4, num_layers=2, residual=True)
    model = keras.Model([context, tokens], y)
    ids, padded = tokens_and_padded()
    c = np.random.default_rng(0).normal(size=(2, 6)).astype("float32")
    out = numpy(model([c, ids]))
    assert out.shape == (2, 5, 4)
    # The context changes the outputs; padding does not.
    assert not np.allclose(out, numpy(model([c + 1.0, ids])))
    out_padded = numpy(model([c, padded]))
    np.testing.assert_allclose(out[0], out_padded[0, :5], atol=1e-5)
    np.testing.assert_allclose(out[1, :3], out_padded[1, :3], atol=1e-5)


def test_one_to_many_repeat():
    y = one_to_many(keras.Input((6,)), sequence_length=7, cell="gru", units=4, bidirectional=True)
    assert tuple(y.shape) == (None, 7, 8)


def test_one_to_many_errors():
    context = keras.Input((6,))
    with pytest.raises(ValueError, match=r"`one_to_many` needs `sequence_length` .*Received: sequence_length=None, inputs=None"):
        one_to_many(context)
    with pytest.raises(ValueError, match=r"`context` must be a 2D tensor \(batch, features\)\. Received: context\.shape=\(None, 2, 6\)"):
        one_to_many(keras.Input((2, 6)), sequence_length=3)
    with pytest.raises(ValueError, match=r"`bidirectional=True` cannot be used with `inputs`.*Received: bidirectional=True"):
        one_to_many(context, keras.Input((None, 4)), bidirectional=True)
    with pytest.raises(ValueError, match=r"Unknown conditioning 'initial'\. Did you mean 'initial_state'\?"):
        one_to_many(context, keras.Input((None, 4)), conditioning="initial")


# ---------------------------------------------------------------- encoder_decoder


def seq2seq_model(**kwargs):
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    s = keras.layers.Embedding(10, 4, mask_zero=True)(src)
    t = keras.layers.Embedding(10, 4, mask_zero=True)(tgt)
    out = encoder_decoder(s, t, units=4, num_layers=2, **kwargs)
    return keras.Model([src, tgt], out)


@pytest.mark.parametrize("attention", [None, "bahdanau", "luong"])
@pytest.mark.parametrize("cell, bidirectional", [("lstm", True), ("gru", False), ("simple_rnn", True)])
def test_encoder_decoder_padding_and_attention(attention, cell, bidirectional):
    scores = attention is not None
    model = seq2seq_model(cell=cell, bidirectional=bidirectional, attention=attention, return_attention_scores=scores)
    src, src_padded = tokens_and_padded(seed=1)
    tgt, tgt_padded = tokens_and_padded(time=4, seed=2)
    out = model([src, tgt])
    out_padded = model([src_padded, tgt_padded])
    if scores:
        (out, weights), (out_padded, weights_padded) = out, out_padded
        w = numpy(weights_padded)
        np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
        assert np.all(w[:, :, 5:] == 0.0)  # padded source steps
        assert np.all(w[1, :, 3:] == 0.0)  # the short row's padding
    out, out_padded = numpy(out), numpy(out_padded)
    np.testing.assert_allclose(out[0], out_padded[0, :4], atol=1e-5)
    np.testing.assert_allclose(out[1, :3], out_padded[1, :3], atol=1e-5)


def test_encoder_decoder_source_matters():
    model = seq2seq_model(attention="bahdanau", bridge=None)
    src, _ = tokens_and_padded(seed=1)
    tgt, _ = tokens_and_padded(time=4, seed=2)
    assert not np.allclose(numpy(model([src, tgt])), numpy(model([src[::-1], tgt])))


def test_encoder_decoder_copy_bridge():
    model = seq2seq_model(bridge="copy", cell="lstm")
    assert "bridge_0_0" not in {layer.name for layer in model.layers}


def test_encoder_decoder_errors():
    s, t = keras.Input((None, 4)), keras.Input((None, 4))
    with pytest.raises(ValueError, match=r"bridge='copy' needs encoder states as wide as the decoder's.*Use bridge='dense'"):
        encoder_decoder(s, t, units=4, bidirectional=True, bridge="copy")
    with pytest.raises(ValueError, match=r"Unknown attention 'bahdanu'\. Did you mean 'bahdanau'\?"):
        encoder_decoder(s, t, units=4, attention="bahdanu")
    with pytest.raises(ValueError, match=r"Unknown bridge 'linear'\."):
        encoder_decoder(s, t, units=4, bridge="linear")
    with pytest.raises(ValueError, match=r"`return_attention_scores=True` needs an attention mechanism"):
        encoder_decoder(s, t, units=4, return_attention_scores=True)
    with pytest.raises(ValueError, match=r"`target` must be a 3D tensor"):
        encoder_decoder(s, keras.Input((4,)), units=4)
