"""Sequence-to-sequence translation: source ids -> target ids of another length."""

import itertools

import keras
import numpy as np

from rnn_zoo._validation import check_float, check_int
from rnn_zoo.cells import CELLS
from rnn_zoo.layers.seq2seq_decoder import ScheduledSamplingDecoder, residual_flags
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.seq2seq import (
    check_attention,
    check_bridge,
    encoder_decoder,
    seq2seq_encoder,
)
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel

START_ID = 1  # the start token of the random example data


def _example_data(kwargs, batch_size, sequence_length, seed):
    """Random source ids, and targets `y` with decoder inputs `<s> y[:-1]`."""
    rng = np.random.default_rng(seed)
    source = _common.random_tokens(
        rng, batch_size, sequence_length, kwargs["source_vocabulary_size"]
    )
    target_length = max(1, sequence_length - 1)  # unaligned: another length
    targets = _common.random_tokens(
        rng, batch_size, target_length, kwargs["target_vocabulary_size"]
    )
    decoder_ids = np.concatenate(
        [np.full((batch_size, 1), START_ID, "int32"), targets[:, :-1]], axis=1
    )
    decoder_ids[targets == 0] = 0
    return [source, decoder_ids], targets


# Every cell with both encoder directions; the attention cycles through None,
# "bahdanau" and "luong" so each appears with both directions; the last
# variant runs the step-by-step scheduled-sampling decoder.
_VARIANTS = [
    {"cell": cell, "bidirectional": bidirectional, "attention": attention}
    for (cell, bidirectional), attention in zip(
        itertools.product(CELLS, (False, True)),
        itertools.cycle((None, "bahdanau", "luong")),
    )
] + [{"cell": "lstm", "bidirectional": True, "attention": "luong",
      "sampling_probability": 0.5}]


@register_model(
    task="translation",
    topology="encoder_decoder",
    tiny_kwargs=dict(
        source_vocabulary_size=10, target_vocabulary_size=8, embedding_dim=4,
        units=4, num_layers=2,
    ),
    example_data=_example_data,
    test_variants=_VARIANTS,
)
def seq2seq_translator(
    *,
    source_vocabulary_size,
    target_vocabulary_size,
    embedding_dim=128,
    cell="lstm",
    units=256,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    attention="bahdanau",
    bridge="dense",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sampling_probability=None,
    seed=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="seq2seq_translator",
):
    """Translates a token sequence into another (machine translation, dates).

    `source -> Embedding -> [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers ->
    final states -> bridge -> decoder (LSTM|GRU|SimpleRNN) x num_layers over
    Embedding(<s> y1 ... y(n-1)) [-> attention over the encoder outputs ->
    Dense(tanh)] -> Dense(target_vocabulary_size) -> softmax`, per step.

    Inputs: `[source_ids, decoder_ids]`, int `(batch, source_time)` and
    `(batch, target_time)`, 0 = padding on both sides; `decoder_ids` are the
    targets shifted right behind a start token (teacher forcing). Output: the
    next-token probabilities `(batch, target_time, target_vocabulary_size)`;
    train against the targets `y1 ... yn` (the last usually an end token).
    Padded source steps get attention weight 0; padded target steps are
    masked out of the loss and the metrics.

    Translate with `rnn_zoo.decoding.generate(model, source_ids, max_length,
    start_id=..., end_id=..., strategy="greedy" | "sample" | "beam")`: it
    encodes once and decodes step by step through this model's layers
    (found by name: `source_embedding`, `encoder_{cell}_{i}`, `bridge_{i}_{k}`,
    `target_embedding`, `decoder_{cell}_{i}`, `attention`,
    `attention_projection`, `logits`), also on a model loaded from `.keras`.

    Args:
        source_vocabulary_size: int. Number of source ids, padding 0 included.
        target_vocabulary_size: int. Number of target ids, padding 0 included
            (and the start and end tokens).
        embedding_dim: int. Width of the source and target embeddings.
            Defaults to 128.
        cell: str. `"lstm"`, `"gru"` or `"simple_rnn"` (Keras class names such
            as `"LSTM"` accepted, any case). Defaults to `"lstm"`.
        units: int, or list of ints with one width per layer. Width of each
            recurrent layer, encoder and decoder alike. Defaults to 256.
        num_layers: int. Recurrent layers in the encoder and in the decoder.
            Defaults to 1.
        bidirectional: bool. Bidirectional encoder (the decoder is always
            forward); both directions' final states are concatenated before
            the bridge. Defaults to `False`.
        merge_mode: str. How the encoder's directions combine: `"concat"`,
            `"sum"`, `"mul"` or `"ave"`. Defaults to `"concat"`.
        attention: `None`, `"bahdanau"` (additive) or `"luong"`
            (multiplicative). Defaults to `"bahdanau"`.
        bridge: how the encoder's final states become the decoder's initial
            states: `"dense"` (learned `Dense(tanh)`), `"copy"` (as they are;
            needs equal widths, so a forward encoder) or `None` (zeros; then
            the source reaches the decoder only through `attention`).
            Defaults to `"dense"`.
        dropout: float in [0, 1). Dropout on each recurrent layer's inputs and
            before the output layer. Defaults to 0.
        recurrent_dropout: float in [0, 1). Dropout on the recurrent state;
            above 0 it leaves the cuDNN fast path (warned once). Defaults to 0.
        residual: bool. Skip connections between layers of equal width.
            Defaults to `False`.
        sampling_probability: `None` or float in [0, 1]. `None`: plain teacher
            forcing with fused recurrent layers (the fast path). A float:
            scheduled sampling (Bengio et al. 2015): the decoder runs step by
            step and, in training, is fed its own sampled prediction instead
            of the reference with this probability, which
            `rnn_zoo.callbacks.ScheduledSampling` can change on a schedule.
            Probability 0 trains exactly like teacher forcing, only slower.
            Defaults to `None`.
        seed: int or None. Seed of the scheduled-sampling draws. Defaults to
            `None`.
        compile: bool. Compile with Adam, sparse categorical cross-entropy and
            per-token accuracy. Defaults to `True`; `False` leaves compiling
            to the caller.
        learning_rate: float. Adam's learning rate. Defaults to 1e-3.
        global_clipnorm: float or None. Clip the gradient's global norm.
            Defaults to 1.0; `None` turns it off.
        name: str. Name of the model.

    Returns:
        A `keras.Model` with inputs `source_ids` and `decoder_ids`, compiled
        unless `compile=False`.

    Raises:
        ValueError: for a bad value, for example an unknown `attention`, or
            `bridge="copy"` with encoder states wider than the decoder's.
        TypeError: for an argument of the wrong type.

    Example:

    >>> model = seq2seq_translator(source_vocabulary_size=10,
    ...                            target_vocabulary_size=8, embedding_dim=4,
    ...                            units=4, bidirectional=True, attention="luong")
    >>> source = np.array([[4, 5, 6, 0]])
    >>> decoder_ids = np.array([[1, 3, 0]])  # <s> y1, padded
    >>> tuple(model.predict([source, decoder_ids], verbose=0).shape)
    (1, 3, 8)

    Reference: Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015;
    CS224n lecture 7 (machine translation, seq2seq, attention).
    """
    _common.check_vocabulary_size(source_vocabulary_size, "source_vocabulary_size")
    _common.check_vocabulary_size(target_vocabulary_size, "target_vocabulary_size")
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    attention = check_attention(attention)
    bridge = check_bridge(bridge, stack)
    if attention is None and bridge is None:
        raise ValueError(
            "With `attention=None` and `bridge=None` the decoder would never "
            "see the source: the encoder reaches it through its final states "
            "(a bridge) or through attention. Pass bridge='dense' or an "
            "attention. Received: attention=None, bridge=None"
        )
    if sampling_probability is not None:
        check_float("sampling_probability", sampling_probability, low=0.0, high=1.0)
        if residual and not any(residual_flags(embedding_dim, stack["units"], True)):
            raise ValueError(
                "`residual=True` needs a decoder layer whose input and output "
                "widths are equal. Use `units` equal to `embedding_dim` or at "
                "least two stacked layers of equal width. Received: "
                f"embedding_dim={embedding_dim}, units={stack['units']}"
            )
    check_int("seed", seed, allow_none=True)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=None, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    source_ids = keras.Input((None,), dtype="int32", name="source_ids")
    decoder_ids = keras.Input((None,), dtype="int32", name="decoder_ids")
    source = _common.embed(
        source_ids, source_vocabulary_size, embedding_dim, name="source_embedding"
    )  # (batch, source_time, embedding_dim)
    if sampling_probability is None:
        target = _common.embed(
            decoder_ids, target_vocabulary_size, embedding_dim, name="target_embedding"
        )  # (batch, target_time, embedding_dim)
        x = encoder_decoder(
            source, target, attention=attention, bridge=bridge, **stack
        )  # (batch, target_time, units[-1])
        probabilities = _common.softmax_head(x, target_vocabulary_size, stack["dropout"])
    else:
        encoded, initial_state = seq2seq_encoder(source, bridge=bridge, **stack)
        flat_state = [s for layer in (initial_state or []) for s in layer]
        logits = ScheduledSamplingDecoder(
            target_vocabulary_size, embedding_dim, stack["cell"], stack["units"],
            attention=attention, dropout=stack["dropout"],
            recurrent_dropout=stack["recurrent_dropout"], residual=residual,
            sampling_probability=sampling_probability, seed=seed, name="decoder",
        )([decoder_ids, *([encoded] if attention else []), *flat_state])
        probabilities = keras.layers.Activation(
            "softmax", dtype="float32", name="probabilities"
        )(logits)  # (batch, target_time, target_vocabulary_size)
    model = ZooModel([source_ids, decoder_ids], probabilities, name=name)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
