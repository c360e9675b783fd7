"""`--distribute`: the same training under a `tf.distribute` strategy."""

import contextlib
import json
import os

import keras

from rnn_zoo._validation import check_choice

STRATEGIES = ("none", "mirrored", "multi_worker")


def get_strategy(name="none"):
    """Returns the `tf.distribute` strategy for `--distribute`, or `None`.

    - `"none"`: no strategy (the default device).
    - `"mirrored"`: `tf.distribute.MirroredStrategy` over every local GPU, or
      over every logical CPU device when there is no GPU (so two logical CPUs
      test it on a laptop).
    - `"multi_worker"`: `tf.distribute.MultiWorkerMirroredStrategy`, the
      cluster read from the `TF_CONFIG` environment variable as usual (one
      local worker without it).

    Build and compile the model inside `scope(strategy)`; `model.fit` then
    splits each global batch across the replicas.

    Raises:
        ValueError: an unknown name, a backend other than TensorFlow, or a
            `TF_CONFIG` that is not JSON with `cluster` and `task`.
    """
    name = check_choice("distribute", name, STRATEGIES)
    if name == "none":
        return None
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            "`--distribute` uses tf.distribute, which needs the TensorFlow "
            f"backend; this process runs Keras on {keras.backend.backend()!r}. "
            "Set KERAS_BACKEND=tensorflow. Received: distribute="
            f"{name!r}"
        )
    import tensorflow as tf

    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        devices = devices or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    raw = os.environ.get("TF_CONFIG")
    if raw:
        try:
            config = json.loads(raw)
            config["cluster"], config["task"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                "TF_CONFIG must be JSON with a \"cluster\" (job name -> list of "
                "host:port) and a \"task\" ({\"type\": ..., \"index\": ...}). "
                f"Received: TF_CONFIG={raw[:200]!r}"
            ) from None
    return tf.distribute.MultiWorkerMirroredStrategy()


def scope(strategy):
    """`strategy.scope()`, or a no-op context for `None`."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def is_chief():
    """Whether this process writes the run: the chief (or worker 0 without
    one) under `TF_CONFIG`; always true without it."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return True
    task = json.loads(raw).get("task", {})
    cluster = json.loads(raw).get("cluster", {})
    if "chief" in cluster:
        return task.get("type") == "chief"
    return task.get("type", "worker") == "worker" and int(task.get("index", 0)) == 0
