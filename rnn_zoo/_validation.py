"""Argument checks shared by builders, topologies and layers.

Every check raises a Keras-style message: what is wrong, what is expected, and
what was received (`Received: name=value`), with a "did you mean" for names.
"""

import difflib
import math
import numbers


def suggest(name, options):
    """Returns `" Did you mean 'x'?"` for the closest option, or `""`."""
    matches = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def check_choice(arg, value, options, *, what=None, normalize=None):
    """Checks that `value` is one of `options`; returns the matching option.

    Args:
        arg: str. The argument name, for the message.
        value: The received value.
        options: Iterable of accepted values (str or None).
        what: str. How to call the thing in the message (defaults to `arg`).
        normalize: Optional callable applied to a str `value` before matching
            (for example `str.lower`).
    """
    options = list(options)
    key = normalize(value) if (normalize and isinstance(value, str)) else value
    if key in options:
        return key
    named = sorted(str(o) for o in options)
    hint = suggest(key, [o for o in options if o is not None]) if isinstance(key, str) else ""
    raise ValueError(
        f"Unknown {what or arg} {value!r}.{hint} Expected one of {named}. "
        f"Received: {arg}={value!r}"
    )


def check_int(arg, value, *, minimum=None, allow_none=False):
    """Checks that `value` is an int (not a bool) >= `minimum`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{arg}` must be an int{' or None' if allow_none else ''}. "
            f"Received: {arg}={value!r} of type {type(value).__name__}"
        )
    if minimum is not None and value < minimum:
        raise ValueError(
            f"`{arg}` must be >= {minimum}. Received: {arg}={value!r}"
        )
    return int(value)


def check_float(arg, value, *, low=None, high=None, low_open=False, high_open=False):
    """Checks that `value` is a finite real number inside the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{arg}` must be a float. Received: {arg}={value!r} "
            f"of type {type(value).__name__}"
        )
    if not math.isfinite(value):
        # NaN compares false with every bound, so it would pass any interval.
        raise ValueError(
            f"`{arg}` must be a finite number. Received: {arg}={value!r}"
        )
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(
            f"`{arg}` must be in {left}{lo}, {hi}{right}. Received: {arg}={value!r}"
        )
    return float(value)


def check_bool(arg, value):
    if not isinstance(value, bool):
        raise TypeError(
            f"`{arg}` must be a bool. Received: {arg}={value!r} "
            f"of type {type(value).__name__}"
        )
    return value


def check_dropout(arg, value):
    """Dropout rates live in [0, 1): a rate of 1 would drop everything."""
    return check_float(arg, value, low=0.0, high=1.0, high_open=True)
