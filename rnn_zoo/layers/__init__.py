"""rnn_zoo's custom layers, all registered under `package="rnn_zoo"`."""

from rnn_zoo.layers.attention import BahdanauAttention, LuongAttention
from rnn_zoo.layers.batch_size_check import BatchSizeCheck
from rnn_zoo.layers.ctc import CTCBlankPadding
from rnn_zoo.layers.pooling import AttentionPooling1D, MaskedGlobalMaxPooling1D
from rnn_zoo.layers.tied_logits import TiedLogits, VocabularyIds
from rnn_zoo.layers.time import FoldTime, FrameMasking, MaskedConv1D, UnfoldTime

__all__ = [
    "AttentionPooling1D",
    "BahdanauAttention",
    "BatchSizeCheck",
    "CTCBlankPadding",
    "FoldTime",
    "FrameMasking",
    "LuongAttention",
    "MaskedConv1D",
    "MaskedGlobalMaxPooling1D",
    "TiedLogits",
    "UnfoldTime",
    "VocabularyIds",
]
