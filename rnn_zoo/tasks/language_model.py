"""Language modelling: predict the next token at every step."""

import keras
import numpy as np

from rnn_zoo.cells import CELLS
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    lengths = _common.random_lengths(rng, batch_size, sequence_length + 1)
    stream = _common.random_tokens(
        rng, batch_size, sequence_length + 1, kwargs["vocabulary_size"], lengths
    )
    # Inputs t_0..t_(n-1), targets t_1..t_n; a target of 0 sits on padding.
    x, y = stream[:, :-1].copy(), stream[:, 1:]
    x[y == 0] = 0
    return x, y


@register_model(
    task="language_modeling",
    topology="many_to_many",
    tiny_kwargs=dict(vocabulary_size=10, embedding_dim=4, units=4, num_layers=2),
    example_data=_example_data,
    test_variants=[{"cell": cell} for cell in CELLS],
)
@_common.fill_doc
def language_model(
    *,
    vocabulary_size,
    embedding_dim=128,
    cell="lstm",
    units=256,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="language_model",
):
    """Predicts the next token at every step (character or word level).

    `tokens -> Embedding(mask_zero) -> (LSTM|GRU|SimpleRNN) x num_layers ->
    Dense(vocabulary_size) -> softmax`, per step.

    Input: int token ids `(batch, time)`, 0 = padding. Output: next-token
    probabilities `(batch, time, vocabulary_size)`; train with targets equal
    to the inputs shifted left by one. The vocabulary decides the level:
    characters (~65 ids for tiny Shakespeare) or words. The recurrent layers
    are named `decoder_{cell}_{i}` and the output layer `logits`, which the
    generation code looks up.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included.
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        {stack_args}
            `units` defaults to 256 here. `bidirectional=True` is refused: the
            backward direction would read the very tokens the model predicts.
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy
        (`exp(loss)` is the perplexity) and accuracy unless `compile=False`.

    Example:

    >>> model = language_model(vocabulary_size=10, embedding_dim=4, units=4)
    >>> tuple(model.predict(np.array([[3, 4, 5]]), verbose=0).shape)
    (1, 3, 10)

    Reference: Karpathy 2015, "The Unreasonable Effectiveness of Recurrent
    Neural Networks"; Zaremba et al. 2014; CS224n lecture 5.
    """
    _common.check_vocabulary_size(vocabulary_size)
    if bidirectional is True:
        raise ValueError(
            "A language model cannot be bidirectional: it predicts the next "
            "token, and a backward layer would read that token from the "
            "input, so training would learn to copy and generation would "
            "fail. Use `sequence_tagger` or `text_classifier` for "
            "bidirectional reading. Received: bidirectional=True"
        )
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode="concat", dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    tokens = _common.token_input(sequence_length)  # (batch, time)
    x = _common.embed(tokens, vocabulary_size, embedding_dim)  # (batch, time, embed)
    x = many_to_many(x, name="decoder", **stack)  # (batch, time, units)
    probabilities = _common.softmax_head(x, vocabulary_size, stack["dropout"])
    model = keras.Model(tokens, probabilities, name=name)  # (batch, time, vocab)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
