"""rnn_zoo's custom layers, all registered under `package="rnn_zoo"`."""

from rnn_zoo.layers.attention import BahdanauAttention, LuongAttention
from rnn_zoo.layers.batch_size_check import BatchSizeCheck
from rnn_zoo.layers.character_encoder import CharacterEncoder
from rnn_zoo.layers.crf import CRF, CRFAccuracy, CRFLoss, crf_decode
from rnn_zoo.layers.ctc import CTCBlankPadding
from rnn_zoo.layers.dialog import FoldTurns, UnfoldTurns
from rnn_zoo.layers.fused_rnn import GRU, LSTM, SimpleRNN
from rnn_zoo.layers.observation_check import ObservationShapeCheck
from rnn_zoo.layers.pointer import BilinearPointer
from rnn_zoo.layers.pooling import (
    AttentionPooling1D,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
)
from rnn_zoo.layers.seq2seq_decoder import ScheduledSamplingDecoder
from rnn_zoo.layers.spec_augment import SpecAugment
from rnn_zoo.layers.text_line import ColumnFeatures, MaskedConv2D
from rnn_zoo.layers.tied_logits import TiedLogits, VocabularyIds
from rnn_zoo.layers.time import FoldTime, FrameMasking, MaskedConv1D, UnfoldTime

__all__ = [
    "AttentionPooling1D",
    "BahdanauAttention",
    "BatchSizeCheck",
    "BilinearPointer",
    "CharacterEncoder",
    "ColumnFeatures",
    "CRF",
    "CRFAccuracy",
    "CRFLoss",
    "CTCBlankPadding",
    "crf_decode",
    "FoldTime",
    "FoldTurns",
    "FrameMasking",
    "GRU",
    "LSTM",
    "LuongAttention",
    "MaskedConv1D",
    "MaskedConv2D",
    "MaskedGlobalAveragePooling1D",
    "MaskedGlobalMaxPooling1D",
    "ObservationShapeCheck",
    "ScheduledSamplingDecoder",
    "SimpleRNN",
    "SpecAugment",
    "TiedLogits",
    "UnfoldTime",
    "UnfoldTurns",
    "VocabularyIds",
]
