"""Reusable tf.data pieces for the recipes: vocabularies, length buckets,
readers for users' own files, TFDS loading, the shipped corpus, and
generated toy tasks (`rnn_zoo.data.toy`; perception tasks in
`rnn_zoo.data.synthetic`)."""

from rnn_zoo.data.conll import (
    CONLL2003_NER_TAGS,
    UPOS_TAGS,
    read_conll2003,
    read_conllu,
)
from rnn_zoo.data.corpora import tiny_shakespeare
from rnn_zoo.data.dialog import dialog_scenes
from rnn_zoo.data.files import (
    label_ids,
    read_label_folders,
    read_lines,
    read_parallel,
    read_ptb,
    read_table,
    read_texts,
)
from rnn_zoo.data.pipeline import (
    bucket_batches,
    language_model_batches,
    language_model_windows,
    length_boundaries,
    padding_fraction,
    prepare,
)
from rnn_zoo.data.squad import read_squad, squad_scores, token_span, tokenize
from rnn_zoo.data.tfds_loading import DatasetUnavailableError, load_tfds
from rnn_zoo.data.vocabulary import Vocabulary

__all__ = [
    "CONLL2003_NER_TAGS",
    "DatasetUnavailableError",
    "UPOS_TAGS",
    "Vocabulary",
    "bucket_batches",
    "dialog_scenes",
    "label_ids",
    "language_model_batches",
    "language_model_windows",
    "length_boundaries",
    "load_tfds",
    "padding_fraction",
    "prepare",
    "read_conll2003",
    "read_conllu",
    "read_label_folders",
    "read_lines",
    "read_parallel",
    "read_ptb",
    "read_squad",
    "read_table",
    "read_texts",
    "squad_scores",
    "tiny_shakespeare",
    "token_span",
    "tokenize",
]
