"""`ZooModel`: the Functional model every rnn_zoo builder returns.

Keras and its backends answer some bad data only deep inside a trace (token
ids >= the vocabulary: "Graph execution error" on TensorFlow, NaN rows on
JAX; an empty batch: an `UnboundLocalError` from `predict`) and accept other
bad data without a word (negative or float ids, float labels). An in-graph
check cannot fix this with `keras.ops` alone: no op raises a Python error
from a traced function on every backend, and an empty batch never reaches
the graph. So the check runs where the arrays are still concrete, before
Keras batches them: `fit`, `evaluate` and `predict` call
`rnn_zoo.check_inputs` on NumPy-like data (a `tf.data.Dataset` or a
generator is passed through; `rnn_zoo.training.Session` checks its first
batch).

`ZooModel(inputs, outputs)` is a Functional model: Keras puts `Functional`
among its bases, its config is the Functional config, `model.layers`,
`get_layer`, `clone_model`, `model.export` and `.keras` files behave as for
`keras.Model(inputs, outputs)`. The class is registered under
`package="rnn_zoo"`, so a `.keras` file loads after `import rnn_zoo` (Keras'
error without it names the module `rnn_zoo.model`); `rnn_zoo.load_model`
is the documented way.
"""

import keras

from rnn_zoo._validation import check_inputs


def _concrete(data):
    """True for arrays, lists and dicts of arrays: data `check_inputs` reads
    without consuming it (not a dataset, generator or `PyDataset`)."""
    if data is None:
        return False
    if isinstance(data, dict):
        return all(_concrete(v) for v in data.values())
    if isinstance(data, (list, tuple)):
        return True
    return hasattr(data, "shape") and hasattr(data, "dtype")


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ZooModel(keras.Model):
    """A Functional model whose `fit`, `evaluate` and `predict` check the data.

    Built as `ZooModel(inputs, outputs, name=...)`, exactly like
    `keras.Model(inputs, outputs)`. Before Keras batches NumPy-like data,
    `rnn_zoo.check_inputs` refuses an empty batch, a wrong rank, float,
    negative or too large token ids, and float or out-of-range labels, with
    a message saying what is wrong, expected and received. Calling the model
    directly (`model(x)`) is not checked; call `rnn_zoo.check_inputs`.

    Example:

    >>> import numpy as np, rnn_zoo
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       embedding_dim=4, units=4, num_classes=3)
    >>> model.predict(np.array([[1, 12]]), verbose=0)
    Traceback (most recent call last):
    ...
    ValueError: Token ids must be < the model's vocabulary_size=10...
    """

    def _check(self, x, y=None):
        if not _concrete(x):
            return
        if y is not None and not (hasattr(y, "shape") or isinstance(y, list)):
            y = None  # a dict of targets: Keras checks their names
        check_inputs(self, x, y)

    def fit(self, x=None, y=None, *args, **kwargs):
        self._check(x, y)
        validation = kwargs.get("validation_data")
        if isinstance(validation, (tuple, list)) and len(validation) >= 2:
            self._check(validation[0], validation[1])
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        self._check(x)
        return super().predict(x, *args, **kwargs)
