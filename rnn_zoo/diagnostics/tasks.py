"""Generated tasks that need a long memory, for the gradient-flow demos."""

import numpy as np

from rnn_zoo._validation import check_int


def first_token_task(
    *, num_samples, sequence_length=200, num_classes=4, num_distractors=8, seed=0
):
    """Sequences whose label is their first token: a long-dependency task.

    The first token is `label + 1` (ids 1..num_classes); the other
    `sequence_length - 1` tokens are distractors drawn uniformly from the ids
    `num_classes + 1 .. num_classes + num_distractors`. No token is 0, so
    there is no padding to give the answer away. Read left to right with the
    final state as readout (`text_classifier(pooling="last")`), the model
    must carry the first token across the whole sequence: the loss at the
    end hears step 0 only through `sequence_length - 1` recurrent steps.
    Build the model with `vocabulary_size = 1 + num_classes + num_distractors`.

    Args:
        num_samples: int. Number of sequences.
        sequence_length: int >= 2. Steps per sequence. Defaults to 200.
        num_classes: int >= 2. Number of labels. Defaults to 4.
        num_distractors: int >= 1. Number of distractor token ids.
            Defaults to 8.
        seed: int. Seed of the generator. Defaults to 0.

    Returns:
        `(x, y)`: int32 token ids `(num_samples, sequence_length)` and int32
        labels `(num_samples,)`.

    Example:

    >>> x, y = first_token_task(num_samples=3, sequence_length=5, num_classes=2)
    >>> x.shape, y.shape
    ((3, 5), (3,))
    >>> bool((x[:, 0] == y + 1).all() and (x[:, 1:] > 2).all())
    True
    """
    check_int("num_samples", num_samples, minimum=1)
    check_int("sequence_length", sequence_length, minimum=2)
    check_int("num_classes", num_classes, minimum=2)
    check_int("num_distractors", num_distractors, minimum=0)
    check_int("seed", seed)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, num_classes, size=num_samples)
    # With no distractor ids, the later tokens are label tokens too.
    low = num_classes + 1 if num_distractors else 1
    x = rng.integers(
        low, num_classes + num_distractors + 1, size=(num_samples, sequence_length)
    )
    x[:, 0] = y + 1
    return x.astype("int32"), y.astype("int32")
