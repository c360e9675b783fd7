"""The training aids RNNs need, as one list of Keras callbacks.

Gradient clipping is not here: the task builders compile with
`global_clipnorm=1.0` by default (clipping the global norm, as the RNN
literature does).
"""

import math
import time

import keras

from rnn_zoo._validation import check_float, check_int


class TimeLimit(keras.callbacks.Callback):
    """Stops training once a wall-clock budget is spent.

    Checked after every batch; the epoch in progress ends there (its
    validation and checkpoint still run), so a budget is never overrun by
    more than one batch and one evaluation.

    Args:
        minutes: float. The budget.
        start: float or None. `time.monotonic()` when the budget began (a
            recipe passes its own start, so loading the data counts too);
            `None` starts it when training begins.

    Attributes:
        stopped: bool. Whether the budget stopped training.
    """

    def __init__(self, minutes, *, start=None):
        super().__init__()
        self.minutes = check_float("minutes", minutes, low=0.0, low_open=True)
        self.start = start
        self.stopped = False
        self._start = start

    def on_train_begin(self, logs=None):
        if self.start is None:
            self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._start > 60 * self.minutes:
            if not self.stopped:
                print(f"\nTime limit of {self.minutes:g} min reached: stopping "
                      "after this epoch's evaluation.")
            self.stopped = True
            self.model.stop_training = True


class FiniteModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`ModelCheckpoint` that never saves an epoch whose monitored value or
    loss is NaN or infinite (Keras saves the first epoch whatever its value,
    so a run NaN from the start would leave a NaN "best" checkpoint)."""

    def on_epoch_end(self, epoch, logs=None):
        values = [(logs or {}).get(k) for k in (self.monitor, "loss")]
        if any(v is not None and not math.isfinite(float(v)) for v in values):
            return
        super().on_epoch_end(epoch, logs)


class Samples(keras.callbacks.Callback):
    """Prints samples from the model as it trains, and appends them to the run.

    Args:
        make: callable `model -> str`, e.g. text generated from a prompt.
        run: an `rnn_zoo.training.Run` (or `None`: print only).
        every: int or None. Also sample every `every` training steps;
            `None` samples at the end of each epoch only.
    """

    def __init__(self, make, run=None, *, every=None):
        super().__init__()
        self.make = make
        self.run = run
        self.every = check_int("every", every, minimum=1, allow_none=True)
        self._epoch = 0

    def _sample(self, heading):
        text = self.make(self.model)
        print(f"\n--- {heading} ---\n{text}\n---")
        if self.run is not None:
            self.run.write_samples(text, heading=heading)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.every and batch and (batch + 1) % self.every == 0:
            self._sample(f"epoch {self._epoch + 1}, step {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._sample(f"end of epoch {epoch + 1}")


def training_callbacks(run, *, monitor="val_loss", patience=3, reduce_lr_patience=1,
                       reduce_lr_factor=0.5, min_learning_rate=1e-5, time_limit=None,
                       time_limit_start=None, backup_every=None, tensorboard=True, verbose=1):
    """The callbacks every recipe trains with.

    `TerminateOnNaN`; `ReduceLROnPlateau` (halve the learning rate when
    `monitor` stalls); `EarlyStopping` (restoring the best weights);
    `BackupAndRestore` into `backup/`, so a killed run restarts at the epoch
    it was in; `ModelCheckpoint` into `checkpoints/epoch_NNN.keras` at each
    improvement (one file per epoch, so none is overwritten); `CSVLogger`
    (appending, so a resume continues the history); `TensorBoard` into
    `logs/`; and `TimeLimit` when `time_limit` is set.

    Args:
        run: the `Run` whose directory receives the files.
        monitor: str. The metric that decides improvements: `"val_loss"`, or
            `"loss"` without validation data.
        patience: int. Epochs without improvement before early stopping;
            0 turns early stopping off.
        reduce_lr_patience: int. Epochs without improvement before the
            learning rate drops; 0 turns the schedule off.
        reduce_lr_factor: float in (0, 1). The drop factor.
        min_learning_rate: float. The learning rate's floor.
        time_limit: float or None. Wall-clock budget in minutes.
        time_limit_start: float or None. `time.monotonic()` when the budget
            began; `None`: when training begins.
        backup_every: int or None. Back up every this many steps as well as
            at each epoch's end (for long epochs).
        tensorboard: bool. Write TensorBoard logs.
        verbose: int. Verbosity of the callbacks' messages.

    Returns:
        List of `keras.callbacks.Callback`.
    """
    check_int("patience", patience, minimum=0)
    check_int("reduce_lr_patience", reduce_lr_patience, minimum=0)
    check_float("reduce_lr_factor", reduce_lr_factor, low=0.0, high=1.0,
                low_open=True, high_open=True)
    check_int("backup_every", backup_every, minimum=1, allow_none=True)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, factor=reduce_lr_factor, patience=reduce_lr_patience,
            min_lr=min_learning_rate, verbose=verbose,
        ))
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, patience=patience, restore_best_weights=True, verbose=verbose,
        ))
    run.path("checkpoints").mkdir(exist_ok=True)
    callbacks += [
        # The backup first: a run killed between the two redoes no epoch
        # whose checkpoint exists, so no checkpoint file is ever rewritten.
        keras.callbacks.BackupAndRestore(
            str(run.path("backup")), save_freq=backup_every or "epoch",
        ),
        FiniteModelCheckpoint(
            str(run.path("checkpoints") / "epoch_{epoch:03d}.keras"),
            monitor=monitor, save_best_only=True, verbose=0,
        ),
        keras.callbacks.CSVLogger(str(run.path("history")), append=True),
    ]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run.path("logs"))))
    if time_limit is not None:
        callbacks.append(TimeLimit(time_limit, start=time_limit_start))
    return callbacks
