"""Encoder-decoder: sequence -> sequence of another length, optional attention."""

import keras

from rnn_zoo import cells
from rnn_zoo._validation import check_bool, check_choice
from rnn_zoo.layers.attention import ATTENTIONS
from rnn_zoo.topologies.stacks import (
    check_sequence_input,
    recurrent_stack,
    validate_stack_args,
)

BRIDGES = ("copy", "dense", None)


def check_attention(attention):
    return check_choice("attention", attention, (None, *sorted(ATTENTIONS)))


def seq2seq_encoder(
    source,
    *,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    bridge="dense",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
):
    """The encoder half of `encoder_decoder`: outputs and bridged states.

    `source -> encoder stack -> (outputs, final states -> bridge)`

    For decoders that are not a plain recurrent stack (for example a
    step-by-step decoder trained with scheduled sampling), which start from
    the same states and attend over the same outputs as `encoder_decoder`'s.
    Layer names as in `encoder_decoder`.

    Args:
        source: float tensor `(batch, source_time, features)`, masked.
        cell, units, num_layers, bidirectional, merge_mode, bridge, dropout,
        recurrent_dropout, residual: as in `encoder_decoder`; `units` are
            the decoder's widths the bridge maps to.

    Returns:
        `(encoded, initial_state)`: the encoder outputs
        `(batch, source_time, encoder_width)` (masked like `source`), and one
        list of state tensors per decoder layer (`[h, c]` for LSTM, `[h]`
        otherwise), or `None` when `bridge=None`.

    Example:

    >>> src = keras.Input((None, 6))
    >>> encoded, states = seq2seq_encoder(src, cell="lstm", units=4,
    ...                                   num_layers=2, bidirectional=True)
    >>> tuple(encoded.shape), [len(s) for s in states], tuple(states[1][0].shape)
    ((None, None, 8), [2, 2], (None, 4))
    """
    check_sequence_input(source, "source")
    args = validate_stack_args(
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    bridge = check_bridge(bridge, args)
    return _encode(source, args, bridge)


def check_bridge(bridge, args):
    """Checks `bridge` against the stack arguments (`validate_stack_args`
    output); returns it."""
    bridge = check_choice("bridge", bridge, BRIDGES)
    state_width = [(2 if args["bidirectional"] else 1) * u for u in args["units"]]
    if bridge == "copy" and state_width != args["units"]:
        raise ValueError(
            "bridge='copy' needs encoder states as wide as the decoder's, but "
            "the bidirectional encoder's states (both directions concatenated) "
            f"are {state_width} wide and the decoder's {args['units']}. Use "
            "bridge='dense' to learn a projection. "
            f"Received: bridge='copy', bidirectional={args['bidirectional']}"
        )
    return bridge


def _encode(source, args, bridge):
    bidirectional = args["bidirectional"]
    num_states = cells.num_states(args["cell"])
    encoded, encoder_states = recurrent_stack(
        source, return_sequences=True, return_state=True, name="encoder", **args
    )  # (batch, source_time, encoder_width)
    if bridge is None:
        return encoded, None
    initial_state = []
    for i, layer_states in enumerate(encoder_states):
        bridged = []
        for k in range(num_states):
            state = layer_states[k]
            if bidirectional:  # forward state k, backward state k
                state = keras.layers.Concatenate(name=f"bridge_concat_{i}_{k}")(
                    [state, layer_states[num_states + k]]
                )
            if bridge == "dense":
                state = keras.layers.Dense(
                    args["units"][i], activation="tanh", name=f"bridge_{i}_{k}"
                )(state)
            bridged.append(state)
        initial_state.append(bridged)
    return encoded, initial_state


def encoder_decoder(
    source,
    target,
    *,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    attention=None,
    bridge="dense",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    return_attention_scores=False,
):
    """Encodes `source`, then decodes `target` from the encoder's states.

    `source -> encoder stack -> final states -> bridge -> decoder stack over
    target [-> attention over encoder outputs -> Dense(tanh)]`

    The decoder is trained with teacher forcing: `target` holds the embedded
    decoder inputs (`<s> y1 ... y(n-1)`). With `attention`, every decoder
    output `h_t` attends over the encoder outputs, and
    `tanh(W [context_t; h_t])` is returned (Luong et al. 2015, section 3; the
    score is additive for `"bahdanau"`, multiplicative for `"luong"`).
    Padded source steps get attention weight 0; padded target steps are masked
    in the output.

    Layer names: `encoder_{cell}_{i}`, `decoder_{cell}_{i}`,
    `bridge_{i}_{k}`, `attention`, `attention_concat`, `attention_projection`.

    Args:
        source: float tensor `(batch, source_time, features)`, masked.
        target: float tensor `(batch, target_time, features)`, masked.
        cell, units, num_layers, merge_mode, dropout, recurrent_dropout,
        residual: as in `recurrent_stack`; encoder and decoder share them.
        bidirectional: bool. Bidirectional encoder (the decoder is always
            forward). Defaults to `False`.
        attention: `None`, `"bahdanau"` or `"luong"`. Defaults to `None`.
        bridge: how encoder final states become decoder initial states:
            `"dense"` (a learned `Dense(tanh)` per state, any widths),
            `"copy"` (as they are; widths must match), or `None` (the decoder
            starts from zeros). A bidirectional encoder's two directions are
            concatenated first. Defaults to `"dense"`.
        return_attention_scores: bool. Also return the attention weights
            `(batch, target_time, source_time)`; needs `attention`.

    Returns:
        Decoder outputs `(batch, target_time, width)`, and the attention
        weights when `return_attention_scores=True`.

    Example:

    >>> src = keras.Input((None, 6))
    >>> tgt = keras.Input((None, 5))
    >>> y, w = encoder_decoder(src, tgt, cell="gru", units=4, bidirectional=True,
    ...                        attention="luong", return_attention_scores=True)
    >>> tuple(y.shape), tuple(w.shape)
    ((None, None, 4), (None, None, None))
    """
    check_sequence_input(source, "source")
    check_sequence_input(target, "target")
    args = validate_stack_args(
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        merge_mode=merge_mode,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    attention = check_attention(attention)
    bridge = check_bridge(bridge, args)
    check_bool("return_attention_scores", return_attention_scores)
    if return_attention_scores and attention is None:
        raise ValueError(
            "`return_attention_scores=True` needs an attention mechanism. "
            "Pass attention='bahdanau' or attention='luong'. "
            "Received: attention=None"
        )
    encoded, initial_state = _encode(source, args, bridge)
    # (batch, source_time, encoder_width), one list of states per decoder layer

    decoder_args = dict(args, bidirectional=False)
    decoded = recurrent_stack(
        target,
        return_sequences=True,
        initial_state=initial_state,
        name="decoder",
        **decoder_args,
    )  # (batch, target_time, units[-1])
    if attention is None:
        return decoded
    width = args["units"][-1]
    context, weights = ATTENTIONS[attention](
        width, return_attention_scores=True, name="attention"
    )([decoded, encoded])  # (batch, tt, encoder_width), (batch, tt, st)
    combined = keras.layers.Concatenate(name="attention_concat")([context, decoded])
    outputs = keras.layers.Dense(width, activation="tanh", name="attention_projection")(
        combined
    )
    return (outputs, weights) if return_attention_scores else outputs
