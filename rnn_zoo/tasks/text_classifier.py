"""Text classification: token ids -> class probabilities (many-to-one)."""

import keras
import numpy as np

from rnn_zoo._validation import check_float
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_one import check_pooling, many_to_one
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    x = _common.random_tokens(rng, batch_size, sequence_length, kwargs["vocabulary_size"])
    y = rng.integers(0, kwargs["num_classes"], size=(batch_size,)).astype("int32")
    return x, y


@register_model(
    task="text_classification",
    topology="many_to_one",
    tiny_kwargs=dict(
        vocabulary_size=10, num_classes=3, embedding_dim=4, units=4, num_layers=2
    ),
    example_data=_example_data,
)
@_common.fill_doc
def text_classifier(
    *,
    vocabulary_size,
    num_classes,
    embedding_dim=128,
    embedding_dropout=0.0,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    pooling="last",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="text_classifier",
):
    """Classifies a token sequence (sentiment, topic, intent).

    `tokens -> Embedding(mask_zero) -> [Bidirectional](LSTM|GRU|SimpleRNN) x
    num_layers -> pooling -> Dense(num_classes) -> softmax`

    Input: int token ids `(batch, time)`, 0 = padding. Output: class
    probabilities `(batch, num_classes)`. Padding never changes the output.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included.
        num_classes: int >= 2. Number of classes.
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        embedding_dropout: float in [0, 1). Fraction of tokens whose whole
            embedding vector is zeroed in training (one draw per token, the
            same for all its features: Gal & Ghahramani 2016's word-level
            embedding dropout). Defaults to 0.0.
        {stack_args}
        pooling: str. How the sequence becomes one vector, over real tokens
            only: `"last"` (final state), `"mean"`, `"max"` or `"attention"`
            (learned weights, Yang et al. 2016). Defaults to `"last"`.
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        accuracy unless `compile=False`.

    Example:

    >>> model = text_classifier(vocabulary_size=10, num_classes=3,
    ...                         embedding_dim=4, units=4, pooling="attention")
    >>> tuple(model.predict(np.array([[3, 4, 0]]), verbose=0).shape)
    (1, 3)

    Reference: CS224n lecture 6 (RNNs for sentence classification).
    """
    _common.check_vocabulary_size(vocabulary_size)
    _common.check_num_classes(num_classes)
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_pooling(pooling)
    check_float("embedding_dropout", embedding_dropout, low=0.0, high=1.0, high_open=True)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    tokens = _common.token_input(sequence_length)  # (batch, time)
    x = _common.embed(tokens, vocabulary_size, embedding_dim)  # (batch, time, embed)
    if embedding_dropout:
        x = keras.layers.Dropout(embedding_dropout, noise_shape=(None, None, 1),
                                 name="embedding_dropout")(x)
    x = many_to_one(x, pooling=pooling, name="encoder", **stack)  # (batch, width)
    probabilities = _common.softmax_head(x, num_classes, stack["dropout"])
    model = ZooModel(tokens, probabilities, name=name)  # (batch, num_classes)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
