"""Topologies: tensor in, tensor out; no embeddings, heads or compile.

Use them to assemble your own models from your own inputs and heads; the
registered task models are built from them.
"""

from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.many_to_one import many_to_one
from rnn_zoo.topologies.one_to_many import one_to_many
from rnn_zoo.topologies.seq2seq import encoder_decoder, seq2seq_encoder
from rnn_zoo.topologies.stacks import recurrent_stack

__all__ = [
    "encoder_decoder",
    "many_to_many",
    "many_to_one",
    "one_to_many",
    "recurrent_stack",
    "seq2seq_encoder",
]
