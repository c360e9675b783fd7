"""Sequence tagging: one label per token (POS, NER, chunking)."""

import keras
import numpy as np

from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    x = _common.random_tokens(rng, batch_size, sequence_length, kwargs["vocabulary_size"])
    y = rng.integers(0, kwargs["num_tags"], size=x.shape)
    return x, np.where(x > 0, y, 0).astype("int32")


@register_model(
    task="sequence_tagging",
    topology="many_to_many",
    tiny_kwargs=dict(
        vocabulary_size=10, num_tags=3, embedding_dim=4, units=4, num_layers=2
    ),
    example_data=_example_data,
)
@_common.fill_doc
def sequence_tagger(
    *,
    vocabulary_size,
    num_tags,
    embedding_dim=128,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=True,
    merge_mode="concat",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="sequence_tagger",
):
    """Tags every token of a sequence (part of speech, named entities).

    `tokens -> Embedding(mask_zero) -> [Bidirectional](LSTM|GRU|SimpleRNN) x
    num_layers -> Dense(num_tags) -> softmax`, per token.

    Input: int token ids `(batch, time)`, 0 = padding. Output: tag
    probabilities `(batch, time, num_tags)`; padded positions are masked out
    of the loss and the metrics.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included.
        num_tags: int >= 2. Number of tags.
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        {stack_args}
            `bidirectional` defaults to `True` here: a tag depends on the
            words on both sides (Graves & Schmidhuber 2005; Huang et al. 2015).
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        per-token accuracy unless `compile=False`.

    Example:

    >>> model = sequence_tagger(vocabulary_size=10, num_tags=3,
    ...                         embedding_dim=4, units=4)
    >>> tuple(model.predict(np.array([[3, 4, 0]]), verbose=0).shape)
    (1, 3, 3)
    """
    _common.check_vocabulary_size(vocabulary_size)
    _common.check_num_classes(num_tags, "num_tags")
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    tokens = _common.token_input(sequence_length)  # (batch, time)
    x = _common.embed(tokens, vocabulary_size, embedding_dim)  # (batch, time, embed)
    x = many_to_many(x, name="encoder", **stack)  # (batch, time, width)
    probabilities = _common.softmax_head(x, num_tags, stack["dropout"])
    model = keras.Model(tokens, probabilities, name=name)  # (batch, time, num_tags)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
