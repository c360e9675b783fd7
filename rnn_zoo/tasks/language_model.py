"""Language modelling: predict the next token at every step."""

import keras
import numpy as np

from rnn_zoo import cells
from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.cells import CELLS
from rnn_zoo.layers.batch_size_check import BatchSizeCheck
from rnn_zoo.layers.tied_logits import TiedLogits, VocabularyIds
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.stacks import recurrent_stack, validate_stack_args
from rnn_zoo.model import ZooModel


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
    test_variants=[{"cell": cell} for cell in CELLS] + [{"tie_weights": True}],
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
    tie_weights=False,
    mask_padding=True,
    stateful=False,
    batch_size=None,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="language_model",
):
    """Predicts the next token at every step (character or word level).

    `tokens -> Embedding(mask_zero) -> (LSTM|GRU|SimpleRNN) x num_layers ->
    Dense(vocabulary_size) -> softmax`, per step; with `tie_weights=True` the
    output layer is `TiedLogits`, which projects onto the embedding matrix.

    Input: int token ids `(batch, time)`, 0 = padding. Output: next-token
    probabilities `(batch, time, vocabulary_size)`; train with targets equal
    to the inputs shifted left by one. The vocabulary decides the level:
    characters (~65 ids for tiny Shakespeare) or words. The layers are named
    `embedding`, `decoder_{cell}_{i}` and `logits` (a `Dense`, or
    `TiedLogits` when tied): `rnn_zoo.decoding.generate` finds them by these
    names and generates token by token, carrying every layer's state.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included.
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        {stack_args}
            `units` defaults to 256 here. `bidirectional=True` is refused: the
            backward direction would read the very tokens the model predicts.
        tie_weights: bool. Make the output layer reuse the embedding matrix
            (logits = `h @ E^T + b`), which saves `vocabulary_size *
            embedding_dim` weights and usually lowers perplexity. Needs the
            last recurrent layer as wide as the embeddings (`units[-1] ==
            embedding_dim`); no projection is added behind your back.
            Defaults to `False`.
        mask_padding: bool. Treat id 0 as padding: mask it in the recurrent
            layers, the loss and the metrics. `False` suits batches that never
            hold padding, such as fixed-length windows cut from one stream
            (the language-model recipes, `rnn_zoo.tbptt`): id 0 is then an
            ordinary token, the recurrent layers skip the per-step mask work
            (0-15% of a training step on CPU, see benchmarks/README.md), and
            on the JAX and PyTorch backends the layers stay eligible for
            cuDNN, whose fused kernels there take no mask. Defaults to `True`.
        stateful: bool. Carry the recurrent states from one batch to the next
            (truncated backpropagation through time, see `rnn_zoo.tbptt`):
            row `i` of each batch continues row `i` of the previous one. Needs
            `batch_size`; reset the states with `rnn_zoo.tbptt.ResetStates`.
            Defaults to `False`. On JAX, Keras' `fit`/`predict` do not carry
            stateful RNN states between batches (warned once); see
            `rnn_zoo.tbptt`.
        batch_size: int or None. The fixed batch size of a stateful model;
            only used (and required) with `stateful=True`. Defaults to `None`.
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy
        (`exp(loss)` is the perplexity) and accuracy unless `compile=False`.

    Raises:
        ValueError: for `bidirectional=True`, `tie_weights=True` with
            `units[-1] != embedding_dim`, `stateful` without `batch_size` (or
            the reverse), or any bad argument value.

    Example:

    >>> model = language_model(vocabulary_size=10, embedding_dim=4, units=4)
    >>> tuple(model.predict(np.array([[3, 4, 5]]), verbose=0).shape)
    (1, 3, 10)
    >>> tied = language_model(vocabulary_size=10, embedding_dim=4, units=4,
    ...                       tie_weights=True)
    >>> tied.count_params() < model.count_params()
    True

    Reference: Karpathy 2015, "The Unreasonable Effectiveness of Recurrent
    Neural Networks"; Zaremba et al. 2014; Press & Wolf 2017, "Using the
    Output Embedding to Improve Language Models"; CS224n lecture 5.
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
    check_bool("tie_weights", tie_weights)
    if tie_weights and stack["units"][-1] != embedding_dim:
        raise ValueError(
            "`tie_weights=True` makes the output layer reuse the embedding "
            "matrix, so the last recurrent layer must be as wide as the "
            f"embeddings: set embedding_dim={stack['units'][-1]}, or give the "
            f"last layer {embedding_dim} units (for example "
            f"units={stack['units'][:-1] + [embedding_dim]}). Received: "
            f"embedding_dim={embedding_dim}, units={units!r}"
        )
    check_bool("mask_padding", mask_padding)
    check_bool("stateful", stateful)
    check_int("batch_size", batch_size, minimum=1, allow_none=True)
    if stateful and batch_size is None:
        raise ValueError(
            "`stateful=True` needs a fixed `batch_size`: a stateful model "
            "keeps one recurrent state per row of the batch. Pass "
            "batch_size=<rows per batch>. Received: stateful=True, "
            "batch_size=None"
        )
    if batch_size is not None and not stateful:
        raise ValueError(
            "`batch_size` is only used by stateful models (truncated BPTT); "
            "a stateless model takes any batch size. Pass stateful=True, or "
            f"leave batch_size=None. Received: stateful=False, "
            f"batch_size={batch_size}"
        )

    if stateful:
        if keras.backend.backend() == "jax":
            cells.warn_once(
                "On the JAX backend, Keras' fit/evaluate/predict do not carry "
                "stateful RNN states from one batch to the next: truncated "
                "BPTT training needs KERAS_BACKEND=tensorflow. Calling the "
                "model directly, model(x), does carry them."
            )
        tokens = keras.Input(
            batch_shape=(batch_size, sequence_length), dtype="int32", name="tokens"
        )  # (batch_size, time)
        x = BatchSizeCheck(batch_size, name="batch_size_check")(tokens)
    else:
        tokens = x = _common.token_input(sequence_length)  # (batch, time)
    embedding = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=mask_padding, name="embedding"
    )
    x = embedding(x)  # (batch, time, embed)
    x = recurrent_stack(
        x, return_sequences=True, stateful=stateful, name="decoder", **stack
    )  # (batch, time, units)
    if tie_weights:
        if stack["dropout"]:
            x = keras.layers.Dropout(stack["dropout"], name="head_dropout")(x)
        ids = VocabularyIds(vocabulary_size, name="vocabulary_ids")(tokens)
        matrix = embedding(ids)  # (vocab, embed): the same variable
        logits = TiedLogits(name="logits")([x, matrix])  # (batch, time, vocab)
        probabilities = keras.layers.Activation(
            "softmax", dtype="float32", name="probabilities"
        )(logits)
    else:
        probabilities = _common.softmax_head(x, vocabulary_size, stack["dropout"])
    model = ZooModel(tokens, probabilities, name=name)  # (batch, time, vocab)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
