"""Feature sequences -> class probabilities (many-to-one), e.g. MNIST rows."""

import keras
import numpy as np

from rnn_zoo._validation import check_float, check_int
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_one import check_pooling, many_to_one
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch_size, sequence_length, kwargs["input_dim"]))
    mask_value = kwargs.get("mask_value")
    if mask_value is not None:
        lengths = _common.random_lengths(rng, batch_size, sequence_length)
        padded = np.arange(sequence_length)[None, :] >= lengths[:, None]
        x[padded] = mask_value
    y = rng.integers(0, kwargs["num_classes"], size=(batch_size,))
    return x.astype("float32"), y.astype("int32")


@register_model(
    task="sequence_classification",
    topology="many_to_one",
    tiny_kwargs=dict(input_dim=3, num_classes=3, units=4, num_layers=2, mask_value=0.0),
    example_data=_example_data,
)
@_common.fill_doc
def sequence_classifier(
    *,
    input_dim,
    num_classes,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    pooling="last",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    mask_value=None,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="sequence_classifier",
):
    """Classifies a sequence of feature vectors (sensor data, an image read
    row by row).

    `features -> [Masking] -> [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers
    -> pooling -> Dense(num_classes) -> softmax`

    Input: float features `(batch, time, input_dim)`. Output: class
    probabilities `(batch, num_classes)`. An MNIST digit read row by row is
    `input_dim=28, sequence_length=28` (Le et al. 2015 read it pixel by
    pixel; CS231n reads rows).

    Args:
        input_dim: int. Features per step.
        num_classes: int >= 2. Number of classes.
        {stack_args}
        pooling: str. `"last"`, `"mean"`, `"max"` or `"attention"`.
            Defaults to `"last"`.
        mask_value: float or None. Steps whose features all equal this value
            are padding (`keras.layers.Masking`). Defaults to `None` (no
            masking: an all-zero MNIST row is data, not padding).
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        accuracy unless `compile=False`.

    Example:

    >>> model = sequence_classifier(input_dim=28, num_classes=10, units=8,
    ...                             sequence_length=28)
    >>> tuple(model.predict(np.zeros((2, 28, 28)), verbose=0).shape)
    (2, 10)
    """
    check_int("input_dim", input_dim, minimum=1)
    _common.check_num_classes(num_classes)
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_pooling(pooling)
    if mask_value is not None:
        check_float("mask_value", mask_value)
    _common.check_common(
        sequence_length=sequence_length, compile=compile, learning_rate=learning_rate,
        global_clipnorm=global_clipnorm, name=name,
    )

    features, x = _common.feature_input(sequence_length, input_dim, mask_value)
    # x: (batch, time, input_dim)
    x = many_to_one(x, pooling=pooling, name="encoder", **stack)  # (batch, width)
    probabilities = _common.softmax_head(x, num_classes, stack["dropout"])
    model = ZooModel(features, probabilities, name=name)  # (batch, num_classes)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
