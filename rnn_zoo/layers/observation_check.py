"""A guard for models that read per-step observations of a fixed shape."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ObservationShapeCheck(keras.layers.Layer):
    """Refuses observations whose per-step shape is not the model's.

    Called on `[observations, reference]`: observations `(batch, steps,
    *observation_shape)` and a tensor of the same batch (for example the
    instruction ids the observations go with). It raises a clear
    `ValueError` when the axes after `steps` are not `observation_shape`, or
    when the two inputs hold different numbers of examples, and returns the
    observations with their per-step axes set to `observation_shape` (so
    layers after it, such as `FoldTime`, see them even when the model's
    input leaves them unknown).

    The check reads the static shapes, which the first call (or trace) of a
    batch always has; on TensorFlow, `predict` or `fit` called again after a
    retrace with other shapes may see an axis as unknown, and then only the
    reshape fails (with TensorFlow's own message).

    Args:
        observation_shape: tuple of ints. The shape of one step.

    Masks: none in, none out (put the masking layer after it).

    Example:

    >>> check = ObservationShapeCheck((3, 3, 2))
    >>> ids = keras.ops.ones((2, 4), "int32")
    >>> tuple(check([keras.ops.zeros((2, 5, 3, 3, 2)), ids]).shape)
    (2, 5, 3, 3, 2)
    >>> check([keras.ops.zeros((2, 5, 4, 4, 2)), ids])
    Traceback (most recent call last):
    ...
    ValueError: ...The observations do not match the model's `observation_shape`...
    """

    def __init__(self, observation_shape, **kwargs):
        super().__init__(**kwargs)
        self.observation_shape = tuple(observation_shape)

    def call(self, inputs):
        observations, reference = inputs
        shape = tuple(observations.shape)
        expected = self.observation_shape
        step = shape[2:]
        if len(step) != len(expected) or any(
            d is not None and d != e for d, e in zip(step, expected)
        ):
            raise ValueError(
                "The observations do not match the model's `observation_shape`: "
                f"each step must be {expected}, so observations are (batch, "
                f"steps, {', '.join(str(d) for d in expected)}). Build the model "
                f"with observation_shape={tuple(step)} for these, or make "
                "observations of the model's shape. "
                f"Received: observations of shape {shape}"
            )
        batch, other = shape[0], tuple(reference.shape)[0]
        if batch is not None and other is not None and batch != other:
            raise ValueError(
                "The observations and the instructions must hold the same "
                f"episodes, one row each: {other} instruction(s) but {batch} "
                "observation sequence(s). "
                f"Received: observations of shape {shape}, instructions of "
                f"shape {tuple(reference.shape)}"
            )
        dynamic = ops.shape(observations)
        return ops.reshape(observations, (dynamic[0], dynamic[1]) + expected)

    def compute_output_shape(self, input_shape):
        observations = input_shape[0]
        return (observations[0], observations[1]) + self.observation_shape

    def get_config(self):
        config = super().get_config()
        config.update(observation_shape=list(self.observation_shape))
        return config
