import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.data import synthetic

FEATURES = dict(
    vocabulary_size=10, num_answers=3, image_encoder=None, feature_shape=(2, 2, 6),
    embedding_dim=4, units=4,
)


@pytest.mark.parametrize("fusion, width", [("add", 4), ("multiply", 4), ("concat", 8)])
def test_fusion_joins_image_and_question(fusion, width):
    model = rnn_zoo.build("visual_question_answerer", fusion=fusion, **FEATURES)
    assert model.get_layer("fusion").output.shape[-1] == width
    assert model.get_layer("image_projection").output.shape[-1] == 4
    features = np.random.default_rng(0).normal(size=(2, 2, 2, 6)).astype("float32")
    questions = np.array([[3, 4, 5], [3, 4, 5]])
    probs = model.predict([features, questions], verbose=0)
    # Same question, different images: the image reaches the answer.
    assert not np.allclose(probs[0], probs[1])


def test_bidirectional_question_encoder_width():
    model = rnn_zoo.build(
        "visual_question_answerer", bidirectional=True, fusion="multiply", **FEATURES
    )
    assert model.get_layer("image_projection").output.shape[-1] == 8


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(fusion="concatenate"), ValueError,
         r"Unknown fusion 'concatenate'. Did you mean 'concat'\? Expected one of "
         r"\['add', 'concat', 'multiply'\]. Received: fusion='concatenate'"),
        (dict(fusion=None), ValueError, "Unknown fusion None"),
        (dict(num_answers=1), ValueError, "`num_answers` must be >= 2"),
        (dict(image_encoder="small_cnn", feature_shape=None, image_shape=(8, 8, 3, 1),
              image_encoder_weights=None), ValueError,
         r"`image_shape` must be \(height, width, channels\)"),
        (dict(image_encoder="efficientnet_b0", feature_shape=None, image_shape=(32, 32, 4),
              image_encoder_weights=None), ValueError,
         "'efficientnet_b0' encoder takes RGB images with 3 channels"),
        (dict(image_encoder="resnet50", feature_shape=None), ValueError,
         r"Unknown image encoder 'resnet50'.*Expected one of \[.*'small_cnn'\]"),
    ],
)
def test_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        rnn_zoo.build("visual_question_answerer", **dict(FEATURES, **overrides))


def _ids(texts, vocabulary):
    width = max(len(t.split()) for t in texts)
    ids = np.zeros((len(texts), width), "int32")
    for i, text in enumerate(texts):
        ids[i, : len(text.split())] = [vocabulary[w] for w in text.split()]
    return ids


def test_learns_to_answer_questions_about_squares():
    keras.utils.set_random_seed(0)
    images, questions, answers = synthetic.square_questions(256, image_size=16, seed=0)
    words = sorted({w for q in questions for w in q.split()})
    vocabulary = {w: i + 1 for i, w in enumerate(words)}
    answer_names = sorted(synthetic.COLOURS) + sorted(synthetic.SIZES)
    answer_ids = {a: i for i, a in enumerate(answer_names)}
    model = rnn_zoo.build(
        "visual_question_answerer", vocabulary_size=len(words) + 1,
        num_answers=len(answer_names), image_encoder="small_cnn",
        image_shape=(16, 16, 3), image_encoder_weights=None, embedding_dim=8,
        units=32, fusion="concat", learning_rate=5e-3,
    )
    model.fit(
        [images, _ids(questions, vocabulary)],
        np.array([answer_ids[a] for a in answers]), epochs=8, batch_size=32, verbose=0,
    )
    images, questions, answers = synthetic.square_questions(128, image_size=16, seed=1)
    predicted = model.predict([images, _ids(questions, vocabulary)], verbose=0).argmax(-1)
    accuracy = np.mean(predicted == [answer_ids[a] for a in answers])
    assert accuracy >= 0.9
    # Each answer comes from the kind of question asked.
    colour_questions = np.array(["colour" in q for q in questions])
    is_colour = predicted < len(synthetic.COLOURS)
    assert np.mean(is_colour == colour_questions) >= 0.95
