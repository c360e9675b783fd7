"""Token <-> id vocabularies on Keras preprocessing layers, saved with a run."""

import collections
import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_choice, check_int

SPLITS = ("character", "whitespace", "none")
STANDARDIZE = ("none", "lower", "lower_and_strip_punctuation", "strip_punctuation")
PAD, OOV = "", "[UNK]"


class Vocabulary:
    """Maps text or tokens to ids and back; id 0 is padding, id 1 unknown.

    The mapping is a Keras preprocessing layer, so it runs inside `tf.data`
    on every backend: `TextVectorization` for raw text (`split="character"`
    or `"whitespace"`), `StringLookup` for text that is already split into
    tokens (`split="none"`: CoNLL columns, SQuAD tokens). Ids follow the
    zoo's convention: 0 pads (`Embedding(mask_zero=True)` masks it), 1 is
    the out-of-vocabulary id, then `special_tokens`, then the tokens by
    falling frequency. `save` writes a JSON file a run keeps beside its model,
    and `load` rebuilds the same ids from it.

    Args:
        tokens: list of str. The vocabulary after the padding and
            out-of-vocabulary entries (a leading `""` and `"[UNK]"` are
            accepted and dropped, so `Vocabulary(v.tokens, ...)` round-trips).
        split: str. `"character"`, `"whitespace"` or `"none"` (inputs are
            tokens already). Defaults to `"whitespace"`.
        standardize: str. `"none"`, `"lower"`, `"lower_and_strip_punctuation"`
            or `"strip_punctuation"`, applied before splitting (and to tokens
            with `split="none"` only for `"lower"`). Defaults to `"none"`.

    Example:

    >>> v = Vocabulary.adapt(["to be or not", "to be"], split="character")
    >>> v.size  # padding, unknown and 7 characters: t o b e r n, space
    9
    >>> ids = v.encode("to be")
    >>> v.decode(ids)
    'to be'
    >>> int(v.encode("zebra")[0])  # 'z' was never seen: unknown id
    1
    """

    def __init__(self, tokens, *, split="whitespace", standardize="none"):
        self.split = check_choice("split", split, SPLITS)
        self.standardize = check_choice("standardize", standardize, STANDARDIZE)
        if self.split == "none" and self.standardize not in ("none", "lower"):
            raise ValueError(
                "With `split='none'` the inputs are tokens already, so only "
                "`standardize='none'` or `'lower'` apply. Received: "
                f"standardize={standardize!r}"
            )
        tokens = [str(t) for t in tokens]
        if tokens[:2] == [PAD, OOV]:
            tokens = tokens[2:]
        bad = sorted(t for t, n in collections.Counter(tokens).items()
                     if n > 1 or t in (PAD, OOV))
        if bad:
            raise ValueError(
                "Vocabulary tokens must be unique and may not be the padding "
                f"({PAD!r}) or unknown ({OOV!r}) entries. Received duplicate "
                f"or reserved tokens: {bad}"
            )
        self._tokens = tokens
        self._id_of = {t: i + 2 for i, t in enumerate(tokens)}
        if self.split == "none":
            self.layer = keras.layers.StringLookup(
                vocabulary=tokens or None, mask_token=PAD, oov_token=OOV,
                num_oov_indices=1, name="vocabulary",
            )
        else:
            self.layer = keras.layers.TextVectorization(
                vocabulary=tokens or None,
                split=self.split,
                standardize=None if self.standardize == "none" else self.standardize,
                ragged=True,
                name="vocabulary",
            )

    @classmethod
    def adapt(cls, data, *, split="whitespace", standardize="none", max_tokens=None,
              special_tokens=()):
        """Learns a vocabulary from data, most frequent tokens first.

        Args:
            data: a str, a list of str, or a `tf.data.Dataset` of strings
                (of token strings, any rank, with `split="none"`).
            split, standardize: as in the constructor.
            max_tokens: int or None. Keep at most this many ids, padding and
                unknown included. Defaults to `None` (all tokens).
            special_tokens: list of str. Tokens that get the ids right after
                the unknown id, in order, whether or not the data holds them
                (`"[START]"`, `"[END]"`, `"<eos>"`).

        Returns:
            A `Vocabulary`.
        """
        split = check_choice("split", split, SPLITS)
        standardize = check_choice("standardize", standardize, STANDARDIZE)
        check_int("max_tokens", max_tokens, minimum=3, allow_none=True)
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, tf.data.Dataset):
            data = tf.data.Dataset.from_tensor_slices(tf.constant(list(data), tf.string))
        if split == "none":
            data = data.map(lambda t: tf.reshape(t, [-1])).unbatch()  # one token each
            if standardize == "lower":
                data = data.map(tf.strings.lower)
            layer = keras.layers.StringLookup(mask_token=PAD, oov_token=OOV)
        else:
            layer = keras.layers.TextVectorization(
                split=split, standardize=None if standardize == "none" else standardize
            )
        layer.adapt(data.batch(1024))
        learned = [str(t) for t in layer.get_vocabulary()[2:]]
        special = [str(t) for t in special_tokens]
        tokens = special + [t for t in learned if t not in special]
        if max_tokens is not None:
            tokens = tokens[: max_tokens - 2]
        if not tokens:
            raise ValueError(
                "The data holds no tokens to build a vocabulary from (is it "
                f"empty?). Received: split={split!r}"
            )
        return cls(tokens, split=split, standardize=standardize)

    @property
    def tokens(self):
        """list of str: every entry, padding `""` and unknown `"[UNK]"` first."""
        return [PAD, OOV, *self._tokens]

    @property
    def size(self):
        """int: number of ids, padding and unknown included (the builders'
        `vocabulary_size`)."""
        return len(self._tokens) + 2

    def __len__(self):
        return self.size

    def token_id(self, token):
        """Returns the id of one token (1 if unknown)."""
        return self._id_of.get(token, 1)

    def encode(self, texts):
        """Text (or tokens) -> int32 ids, as a `tf` op usable in `tf.data`.

        A scalar string gives a 1-D tensor; a batch gives a `tf.RaggedTensor`
        (with `split="none"`, tokens keep their shape).
        """
        if not isinstance(texts, (tf.Tensor, tf.RaggedTensor)):
            texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if self.split == "none":
            if self.standardize == "lower":
                texts = tf.strings.lower(texts) if not isinstance(
                    texts, tf.RaggedTensor) else tf.ragged.map_flat_values(tf.strings.lower, texts)
            ids = self.layer(texts)
        elif texts.shape.rank == 0:
            ids = self.layer(tf.reshape(texts, [1]))[0]
        else:
            ids = self.layer(texts)
        return tf.cast(ids, tf.int32)

    def decode(self, ids, *, separator=None):
        """Ids -> text (Python side, for samples and predictions).

        Padding ids are dropped. Tokens are joined with `separator`: `""` for
        characters, `" "` otherwise, by default.
        """
        ids = np.asarray(keras.ops.convert_to_numpy(ids)).reshape(-1)
        if separator is None:
            separator = "" if self.split == "character" else " "
        tokens = self.tokens
        return separator.join(tokens[i] if 0 <= i < len(tokens) else OOV
                               for i in ids.tolist() if i != 0)

    def get_config(self):
        return {"tokens": self._tokens, "split": self.split, "standardize": self.standardize}

    def save(self, path):
        """Writes the vocabulary as JSON (UTF-8; every token kept exactly)."""
        path = pathlib.Path(path)
        path.write_text(json.dumps(self.get_config(), ensure_ascii=False, indent=0),
                        encoding="utf-8")
        return path

    @classmethod
    def load(cls, path):
        """Reads a vocabulary written by `save`."""
        path = pathlib.Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"No vocabulary file at {str(path)!r}. A run keeps its "
                "vocabulary beside the model; was this run saved by rnn_zoo?"
            )
        config = json.loads(path.read_text(encoding="utf-8"))
        return cls(**config)

    def __repr__(self):
        return f"Vocabulary(size={self.size}, split={self.split!r}, standardize={self.standardize!r})"
