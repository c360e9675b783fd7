"""TensorFlow imported without its C++ start-up lines.

TensorFlow 2.21 prints its oneDNN and CUDA notices (and, on a machine with
no GPU, a `cuInit` error) from C++ through abseil, some of them before
abseil reads `TF_CPP_MIN_LOG_LEVEL`, so the variable alone does not silence
them. `import rnn_zoo` calls `quiet_tensorflow()` first: when TensorFlow is
Keras' backend, is not imported yet, and the user has not set
`TF_CPP_MIN_LOG_LEVEL`, it sets the level to 2 (errors only) and imports
TensorFlow (and lists its devices, which is where `cuInit` complains) with
the process' standard error pointed at /dev/null for that moment only.
Python's own errors are not lost: an exception is raised after standard
error is back. Set `TF_CPP_MIN_LOG_LEVEL=0` to see every line.
"""

import json
import os
import sys


def _keras_backend():
    """The backend Keras will pick: $KERAS_BACKEND, else keras.json's."""
    if "KERAS_BACKEND" in os.environ:
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    try:
        with open(os.path.join(home, "keras.json")) as file:
            return json.load(file).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def quiet_tensorflow():
    """Imports TensorFlow quietly, if rnn_zoo should; returns True if it did."""
    backend = _keras_backend()
    if (backend != "tensorflow" or "tensorflow" in sys.modules
            or "TF_CPP_MIN_LOG_LEVEL" in os.environ):
        return False
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real standard error (an embedded interpreter)
        return False
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        import tensorflow

        tensorflow.config.list_physical_devices("GPU")
    except ImportError:
        return False  # Keras says what is missing, on the real standard error
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
    return True
