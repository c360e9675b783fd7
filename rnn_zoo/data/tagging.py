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


def encode_tagged(dataset, vocabulary):
    """Maps `(words, tag_ids)` to `(word_ids, tag_ids)` with the vocabulary."""
    return dataset.map(lambda w, t: (vocabulary.encode(w), tf.cast(t, tf.int32)),
                       num_parallel_calls=tf.data.AUTOTUNE)


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


def predict_tags(model, vocabulary, tags, sentences, *, batch_size=64):
    """The most likely tag of every word, for sentences given as word lists.

    Sentences are encoded with `vocabulary`, right-padded into batches and
    tagged by `model` (any tagger whose output is `(batch, time, num_tags)`
    scores); the padding is cut off again.

    Returns:
        List of tag lists, one per sentence, as long as it.
    """
    import keras
    import numpy as np

    if not sentences:
        return []
    ids = [vocabulary.encode(list(words)).numpy() if words else np.zeros(0, "int32")
           for words in sentences]
    width = max(1, max(len(i) for i in ids))
    padded = keras.utils.pad_sequences(ids, maxlen=width, padding="post", value=0)
    scores = model.predict(padded, batch_size=batch_size, verbose=0)
    best = np.argmax(scores, axis=-1)
    return [[tags[k] for k in row[: len(words)]] for row, words in zip(best, sentences)]
