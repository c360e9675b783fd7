import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.data import synthetic
from rnn_zoo import decoding
from rnn_zoo.decoding.captioning import CaptionerStep

TINY = dict(
    vocabulary_size=10, image_encoder="small_cnn", image_shape=(8, 8, 3),
    image_encoder_weights=None, embedding_dim=4, units=4, num_layers=2,
)
WORDS = ["", "<s>", "</s>", "a", "small", "large", "red", "green", "blue", "square"]
IDS = {w: i for i, w in enumerate(WORDS)}


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def captioner(**overrides):
    kwargs = dict(TINY, **overrides)
    if kwargs["image_encoder"] is None:
        kwargs["image_shape"] = None
        kwargs["image_encoder_weights"] = None
    return rnn_zoo.build("image_captioner", **kwargs)


def images_for(model, batch=2, seed=0):
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).uniform(0, 255, (batch, *shape)).astype("float32")


def caption_texts(generation):
    """Generated ids -> caption strings (up to `</s>`; None without it)."""
    out = []
    for row in generation.tokens:
        words = [WORDS[i] for i in row]
        out.append(" ".join(words[: words.index("</s>")]) if "</s>" in words else None)
    return out


def caption(model, images, strategy="greedy", max_new_tokens=8, jit_compile=True):
    return decoding.generate(
        model, images, max_new_tokens, strategy=strategy, start_id=IDS["<s>"],
        end_id=IDS["</s>"], jit_compile=jit_compile,
    )


# The step model reproduces the trained model exactly.


@pytest.mark.parametrize(
    "overrides",
    [
        dict(attention="bahdanau"),
        dict(cell="gru", conditioning="first_input", residual=True),
        dict(cell="simple_rnn", image_encoder=None, feature_shape=(6,)),
        dict(image_encoder=None, feature_shape=(2, 3, 5), attention="luong",
             conditioning="first_input"),
    ],
    ids=["attention", "first_input-residual", "vector-features", "grid-features"],
)
def test_step_model_matches_teacher_forcing(overrides):
    model = captioner(**overrides)
    images = images_for(model)
    tokens = np.array([[1, 4, 5, 6], [1, 7, 8, 9]], "int32")
    expected = numpy(model([images, tokens]))  # (batch, time, vocab)
    step_model = CaptionerStep(model)
    assert CaptionerStep.matches(model)
    assert step_model.vocabulary_size == 10
    state, ids = step_model.start(step_model.prepare(images, start_id=1))
    np.testing.assert_array_equal(numpy(ids), [1, 1])
    for t in range(tokens.shape[1]):
        logits, state, extras = step_model.step(keras.ops.convert_to_tensor(tokens[:, t]), state)
        np.testing.assert_allclose(numpy(keras.ops.softmax(logits)), expected[:, t], atol=1e-5)
    if "attention" in overrides:
        weights = numpy(extras["attention"])
        grid = model.get_layer("image_grid").output.shape[1]
        assert weights.shape == (2, grid)
        np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    else:
        assert extras == {}


def test_step_model_drives_a_loaded_model(tmp_path):
    model = captioner(attention="bahdanau")
    path = tmp_path / "captioner.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    images = images_for(model)
    assert decoding.step_model_for(loaded).__class__ is CaptionerStep
    # Eager loops: the compiled one is exercised by the learning test.
    a = caption(model, images, max_new_tokens=4, jit_compile=False)
    b = caption(loaded, images, max_new_tokens=4, jit_compile=False)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_allclose(a.extras["attention"], b.extras["attention"], atol=1e-5)


def test_step_model_does_not_take_other_models():
    vqa = rnn_zoo.build(
        "visual_question_answerer", vocabulary_size=10, num_answers=3,
        image_encoder=None, feature_shape=(4,), embedding_dim=4, units=4,
    )
    assert not CaptionerStep.matches(vqa)
    lm = rnn_zoo.build("language_model", vocabulary_size=10, embedding_dim=4, units=4)
    assert not CaptionerStep.matches(lm)


def test_prepare_checks_images_and_start_token():
    model = captioner()
    step_model = CaptionerStep(model)
    images = images_for(model)
    with pytest.raises(ValueError, match="pass `start_id`"):
        step_model.prepare(images)
    with pytest.raises(ValueError, match=r"`start_id` must be a token id in \[1, 10\)"):
        step_model.prepare(images, start_id=10)
    with pytest.raises(TypeError, match="`start_id` must be an int"):
        step_model.prepare(images, start_id="<s>")
    with pytest.raises(ValueError, match=r"images of shape \(batch, 8, 8, 3\) \(or one "
                       r"without the batch axis\). Received: inputs of shape \(8, 8\)"):
        step_model.prepare(images[0, ..., 0], start_id=1)
    with pytest.raises(ValueError, match=r"check the number of channels.*\(2, 8, 8, 1\)"):
        step_model.prepare(images[..., :1], start_id=1)
    one, _ = step_model.prepare(images[0], start_id=1)  # one image, no batch axis
    assert one.shape == (1, 8, 8, 3)


# Argument checks.


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(image_shape=(8, 8)), ValueError,
         r"`image_shape` must be \(height, width, channels\).*Received: image_shape=\(8, 8\)"),
        (dict(image_encoder="mobilenet_v3_small", image_shape=(32, 32, 1),
              image_encoder_weights=None), ValueError,
         "takes RGB images with 3 channels.*image_shape=\\(32, 32, 1\\)"),
        (dict(image_encoder="mobilnet_v3_small"), ValueError,
         "Unknown image encoder 'mobilnet_v3_small'. Did you mean "
         "'mobilenet_v3_small'\\? Expected one of \\['convnext_tiny'"),
        (dict(image_encoder=3), TypeError, "`image_encoder` must be a string"),
        (dict(feature_shape=(4,)), ValueError,
         "`feature_shape` is for precomputed features"),
        (dict(image_encoder=None, image_shape=(8, 8, 3)), ValueError,
         "image_encoder=None takes precomputed features. Pass `feature_shape`"),
        (dict(image_encoder=None, image_shape=None), ValueError,
         "`feature_shape` is needed"),
        (dict(image_encoder=None, image_shape=None, feature_shape=(2, 4)), ValueError,
         r"`feature_shape` must be \(features,\) for a vector or \(height, width, "
         r"features\) for a grid"),
        (dict(image_encoder=None, image_shape=None, feature_shape=(4,),
              attention="bahdanau"), ValueError,
         "Attention needs a spatial grid.*feature_shape=\\(4,\\)"),
        (dict(image_encoder_weights="imagenet"), ValueError,
         "'small_cnn' encoder has no pretrained weights"),
        (dict(image_encoder="mobilenet_v3_small", image_encoder_weights=1), TypeError,
         "`image_encoder_weights` must be 'imagenet', None or a file path"),
        (dict(image_encoder_trainable="yes"), TypeError,
         "`image_encoder_trainable` must be a bool"),
        (dict(conditioning="first_step"), ValueError,
         "Unknown conditioning 'first_step'. Did you mean 'first_input'"),
        (dict(attention="bahdanu"), ValueError,
         "Unknown attention 'bahdanu'. Did you mean 'bahdanau'"),
    ],
)
def test_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        rnn_zoo.build("image_captioner", **dict(TINY, **overrides))


def test_imagenet_download_failure_says_how_to_go_on(monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/x.h5: "
                        "None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(RuntimeError, match=(
        "Could not download the ImageNet weights of the 'mobilenet_v3_small' "
        "image encoder.*URL fetch failure.*image_encoder_weights=None.*"
        "image_encoder=None, feature_shape")):
        rnn_zoo.build("image_captioner", **dict(
            TINY, image_encoder="mobilenet_v3_small", image_shape=(32, 32, 3),
            image_encoder_weights="imagenet"))


def test_keras_applications_encoder_frozen_or_trained():
    frozen = captioner(image_encoder="mobilenet_v3_small", image_shape=(32, 32, 3),
                       image_encoder_trainable=False)
    encoder = frozen.get_layer("image_encoder")
    assert not encoder.trainable and encoder.count_params() > 100_000
    trained_ids = {id(w) for w in frozen.trainable_weights}
    assert not any(id(w) in trained_ids for w in encoder.weights)
    assert tuple(encoder.output.shape) == (None, 1, 1, 576)
    # Random weights: nothing to preserve, so the encoder trains by default.
    assert captioner().get_layer("image_encoder").trainable


# Learning a generated task.


@pytest.mark.slow
def test_learns_to_caption_coloured_squares():
    keras.utils.set_random_seed(0)
    images, captions = synthetic.square_captions(192, image_size=16, seed=0)
    seqs = np.array(
        [[IDS["<s>"], *(IDS[w] for w in c.split()), IDS["</s>"]] for c in captions], "int32"
    )
    model = rnn_zoo.build(
        "image_captioner", vocabulary_size=len(WORDS), image_encoder="small_cnn",
        image_shape=(16, 16, 3), image_encoder_weights=None, embedding_dim=8,
        units=32, attention="bahdanau", learning_rate=1e-2,
    )
    model.fit([images, seqs[:, :-1]], seqs[:, 1:], epochs=6, batch_size=32, verbose=0)
    test_images, test_captions = synthetic.square_captions(64, image_size=16, seed=1)
    # Eager loops (the compiled one is checked against them on a tiny model).
    for strategy in ("greedy", decoding.get("beam", beam_width=3)):
        generation = caption(model, test_images, strategy, jit_compile=False)
        generated = caption_texts(generation)
        accuracy = np.mean([g == c for g, c in zip(generated, test_captions)])
        assert accuracy >= 0.9, list(zip(generated, test_captions))[:5]
        # "a <size> <colour> square </s>": five tokens, then the row stops.
        right = np.array([g == c for g, c in zip(generated, test_captions)])
        np.testing.assert_array_equal(generation.lengths[right], 5)
        assert np.all(generation.tokens[right, 5:] == 0)
        steps = generation.tokens.shape[1]
        attention = generation.attention  # (images, steps, 4 x 4 grid positions)
        assert attention.shape == (64, steps, 16)
        np.testing.assert_allclose(attention[right, :5].sum(-1), 1.0, rtol=1e-5)


def test_compiled_generation_equals_eager():
    # One compiled loop (tf.function + XLA on TensorFlow, jax.jit on JAX).
    model = captioner(attention="bahdanau", cell="gru")
    images = images_for(model)
    eager = caption(model, images, max_new_tokens=3, jit_compile=False)
    compiled = caption(model, images, max_new_tokens=3, jit_compile=True)
    np.testing.assert_array_equal(compiled.tokens, eager.tokens)
    np.testing.assert_allclose(compiled.log_probs, eager.log_probs, atol=1e-4)
    np.testing.assert_allclose(compiled.attention, eager.attention, atol=1e-5)


def test_generate_checks_captioner_inputs():
    model = captioner()
    with pytest.raises(ValueError, match="pass `start_id`"):
        decoding.generate(model, images_for(model), 3)
    with pytest.raises(ValueError, match=r"Received: inputs of shape \(2, 8, 8, 1\)"):
        decoding.generate(model, images_for(model)[..., :1], 3, start_id=1)
