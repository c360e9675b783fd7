"""Generated typing errors, for training and testing spelling correctors.

`add_typos` puts the four classic single-character errors (Damerau 1964)
into text at a chosen rate: insertions and substitutions of a key next to
the intended one on a QWERTY keyboard, deletions, and transpositions of two
neighbouring letters. Only letters are touched, so word boundaries stay put.
"""

import numpy as np

from rnn_zoo._validation import check_choice, check_float

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
TYPO_KINDS = ("delete", "insert", "substitute", "transpose")


def _neighbours():
    position = {c: (r, i) for r, row in enumerate(_ROWS) for i, c in enumerate(row)}
    out = {}
    for c, (r, i) in position.items():
        out[c] = "".join(
            d for d, (r2, i2) in position.items()
            if d != c and abs(r2 - r) <= 1 and abs((i2 + 0.5 * r2) - (i + 0.5 * r)) <= 1
        )
    return out


KEYBOARD_NEIGHBOURS = _neighbours()


def add_typos(text, *, rate, rng, kinds=TYPO_KINDS):
    """Returns `text` with random typing errors, about `rate` per letter.

    Each letter, with probability `rate`, gets one error of a kind drawn
    uniformly from `kinds`: `"delete"` drops it, `"insert"` types a
    keyboard neighbour after it, `"substitute"` replaces it with a keyboard
    neighbour, `"transpose"` swaps it with the next letter (if that is a
    letter too). Case is kept; a deletion that would leave a word
    empty is a substitution instead, so the noisy text has the same words as the clean one.

    Args:
        text: str.
        rate: float in [0, 1]. Probability of an error at each letter.
        rng: a `np.random.Generator`.
        kinds: errors to draw from. Defaults to all four.

    Example:

    >>> add_typos("the quick brown fox", rate=0.0, rng=np.random.default_rng(0))
    'the quick brown fox'
    >>> noisy = add_typos("the quick brown fox", rate=0.3,
    ...                   rng=np.random.default_rng(0))
    >>> noisy != "the quick brown fox", len(noisy.split())
    (True, 4)
    """
    check_float("rate", rate, low=0.0, high=1.0)
    kinds = [check_choice("kinds", k, TYPO_KINDS) for k in kinds]
    if not kinds:
        raise ValueError(f"`kinds` needs at least one of {list(TYPO_KINDS)}. Received: []")
    chars, out, i = list(text), [], 0
    while i < len(chars):
        c = chars[i]
        lower = c.lower()
        if lower not in KEYBOARD_NEIGHBOURS or rng.random() >= rate:
            out.append(c)
            i += 1
            continue
        kind = kinds[rng.integers(len(kinds))]
        near = KEYBOARD_NEIGHBOURS[lower]
        key = near[rng.integers(len(near))]
        key = key.upper() if c.isupper() else key
        # Deleting the last letter left of a word would drop the word.
        alone = (not out or out[-1].lower() not in KEYBOARD_NEIGHBOURS) and (
            i + 1 == len(chars) or chars[i + 1].lower() not in KEYBOARD_NEIGHBOURS)
        if kind == "delete" and alone:
            out.append(key)  # a one-letter word is mistyped, never dropped
        elif kind == "delete":
            pass
        elif kind == "insert":
            out += [c, key]
        elif kind == "substitute":
            out.append(key)
        elif i + 1 < len(chars) and chars[i + 1].lower() in KEYBOARD_NEIGHBOURS:
            out += [chars[i + 1], c]  # transpose
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)
