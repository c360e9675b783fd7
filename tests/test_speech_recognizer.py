import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.data import synthetic
from rnn_zoo.tasks.speech_recognizer import (
    CTCLoss,
    character_error_rate,
    check_ctc_lengths,
    ctc_decode,
    ctc_input_lengths,
    ctc_subsampling,
    word_error_rate,
)

TINY = dict(input_dim=3, vocabulary_size=5, units=4, num_layers=1)
WAVE = dict(TINY, input_dim=8, sampling_rate=8000, frame_length=200, frame_step=80)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def features(batch=2, frames=6, dim=3, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, frames, dim)).astype("float32")


# The CTC output and loss: padding changes nothing.


def test_padded_frames_are_certain_blanks_and_real_frames_unchanged():
    model = rnn_zoo.build("speech_recognizer", conv_filters=[4], conv_strides=2, **TINY)
    x = features(frames=7)
    padded = np.concatenate([x, np.zeros((2, 4, 3), "float32")], axis=1)  # 11 frames
    out, out_padded = numpy(model(x)), numpy(model(padded))
    assert out.shape == (2, 4, 5) and out_padded.shape == (2, 6, 5)  # ceil(7/2), ceil(11/2)
    np.testing.assert_allclose(out_padded[:, :4], out, atol=1e-5)
    np.testing.assert_array_equal(out_padded[:, 4:], np.eye(5)[[0, 0]][None].repeat(2, 0))
    np.testing.assert_array_equal(ctc_input_lengths(model, padded), [4, 4])


def test_ctc_loss_ignores_padding_and_matches_keras_ctc():
    model = rnn_zoo.build("speech_recognizer", **TINY)
    x = features(frames=6)
    labels = np.array([[1, 2, 0], [3, 3, 4]])
    probs = model(x)
    loss = CTCLoss(reduction=None)
    reference = keras.losses.CTC(reduction=None)(labels, keras.ops.log(probs))
    np.testing.assert_allclose(numpy(loss(labels, probs)), numpy(reference), rtol=1e-5)
    # Pad the inputs with 5 frames and the labels with 4 zeros: same loss.
    padded = np.concatenate([x, np.zeros((2, 5, 3), "float32")], axis=1)
    longer = np.pad(labels, ((0, 0), (0, 4)))
    np.testing.assert_allclose(
        numpy(loss(longer, model(padded))), numpy(loss(labels, probs)), rtol=1e-4
    )


def test_ctc_loss_round_trips_through_config():
    loss = CTCLoss(epsilon=1e-6, name="my_ctc")
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(clone, CTCLoss) and clone.epsilon == 1e-6 and clone.name == "my_ctc"


def test_waveform_input_masks_zero_padding():
    model = rnn_zoo.build("speech_recognizer", **WAVE)
    assert model.get_layer("log_mel").num_mel_bins == 8
    waves = np.zeros((2, 2000), "float32")
    waves[0, :1000] = np.sin(np.arange(1000) * 0.3)
    waves[1, :] = np.sin(np.arange(2000) * 0.5)
    out = numpy(model(waves))  # (2, frames, 5)
    assert out.shape == (2, 1 + 2000 // 80, 5)
    lengths = ctc_input_lengths(model, waves)
    # Frames are centred every 80 samples with a 256-sample window: frames
    # whose window holds only zero padding are masked.
    assert lengths[1] == out.shape[1] and 1000 // 80 < lengths[0] < out.shape[1]
    np.testing.assert_array_equal(out[0, lengths[0]:].argmax(-1), 0)
    np.testing.assert_array_equal(out[0, lengths[0]:].max(-1), 1.0)
    assert out[0, : lengths[0]].max(-1).min() < 1.0


def test_waveform_model_saves_and_loads(tmp_path):
    model = rnn_zoo.build("speech_recognizer", conv_filters=[4], **WAVE)
    waves, _ = synthetic.tone_sequences(2, num_symbols=4, max_length=3, seed=0)
    path = tmp_path / "asr.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(numpy(loaded(waves)), numpy(model(waves)), atol=1e-5)


# SpecAugment.


def test_spec_augment_masks_bands_in_training_only_and_keeps_the_mask():
    from rnn_zoo.layers import SpecAugment

    layer = SpecAugment(freq_masks=1, freq_width=3, time_masks=1, time_width=2, seed=3)
    x = np.random.default_rng(0).normal(size=(4, 6, 8)).astype("float32")
    mask = np.array([[1] * 6, [1] * 4 + [0] * 2, [1] * 6, [0] * 6], bool)
    np.testing.assert_array_equal(numpy(layer(x, mask=mask)), x)  # inference: identity
    y = numpy(layer(x, training=True, mask=mask))
    assert np.isfinite(y).all()  # an all-padding row too
    changed = y != x
    for row in range(3):
        bins = changed[row].all(axis=0)  # a frequency band covers every frame
        frames = changed[row].all(axis=1)
        assert bins.sum() <= 3 and frames.sum() <= 2
        # What changed is whole bands, set to the row's mean over real frames.
        assert (changed[row] == (bins[None, :] | frames[:, None])).all()
        real = x[row][mask[row]]
        np.testing.assert_allclose(y[row][changed[row]], real.mean(), atol=1e-6)
    assert changed[:3].any()  # seed 3 draws some band in some row
    assert numpy(layer.compute_mask(x, mask)).tolist() == mask.tolist()
    clone = SpecAugment.from_config(layer.get_config())
    assert (clone.freq_width, clone.time_masks, clone.seed) == (3, 1, 3)


def test_spec_augment_model_predicts_as_without_it_and_trains():
    model = rnn_zoo.build("speech_recognizer", conv_filters=[4], spec_augment=True, **WAVE)
    assert model.get_layer("spec_augment").freq_masks == 2
    plain = rnn_zoo.build("speech_recognizer", conv_filters=[4], **WAVE)
    plain.set_weights(model.get_weights())  # SpecAugment has no weights
    waves, labels = synthetic.tone_sequences(2, num_symbols=4, max_length=3, seed=0)
    np.testing.assert_allclose(numpy(model.predict(waves, verbose=0)),
                               numpy(plain.predict(waves, verbose=0)), atol=1e-6)
    assert np.isfinite(model.train_on_batch(waves, labels))


# Lengths.


def test_labels_longer_than_the_input_allows():
    model = rnn_zoo.build("speech_recognizer", conv_filters=[4, 4], conv_strides=2, **TINY)
    assert ctc_subsampling(model) == 4
    x = features(frames=12)  # 12 -> 6 -> 3 CTC frames
    x[1, 8:] = 0.0  # 8 real frames -> 2 CTC frames
    check_ctc_lengths(model, x, np.array([[1, 2, 3], [1, 2, 0]]))
    with pytest.raises(ValueError, match=(
            r"Label 1 is longer than its input allows: 3 symbols with 0 repeat\(s\) "
            r"need at least 3 CTC frames \(a blank separates repeats\), but the input "
            r"gives 2, after 4x subsampling by the front end.*"
            r"Received: label 1 = \[1, 2, 3\], 2 frames")):
        check_ctc_lengths(model, x, np.array([[1, 2, 3], [1, 2, 3]]))
    with pytest.raises(ValueError, match="2 symbols with 1 repeat.*need at least 3"):
        check_ctc_lengths(model, x, np.array([[1, 2, 3], [4, 4, 0]]))
    with pytest.raises(ValueError, match=r"CTC labels must be ids in \[1, 5\)"):
        check_ctc_lengths(model, x, np.array([[1, 2, 5], [1, 0, 0]]))
    with pytest.raises(ValueError, match=r"CTC labels must be int ids \(batch, max_label_length\)"):
        check_ctc_lengths(model, x, np.array([1, 2]))
    with pytest.raises(ValueError, match="Got 2 inputs but 1 labels"):
        check_ctc_lengths(model, x, np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"Expected a batch of frames \(batch, frames, features\)"):
        ctc_input_lengths(model, x[0])


# Decoding and error rates.


def test_greedy_and_beam_search_differ_as_they_should():
    # Two frames, blank 0.6 / "a" 0.4 each: the best path is blank-blank
    # (0.36), but "a" has 0.4 * 0.6 * 2 + 0.4 * 0.4 = 0.64 summed over paths.
    probs = np.array([[[0.6, 0.4], [0.6, 0.4]]], "float32")
    assert ctc_decode(probs) == [[]]
    assert ctc_decode(probs, strategy="beam", beam_width=4) == [[1]]
    assert ctc_decode(probs, strategy="beam_search") == [[1]]  # Keras' name


def test_decoding_merges_repeats_and_gives_text():
    probs = np.full((2, 6, 4), 0.01, "float32")
    best = [[1, 1, 0, 1, 2, 2], [3, 0, 3, 3, 0, 0]]
    for i, row in enumerate(best):
        probs[i, np.arange(6), row] = 0.97
    assert ctc_decode(probs) == [[1, 1, 2], [3, 3]]
    assert ctc_decode(probs, vocabulary=["", "a", "b", "c"]) == ["aab", "cc"]
    assert ctc_decode(probs, strategy="beam", vocabulary=["", "a", "b", "c"],
                      separator=" ") == ["a a b", "c c"]


def test_decoding_bad_arguments():
    with pytest.raises(ValueError, match="Unknown strategy 'beem'. Did you mean 'beam'"):
        ctc_decode(np.ones((1, 2, 3)), strategy="beem")
    with pytest.raises(ValueError, match=r"CTC outputs must be \(batch, frames, classes\)"):
        ctc_decode(np.ones((2, 3)))


def test_error_rates_on_fixtures_of_known_score():
    assert word_error_rate(["one two three"], [""]) == pytest.approx(1.0)  # all deleted
    assert character_error_rate(["abcd"], ["acbd"]) == pytest.approx(2 / 4)
    assert character_error_rate(["a b"], ["ab"]) == pytest.approx(1 / 3)  # spaces count
    assert character_error_rate(["abcd", "ef"], ["abd", "efg"]) == pytest.approx(2 / 6)
    assert word_error_rate("the cat sat", "the bat sat on") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="Give one hypothesis per reference"):
        word_error_rate(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="The references are empty"):
        character_error_rate([""], ["x"])


# Arguments.


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(sampling_rate=8000, mask_value=-1.0), ValueError,
         "Waveforms are padded with zeros.*`mask_value` must be 0.0.*mask_value=-1.0"),
        (dict(conv_filters=8), TypeError, "`conv_filters` must be a non-empty list of ints"),
        (dict(conv_filters=[]), TypeError, "`conv_filters` must be a non-empty list"),
        (dict(conv_filters=[0]), ValueError, "`conv_filters` must be >= 1"),
        (dict(conv_strides=0), ValueError, "`conv_strides` must be >= 1"),
        (dict(sampling_rate=8000.0), TypeError, "`sampling_rate` must be an int"),
        (dict(vocabulary_size=1), ValueError, "`vocabulary_size` must be >= 2"),
        (dict(spec_augment="on"), TypeError, "`spec_augment` must be None.*Received: spec_augment='on'"),
        (dict(spec_augment={"freq_mask": 1}), ValueError,
         "Unknown SpecAugment argument 'freq_mask'.*Did you mean 'freq_masks'"),
        (dict(spec_augment={"time_width": -1}), ValueError, "`time_width` must be >= 0"),
    ],
)
def test_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        rnn_zoo.build("speech_recognizer", **dict(TINY, **overrides))


# Learning a generated task.


@pytest.mark.slow
def test_learns_to_transcribe_tone_sequences():
    keras.utils.set_random_seed(0)
    waves, labels = synthetic.tone_sequences(192, num_symbols=4, seed=0)
    model = rnn_zoo.build(
        "speech_recognizer", input_dim=16, vocabulary_size=5, sampling_rate=8000,
        frame_length=200, frame_step=80, conv_filters=[16], conv_strides=2,
        cell="gru", units=16, num_layers=1, learning_rate=1e-2,
    )
    check_ctc_lengths(model, waves, labels)
    model.fit(waves, labels, epochs=6, batch_size=32, verbose=0)
    waves, labels = synthetic.tone_sequences(64, num_symbols=4, seed=1)
    symbols = ["", "a", "b", "c", "d"]
    references = ["".join(symbols[i] for i in row if i) for row in labels]
    probs = model.predict(waves, verbose=0)
    greedy = ctc_decode(probs, vocabulary=symbols)
    beam = ctc_decode(probs, strategy="beam", vocabulary=symbols)
    assert character_error_rate(references, greedy) < 0.1
    assert character_error_rate(references, beam) < 0.1
