"""Dtype-safe constants for masking scores before a softmax."""

import keras


def large_negative(dtype):
    """A negative number that is finite in `dtype` and softmaxes to ~0 there.

    -1e9 overflows float16 (largest finite value 65504) to -inf, and a row
    whose every score is -inf softmaxes to NaN; Keras' own masked softmax
    uses -3e4 in float16 for the same reason. bfloat16 and float32 hold -1e9.
    """
    return -3e4 if keras.backend.standardize_dtype(dtype) == "float16" else -1e9
