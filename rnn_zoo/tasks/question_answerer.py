"""Extractive question answering: the answer is a span of the context."""

import keras
import numpy as np
from keras import ops

from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.cells import CELLS
from rnn_zoo.layers.attention import ATTENTIONS
from rnn_zoo.layers.pointer import BilinearPointer
from rnn_zoo.layers.pooling import MaskedGlobalAveragePooling1D
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


ATTENTION_SCORES = ("bahdanau", "dot", "luong")


def _attention_layer(attention, width):
    if attention == "dot":
        return keras.layers.Attention(name="context_to_question")
    return ATTENTIONS[attention](width, name="context_to_question")


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    vocabulary_size = kwargs["vocabulary_size"]
    question = _common.random_tokens(rng, batch_size, sequence_length, vocabulary_size)
    context_lengths = _common.random_lengths(rng, batch_size, sequence_length + 2)
    context = _common.random_tokens(
        rng, batch_size, sequence_length + 2, vocabulary_size, context_lengths
    )
    start = rng.integers(0, context_lengths)
    end = rng.integers(start, context_lengths)
    return [question, context], [start.astype("int32"), end.astype("int32")]


@register_model(
    task="question_answering",
    topology="many_to_many",
    # Two bidirectional stacks make this the slowest model to trace: the
    # `.keras` round trip (two traced steps) uses one layer each; the variants
    # (eager steps) cover depth 2 with every cell and direction.
    tiny_kwargs=dict(vocabulary_size=10, embedding_dim=4, units=4, num_layers=1),
    example_data=_example_data,
    test_variants=[
        {"cell": cell, "bidirectional": b, "num_layers": 2}
        for cell in CELLS
        for b in (False, True)
    ],
)
@_common.fill_doc
def question_answerer(
    *,
    vocabulary_size,
    embedding_dim=128,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=True,
    merge_mode="concat",
    attention="dot",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    question_length=None,
    context_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="question_answerer",
):
    """Finds the answer to a question as a span of a context (SQuAD style).

    `question, context -> shared Embedding(mask_zero)`; every context token
    attends over the question tokens (context-to-question attention, the
    "aligned question embedding" of DrQA) and the result joins its
    embedding; `-> [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers` over
    the context and, separately, over the question, whose states are
    mean-pooled into one vector `q`; `-> start and end pointers
    softmax_t(h_t . W q)` over the context positions (Chen et al. 2017,
    "Reading Wikipedia to Answer Open-Domain Questions"; Seo et al. 2017,
    BiDAF, for context-to-question attention).

    Inputs: `[question, context]`, int token ids `(batch, question_time)`
    and `(batch, context_time)`, 0 = padding. Outputs: `[start, end]`, two
    distributions over the context positions `(batch, context_time)`;
    padded positions get probability exactly 0. Targets: the start and end
    positions `(batch,)` (inclusive). `best_span(start, end,
    max_answer_length=...)` turns the outputs into the best span with
    start <= end.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included
            (question and context share the embedding).
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        {stack_args}
            The same settings build the question and the context encoders;
            `bidirectional` defaults to `True` here.
        attention: str. Score of the context-to-question attention between
            token embeddings: `"dot"` (`keras.layers.Attention`, no weights;
            a word matches itself), `"luong"` (bilinear, `c . W q`) or
            `"bahdanau"` (additive). Defaults to `"dot"`: a learned score
            over small initial embeddings gets almost no gradient at first.
        question_length: int or None. Fixed question length, or `None` for
            variable. Defaults to `None`.
        context_length: int or None. Fixed context length, or `None` for
            variable. Defaults to `None`.
        {compile_args}

    Returns:
        A `keras.Model` with outputs named `"start"` and `"end"`, compiled
        (unless `compile=False`) with sparse categorical cross-entropy on
        each and their accuracies.

    Example:

    >>> model = question_answerer(vocabulary_size=10, embedding_dim=4, units=4)
    >>> question, context = np.array([[3, 4, 0]]), np.array([[5, 3, 6, 7, 0, 0]])
    >>> start, end = model.predict([question, context], verbose=0)
    >>> start.shape, float(start[0, 4:].sum())
    ((1, 6), 0.0)
    >>> first, last = best_span(start, end, max_answer_length=3)
    >>> bool(0 <= int(first[0]) <= int(last[0]) < min(int(first[0]) + 3, 4))
    True
    """
    _common.check_vocabulary_size(vocabulary_size)
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    attention = check_choice("attention", attention, ATTENTION_SCORES)
    check_int("question_length", question_length, minimum=1, allow_none=True)
    check_int("context_length", context_length, minimum=1, allow_none=True)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=None, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    question = _common.token_input(question_length, name="question")  # (batch, Tq)
    context = _common.token_input(context_length, name="context")  # (batch, Tc)
    embedding = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name="embedding"
    )
    q = embedding(question)  # (batch, Tq, embed)
    c = embedding(context)  # (batch, Tc, embed)
    # Context-to-question attention: the question as each context token sees it.
    aligned = _attention_layer(attention, embedding_dim)([c, q])  # (batch, Tc, embed)
    c = keras.layers.Concatenate(name="context_features")([c, aligned])
    c = many_to_many(c, name="context_encoder", **stack)  # (batch, Tc, width)
    q = many_to_many(q, name="question_encoder", **stack)  # (batch, Tq, width)
    q = MaskedGlobalAveragePooling1D(name="question_pooling")(q)  # (batch, width)
    start = BilinearPointer(name="start")([c, q])  # (batch, Tc)
    end = BilinearPointer(name="end")([c, q])  # (batch, Tc)
    model = ZooModel([question, context], [start, end], name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=learning_rate, global_clipnorm=global_clipnorm
            ),
            loss={
                "start": keras.losses.SparseCategoricalCrossentropy(),
                "end": keras.losses.SparseCategoricalCrossentropy(),
            },
            metrics={
                "start": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                "end": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            },
        )
    return model


def best_span(start_probs, end_probs, *, max_answer_length=15):
    """The most probable answer span: `argmax p_start(i) * p_end(j)` over
    `i <= j < i + max_answer_length`.

    Args:
        start_probs: float `(batch, time)` or `(time,)`, start distribution
            over the context positions (a `question_answerer` output).
        end_probs: float, same shape, end distribution.
        max_answer_length: int >= 1. Longest span considered, in tokens.
            Defaults to 15.

    Returns:
        A tuple `(start, end)` of int32 tensors `(batch,)` (scalars for 1D
        inputs), inclusive positions with `start <= end`.

    Raises:
        ValueError: if the shapes differ or are not 1D/2D, or
            `max_answer_length < 1`.

    Example:

    >>> start = np.array([0.1, 0.6, 0.1, 0.2])
    >>> end = np.array([0.5, 0.0, 0.1, 0.4])
    >>> [int(i) for i in best_span(start, end, max_answer_length=4)]
    [1, 3]
    >>> [int(i) for i in best_span(start, end, max_answer_length=2)]
    [3, 3]
    """
    max_answer_length = check_int("max_answer_length", max_answer_length, minimum=1)
    start_probs = ops.convert_to_tensor(start_probs, "float32")
    end_probs = ops.convert_to_tensor(end_probs, "float32")
    shape = tuple(start_probs.shape)
    if shape != tuple(end_probs.shape) or len(shape) not in (1, 2):
        raise ValueError(
            "`start_probs` and `end_probs` must be distributions over the same "
            "context positions, shaped (batch, time) or (time,). Received: "
            f"start_probs.shape={shape}, end_probs.shape={tuple(end_probs.shape)}"
        )
    single = len(shape) == 1
    if single:
        start_probs, end_probs = start_probs[None], end_probs[None]
    time = ops.shape(start_probs)[1]
    scores = start_probs[:, :, None] * end_probs[:, None, :]  # (batch, start, end)
    i = ops.arange(time)[:, None]
    j = ops.arange(time)[None, :]
    allowed = ops.logical_and(j >= i, j - i < max_answer_length)
    # Probabilities are >= 0, so -1 keeps every allowed span ahead.
    scores = ops.where(allowed[None], scores, -1.0)
    best = ops.cast(ops.argmax(ops.reshape(scores, (-1, time * time)), axis=-1), "int32")
    start, end = best // time, best % time
    return (start[0], end[0]) if single else (start, end)
