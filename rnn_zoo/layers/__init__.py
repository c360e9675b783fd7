"""rnn_zoo's custom layers, all registered under `package="rnn_zoo"`."""

from rnn_zoo.layers.attention import BahdanauAttention, LuongAttention
from rnn_zoo.layers.pooling import AttentionPooling1D, MaskedGlobalMaxPooling1D
from rnn_zoo.layers.seq2seq_decoder import ScheduledSamplingDecoder

__all__ = [
    "AttentionPooling1D",
    "BahdanauAttention",
    "LuongAttention",
    "MaskedGlobalMaxPooling1D",
    "ScheduledSamplingDecoder",
]
