"""Visual question answering: an image and a question -> an answer class."""

import keras
import numpy as np

from rnn_zoo._validation import check_choice
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common, _vision
from rnn_zoo.topologies.many_to_one import check_pooling, many_to_one
from rnn_zoo.topologies.stacks import output_width, validate_stack_args
from rnn_zoo.model import ZooModel

FUSIONS = _common.FUSIONS


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    images = _vision.example_images(rng, kwargs, batch_size)
    questions = _common.random_tokens(
        rng, batch_size, sequence_length, kwargs["vocabulary_size"]
    )
    answers = rng.integers(0, kwargs["num_answers"], size=(batch_size,)).astype("int32")
    return [images, questions], answers


@register_model(
    task="visual_question_answering",
    topology="many_to_one",
    tiny_kwargs=dict(
        vocabulary_size=10, num_answers=3, image_encoder="small_cnn",
        image_shape=(8, 8, 3), image_encoder_weights=None, embedding_dim=4,
        units=4, num_layers=2,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "gru", "fusion": "add"},
        {"cell": "lstm", "bidirectional": True, "fusion": "concat", "pooling": "mean"},
        {"cell": "simple_rnn", "image_encoder": None, "image_shape": None,
         "feature_shape": (6,), "fusion": "multiply"},
    ],
)
@_vision.fill_image_doc
@_common.fill_doc
def visual_question_answerer(
    *,
    vocabulary_size,
    num_answers,
    image_encoder="mobilenet_v3_small",
    image_shape=None,
    feature_shape=None,
    image_encoder_weights="imagenet",
    image_encoder_trainable=None,
    embedding_dim=128,
    cell="lstm",
    units=256,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    pooling="last",
    fusion="multiply",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="visual_question_answerer",
):
    """Answers a question about an image, choosing among known answers.

    `image -> CNN -> pooled features -> Dense(tanh) --+
    question -> Embedding -> RNN x num_layers -> pooling --+-> fusion ->
    Dense(tanh) -> Dense(num_answers) -> softmax`

    Inputs: `[images, questions]`: images `(batch, height, width, channels)`
    in [0, 255] (or precomputed features `(batch, *feature_shape)` with
    `image_encoder=None`) and question token ids `(batch, time)`, 0 =
    padding. Output: answer probabilities `(batch, num_answers)`, the usual
    framing of VQA as classification over the most frequent answers (Antol
    et al. 2015). The image vector is projected by `Dense(tanh)` to the
    width of the question encoding (`image_projection`), then `fusion`
    joins the two (`fusion` layer): `"multiply"` (element-wise, the
    "deeper LSTM Q + norm I" model of Antol et al.), `"add"`, or `"concat"`.
    A `Dense(tanh)` layer (`answer_hidden`) mixes the fused vector before
    the answer layer, so `"add"` and `"concat"` can also combine what the
    question asks with what the image shows.

    Args:
        vocabulary_size: int. Number of question token ids, padding id 0
            included.
        num_answers: int >= 2. Number of answer classes.
        {image_args}
        embedding_dim: int. Width of the question token embeddings.
            Defaults to 128.
        {stack_args}
            `units` defaults to 256 here.
        pooling: str. How the question becomes one vector: `"last"`,
            `"mean"`, `"max"` or `"attention"`. Defaults to `"last"`.
        fusion: str. `"multiply"`, `"add"` or `"concat"`. Defaults to
            `"multiply"`.
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        accuracy unless `compile=False`.

    Raises:
        ValueError: for a bad argument, an unknown `image_encoder` or
            `fusion`, or images of the wrong rank or channels.
        RuntimeError: when the ImageNet weights cannot be downloaded (the
            message says how to go on offline).

    Example:

    >>> model = visual_question_answerer(
    ...     vocabulary_size=10, num_answers=3, image_encoder=None,
    ...     feature_shape=(7, 7, 8), embedding_dim=4, units=4, fusion="concat")
    >>> features = np.zeros((2, 7, 7, 8))
    >>> questions = np.array([[3, 4, 5], [6, 2, 0]])
    >>> tuple(model.predict([features, questions], verbose=0).shape)
    (2, 3)

    Reference: Antol et al. 2015, "VQA: Visual Question Answering";
    Malinowski et al. 2015, "Ask Your Neurons".
    """
    _common.check_vocabulary_size(vocabulary_size)
    _common.check_num_classes(num_answers, "num_answers")
    images = _vision.check_image_args(
        image_encoder=image_encoder, image_shape=image_shape,
        feature_shape=feature_shape, image_encoder_weights=image_encoder_weights,
        image_encoder_trainable=image_encoder_trainable,
    )
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_pooling(pooling)
    fusion = check_choice("fusion", fusion, FUSIONS)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    image, vector, _ = _vision.image_features(images)  # (batch, c)
    questions = _common.token_input(sequence_length, name="questions")  # (batch, time)
    q = _common.embed(questions, vocabulary_size, embedding_dim)  # (batch, time, embed)
    q = many_to_one(q, pooling=pooling, name="question_encoder", **stack)  # (batch, width)
    width = output_width(stack["units"][-1], bidirectional, merge_mode)
    v = keras.layers.Dense(width, activation="tanh", name="image_projection")(vector)
    x = _common.fuse([v, q], fusion)  # (batch, width) or (batch, 2 * width)
    x = keras.layers.Dense(width, activation="tanh", name="answer_hidden")(x)
    probabilities = _common.softmax_head(x, num_answers, stack["dropout"])
    model = ZooModel([image, questions], probabilities, name=name)  # (batch, answers)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
