"""Checks `rnn_zoo.layers.fused_rnn` on the PyTorch backend; `test_fused_rnn.py`
runs it as a subprocess (Keras picks its backend at import).

    KERAS_BACKEND=torch python tests/fused_rnn_check.py DIR

Prints one JSON line: for every case (cell x direction x return_sequences x
return_state x mask), which path the rnn_zoo layer took and the largest
absolute difference from Keras' own layer with the same weights, over the
outputs and the gradients (inputs, initial states, weights); then, in DIR,
predicts with `tf_model.keras` (saved by the test on TensorFlow) and saves
`torch_model.keras` with its predictions, for the test to compare.
"""

import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

B, T, E, U = 3, 6, 5, 4
LENGTHS = [6, 3, 1]


def masks(np):
    right = np.arange(T)[None] < np.array(LENGTHS)[:, None]
    holes = right.copy()
    holes[0, 2] = False  # not right-padded: Keras' loop must run
    empty = right.copy()
    empty[2] = False  # a row with no step: Keras' loop must run
    return {"none": None, "right": right, "full": np.ones((B, T), bool),
            "holes": holes, "empty": empty}


def run_case(kind, kwargs, mask_name, rng):
    import keras
    import numpy as np
    import torch

    from rnn_zoo.layers import fused_rnn

    ours_cls, ref_cls, extra = {
        "lstm": (fused_rnn.LSTM, keras.layers.LSTM, {}),
        "gru": (fused_rnn.GRU, keras.layers.GRU, {}),
        "simple_rnn": (fused_rnn.SimpleRNN, keras.layers.SimpleRNN, {}),
        "simple_rnn_relu": (fused_rnn.SimpleRNN, keras.layers.SimpleRNN, {"activation": "relu"}),
    }[kind]
    ours, ref = ours_cls(U, **kwargs, **extra), ref_cls(U, **kwargs, **extra)
    for layer in (ours, ref):
        layer.build((None, T, E))
    weights = [0.4 * rng.standard_normal(w.shape).astype("float32") for w in ref.get_weights()]
    ours.set_weights(weights)
    ref.set_weights(weights)
    x = rng.standard_normal((B, T, E)).astype("float32")
    h0 = [0.5 * rng.standard_normal((B, U)).astype("float32")
          for _ in range(2 if kind == "lstm" else 1)]
    mask = masks(np)[mask_name]
    cotangents = None
    results = []
    for layer in (ours, ref):
        xt = torch.tensor(x, requires_grad=True)
        states = [torch.tensor(h, requires_grad=True) for h in h0]
        out = layer(xt, initial_state=states, mask=None if mask is None else torch.tensor(mask),
                    training=kwargs.get("dropout", 0) > 0)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        if cotangents is None:
            cotangents = [torch.tensor(rng.standard_normal(tuple(o.shape)).astype("float32"))
                          for o in outs]
        loss = sum((o * c).sum() for o, c in zip(outs, cotangents))
        grads = torch.autograd.grad(loss, [xt, *states, *[w.value for w in layer.trainable_weights]])
        results.append([o.detach().numpy() for o in outs] + [g.numpy() for g in grads])
    diff = max(float(np.abs(a - b).max()) for a, b in zip(*results))
    return dict(kind=kind, kwargs=kwargs, mask=mask_name, path=ours.last_path, max_diff=diff)


def exactness():
    import numpy as np

    rng = np.random.default_rng(0)
    cases = []
    for kind, go_backwards, sequences, state in itertools.product(
        ["lstm", "gru", "simple_rnn"], [False, True], [False, True], [False, True]
    ):
        for mask_name in ("none", "right"):
            kwargs = dict(go_backwards=go_backwards, return_sequences=sequences, return_state=state)
            cases.append(run_case(kind, kwargs, mask_name, rng))
    full = dict(return_sequences=True, return_state=True)
    for kind in ("lstm", "gru"):
        for mask_name in ("full", "holes", "empty"):
            cases.append(run_case(kind, full, mask_name, rng))
        # Input dropout in training: the same per-row mask as Keras' layer.
        cases.append(run_case(kind, dict(return_sequences=True, dropout=0.5, seed=3), "right", rng))
    cases.append(run_case("simple_rnn_relu", dict(return_sequences=True), "right", rng))
    return cases


def across_backends(folder):
    import keras
    import numpy as np

    import rnn_zoo

    x = np.load(os.path.join(folder, "x.npy"))
    tf_model = keras.saving.load_model(os.path.join(folder, "tf_model.keras"), safe_mode=True)
    np.save(os.path.join(folder, "tf_model_on_torch.npy"), keras.ops.convert_to_numpy(tf_model(x)))
    paths = [l.last_path for l in tf_model._flatten_layers() if hasattr(l, "last_path")]

    model = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3, embedding_dim=4,
                          units=4, cell="gru", bidirectional=True)
    y = np.ones_like(x)
    model.fit(x, y, epochs=1, verbose=0)  # moves the weights off their initial values
    np.save(os.path.join(folder, "torch_model.npy"), keras.ops.convert_to_numpy(model(x)))
    model.save(os.path.join(folder, "torch_model.keras"))
    paths += [l.last_path for l in model._flatten_layers() if hasattr(l, "last_path")]
    return paths


def main():
    import keras

    if keras.backend.backend() != "torch":
        raise SystemExit("run with KERAS_BACKEND=torch")
    result = dict(cases=exactness())
    if len(sys.argv) > 1:
        result["paths"] = across_backends(sys.argv[1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
