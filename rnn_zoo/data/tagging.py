"""Tagged sentences (POS, NER) as tf.data, and entity-level scores."""

import tensorflow as tf

from rnn_zoo.data.files import label_ids


def tagged_dataset(sentences, tag_set, *, source="the data"):
    """`(words, tags)` pairs -> a `tf.data.Dataset` of `(words, tag_ids)`.

    Args:
        sentences: list of `(words, tags)`, each a list of str of one length
            (what `read_conllu` and `read_conll2003` return).
        tag_set: list of str. Tag `i` gets id `i`.
        source: str. Where the sentences come from, for error messages.

    Returns:
        Dataset of `(string (time,), int32 (time,))`.

    Raises:
        ValueError: a tag not in `tag_set`, or words and tags of unequal length.

    Example:

    >>> ds = tagged_dataset([(["I", "ran"], ["PRON", "VERB"])], ["PRON", "VERB"])
    >>> [(w.tolist(), t.tolist()) for w, t in ds.as_numpy_iterator()]
    [([b'I', b'ran'], [0, 1])]
    """
    if not sentences:
        raise ValueError(f"No sentences in {source}.")
    words, tags = [], []
    for i, (w, t) in enumerate(sentences):
        if len(w) != len(t):
            raise ValueError(
                f"Sentence {i} of {source} has {len(w)} words but {len(t)} tags."
            )
        words.append(list(w))
        tags.append(label_ids(t, tag_set, source=source))
    return tf.data.Dataset.from_tensor_slices((
        tf.ragged.constant(words, dtype=tf.string),
        tf.ragged.constant(tags, dtype=tf.int32),
    ))


def characters(words):
    """The characters of each word: a `tf.RaggedTensor` `(time, (chars))`."""
    return tf.strings.unicode_split(words, "UTF-8")


def encode_tagged(dataset, vocabulary, char_vocabulary=None):
    """Maps `(words, tag_ids)` to `(word_ids, tag_ids)` with the vocabulary.

    With a `char_vocabulary` (`split="none"`, over characters), the inputs
    become `(word_ids, char_ids)`, `char_ids` `(time, longest word)`
    right-padded with 0: what `sequence_tagger(char_vocabulary_size=...)` reads.
    """
    def encode(words, tags):
        ids = vocabulary.encode(words)
        if char_vocabulary is not None:
            ids = (ids, char_vocabulary.encode(characters(words)).to_tensor())
        return ids, tf.cast(tags, tf.int32)

    return dataset.map(encode, num_parallel_calls=tf.data.AUTOTUNE)


def entity_spans(tags):
    """Entity spans `(type, start, end)` (end exclusive) of an IOB1/IOB2 tag list.

    An entity starts at `B-X`, or at `I-X` after anything but `X` (IOB1, as
    the CoNLL-2003 files write it); `O` ends it. This is what the `conlleval`
    script counts.

    Example:

    >>> entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    [('PER', 0, 2), ('LOC', 3, 4), ('LOC', 4, 5)]
    """
    spans, current = [], None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        continues = (current is not None and prefix == "I" and kind == current[0])
        if current is not None and not continues:
            spans.append((current[0], current[1], i))
            current = None
        if prefix in ("B", "I") and current is None:
            current = (kind, i)
    return spans


def entity_scores(true_tags, predicted_tags):
    """Entity-level precision, recall and F1 (exact span and type), as conlleval.

    Args:
        true_tags, predicted_tags: lists of sentences, each a list of tags.

    Returns:
        dict with `precision`, `recall`, `f1` (0 where undefined).

    Example:

    >>> entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    {'precision': 0.0, 'recall': 0.0, 'f1': 0.0}
    """
    correct = found = expected = 0
    for true, predicted in zip(true_tags, predicted_tags):
        t, p = set(entity_spans(true)), set(entity_spans(predicted))
        correct += len(t & p)
        found += len(p)
        expected += len(t)
    precision = correct / found if found else 0.0
    recall = correct / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def predict_tags(model, vocabulary, tags, sentences, *, char_vocabulary=None, batch_size=64):
    """The most likely tag of every word, for sentences given as word lists.

    Sentences are encoded with `vocabulary` (and `char_vocabulary` for a
    tagger with character inputs), right-padded into one batch and tagged by
    `model`: the argmax of a softmax tagger's `(batch, time, num_tags)`
    output, or the Viterbi path of a CRF tagger's (`rnn_zoo.layers.crf_decode`).
    The padding is cut off again.

    Returns:
        List of tag lists, one per sentence, as long as it.
    """
    import keras
    import numpy as np

    if not sentences:
        return []
    width = max(1, max(len(words) for words in sentences))
    ids = np.zeros((len(sentences), width), "int32")
    for row, words in enumerate(sentences):
        if words:
            ids[row, : len(words)] = vocabulary.encode(list(words)).numpy()
    inputs = ids
    if char_vocabulary is not None:
        longest = max([len(w) for words in sentences for w in words] or [1])
        chars = np.zeros((len(sentences), width, longest), "int32")
        for row, words in enumerate(sentences):
            for col, word in enumerate(words):
                chars[row, col, : len(word)] = char_vocabulary.encode(list(word)).numpy()
        inputs = [ids, chars]
    scores = model.predict(inputs, batch_size=batch_size, verbose=0)
    if np.ndim(scores) == 4:  # a CRF posterior
        from rnn_zoo.layers import crf_decode

        best = keras.ops.convert_to_numpy(crf_decode(scores))
    else:
        best = np.argmax(scores, axis=-1)
    return [[tags[k] for k in row[: len(words)]] for row, words in zip(best, sentences)]


def char_vocabulary_of(dataset):
    """A character vocabulary adapted on the words of a `(words, tags)` dataset."""
    from rnn_zoo.data.vocabulary import Vocabulary

    return Vocabulary.adapt(dataset.map(lambda w, t: characters(w).flat_values), split="none")


def tagging_batches(run, splits, *, batch_size, seed=0, standardize="none", max_tokens=None,
                    char_features=False, pad_to=None):
    """Vocabularies and length-bucketed batches for a tagging recipe.

    Args:
        run: an `rnn_zoo.training.Run`: the vocabularies are loaded from it
            (a resume) or adapted on the training split and saved in it.
        splits: dict split name -> dataset of `(words, tag_ids)`; needs `"train"`.
        batch_size, seed: batching and shuffling (the training split only).
        standardize: `"none"` or `"lower"`, for the words.
        max_tokens: int or None. Word vocabulary size.
        char_features: bool. Also character ids per word (`char_vocabulary`).
        pad_to: int or None. Pad (and cut) every batch to this many words
            instead of length buckets (see `prepare`).

    Returns:
        `(vocabulary, char_vocabulary or None, batches)`.
    """
    from rnn_zoo.data.pipeline import prepare
    from rnn_zoo.data.vocabulary import Vocabulary

    vocabulary = run.vocabulary(lambda: Vocabulary.adapt(
        splits["train"].map(lambda w, t: w), split="none", standardize=standardize,
        max_tokens=max_tokens))
    char_vocabulary = (run.vocabulary(lambda: char_vocabulary_of(splits["train"]),
                                      "char_vocabulary") if char_features else None)
    batches = {
        split: prepare(encode_tagged(ds, vocabulary, char_vocabulary), batch_size=batch_size,
                       shuffle=split == "train", seed=seed, pad_to=pad_to)
        for split, ds in splits.items()
    }
    return vocabulary, char_vocabulary, batches


def format_tagged(model, vocabulary, tags, sentences, *, char_vocabulary=None):
    """Tags sentences given as word lists; returns `"word/TAG word/TAG ..."` each."""
    predicted = predict_tags(model, vocabulary, tags, sentences,
                             char_vocabulary=char_vocabulary)
    return [" ".join(f"{w}/{t}" for w, t in zip(ws, ts)) for ws, ts in zip(sentences, predicted)]
