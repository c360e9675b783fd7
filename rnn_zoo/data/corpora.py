"""Corpora the package ships, so recipes and examples run offline."""

import importlib.resources

from rnn_zoo._validation import check_choice

# tensorflow-datasets' `tiny_shakespeare` split points, in characters.
TINY_SHAKESPEARE_SPLITS = {
    "train": (0, 1_003_854),
    "validation": (1_003_854, 1_003_854 + 55_770),
    "test": (1_003_854 + 55_770, 1_115_394),
}


def tiny_shakespeare(split=None):
    """Returns tiny Shakespeare (public domain), whole or one split.

    The file ships inside the package (`rnn_zoo/data/corpora/`, source and
    licence in the README there): 1,115,394 characters of Shakespeare's plays,
    65 distinct characters. The splits are tensorflow-datasets' own, so
    figures compare with published `tiny_shakespeare` results: the first
    1,003,854 characters train, the next 55,770 validation, the last 55,770
    test.

    Args:
        split: `None` (the whole text), `"train"`, `"validation"` or `"test"`.

    Returns:
        str.

    Example:

    >>> len(tiny_shakespeare("validation"))
    55770
    >>> tiny_shakespeare()[:14]
    'First Citizen:'
    """
    if split is not None:
        check_choice("split", split, TINY_SHAKESPEARE_SPLITS)
    path = importlib.resources.files("rnn_zoo.data") / "corpora" / "tiny_shakespeare.txt"
    text = path.read_text(encoding="utf-8")
    if split is None:
        return text
    start, end = TINY_SHAKESPEARE_SPLITS[split]
    return text[start:end]
