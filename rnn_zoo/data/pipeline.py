"""tf.data pieces every recipe shares: windows, length buckets, cache/shuffle/prefetch.

Elements are `(inputs, targets)` pairs of int id tensors, unbatched; `inputs`
may be one tensor or a tuple of them (question and context; source and
target). Id 0 is padding everywhere, so padded batches need no masks of
their own: the models' `Embedding(mask_zero=True)` makes them.
"""

import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_int


def language_model_windows(ids, sequence_length):
    """Cuts a stream of ids into `(inputs, targets)` windows shifted by one.

    `ids[0:n]` predicts `ids[1:n+1]`, `ids[n:2n]` predicts `ids[n+1:2n+1]`,
    and so on (non-overlapping windows, the last partial one dropped), as
    Karpathy's char-rnn cuts its batches: every transition of the text is
    trained on once.

    Args:
        ids: 1-D int tensor or array, the whole encoded corpus.
        sequence_length: int. Steps per window.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets)`, each `(sequence_length,)`.

    Example:

    >>> ds = language_model_windows(tf.range(1, 8), 3)
    >>> [(x.tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]
    [([1, 2, 3], [2, 3, 4]), ([4, 5, 6], [5, 6, 7])]
    """
    check_int("sequence_length", sequence_length, minimum=1)
    ids = tf.convert_to_tensor(ids, tf.int32)
    if ids.shape.rank != 1:
        raise ValueError(
            "`ids` must be one stream of ids (rank 1). Received: ids with shape "
            f"{tuple(ids.shape)}"
        )
    if int(tf.size(ids)) < sequence_length + 1:
        raise ValueError(
            f"The text is too short for one window: {int(tf.size(ids))} ids, "
            f"need at least sequence_length + 1 = {sequence_length + 1}. Use a "
            f"longer text or a smaller `sequence_length`. Received: "
            f"sequence_length={sequence_length}"
        )
    # Window k reads ids[k*n : (k+1)*n] and predicts ids[k*n+1 : (k+1)*n+1],
    # so every transition in the text is a target exactly once.
    windows = tf.data.Dataset.from_tensor_slices(ids[:-1]).batch(
        sequence_length, drop_remainder=True
    )
    targets = tf.data.Dataset.from_tensor_slices(ids[1:]).batch(
        sequence_length, drop_remainder=True
    )
    return tf.data.Dataset.zip((windows, targets))


def _sequence_tensors(element):
    inputs = element[0] if isinstance(element, tuple) else element
    return [t for t in tf.nest.flatten(inputs) if t.shape.rank and t.shape.rank >= 1]


def element_length(*element):
    """Default bucketing key: the longest sequence among an element's inputs."""
    element = element if len(element) > 1 else element[0]
    tensors = _sequence_tensors(element)
    if not tensors:
        raise ValueError(
            "Cannot bucket by length: the element's inputs hold no sequence "
            f"(rank >= 1) tensor. Received: element spec {element}"
        )
    return tf.reduce_max(tf.stack([tf.shape(t)[0] for t in tensors]))


def length_boundaries(lengths, num_buckets=8):
    """Bucket boundaries that put the least padding into the buckets.

    Chooses at most `num_buckets` length ranges so that padding every
    sequence to the longest of its range adds the fewest padding steps in
    all (an exact dynamic programme over the distinct lengths). Where
    lengths are spread evenly this gives buckets of similar counts; on a
    long-tailed distribution (review lengths, speech) it spends more buckets
    on the tail, where equal-count buckets would pad most. Batches are padded
    to their own longest sequence, so the padding of a batch is at most that
    of its bucket.

    Args:
        lengths: list or array of int sequence lengths.
        num_buckets: int. At most this many buckets (fewer when there are
            fewer distinct lengths).

    Returns:
        Sorted list of int upper bounds (exclusive), as
        `tf.data.Dataset.bucket_by_sequence_length` takes them.

    Example:

    >>> length_boundaries([1, 2, 3, 4, 5, 6, 7, 8], num_buckets=4)
    [3, 5, 7]
    >>> length_boundaries([10] * 50 + [11, 300, 310], num_buckets=2)
    [12]
    """
    check_int("num_buckets", num_buckets, minimum=1)
    lengths = np.asarray(lengths, dtype="int64").ravel()
    if lengths.size == 0:
        raise ValueError("Cannot compute bucket boundaries of no sequences. Received: lengths=[]")
    values, counts = np.unique(lengths, return_counts=True)
    if len(values) > _MAX_DISTINCT_LENGTHS:
        # Coarser candidate ends keep the programme small; each group's
        # sequences count as padded to the group's longest.
        ends = np.unique(np.quantile(lengths, np.linspace(0, 1, _MAX_DISTINCT_LENGTHS + 1)[1:],
                                     method="higher").astype("int64"))
        group = np.searchsorted(ends, values)
        counts = np.bincount(group, weights=counts, minlength=len(ends))
        values = ends
    ends = _least_padding_ends(values, counts, min(num_buckets, len(values)))
    return [int(values[j]) + 1 for j in ends[:-1]]


_MAX_DISTINCT_LENGTHS = 2048


def _least_padding_ends(values, counts, num_buckets):
    """Indices of the last value of each bucket, minimising total padded size.

    A bucket holding `values[i..j]` costs `values[j] * (count of i..j)`
    (every sequence padded to the longest); the sequences' own lengths are a
    constant, so minimising this minimises padding.
    """
    n = len(values)
    cum = np.concatenate([[0.0], np.cumsum(counts, dtype="float64")])
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    # cost[i, j]: one bucket from values[i] to values[j] (inf where i > j).
    cost = np.where(i <= j, values[None, :] * (cum[1:][None, :] - cum[:-1][:, None]), np.inf)
    best = cost[0]  # best[j]: values[0..j] in one bucket
    starts = []  # starts[b][j]: first index of the last bucket, with b + 2 buckets
    for _ in range(num_buckets - 1):
        # Last bucket i..j after the best split of values[0..i-1].
        total = np.concatenate([[np.inf], best[:-1]])[:, None] + cost
        start = np.argmin(total, axis=0)
        candidate = total[start, np.arange(n)]
        keep = candidate < best  # a further bucket only where it saves padding
        starts.append(np.where(keep, start, -1))
        best = np.where(keep, candidate, best)
    ends, j = [n - 1], n - 1
    for start in reversed(starts):
        if start[j] > 0:
            j = start[j] - 1
            ends.append(j)
    return sorted(ends)


def bucket_batches(dataset, batch_size, *, boundaries, length_fn=element_length,
                   drop_remainder=False):
    """Batches sequences of similar length together, padding with 0.

    A thin call to `tf.data.Dataset.bucket_by_sequence_length` with one batch
    size for every bucket: each batch is padded to its own longest sequence,
    and sequences of similar length share batches, so little compute goes to
    padding (`padding_fraction` measures it).

    Args:
        dataset: unbatched `tf.data.Dataset` of `(inputs, targets)`.
        batch_size: int.
        boundaries: list of int. Bucket upper bounds (`length_boundaries`).
        length_fn: callable element -> int32 scalar. Defaults to the longest
            input sequence.
        drop_remainder: bool. Drop each bucket's last partial batch.

    Returns:
        A batched `tf.data.Dataset`.
    """
    check_int("batch_size", batch_size, minimum=1)
    boundaries = [check_int("boundaries", int(b), minimum=1) for b in boundaries]
    if boundaries != sorted(set(boundaries)):
        raise ValueError(
            "`boundaries` must be strictly increasing. Received: "
            f"boundaries={boundaries}"
        )
    return dataset.bucket_by_sequence_length(
        element_length_func=length_fn,
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        drop_remainder=drop_remainder,
    )


def padding_fraction(dataset, *, max_batches=None):
    """Fraction of input positions that are padding (id 0) in a batched dataset.

    Counts over every rank >= 2 integer input tensor (token batches); targets
    are not counted.

    Example:

    >>> ds = tf.data.Dataset.from_tensors((tf.constant([[1, 2], [3, 0]]), 0))
    >>> padding_fraction(ds)
    0.25
    """
    padded = total = 0
    for element in dataset.take(-1 if max_batches is None else max_batches):
        for t in _sequence_tensors(element):
            if t.shape.rank >= 2 and t.dtype.is_integer:
                padded += int(tf.math.count_nonzero(tf.equal(t, 0)))
                total += int(tf.size(t))
    return padded / total if total else 0.0


def language_model_batches(ids, *, batch_size, sequence_length, tbptt=False,
                           shuffle=False, seed=0, drop_remainder=False):
    """Batches of `(inputs, targets)` windows from one encoded stream.

    With `tbptt=False`, non-overlapping windows (`language_model_windows`),
    optionally shuffled; with `tbptt=True`, the stream laid out as
    `batch_size` contiguous rows in order (`rnn_zoo.tbptt.make_dataset`), so
    row i of each batch continues row i of the last, for a stateful model.
    """
    if tbptt:
        from rnn_zoo import tbptt as tbptt_module

        return tbptt_module.make_dataset(np.asarray(ids), batch_size=batch_size,
                                         bptt=sequence_length)
    return prepare(language_model_windows(ids, sequence_length), batch_size=batch_size,
                   shuffle=shuffle, seed=seed, bucket=False, drop_remainder=drop_remainder)


def prepare(dataset, *, batch_size, shuffle=True, seed=0, shuffle_buffer=10_000,
            cache=True, bucket=True, num_buckets=16, length_fn=element_length,
            drop_remainder=False, pad_to=None):
    """Caches, shuffles with a seed, batches (by length buckets) and prefetches.

    The order matters: the cache holds the encoded examples, so vectorizing
    runs once; the shuffle comes after the cache so each epoch sees a new
    order (the same one for the same `seed`); buckets come after the shuffle.

    Args:
        dataset: unbatched `tf.data.Dataset` of encoded `(inputs, targets)`.
        batch_size: int.
        shuffle: bool. Defaults to `True` (use `False` for evaluation).
        seed: int. Shuffle seed.
        shuffle_buffer: int. Shuffle buffer size.
        cache: bool. Cache the encoded examples in memory.
        bucket: bool. Batch by length buckets (boundaries computed from the
            data's lengths, one pass); `False` pads each batch to its longest.
            Fixed-length elements (language-model windows) need neither.
        num_buckets: int. At most this many length buckets, with boundaries
            chosen for the least padding (`length_boundaries`). Defaults to
            16: on IMDB-like review lengths, 10% of the tokens are padding
            with 16 buckets, 19% with 8, 74% without buckets
            (benchmarks/README.md).
        length_fn: bucketing key, see `bucket_batches`.
        drop_remainder: bool. Drop the last partial batch(es).
        pad_to: int or None. Truncate every sequence to this many steps and
            pad every batch to exactly this many (no buckets), for models
            that need a static time axis. Defaults to `None`.

    Returns:
        A batched, prefetched `tf.data.Dataset`.
    """
    check_int("batch_size", batch_size, minimum=1)
    check_int("seed", seed, minimum=0)
    check_int("shuffle_buffer", shuffle_buffer, minimum=1)
    check_int("pad_to", pad_to, minimum=1, allow_none=True)
    if any(isinstance(spec, tf.RaggedTensorSpec)
           for spec in tf.nest.flatten(dataset.element_spec)):
        dataset = dataset.map(_dense)  # padded batching takes dense elements
    if pad_to is not None:
        dataset = dataset.map(lambda *e: _truncate(e if len(e) > 1 else e[0], pad_to))
        bucket = False
    if cache:
        dataset = dataset.cache()
    if bucket:
        lengths = list(dataset.map(length_fn).as_numpy_iterator())  # fills the cache
        if not lengths:
            raise ValueError("The dataset is empty: no examples to batch.")
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if bucket:
        boundaries = length_boundaries(lengths, num_buckets)
        dataset = bucket_batches(dataset, batch_size, boundaries=boundaries,
                                 length_fn=length_fn, drop_remainder=drop_remainder)
        # Buckets hide the number of batches from tf.data; it follows from the
        # lengths, and telling it lets Keras size its progress bar and epochs.
        counts = np.bincount(np.searchsorted(boundaries, lengths, side="right"))
        batches = counts // batch_size if drop_remainder else -(-counts // batch_size)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(int(batches.sum())))
    elif pad_to is not None:
        shapes = tf.nest.map_structure(
            lambda spec: [pad_to, *spec.shape[1:]] if spec.shape.rank else [],
            dataset.element_spec)
        dataset = dataset.padded_batch(batch_size, padded_shapes=shapes,
                                       drop_remainder=drop_remainder)
    else:
        dataset = dataset.padded_batch(batch_size, drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _dense(*element):
    element = element if len(element) > 1 else element[0]
    return tf.nest.map_structure(
        lambda t: t.to_tensor() if isinstance(t, tf.RaggedTensor) else t, element)


def _truncate(element, length):
    return tf.nest.map_structure(lambda t: t[:length] if t.shape.rank else t, element)
