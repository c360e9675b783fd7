"""`build(..., dtype_policy=...)`: every model trains and predicts in 16 bits.

The default suite checks the models whose masks feed a softmax (attention
pooling, decoder attention); `-m slow` sweeps every registered model.
"""

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.layers._numerics import large_negative

POLICIES = ["mixed_bfloat16", "mixed_float16"]


def build_train_predict(name, policy, **overrides):
    spec = rnn_zoo.model_info(name)
    kwargs = dict(spec.tiny_kwargs, **overrides)
    x, y = spec.example_data(kwargs, 2, 5, 0)
    model = rnn_zoo.build(name, dtype_policy=policy, **kwargs)
    assert keras.config.dtype_policy().name == "float32", "the global policy leaked"
    assert model.dtype_policy.name == policy
    # Eager on TensorFlow: tracing a training graph costs more than the step.
    model.compile(optimizer="adam", loss=model.loss,
                  run_eagerly=keras.backend.backend() == "tensorflow")
    loss = model.train_on_batch(x, y)
    assert np.all(np.isfinite(loss)), f"{name} under {policy}: loss {loss}"
    outputs = model(x, training=False)
    for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(out).astype("float32")))


@pytest.mark.parametrize("name, overrides", [
    ("text_classifier", {"pooling": "attention"}),
    ("seq2seq_translator", {}),
])
def test_mixed_float16_trains_and_predicts(name, overrides):
    build_train_predict(name, "mixed_float16", **overrides)


def test_large_negative_is_finite_in_float16():
    assert np.isfinite(np.float16(large_negative("float16")))
    assert large_negative("float32") == -1e9


def test_unknown_dtype_policy():
    with pytest.raises(ValueError, match=r"Unknown dtype_policy 'mixed_float61'.*Did you mean"):
        rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3,
                      dtype_policy="mixed_float61")


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", rnn_zoo.list_models())
def test_every_model_under_mixed_precision(name, policy):
    build_train_predict(name, policy)
