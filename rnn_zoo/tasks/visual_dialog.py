"""Visual dialog: an image, the dialog so far and a question -> an answer class."""

import keras
import numpy as np

from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.layers.dialog import FoldTurns, UnfoldTurns
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common, _vision
from rnn_zoo.topologies.many_to_one import many_to_one
from rnn_zoo.topologies.stacks import output_width, validate_stack_args
from rnn_zoo.model import ZooModel

FUSIONS = _common.FUSIONS


def _example_data(kwargs, batch_size, sequence_length, seed):
    """Histories of 3 turns (or `num_turns`) of up to `sequence_length`
    tokens: the first dialog uses every turn, the last (of two or more) has
    no history at all (one padding turn's worth of zeros), the others a
    random number of turns, right-padded with all-zero turns."""
    rng = np.random.default_rng(seed)
    images = _vision.example_images(rng, kwargs, batch_size)
    vocabulary_size = kwargs["vocabulary_size"]
    num_turns = kwargs.get("num_turns") or 3
    turn_length = kwargs.get("turn_length") or sequence_length
    turns = rng.integers(0, num_turns + 1, size=batch_size)
    turns[0] = num_turns
    if batch_size > 1:
        turns[-1] = 0
    history = np.zeros((batch_size, num_turns, turn_length), "int32")
    for i, count in enumerate(turns):
        if count:
            history[i, :count] = _common.random_tokens(
                rng, count, turn_length, vocabulary_size
            )
    questions = _common.random_tokens(
        rng, batch_size, kwargs.get("sequence_length") or sequence_length, vocabulary_size
    )
    answers = rng.integers(0, kwargs["num_answers"], size=(batch_size,)).astype("int32")
    return [images, history, questions], answers


@register_model(
    task="visual_dialog",
    topology="many_to_one",
    tiny_kwargs=dict(
        vocabulary_size=10, num_answers=3, image_encoder="small_cnn",
        image_shape=(8, 8, 3), image_encoder_weights=None, embedding_dim=4,
        units=4, num_layers=2,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "gru", "fusion": "add"},
        {"cell": "lstm", "bidirectional": True, "fusion": "concat"},
        {"cell": "simple_rnn", "image_encoder": None, "image_shape": None,
         "feature_shape": (6,), "fusion": "multiply", "dialog_units": 5},
    ],
)
@_vision.fill_image_doc
@_common.fill_doc
def visual_dialog(
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
    dialog_units=None,
    fusion="concat",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    num_turns=None,
    turn_length=None,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="visual_dialog",
):
    """Answers a question about an image in the context of a dialog about it.

    `history (turns x tokens) -> Embedding -> utterance RNN per turn ->
    dialog RNN over the turns --+
    question -> Embedding -> question RNN ---------------+-> fusion ->
    image -> CNN -> pooled features ---------------------+   Dense(tanh) ->
    Dense(num_answers) -> softmax`

    Inputs: `[images, history, questions]`. Images `(batch, height, width,
    channels)` in [0, 255], or precomputed features `(batch, *feature_shape)`
    with `image_encoder=None`. History: token ids `(batch, turns, tokens)`,
    each turn one token sequence (for example a question and its answer
    joined; in Visual Dialog the image's caption is turn 0), 0 = padding;
    dialogs with fewer turns are right-padded with all-zero turns, and a
    dialog without history is one all-zero turn. Questions: token ids
    `(batch, time)`, 0 = padding, sharing the history's vocabulary and
    embedding. Output: probabilities `(batch, num_answers)` over a fixed
    answer set (the discriminative setting of Das et al. 2017).

    The encoder is hierarchical (Serban et al. 2016, HRED): an utterance
    RNN (the stack arguments; layers `utterance_encoder_<cell>_<i>`) reads
    every turn, folded into the batch by `FoldTurns` (the turn length may
    be unknown); `UnfoldTurns` gives each dialog its turn vectors back,
    zeroes those of padding turns and masks them; a one-layer dialog RNN
    (`dialog_encoder_<cell>_0`, `dialog_units` wide) reads the turn vectors
    in order, so its last state weighs the latest turns most. A question
    RNN of the same shape as the utterance RNN (`question_encoder_...`,
    its own weights) reads the question. Late fusion, as in the baselines
    of Das et al.: the image, question and history vectors are each
    projected by `Dense(tanh)` to the width of the question encoding
    (`image_projection`, `question_projection`, `history_projection`), then
    joined (`fusion` layer: `"concat"`, the paper's late-fusion encoder,
    `"add"` or `"multiply"`) and mixed by a `Dense(tanh)` (`answer_hidden`)
    before the answer layer.

    Args:
        vocabulary_size: int. Number of token ids of the history and the
            questions, padding id 0 included.
        num_answers: int >= 2. Number of answer classes.
        {image_args}
        embedding_dim: int. Width of the token embeddings (one embedding,
            `embedding`, shared by the history and the questions).
            Defaults to 128.
        {stack_args}
            These shape the utterance and the question encoders; `units`
            defaults to 256 here.
        dialog_units: int or None. Width of the dialog RNN over the turns;
            None: the width of the turn encodings. Defaults to None.
        fusion: str. `"concat"`, `"add"` or `"multiply"`. Defaults to
            `"concat"`.
        num_turns: int or None. Fixed number of turns of the history, or
            None for any. Defaults to None.
        turn_length: int or None. Fixed number of tokens per turn, or None
            for any. Defaults to None.
        {compile_args}
            `sequence_length` is the question's length.

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        accuracy unless `compile=False`.

    Raises:
        ValueError: for a bad argument or an unknown `image_encoder` or
            `fusion`. When the model is called: a history with no turns or
            no tokens (a static size of 0; a dialog without history is one
            padding turn). A history that is not 3D `(batch, turns,
            tokens)` is refused by Keras' input check, which names the
            `history` input and its expected rank.
        RuntimeError: when the ImageNet weights cannot be downloaded (the
            message says how to go on offline).

    Example:

    >>> model = visual_dialog(
    ...     vocabulary_size=10, num_answers=3, image_encoder=None,
    ...     feature_shape=(8,), embedding_dim=4, units=4)
    >>> features = np.zeros((2, 8))
    >>> history = np.array([[[3, 4, 5], [6, 2, 0]],   # two turns
    ...                     [[0, 0, 0], [0, 0, 0]]])  # no history yet
    >>> questions = np.array([[7, 8, 9], [7, 9, 0]])
    >>> tuple(model.predict([features, history, questions], verbose=0).shape)
    (2, 3)

    Reference: Das et al. 2017, "Visual Dialog"; Serban et al. 2016,
    "Building End-To-End Dialogue Systems Using Generative Hierarchical
    Neural Network Models".
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
    check_int("dialog_units", dialog_units, minimum=1, allow_none=True)
    fusion = check_choice("fusion", fusion, FUSIONS)
    check_int("num_turns", num_turns, minimum=1, allow_none=True)
    check_int("turn_length", turn_length, minimum=1, allow_none=True)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    width = output_width(stack["units"][-1], bidirectional, merge_mode)
    image, vector, _ = _vision.image_features(images)  # (batch, c)
    history = keras.Input((num_turns, turn_length), dtype="int32", name="history")
    questions = _common.token_input(sequence_length, name="questions")  # (batch, time)
    embedding = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name="embedding"
    )
    h = FoldTurns(name="fold_turns")(history)  # (batch * turns, tokens)
    h = embedding(h)  # (batch * turns, tokens, embed)
    h = many_to_one(h, name="utterance_encoder", **stack)  # (batch * turns, width)
    h = UnfoldTurns(name="unfold_turns")([h, history])  # (batch, turns, width)
    h = many_to_one(
        h, cell=stack["cell"], units=dialog_units or width, dropout=stack["dropout"],
        recurrent_dropout=stack["recurrent_dropout"], name="dialog_encoder",
    )  # (batch, dialog_units)
    q = embedding(questions)  # (batch, time, embed)
    q = many_to_one(q, name="question_encoder", **stack)  # (batch, width)
    v = keras.layers.Dense(width, activation="tanh", name="image_projection")(vector)
    q = keras.layers.Dense(width, activation="tanh", name="question_projection")(q)
    h = keras.layers.Dense(width, activation="tanh", name="history_projection")(h)
    x = _common.fuse([v, q, h], fusion)  # (batch, width) or (batch, 3 * width)
    x = keras.layers.Dense(width, activation="tanh", name="answer_hidden")(x)
    probabilities = _common.softmax_head(x, num_answers, stack["dropout"])
    model = ZooModel([image, history, questions], probabilities, name=name)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
