"""Pieces every task builder shares: inputs, heads, compile, docs, example data."""

import keras
import numpy as np

from rnn_zoo._validation import check_bool, check_dropout, check_float, check_int
from rnn_zoo.metrics import TokenAccuracy

# Argument docs shared by the builders; `fill_doc` puts them in the docstrings.
_DOCS = {
    "{stack_args}": """cell: str. `"lstm"`, `"gru"` or `"simple_rnn"` (Keras class names such
            as `"LSTM"` accepted, any case). Defaults to `"lstm"`.
        units: int, or list of ints with one width per layer. Width of each
            recurrent layer.
        num_layers: int. Number of stacked recurrent layers.
        bidirectional: bool. Wrap each recurrent layer in `Bidirectional`.
        merge_mode: str. How the two directions combine: `"concat"`, `"sum"`,
            `"mul"` or `"ave"`. Defaults to `"concat"`.
        dropout: float in [0, 1). Dropout on each recurrent layer's inputs and
            before the output layer. Defaults to 0.
        recurrent_dropout: float in [0, 1). Dropout on the recurrent state;
            above 0 it leaves the cuDNN fast path (warned once). Defaults to 0.
        residual: bool. Skip connections between layers of equal width.
            Defaults to `False`.""",
    "{compile_args}": """sequence_length: int or None. Fixed number of steps, or `None` for
            variable-length batches. Defaults to `None`.
        compile: bool. Compile with Adam, the task's loss and metrics. Defaults
            to `True`; `False` leaves compiling to the caller.
        learning_rate: float. Adam's learning rate. Defaults to 1e-3.
        global_clipnorm: float or None. Clip the gradient's global norm (across
            all variables, as the RNN literature does; Keras' `clipnorm` clips
            each variable alone). Defaults to 1.0; `None` turns it off.
        name: str. Name of the model.""",
}


def fill_doc(builder):
    """Replaces the shared argument placeholders in a builder's docstring."""
    doc = builder.__doc__
    for key, text in _DOCS.items():
        doc = doc.replace(key, text)
    builder.__doc__ = doc
    return builder


def check_common(*, embedding_dim=None, sequence_length, compile, learning_rate,
                 global_clipnorm, name):
    if embedding_dim is not None:
        check_int("embedding_dim", embedding_dim, minimum=1)
    check_int("sequence_length", sequence_length, minimum=1, allow_none=True)
    check_bool("compile", compile)
    check_float("learning_rate", learning_rate, low=0.0, low_open=True)
    if global_clipnorm is not None:
        check_float("global_clipnorm", global_clipnorm, low=0.0, low_open=True)
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty string. Received: name={name!r}")


def check_vocabulary_size(vocabulary_size, arg="vocabulary_size"):
    """Id 0 is padding, so a vocabulary needs at least one more id."""
    return check_int(arg, vocabulary_size, minimum=2)


def check_num_classes(num_classes, arg="num_classes"):
    if not isinstance(num_classes, bool) and isinstance(num_classes, int) and num_classes == 1:
        raise ValueError(
            f"`{arg}` must be >= 2: the head is a softmax over the classes. For "
            f"a binary task use {arg}=2. Received: {arg}=1"
        )
    return check_int(arg, num_classes, minimum=2)


def token_input(sequence_length, name="tokens"):
    """Integer token ids `(batch, time)`; id 0 is padding."""
    return keras.Input((sequence_length,), dtype="int32", name=name)


def feature_input(sequence_length, feature_dim, mask_value=None):
    """Float features `(batch, time, feature_dim)`, named `features`.

    Returns `(inputs, x)`: the `keras.Input`, and the tensor to read on, masked
    by `Masking(mask_value)` (layer `masking`) when `mask_value` is not None.
    """
    inputs = keras.Input((sequence_length, feature_dim), name="features")
    if mask_value is None:
        return inputs, inputs
    return inputs, keras.layers.Masking(mask_value, name="masking")(inputs)


def embed(tokens, vocabulary_size, embedding_dim, name="embedding"):
    """`Embedding(mask_zero=True)`: the mask of padding flows to the loss."""
    return keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name=name
    )(tokens)


FUSIONS = ("add", "concat", "multiply")


def fuse(vectors, fusion, name="fusion"):
    """Joins equally wide vectors `(batch, width)` by `fusion` (one of
    `FUSIONS`, already checked): element-wise `"add"` or `"multiply"`, or
    `"concat"` (`(batch, len(vectors) * width)`)."""
    layer = {"add": keras.layers.Add, "concat": keras.layers.Concatenate,
             "multiply": keras.layers.Multiply}[fusion]
    return layer(name=name)(vectors)


def softmax_head(x, num_outputs, dropout, name="logits"):
    """`[Dropout] -> Dense(name="logits") -> softmax` (float32, also under
    mixed precision). Decoding reads the `"logits"` layer directly."""
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    logits = keras.layers.Dense(num_outputs, name=name)(x)
    return keras.layers.Activation("softmax", dtype="float32", name="probabilities")(
        logits
    )


def compile_model(
    model, *, learning_rate, global_clipnorm, metrics=("accuracy",), loss=None
):
    """Adam with global-norm clipping, sparse cross-entropy (or `loss`),
    accuracy.

    Padded positions carry the output's mask, which Keras turns into sample
    weights for the loss and the metrics; accuracy is `TokenAccuracy`, exact
    over real tokens across batches of different lengths.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=learning_rate, global_clipnorm=global_clipnorm
        ),
        loss=loss if loss is not None else keras.losses.SparseCategoricalCrossentropy(),
        metrics=[
            TokenAccuracy(name=m) if m == "accuracy" else m
            for m in metrics
        ],
    )
    return model


def check_dropouts(dropout, recurrent_dropout):
    check_dropout("dropout", dropout)
    check_dropout("recurrent_dropout", recurrent_dropout)


# Example data for the registry (`ModelSpec.example_data`) and the tests.


def random_lengths(rng, batch_size, sequence_length):
    """Lengths in [1, sequence_length], the first always full length."""
    lengths = rng.integers(1, sequence_length + 1, size=batch_size)
    lengths[0] = sequence_length
    return lengths


def random_tokens(rng, batch_size, sequence_length, vocabulary_size, lengths=None):
    """Token ids in [1, vocabulary_size), right-padded with 0 after `lengths`."""
    if lengths is None:
        lengths = random_lengths(rng, batch_size, sequence_length)
    ids = rng.integers(1, vocabulary_size, size=(batch_size, sequence_length))
    steps = np.arange(sequence_length)[None, :]
    return np.where(steps < lengths[:, None], ids, 0).astype("int32")
