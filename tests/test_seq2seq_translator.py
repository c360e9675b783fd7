"""seq2seq_translator: scheduled sampling, step-by-step decoding, bad input.

The zoo-wide test covers shapes, training, padding and round trips for every
cell, direction and attention; here: what is particular to encoder-decoders.
"""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.callbacks import ScheduledSampling, inverse_sigmoid_schedule
from rnn_zoo.decoding.seq2seq import Seq2SeqStepModel

TINY = dict(source_vocabulary_size=10, target_vocabulary_size=8, embedding_dim=4, units=4)
START = 1
# Tracing a TensorFlow graph costs more than running these tiny steps eagerly.
EAGER = keras.backend.backend() == "tensorflow"


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def build(**kwargs):
    return rnn_zoo.build("seq2seq_translator", **dict(TINY, **kwargs))


def batch(seed=0, source_time=6, target_time=5):
    spec = rnn_zoo.model_info("seq2seq_translator")
    kwargs = dict(TINY)
    (source, _), _ = spec.example_data(kwargs, 2, source_time, seed)
    (_, decoder), target = spec.example_data(kwargs, 2, target_time + 1, seed + 1)
    return [source, decoder], target


def copy_weights(teacher, sampler):
    """Puts a teacher-forced model's weights into a scheduled-sampling one."""
    names = {layer.name for layer in sampler.layers}
    for layer in teacher.layers:
        if layer.name in names and layer.weights:
            sampler.get_layer(layer.name).set_weights(layer.get_weights())
    decoder = sampler.get_layer("decoder")
    decoder.embedding.set_weights(teacher.get_layer("target_embedding").get_weights())
    for i, cell in enumerate(decoder.cells):
        cell.set_weights(teacher.get_layer(f"decoder_{decoder.cell}_{i}").cell.get_weights())
    for name in ("attention", "attention_projection", "logits"):
        if decoder.attention is not None or name == "logits":
            target = {"attention": decoder.attention_layer,
                      "attention_projection": decoder.projection,
                      "logits": decoder.logits}[name]
            target.set_weights(teacher.get_layer(name).get_weights())


def weights_by_path(model):
    return {w.path: numpy(w) for w in model.trainable_weights}


# ------------------------------------------------------- scheduled sampling


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(cell="lstm", bidirectional=True, attention="bahdanau", num_layers=2),
        dict(cell="gru", attention="luong", residual=True, embedding_dim=4),
        dict(cell="simple_rnn", attention=None, bridge="copy"),
    ],
)
def test_probability_zero_equals_teacher_forcing(kwargs):
    teacher = build(**kwargs)
    sampler = build(sampling_probability=0.0, name="sampler", **kwargs)
    copy_weights(teacher, sampler)
    x, y = batch()
    real = x[1] > 0
    # Outputs, in inference and in training mode (p = 0 feeds the reference).
    for training in (False, True):
        a = numpy(teacher(x, training=training))
        b = numpy(sampler(x, training=training))
        np.testing.assert_allclose(a[real], b[real], atol=1e-5)
    # Loss and gradients: one SGD step leaves both models with the same weights.
    for model in (teacher, sampler):
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss=model.loss, run_eagerly=EAGER)
    loss_teacher = teacher.train_on_batch(x, y)
    loss_sampler = sampler.train_on_batch(x, y)
    np.testing.assert_allclose(loss_teacher, loss_sampler, rtol=1e-5)
    expected = build(sampling_probability=0.0, compile=False, **kwargs)
    copy_weights(teacher, expected)  # the teacher's trained weights, laid out
    expected, got = weights_by_path(expected), weights_by_path(sampler)
    assert expected.keys() == got.keys()
    for path in got:
        np.testing.assert_allclose(got[path], expected[path], atol=1e-5, err_msg=path)


def _training_call(model, x):
    """A training-mode call with the decoder's random draws replayed."""
    decoder = model.get_layer("decoder")
    state = numpy(decoder.seed_generator.state)
    out = numpy(model(x, training=True))
    decoder.seed_generator.state.assign(state)
    return out


def test_probability_one_feeds_own_predictions():
    model = build(cell="gru", attention="luong", sampling_probability=1.0, seed=3)
    x, _ = batch()
    other = [x[0], x[1].copy()]
    real = x[1] > 0
    other[1][:, 1:] = np.where(real[:, 1:], (x[1][:, 1:] % 7) + 1, 0)  # new references
    assert not np.array_equal(other[1], x[1])
    a, b = _training_call(model, x), _training_call(model, other)
    # After the start token every input is the model's own sample: the
    # references are never read.
    np.testing.assert_allclose(a[real], b[real], atol=1e-6)
    # Outside training the references are fed (teacher forcing).
    a, b = numpy(model(x)), numpy(model(other))
    assert not np.allclose(a[:, 1:][real[:, 1:]], b[:, 1:][real[:, 1:]])


def test_scheduled_sampling_callback_sets_probability():
    model = build(cell="lstm", attention="bahdanau", sampling_probability=0.0)
    x, y = batch()
    callback = ScheduledSampling(lambda step: min(1.0, 0.25 * step))
    model.compile(optimizer="sgd", loss=model.loss, run_eagerly=EAGER)
    model.fit(x, y, batch_size=1, epochs=2, verbose=0, callbacks=[callback])
    # 2 epochs x 2 batches: the last batch ran with schedule(3).
    assert callback.probability == 0.75
    assert float(numpy(model.get_layer("decoder").probability)) == 0.75


def test_scheduled_sampling_survives_keras_file(tmp_path):
    model = build(cell="gru", bidirectional=True, attention="luong",
                  sampling_probability=0.3, dropout=0.1, compile=False)
    x, _ = batch()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(numpy(loaded(x)), numpy(model(x)), atol=1e-6)
    assert float(numpy(loaded.get_layer("decoder").probability)) == pytest.approx(0.3)


def test_inverse_sigmoid_schedule_grows():
    schedule = inverse_sigmoid_schedule(10.0)
    values = [schedule(step) for step in (0, 10, 100, 1000)]
    assert values == sorted(values) and 0 < values[0] < 0.1 and values[-1] > 0.99


def test_scheduled_sampling_errors():
    with pytest.raises(ValueError, match=r"needs a model with a scheduled-sampling decoder.*sampling_probability=0\.0"):
        build().fit(*batch(), verbose=0, callbacks=[ScheduledSampling(0.5)])
    model = build(sampling_probability=0.0)
    with pytest.raises(ValueError, match=r"probability must be in \[0, 1\]\. Received: schedule\(0\)=1\.5"):
        model.fit(*batch(), verbose=0, callbacks=[ScheduledSampling(lambda step: 1.5)])
    with pytest.raises(ValueError, match=r"`schedule` must be in \[0\.0, 1\.0\]"):
        ScheduledSampling(2.0)
    with pytest.raises(TypeError, match=r"`schedule` must be a probability in \[0, 1\] or a callable"):
        ScheduledSampling("linear")
    with pytest.raises(ValueError, match=r"`k` must be in \[1\.0, inf\]"):
        inverse_sigmoid_schedule(0.5)


# --------------------------------------------------------- step-by-step decoding


def greedy(step_model, source, steps):
    """A plain greedy loop over the step model."""
    state, ids = step_model.start(source)
    tokens, attention = [numpy(ids)], []
    for _ in range(steps):
        logits, state, extras = step_model.step(ids, state)
        ids = keras.ops.cast(keras.ops.argmax(logits, axis=-1), "int32")
        tokens.append(numpy(ids))
        if "attention" in extras:
            attention.append(numpy(extras["attention"]))
    return np.stack(tokens, 1), (np.stack(attention, 1) if attention else None)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(cell="lstm", bidirectional=True, attention="bahdanau", num_layers=2),
        dict(cell="gru", attention="luong", bridge="copy", residual=True),
        dict(cell="simple_rnn", attention=None),
        dict(cell="lstm", attention="bahdanau", bridge=None),
        dict(cell="gru", bidirectional=True, attention="luong", sampling_probability=0.5),
    ],
)
def test_greedy_steps_equal_teacher_forced_argmax(kwargs, tmp_path):
    model = build(compile=False, **kwargs)
    rng = np.random.default_rng(0)
    # Weights far from their near-uniform initial values, so argmax decides.
    model.set_weights([w + rng.normal(0, 0.7, w.shape) for w in model.get_weights()])
    x, _ = batch()
    source = x[0]
    tokens, attention = greedy(Seq2SeqStepModel(model, start_id=START), source, 5)
    # Fed its own greedy prefix, the teacher-forced model predicts the same.
    probabilities = numpy(model([source, tokens[:, :-1]]))
    np.testing.assert_array_equal(probabilities.argmax(-1), tokens[:, 1:])
    if attention is not None:
        real = source > 0
        np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-5)
        assert np.all(attention[~np.broadcast_to(real[:, None], attention.shape)] == 0.0)
        assert np.all(attention[np.broadcast_to(real[:, None], attention.shape)] > 0.0)
    if not kwargs.get("bidirectional"):
        return
    # A model loaded from .keras decodes the same.
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    again, _ = greedy(Seq2SeqStepModel(loaded, start_id=START), source, 5)
    np.testing.assert_array_equal(again, tokens)


def test_step_model_padding_does_not_change_decoding():
    model = build(cell="lstm", bidirectional=True, attention="luong")
    source = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    padded = np.pad(source, ((0, 0), (0, 3)))
    step_model = Seq2SeqStepModel(model, start_id=START)
    a, wa = greedy(step_model, source, 4)
    b, wb = greedy(step_model, padded, 4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(wb[..., :4], wa, atol=1e-6)


def test_step_model_matches_only_encoder_decoders():
    assert Seq2SeqStepModel.matches(build())
    lm = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4)
    assert not Seq2SeqStepModel.matches(lm)
    assert not Seq2SeqStepModel.matches("model")


def test_step_model_errors():
    model = build()
    step_model = Seq2SeqStepModel(model)
    with pytest.raises(ValueError, match=r"Source ids must be in \[0, source_vocabulary_size=10\).*Received: source ids \[10, 12\]"):
        step_model.prepare([[3, 10, 12]], start_id=START)
    with pytest.raises(ValueError, match=r"Source ids must be in \[0, source_vocabulary_size=10\).*\[-1\]"):
        step_model.prepare([[3, -1]], start_id=START)
    with pytest.raises(ValueError, match=r"`start_id` must be a target token id in \[1, 8\).*Received: start_id=8"):
        step_model.prepare([[3, 4]], start_id=8)
    with pytest.raises(ValueError, match=r"`start_id` must be a target token id in \[1, 8\).*Received: start_id=0"):
        Seq2SeqStepModel(model, start_id=0)
    with pytest.raises(ValueError, match=r"starts decoding from a start token: pass `start_id`"):
        step_model.prepare([[3, 4]])
    with pytest.raises(ValueError, match=r"Source ids must be a non-empty int array"):
        step_model.prepare([[0.5, 2.0]], start_id=START)
    with pytest.raises(TypeError, match=r"Source ids must be an int array \(batch, source_time\) with values"):
        step_model.prepare(keras.Input((3,), dtype="int32"), start_id=START)
    source = keras.Input((3,), dtype="int32", name="source_ids")
    decoder = keras.Input((3,), dtype="int32", name="decoder_ids")
    x = keras.layers.Concatenate()([source, decoder])
    odd = keras.Model([source, decoder], keras.layers.Dense(3, name="logits")(x))
    with pytest.raises(ValueError, match=r"has no decoder layer named 'decoder_\{cell\}_0' for any cell in"):
        Seq2SeqStepModel(odd)
    lm = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4)
    with pytest.raises(ValueError, match=r"drives encoder-decoder models with inputs named 'source_ids' and 'decoder_ids'"):
        Seq2SeqStepModel(lm)


def test_step_model_prepare_pads_unequal_sources():
    step_model = Seq2SeqStepModel(build(), start_id=START)
    prepared = step_model.prepare([[3, 4, 5], [6]])
    np.testing.assert_array_equal(prepared["source_ids"], [[3, 4, 5], [6, 0, 0]])
    np.testing.assert_array_equal(prepared["start_ids"], [START, START])
    assert step_model.prepare([3, 4])["source_ids"].shape == (1, 2)


# ------------------------------------------------------------------ bad input


def test_builder_errors():
    with pytest.raises(ValueError, match=r"Unknown attention 'bahdanu'\. Did you mean 'bahdanau'\?"):
        build(attention="bahdanu")
    with pytest.raises(ValueError, match=r"bridge='copy' needs encoder states as wide as the decoder's.*\[8\] wide and the decoder's \[4\]"):
        build(bidirectional=True, bridge="copy")
    with pytest.raises(ValueError, match=r"Unknown bridge 'linear'"):
        build(bridge="linear")
    with pytest.raises(ValueError, match=r"the decoder would never see the source.*Received: attention=None, bridge=None"):
        build(attention=None, bridge=None)
    with pytest.raises(ValueError, match=r"`sampling_probability` must be in \[0\.0, 1\.0\]\. Received: sampling_probability=1\.5"):
        build(sampling_probability=1.5)
    with pytest.raises(ValueError, match=r"`residual=True` needs a decoder layer whose input and output widths are equal"):
        build(residual=True, embedding_dim=3, sampling_probability=0.0)
    with pytest.raises(ValueError, match=r"`target_vocabulary_size` must be >= 2"):
        build(target_vocabulary_size=1)
    with pytest.raises(TypeError, match=r"`seed` must be an int or None"):
        build(seed="0")
