"""Sequence tagging: one label per token (POS, NER, chunking)."""

import keras
import numpy as np

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.cells import CELLS
from rnn_zoo.layers.character_encoder import CharacterEncoder
from rnn_zoo.layers.crf import CRF, CRFAccuracy, CRFLoss
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel

MAX_WORD_LENGTH = 4  # characters per word in the example data


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    x = _common.random_tokens(rng, batch_size, sequence_length, kwargs["vocabulary_size"])
    y = rng.integers(0, kwargs["num_tags"], size=x.shape)
    y = np.where(x > 0, y, 0).astype("int32")
    if kwargs.get("char_vocabulary_size") is None:
        return x, y
    # Characters of each real word, right-padded with 0; padding words are all 0.
    word_lengths = np.where(x > 0, rng.integers(1, MAX_WORD_LENGTH + 1, size=x.shape), 0)
    chars = rng.integers(1, kwargs["char_vocabulary_size"], size=x.shape + (MAX_WORD_LENGTH,))
    chars[np.arange(MAX_WORD_LENGTH) >= word_lengths[..., None]] = 0
    return [x, chars.astype("int32")], y


_CHARS = dict(char_vocabulary_size=8, char_embedding_dim=3, char_units=2)


@register_model(
    task="sequence_tagging",
    topology="many_to_many",
    tiny_kwargs=dict(
        vocabulary_size=10, num_tags=3, embedding_dim=4, units=4, num_layers=2
    ),
    example_data=_example_data,
    test_variants=[
        *({"cell": cell, "bidirectional": b} for cell in CELLS for b in (False, True)),
        *({"cell": cell, "crf": True} for cell in CELLS),
        dict(_CHARS, cell="gru"),
        dict(_CHARS, cell="lstm", crf=True),
    ],
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
    crf=False,
    char_vocabulary_size=None,
    char_embedding_dim=None,
    char_units=None,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="sequence_tagger",
):
    """Tags every token of a sequence (part of speech, named entities).

    `tokens -> Embedding(mask_zero) [+ characters -> CharacterEncoder] ->
    [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers -> Dense(num_tags) ->
    softmax | CRF`, per token.

    Inputs: int token ids `(batch, time)`, 0 = padding; with
    `char_vocabulary_size`, also int character ids `(batch, time, chars)`
    (the characters of each word, right-padded with 0; padding words all 0),
    and the model takes `[tokens, characters]`. Output: tag probabilities
    `(batch, time, num_tags)`; with `crf=True`, the CRF posterior
    `(batch, time, num_tags + 1, num_tags)` (see `rnn_zoo.layers.CRF`): its
    `[..., -1, :]` are the per-tag marginals and
    `rnn_zoo.layers.crf_decode(output)` gives the Viterbi tag ids. Padded
    positions are masked out of the loss and the metrics.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included.
        num_tags: int >= 2. Number of tags; labels are ids in `[0, num_tags)`.
        embedding_dim: int. Width of the token embeddings. Defaults to 128.
        {stack_args}
            `bidirectional` defaults to `True` here: a tag depends on the
            words on both sides (Graves & Schmidhuber 2005; Huang et al. 2015).
        crf: bool. Put a linear-chain CRF on the tag scores (learned tag
            transitions, exact negative log-likelihood loss, Viterbi
            decoding; Huang et al. 2015, Lample et al. 2016). Defaults to
            `False` (an independent softmax per token).
        char_vocabulary_size: int or None. Number of character ids, padding
            id 0 included; setting it adds the character-level word encoder
            (Lample et al. 2016), whose word vectors are concatenated to the
            token embeddings, so unseen words still get a spelling-based
            vector. Defaults to `None` (no character input).
        char_embedding_dim: int or None. Width of the character embeddings.
            Defaults to 25 when `char_vocabulary_size` is set.
        char_units: int or None. Width of each direction of the character
            RNN (a `cell` layer). Defaults to 25 when `char_vocabulary_size`
            is set.
        {compile_args}

    Returns:
        A `keras.Model`, compiled unless `compile=False`: sparse categorical
        cross-entropy and per-token accuracy; with `crf=True`, `CRFLoss`
        (negative log-likelihood per token) and `CRFAccuracy` (per-token
        accuracy of the Viterbi path).

    Raises:
        ValueError: for a bad argument value, or character arguments without
            `char_vocabulary_size`. With `crf=True`, tag ids outside
            `[0, num_tags)` raise when the loss runs eagerly and give a NaN
            loss in a compiled step.

    Example:

    >>> model = sequence_tagger(vocabulary_size=10, num_tags=3,
    ...                         embedding_dim=4, units=4)
    >>> tuple(model.predict(np.array([[3, 4, 0]]), verbose=0).shape)
    (1, 3, 3)
    >>> from rnn_zoo.layers import crf_decode
    >>> model = sequence_tagger(vocabulary_size=10, num_tags=3, embedding_dim=4,
    ...                         units=4, crf=True, char_vocabulary_size=6)
    >>> chars = np.array([[[1, 2, 0], [3, 0, 0], [0, 0, 0]]])
    >>> probabilities = model.predict([np.array([[3, 4, 0]]), chars], verbose=0)
    >>> probabilities.shape
    (1, 3, 4, 3)
    >>> tuple(crf_decode(probabilities).shape)
    (1, 3)
    """
    _common.check_vocabulary_size(vocabulary_size)
    _common.check_num_classes(num_tags, "num_tags")
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_bool("crf", crf)
    chars = _check_char_args(char_vocabulary_size, char_embedding_dim, char_units)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    tokens = _common.token_input(sequence_length)  # (batch, time)
    inputs = tokens
    x = _common.embed(tokens, vocabulary_size, embedding_dim)  # (batch, time, embed)
    if chars:
        characters = keras.Input((sequence_length, None), dtype="int32", name="characters")
        inputs = [tokens, characters]
        spelling = CharacterEncoder(cell=stack["cell"], name="char_encoder", **chars)(
            characters
        )  # (batch, time, 2 * char_units)
        x = keras.layers.Concatenate(name="word_features")([x, spelling])
    x = many_to_many(x, name="encoder", **stack)  # (batch, time, width)
    if crf:
        if stack["dropout"]:
            x = keras.layers.Dropout(stack["dropout"], name="head_dropout")(x)
        emissions = keras.layers.Dense(num_tags, name="logits")(x)  # (batch, time, tags)
        outputs = CRF(num_tags, dtype="float32", name="crf")(emissions)  # (.., tags + 1, tags)
    else:
        outputs = _common.softmax_head(x, num_tags, stack["dropout"])  # (.., tags)
    model = ZooModel(inputs, outputs, name=name)
    if compile:
        loss_and_metrics = dict(loss=CRFLoss(), metrics=[CRFAccuracy()]) if crf else {}
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm,
            **loss_and_metrics,
        )
    return model


def _check_char_args(char_vocabulary_size, char_embedding_dim, char_units):
    """Returns the `CharacterEncoder` kwargs, or `{}` without characters."""
    if char_vocabulary_size is None:
        given = {
            k: v
            for k, v in dict(char_embedding_dim=char_embedding_dim, char_units=char_units).items()
            if v is not None
        }
        if given:
            received = ", ".join(f"{k}={v!r}" for k, v in given.items())
            raise ValueError(
                f"{', '.join(f'`{k}`' for k in given)} only apply to the "
                "character encoder, which `char_vocabulary_size` turns on: set "
                "it to the number of character ids (padding id 0 included). "
                f"Received: {received}, char_vocabulary_size=None"
            )
        return {}
    return dict(
        vocabulary_size=_common.check_vocabulary_size(
            char_vocabulary_size, "char_vocabulary_size"
        ),
        embedding_dim=check_int("char_embedding_dim", 25 if char_embedding_dim is None else char_embedding_dim, minimum=1),
        units=check_int("char_units", 25 if char_units is None else char_units, minimum=1),
    )
