"""Generated sequence-to-sequence tasks, offline: integer addition and dates.

Each task gives `(source, target)` string pairs and the two character
vocabularies that turn them into model inputs; `seq2seq_arrays` makes the
padded arrays `seq2seq_translator` trains on.

- Addition, as in the keras-io addition RNN example: `"535+61"` -> `"596"`.
- Date normalisation: a date written in one of many human formats
  (`"22 November 2026"`, `"nov 22, 2026"`, `"22.11.2026"`, `"11/22/2026"`,
  `"Sun, 22 Nov 26"`, `"20261122"`...) -> ISO 8601 `"2026-11-22"`. The formats are
  chosen so that every string has exactly one reading (slashes put the month
  first, dots and dashes the day first; two-digit years are 1950-2049).
"""

import datetime
import string

import numpy as np

from rnn_zoo._validation import check_int

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CharVocabulary:
    """Characters <-> ids, with padding, start and end tokens.

    Ids: 0 = padding, 1 = start `<s>`, 2 = end `</s>`, then the characters in
    the order given. The `size` is what a model's vocabulary size must be.

    Args:
        characters: str or iterable of single characters, no duplicates.

    Example:

    >>> v = CharVocabulary("0123456789+")
    >>> v.size, v.start_id, v.end_id
    (14, 1, 2)
    >>> v.encode("12+3")
    [4, 5, 13, 6]
    >>> v.decode([1, 4, 5, 2, 7])  # stops at the end token
    '12'
    """

    pad_id, start_id, end_id = 0, 1, 2
    _specials = 3

    def __init__(self, characters):
        characters = list(characters)
        bad = [c for c in characters if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(
                "`characters` must be single characters. "
                f"Received: {bad[:5]!r}"
            )
        duplicates = sorted({c for c in characters if characters.count(c) > 1})
        if duplicates:
            raise ValueError(
                "`characters` must not repeat a character. "
                f"Received: duplicates {duplicates!r}"
            )
        self.characters = "".join(characters)
        self._ids = {c: i + self._specials for i, c in enumerate(characters)}

    @property
    def size(self):
        """Number of ids, padding, start and end included."""
        return len(self.characters) + self._specials

    def encode(self, text):
        """Returns the ids of `text`'s characters (no start or end token).

        Raises:
            ValueError: for a character outside the vocabulary.
        """
        try:
            return [self._ids[c] for c in text]
        except KeyError:
            unknown = sorted({c for c in text if c not in self._ids})
            raise ValueError(
                f"Characters {unknown!r} are not in the vocabulary "
                f"{self.characters!r}. Received: text={text!r}"
            ) from None

    def encode_batch(self, texts, *, add_start=False, add_end=False, length=None):
        """Encodes `texts` into a right-padded int32 array `(batch, length)`.

        Args:
            texts: list of str.
            add_start: bool. Put the start token first.
            add_end: bool. Put the end token last.
            length: int or None. Width of the array; `None` fits the longest.

        Raises:
            ValueError: for unknown characters, or a text longer than `length`.
        """
        rows = [
            [self.start_id] * add_start + self.encode(t) + [self.end_id] * add_end
            for t in texts
        ]
        longest = max((len(r) for r in rows), default=0)
        if length is None:
            length = longest
        length = check_int("length", length, minimum=1)
        if longest > length:
            raise ValueError(
                f"A text needs {longest} ids but `length` is {length}. Pass a "
                f"larger `length` or None. Received: length={length}"
            )
        out = np.zeros((len(rows), length), "int32")
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return out

    def decode(self, ids):
        """Returns the text of `ids`: skips padding and start tokens, stops at
        the first end token.

        Raises:
            ValueError: for an id outside `[0, size)`.
        """
        chars = []
        for i in np.asarray(ids).reshape(-1).tolist():
            if not 0 <= i < self.size:
                raise ValueError(
                    f"Token id {i} is outside the vocabulary: ids are in "
                    f"[0, {self.size}). Received: ids={list(np.asarray(ids).reshape(-1))}"
                )
            if i == self.end_id:
                break
            if i >= self._specials:
                chars.append(self.characters[i - self._specials])
        return "".join(chars)

    def decode_batch(self, ids):
        """Decodes every row of a `(batch, time)` array."""
        return [self.decode(row) for row in np.asarray(ids)]

    def __repr__(self):
        return f"CharVocabulary({self.characters!r})"


def _rng(seed):
    return np.random.default_rng(seed)


def addition_pairs(num_examples, *, max_digits=3, seed=None):
    """Random additions `"a+b"` -> their sum, each operand of 1..max_digits digits.

    Args:
        num_examples: int >= 1.
        max_digits: int >= 1. Most digits per operand. Defaults to 3.
        seed: int or None.

    Returns:
        List of `(question, answer)` strings, e.g. `("535+61", "596")`.

    Example:

    >>> q, a = addition_pairs(1, seed=0)[0]
    >>> int(q.split("+")[0]) + int(q.split("+")[1]) == int(a)
    True
    """
    num_examples = check_int("num_examples", num_examples, minimum=1)
    max_digits = check_int("max_digits", max_digits, minimum=1)
    rng = _rng(seed)
    pairs = []
    for _ in range(num_examples):
        a, b = (
            int(rng.integers(0, 10 ** int(rng.integers(1, max_digits + 1))))
            for _ in range(2)
        )
        pairs.append((f"{a}+{b}", str(a + b)))
    return pairs


def addition_vocabularies():
    """`(source, target)` vocabularies of the addition task."""
    return CharVocabulary("0123456789+"), CharVocabulary("0123456789")


# Each format takes a date and returns a string that names it unambiguously.
def _formats():
    def day(d):
        return str(d.day)

    def dd(d):
        return f"{d.day:02d}"

    def mm(d):
        return f"{d.month:02d}"

    def month(d):
        return MONTHS[d.month - 1]

    def mon(d):
        return MONTHS[d.month - 1][:3]

    def yy(d):
        return f"{d.year % 100:02d}"

    def weekday(d):
        return WEEKDAYS[d.weekday()]

    return [
        lambda d: f"{day(d)} {month(d)} {d.year}",          # 22 November 2026
        lambda d: f"{dd(d)} {mon(d)} {d.year}",             # 22 Nov 2026
        lambda d: f"{month(d)} {day(d)}, {d.year}",         # November 22, 2026
        lambda d: f"{mon(d)} {day(d)} {d.year}".lower(),    # nov 22 2026
        lambda d: f"{weekday(d)}, {day(d)} {month(d)} {d.year}",
        lambda d: f"{weekday(d)[:3]}, {dd(d)} {mon(d)} {yy(d)}",
        lambda d: f"{dd(d)}.{mm(d)}.{d.year}",              # 22.11.2026 (day first)
        lambda d: f"{day(d)}.{d.month}.{yy(d)}",            # 22.11.26
        lambda d: f"{mm(d)}/{dd(d)}/{d.year}",              # 11/22/2026 (month first)
        lambda d: f"{d.month}/{day(d)}/{yy(d)}",            # 11/22/26
        lambda d: f"{dd(d)}-{mon(d)}-{d.year}".upper(),     # 22-NOV-2026
        lambda d: f"{d.year}/{mm(d)}/{dd(d)}",              # 2026/11/22
        lambda d: f"{d.year}{mm(d)}{dd(d)}",                # 20261122
        lambda d: f"{month(d).lower()} {day(d)} {d.year}",
    ]


DATE_FORMATS = len(_formats())
FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)


def date_pairs(num_examples, *, seed=None):
    """Random dates between 1950 and 2049 in human formats -> ISO 8601.

    Args:
        num_examples: int >= 1.
        seed: int or None.

    Returns:
        List of `(human, iso)` strings, e.g. `("Nov 22, 2026", "2026-11-22")`.

    Example:

    >>> human, iso = date_pairs(1, seed=0)[0]
    >>> len(iso), iso[4], iso[7]
    (10, '-', '-')
    """
    num_examples = check_int("num_examples", num_examples, minimum=1)
    rng = _rng(seed)
    formats = _formats()
    span = (LAST_DATE - FIRST_DATE).days + 1
    pairs = []
    for _ in range(num_examples):
        date = FIRST_DATE + datetime.timedelta(days=int(rng.integers(0, span)))
        fmt = formats[int(rng.integers(0, len(formats)))]
        pairs.append((fmt(date), date.isoformat()))
    return pairs


def date_vocabularies():
    """`(source, target)` vocabularies of the date task."""
    source = string.digits + string.ascii_letters + " ,./-"
    return CharVocabulary(source), CharVocabulary(string.digits + "-")


def seq2seq_arrays(pairs, source_vocabulary, target_vocabulary):
    """Padded arrays for `seq2seq_translator` from string pairs.

    Args:
        pairs: list of `(source, target)` strings.
        source_vocabulary, target_vocabulary: `CharVocabulary`.

    Returns:
        `([source_ids, decoder_ids], target_ids)`, int32 and right-padded with
        0: `target_ids` is the target's characters then the end token,
        `decoder_ids` the start token then the target's characters (the
        targets shifted right by one).

    Example:

    >>> src, tgt = addition_vocabularies()
    >>> (source, decoder), target = seq2seq_arrays([("5+7", "12")], src, tgt)
    >>> source.tolist(), decoder.tolist(), target.tolist()
    ([[8, 13, 10]], [[1, 4, 5]], [[4, 5, 2]])
    """
    if not pairs:
        raise ValueError("`pairs` must hold at least one (source, target) pair. Received: []")
    sources, targets = zip(*pairs)
    source_ids = source_vocabulary.encode_batch(sources)
    target_ids = target_vocabulary.encode_batch(targets, add_end=True)
    decoder_ids = target_vocabulary.encode_batch(targets, add_start=True)
    return [source_ids, decoder_ids], target_ids
