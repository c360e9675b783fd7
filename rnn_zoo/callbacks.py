"""Training callbacks for rnn_zoo models."""

import math
import numbers

import keras

from rnn_zoo._validation import check_float


def _sampling_decoders(model):
    from rnn_zoo.layers.seq2seq_decoder import ScheduledSamplingDecoder

    return [
        layer for layer in model.layers if isinstance(layer, ScheduledSamplingDecoder)
    ]


class ScheduledSampling(keras.callbacks.Callback):
    """Sets the scheduled-sampling probability before every training batch.

    The probability of feeding the decoder its own prediction instead of the
    reference token grows as training goes on (Bengio et al. 2015, "Scheduled
    Sampling for Sequence Prediction with Recurrent Neural Networks"; the
    paper's `epsilon_i`, the probability of feeding the reference, is
    `1 - schedule(i)` here). Works on models built with
    `sampling_probability` set (they hold a `ScheduledSamplingDecoder`).

    Args:
        schedule: a float in [0, 1] (constant probability), or a callable
            `step -> probability` taking the global training step (batches
            seen across epochs, counted from 0), for example
            `inverse_sigmoid_schedule(k)` or a
            `keras.optimizers.schedules.LearningRateSchedule`.

    Raises:
        ValueError: at the start of training, if the model has no
            scheduled-sampling decoder, or if the schedule returns a value
            outside [0, 1].

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("seq2seq_translator", source_vocabulary_size=10,
    ...                       target_vocabulary_size=8, embedding_dim=4, units=4,
    ...                       sampling_probability=0.0)
    >>> callback = ScheduledSampling(lambda step: min(0.25, step / 1000))
    >>> callback.set_model(model)
    >>> callback.on_train_begin()
    >>> callback.on_train_batch_begin(0)
    >>> callback.probability
    0.0
    """

    def __init__(self, schedule):
        super().__init__()
        if isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
            check_float("schedule", schedule, low=0.0, high=1.0)
        elif not callable(schedule):
            raise TypeError(
                "`schedule` must be a probability in [0, 1] or a callable "
                "`step -> probability`. "
                f"Received: schedule={schedule!r} of type {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.step = 0
        self.probability = None
        self._layers = []

    def on_train_begin(self, logs=None):
        self._layers = _sampling_decoders(self.model)
        if not self._layers:
            raise ValueError(
                "`ScheduledSampling` needs a model with a scheduled-sampling "
                "decoder; build it with `sampling_probability=0.0` (or another "
                f"start value). Received: model={self.model.name!r} without one"
            )
        self.step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)) if (
            self.model.optimizer is not None and self.model.optimizer.built
        ) else 0

    def on_train_batch_begin(self, batch, logs=None):
        schedule = self.schedule
        value = schedule if not callable(schedule) else schedule(self.step)
        value = float(keras.ops.convert_to_numpy(value))
        if not 0.0 <= value <= 1.0 or math.isnan(value):
            raise ValueError(
                "The scheduled-sampling probability must be in [0, 1]. "
                f"Received: schedule({self.step})={value!r}"
            )
        if value != self.probability:
            if hasattr(self.model, "jax_state_sync"):
                # JAX trains on a copy of the variables: write it back first,
                # and the next step re-reads them with the new probability.
                self.model.jax_state_sync()
            for layer in self._layers:
                layer.probability.assign(value)
            self.probability = value
        self.step += 1


def inverse_sigmoid_schedule(k):
    """Bengio et al.'s inverse sigmoid decay, as a sampling probability.

    Returns `step -> 1 - k / (k + exp(step / k))`: near 0 at the start, 0.5
    after `k * log(k)` steps, approaching 1.

    Args:
        k: float >= 1. How slowly the probability grows.

    Example:

    >>> schedule = inverse_sigmoid_schedule(100.0)
    >>> round(schedule(0), 3), round(schedule(1000), 3)
    (0.01, 0.995)
    """
    k = check_float("k", k, low=1.0)

    def schedule(step):
        return 1.0 - k / (k + math.exp(min(step / k, 700.0)))

    return schedule
