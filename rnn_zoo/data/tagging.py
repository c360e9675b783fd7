"""Tagged sentences (POS, NER) as tf.data, tagging and per-word scores.

Entity-level scores (NER) are `rnn_zoo.metrics.entity_scores` (seqeval)."""

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


def drop_words(batches, alpha, counts, *, seed=0, unknown_id=1):
    """Replaces rare training words by the unknown word id, at random.

    Word dropout as Kiperwasser & Goldberg 2016 and Plank et al. 2016 do it:
    a word seen `n` times in training becomes the unknown id with
    probability `alpha / (alpha + n)`, so words seen once are dropped most
    and frequent words almost never. A vocabulary adapted on the training
    words never shows the tagger the unknown id otherwise, and a word
    unseen in training would meet an untrained embedding; dropping rare
    words teaches that embedding and leans the tagger on the characters and
    the context, which is what the unseen words have. Padding (id 0) stays.
    Applied to batches after the cache, so every epoch drops others.

    Args:
        batches: dataset of `(word_ids, tags)` or `((word_ids, char_ids), tags)`.
        alpha: float >= 0. `0` returns `batches` unchanged.
        counts: 1-D array, the training count of every word id.
        seed: int. Seed of the random draws.
        unknown_id: int. The id words are replaced by. Defaults to 1 (`[UNK]`
            in `rnn_zoo.data.Vocabulary`).
    """
    import numpy as np

    if not alpha:
        return batches
    counts = np.asarray(counts, "float32")
    probability = tf.constant(np.where(counts > 0, alpha / (alpha + counts), 0.0), tf.float32)

    def drop(inputs, tags):
        words = inputs[0] if isinstance(inputs, tuple) else inputs
        hit = tf.random.uniform(tf.shape(words), seed=seed) < tf.gather(probability, words)
        words = tf.where(hit & (words > 1), tf.cast(unknown_id, words.dtype), words)
        return ((words, inputs[1]) if isinstance(inputs, tuple) else words), tags

    return batches.map(drop, num_parallel_calls=tf.data.AUTOTUNE)


def word_counts(dataset, vocabulary):
    """How often each word id occurs in a dataset of `(words, tags)`."""
    import numpy as np

    words = [w for ws, _ in dataset.as_numpy_iterator() for w in ws]
    ids = vocabulary.encode(tf.constant(words or [b""], tf.string)).numpy() if words else []
    return np.bincount(np.asarray(ids, "int64"), minlength=vocabulary.size)


def predict_tags(model, vocabulary, tags, sentences, *, char_vocabulary=None, batch_size=64):
    """The most likely tag of every word, for sentences given as word lists.

    Sentences are encoded with `vocabulary` (and `char_vocabulary` for a
    tagger with character inputs), sorted by length into batches of
    `batch_size`, each right-padded to its longest, and tagged by `model`: the argmax of a softmax tagger's `(batch, time, num_tags)`
    output, or the Viterbi path of a CRF tagger's (`rnn_zoo.layers.crf_decode`).
    The padding is cut off again.

    Returns:
        List of tag lists, one per sentence, as long as it.
    """
    import keras
    import numpy as np

    if not sentences:
        return []
    # Sentences of similar length share a batch, each padded to its own
    # longest sentence and word: one batch padded to the longest of all
    # would make the character encoder read mostly padding.
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    predicted = [None] * len(sentences)
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        chunk = [list(sentences[i]) for i in rows]
        for i, tagged in zip(rows, _predict_batch(model, vocabulary, tags, chunk,
                                                   char_vocabulary)):
            predicted[i] = tagged
    return predicted


def _predict_batch(model, vocabulary, tags, sentences, char_vocabulary):
    import keras
    import numpy as np

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
    scores = model.predict(inputs, batch_size=len(sentences), verbose=0)
    if np.ndim(scores) == 4:  # a CRF posterior
        from rnn_zoo.layers import crf_decode

        best = keras.ops.convert_to_numpy(crf_decode(scores))
    else:
        best = np.argmax(scores, axis=-1)
    return [[tags[k] for k in row[: len(words)]] for row, words in zip(best, sentences)]


def word_accuracies(true_tags, predicted_tags, sentences, vocabulary):
    """Per-word accuracy over all words and over the unknown words only.

    A word is unknown when `vocabulary` maps it to the out-of-vocabulary id
    (1): for a vocabulary adapted on all training words, a word never seen
    in training. That figure is the one character features are for.

    Args:
        true_tags, predicted_tags: lists of sentences, each a list of tags.
        sentences: the sentences' words, lists of str.
        vocabulary: the tagger's `rnn_zoo.data.Vocabulary`.

    Returns:
        dict: `accuracy`, `unknown_word_accuracy` (`None` when no word is
        unknown), `words` and `unknown_words` (counts).

    Raises:
        ValueError: sentences of unequal lengths across the three lists.

    Example:

    >>> from rnn_zoo.data import Vocabulary
    >>> vocabulary = Vocabulary(["the", "dog"], split="none")
    >>> word_accuracies([["DET", "NOUN", "VERB"]], [["DET", "NOUN", "NOUN"]],
    ...                 [["the", "dog", "barks"]], vocabulary)
    {'accuracy': 0.6666666666666666, 'unknown_word_accuracy': 0.0, 'words': 3, 'unknown_words': 1}
    """
    import numpy as np

    right = known_right = words = unknown = 0
    for i, (true, predicted, sentence) in enumerate(zip(true_tags, predicted_tags, sentences)):
        if not len(true) == len(predicted) == len(sentence):
            raise ValueError(
                f"Sentence {i} has {len(sentence)} words, {len(true)} true tags and "
                f"{len(predicted)} predicted tags: they must be equally many."
            )
        if not sentence:
            continue
        hits = np.array([t == p for t, p in zip(true, predicted)])
        unseen = vocabulary.encode(list(sentence)).numpy() == 1
        right += int(hits.sum())
        known_right += int(hits[unseen].sum())
        words += len(sentence)
        unknown += int(unseen.sum())
    return {"accuracy": right / words if words else None,
            "unknown_word_accuracy": known_right / unknown if unknown else None,
            "words": words, "unknown_words": unknown}


def char_vocabulary_of(dataset):
    """A character vocabulary adapted on the words of a `(words, tags)` dataset."""
    from rnn_zoo.data.vocabulary import Vocabulary

    return Vocabulary.adapt(dataset.map(lambda w, t: characters(w).flat_values), split="none")


def tagging_batches(run, splits, *, batch_size, seed=0, standardize="none", max_tokens=None,
                    char_features=False, pad_to=None, word_dropout=0.0):
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
        word_dropout: float. `alpha` of the frequency-based word dropout
            of the training split (`drop_words`). Defaults to 0 (none).

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
    if word_dropout:
        batches["train"] = drop_words(batches["train"], word_dropout,
                                      word_counts(splits["train"], vocabulary), seed=seed)
    return vocabulary, char_vocabulary, batches


def format_tagged(model, vocabulary, tags, sentences, *, char_vocabulary=None):
    """Tags sentences given as word lists; returns `"word/TAG word/TAG ..."` each."""
    predicted = predict_tags(model, vocabulary, tags, sentences,
                             char_vocabulary=char_vocabulary)
    return [" ".join(f"{w}/{t}" for w, t in zip(ws, ts)) for ws, ts in zip(sentences, predicted)]
