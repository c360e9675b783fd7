"""Training throughput: rnn_zoo vs the same model written by hand in Keras and
in PyTorch, on every Keras backend available, side by side in one run.

    python benchmarks/training_throughput.py                 # full run
    python benchmarks/training_throughput.py --smoke         # seconds, tiny sizes

Each backend runs in its own process (Keras picks its backend at import);
native PyTorch runs inside the torch backend's process when that backend is
timed (interleaved with the Keras models), else in a process of its own. On
the torch backend `rnn_zoo` runs PyTorch's fused kernels
(`rnn_zoo.layers.LSTM` etc.), `keras` Keras' own layers. For
every configuration the script times `train_on_batch` (PyTorch: forward,
backward, Adam step) on a fixed batch, drops the warm-up steps, and reports
the median tokens/s over the remaining steps and repeats, the spread
(min-max over repeats), the FLOPs each step performs and the fraction of the
machine's float32 GEMM peak (measured in the same run with a 2048^3 matmul).
Results go to a JSON file and a Markdown table.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent

# name: (task, cell, units, num_layers, bidirectional)
CONFIGS = {
    "lstm256": ("lm", "lstm", 256, 1, False),
    "lstm512x2": ("lm", "lstm", 512, 2, False),
    "gru256": ("lm", "gru", 256, 1, False),
    "simple_rnn256": ("lm", "simple_rnn", 256, 1, False),
    "bilstm256_tagger": ("tagger", "lstm", 256, 1, True),
}
GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}
NUM_TAGS = 17  # Universal POS tags


def config_values(config, units=None):
    """(task, cell, units, num_layers, bidirectional), `units` overridden if given."""
    task, cell, width, num_layers, bidirectional = CONFIGS[config]
    return task, cell, units or width, num_layers, bidirectional


def step_flops(config, *, vocab, embed, batch, time_steps, units=None):
    """FLOPs of one training step: 3x the forward pass (backward ~ 2x forward)."""
    task, cell, units, num_layers, bidirectional = config_values(config, units)
    directions = 2 if bidirectional else 1
    per_token, width = 0, embed
    for _ in range(num_layers):
        per_token += directions * 2 * GATES[cell] * units * (width + units)
        width = directions * units
    outputs = vocab if task == "lm" else NUM_TAGS
    per_token += 2 * width * outputs
    return 3 * per_token * batch * time_steps


# ----------------------------------------------------------------- workers


def _data(vocab, batch, time_steps, outputs, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, size=(batch, time_steps)).astype("int32")
    y = rng.integers(0, outputs, size=(batch, time_steps)).astype("int32")
    return x, y


def _time_steps(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def _keras_models(config, vocab, embed, units=None, levers=False):
    import keras

    import rnn_zoo

    task, cell, units, num_layers, bidirectional = config_values(config, units)
    if task == "lm":
        zoo = rnn_zoo.build(
            "language_model", vocabulary_size=vocab, embedding_dim=embed,
            cell=cell, units=units, num_layers=num_layers,
        )
    else:
        zoo = rnn_zoo.build(
            "sequence_tagger", vocabulary_size=vocab, num_tags=NUM_TAGS,
            embedding_dim=embed, cell=cell, units=units, num_layers=num_layers,
            bidirectional=bidirectional,
        )
    outputs = vocab if task == "lm" else NUM_TAGS
    hand = _compile(_hand_model(config, vocab, embed, units))
    # Same training computation for both: loss only, no metrics.
    zoo.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0), loss=zoo.loss)
    models = {"rnn_zoo": zoo, "keras": hand}
    if levers:
        models.update(_lever_models(config, vocab, embed, units, zoo))
    return models, outputs


def _hand_model(config, vocab, embed, units=None, mask_zero=False):
    """The configuration's network as a user would write it by hand in Keras."""
    import keras

    from rnn_zoo import cells

    task, cell, units, num_layers, bidirectional = config_values(config, units)
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab, embed, mask_zero=mask_zero)(tokens)
    for _ in range(num_layers):
        # Keras' own layer (rnn_zoo's subclass runs PyTorch's fused kernel on
        # the torch backend; the hand-written model is what Keras does).
        rnn = getattr(keras.layers, cells.layer_class(cell).__name__)(units, return_sequences=True)
        x = keras.layers.Bidirectional(rnn)(x) if bidirectional else rnn(x)
    outputs = vocab if task == "lm" else NUM_TAGS
    return keras.Model(tokens, keras.layers.Dense(outputs, activation="softmax")(x))


def _compile(model, **kwargs):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0),
                  loss="sparse_categorical_crossentropy", **kwargs)
    return model


def _lever_models(config, vocab, embed, units, zoo):
    """Variants that try the levers the issue names (`--levers`):

    - `rnn_zoo_unmasked` (language models): `mask_padding=False`, for batches
      that hold no padding (fixed windows of a stream).
    - `rnn_zoo_xla` (TensorFlow): the rnn_zoo model with `jit_compile=True`
      (Keras leaves XLA off on CPU-only TensorFlow by default).
    - `keras_masked`: the hand-written model with `mask_zero=True`, as
      rnn_zoo's models have (isolates the cost of carrying a mask).
    - `keras_hoisted` (LSTM only): the same LSTM with its input projection
      `x_t W + b` computed for all steps in one matmul before the loop (a
      `Dense(4 units)` over the sequence) and only `h_(t-1) U` inside it: the
      same function, with the same number of weights.
    """
    import keras

    import rnn_zoo

    task, cell, units, num_layers, bidirectional = config_values(config, units)
    outputs = vocab if task == "lm" else NUM_TAGS
    models = {}
    if task == "lm":
        unmasked = rnn_zoo.build(
            "language_model", vocabulary_size=vocab, embedding_dim=embed, cell=cell,
            units=units, num_layers=num_layers, mask_padding=False, compile=False)
        models["rnn_zoo_unmasked"] = _compile(unmasked)
    if keras.backend.backend() == "tensorflow":
        clone = keras.models.clone_model(zoo)
        models["rnn_zoo_xla"] = _compile(clone, jit_compile=True)
    models["keras_masked"] = _compile(_hand_model(config, vocab, embed, units, mask_zero=True))
    if cell == "lstm":
        tokens = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(vocab, embed)(tokens)
        for _ in range(num_layers):
            def hoisted(x):
                z = keras.layers.Dense(4 * units)(x)  # (batch, time, 4 units), one matmul
                return keras.layers.RNN(_hoisted_lstm_cell()(units), return_sequences=True)(z)

            if bidirectional:
                forward = hoisted(x)
                z = keras.layers.Dense(4 * units)(x)
                backward = keras.layers.RNN(_hoisted_lstm_cell()(units), return_sequences=True,
                                            go_backwards=True)(z)
                backward = _reverse_time()()(backward)  # back to input order
                x = keras.layers.Concatenate()([forward, backward])
            else:
                x = hoisted(x)
        probs = keras.layers.Dense(outputs, activation="softmax")(x)
        models["keras_hoisted"] = _compile(keras.Model(tokens, probs))
    return models


def _hoisted_lstm_cell():
    import keras
    from keras import ops

    class HoistedLSTMCell(keras.layers.Layer):
        """An LSTM step whose input projection was done before the loop."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, units]
            self.output_size = units

        def build(self, input_shape):
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, 4 * self.units), initializer="orthogonal",
                name="recurrent_kernel")

        def call(self, projected, states):
            h, c = states
            z = projected + ops.matmul(h, self.recurrent_kernel)
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            return h, [h, c]

    return HoistedLSTMCell


def _reverse_time():
    import keras
    from keras import ops

    class ReverseTime(keras.layers.Layer):
        def call(self, x):
            return ops.flip(x, axis=1)

    return ReverseTime


def run_keras_worker(args):
    import keras

    results = {"backend": keras.backend.backend(), "runs": []}
    n = 256 if args.units == 4 else 2048
    results["gemm_gflops"] = {keras.backend.backend(): measure_gemm_peak(n=n)}
    if keras.backend.backend() == "tensorflow":
        results["gemm_gflops"]["numpy"] = measure_gemm_peak(n=n, library="numpy")
    for config in args.configs:
        models, outputs = _keras_models(config, args.vocab, args.embed, args.units,
                                        levers=args.levers)
        x, y = _data(args.vocab, args.batch, args.time, outputs)
        steps = {impl: (lambda model=model: model.train_on_batch(x, y))
                 for impl, model in models.items()}
        if keras.backend.backend() == "torch" and args.native:
            # Native PyTorch in the same process, interleaved with the Keras
            # models: the ratio to it sees the same load.
            steps["pytorch"] = _native_torch_step(config, args)
        # Repeats interleave the implementations, so a burst of load on a
        # shared machine hits all of them rather than one.
        times = {impl: [] for impl in steps}
        for _ in range(args.repeats):
            for impl, step in steps.items():
                times[impl].append(_time_steps(step, args.warmup, args.steps))
        for impl in steps:
            results["runs"].append(dict(config=config, impl=impl, step_times=times[impl]))
            print(f"  {results['backend']:>10} {impl:>8} {config}: "
                  f"{statistics.median(sum(times[impl], [])):.4f} s/step", file=sys.stderr)
    return results


def _native_torch_step(config, args):
    """One training step of the configuration written in PyTorch (forward,
    backward, gradient clipping, Adam), on fixed data."""
    import torch

    modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}
    task, cell, units, num_layers, bidirectional = config_values(config, args.units)
    outputs = args.vocab if task == "lm" else NUM_TAGS

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(args.vocab, args.embed)
            self.rnn = modules[cell](
                args.embed, units, num_layers=num_layers,
                batch_first=True, bidirectional=bidirectional,
            )
            self.head = torch.nn.Linear(units * (2 if bidirectional else 1), outputs)

        def forward(self, ids):
            h, _ = self.rnn(self.embedding(ids))
            return self.head(h)

    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = _data(args.vocab, args.batch, args.time, outputs)
    x, y = torch.from_numpy(x).long(), torch.from_numpy(y).long()

    def step():
        optimizer.zero_grad()
        logits = net(x)
        loss = loss_fn(logits.reshape(-1, outputs), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()

    return step


def run_torch_worker(args):
    import torch

    results = {"backend": "pytorch-native", "runs": [], "threads": torch.get_num_threads()}
    results["gemm_gflops"] = {"torch": measure_gemm_peak(n=256 if args.units == 4 else 2048,
                                                         library="torch")}
    for config in args.configs:
        step = _native_torch_step(config, args)
        times = [_time_steps(step, args.warmup, args.steps) for _ in range(args.repeats)]
        results["runs"].append(dict(config=config, impl="pytorch", step_times=times))
        print(f"  pytorch-native {config}: {statistics.median(sum(times, [])):.4f} s/step",
              file=sys.stderr)
    return results


def measure_gemm_peak(n=2048, repeats=10, library="keras"):
    """float32 matmul GFLOP/s, the median of `repeats` timed n^3 products, by
    `library`: "keras" (the current backend's compiled `keras.ops.matmul`),
    "numpy" or "torch". The machine's peak is taken as the best of them."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype("float32") for _ in range(2))
    if library == "numpy":
        def matmul():
            return a @ b
    elif library == "torch":
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)

        def matmul():
            return ta @ tb
    else:
        import keras

        ka, kb = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)
        if keras.backend.backend() == "torch":
            def matmul():
                return (ka @ kb).cpu()
        elif keras.backend.backend() == "jax":
            import jax

            product = jax.jit(lambda x, y: x @ y)

            def matmul():
                return product(ka, kb).block_until_ready()
        else:
            import tensorflow as tf

            product = tf.function(lambda x, y: tf.linalg.matmul(x, y))

            def matmul():
                return product(ka, kb).numpy()
    matmul()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


# ----------------------------------------------------------------- parent


def _spawn(worker, args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    if worker != "pytorch-native":
        env["KERAS_BACKEND"] = worker
    cmd = [sys.executable, __file__, "--worker", worker, *_shared_argv(args)]
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _shared_argv(args):
    return [
        "--configs", *args.configs, "--steps", str(args.steps), "--warmup",
        str(args.warmup), "--repeats", str(args.repeats), "--batch", str(args.batch),
        "--time", str(args.time), "--vocab", str(args.vocab), "--embed", str(args.embed),
        *(["--units", str(args.units)] if args.units else []),
        *(["--levers"] if args.levers else []),
        *(["--native"] if args.native else []),
    ]


def summarize(results, args):
    gemms = {k: v for r in results for k, v in r.get("gemm_gflops", {}).items()}
    gemm = max(gemms.values()) if gemms else None
    rows = []
    for result in results:
        for run in result["runs"]:
            medians = [statistics.median(t) for t in run["step_times"]]
            step = statistics.median(sum(run["step_times"], []))
            flops = step_flops(run["config"], vocab=args.vocab, embed=args.embed,
                               batch=args.batch, time_steps=args.time, units=args.units)
            rows.append(dict(
                config=run["config"],
                backend=result["backend"],
                impl=run["impl"],
                seconds_per_step=step,
                tokens_per_second=args.batch * args.time / step,
                spread_tokens_per_second=[args.batch * args.time / max(medians),
                                          args.batch * args.time / min(medians)],
                gflops=flops / step / 1e9,
                fraction_of_gemm_peak=(flops / step / 1e9 / gemm) if gemm else None,
            ))
    return gemm, gemms, rows


def markdown(gemm, rows, args, gemms=None):
    by = {(r["config"], r["backend"], r["impl"]): r for r in rows}
    lines = [
        f"Batch {args.batch}, {args.time} steps per sequence, vocabulary "
        f"{args.vocab}, embedding {args.embed}; median of {args.steps} timed steps "
        f"x {args.repeats} repeats after {args.warmup} warm-up steps. "
        f"float32 GEMM peak measured in the same run (square matmul, best of "
        + ", ".join(f"{k} {v:.0f}" for k, v in (gemms or {}).items())
        + f"): {gemm:.0f} GFLOP/s." if gemm else "",
        "",
        "| config | backend | impl | tokens/s (spread) | GFLOP/s | % GEMM peak | vs keras | vs pytorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    torch_rows = {r["config"]: r for r in rows if r["impl"] == "pytorch"}
    for r in rows:
        ratio_keras = ratio_torch = ""
        if r["impl"] not in ("keras", "pytorch"):
            hand = by.get((r["config"], r["backend"], "keras"))
            ratio_keras = f"{r['tokens_per_second'] / hand['tokens_per_second']:.2f}x" if hand else ""
            native = torch_rows.get(r["config"])
            ratio_torch = f"{r['tokens_per_second'] / native['tokens_per_second']:.2f}x" if native else ""
        lo, hi = r["spread_tokens_per_second"]
        peak = f"{100 * r['fraction_of_gemm_peak']:.0f}%" if r["fraction_of_gemm_peak"] else ""
        lines.append(
            f"| {r['config']} | {r['backend']} | {r['impl']} | "
            f"{r['tokens_per_second']:,.0f} ({lo:,.0f}-{hi:,.0f}) | {r['gflops']:.1f} | "
            f"{peak} | {ratio_keras} | {ratio_torch} |"
        )
    return "\n".join(lines)


def available_backends():
    import importlib.util

    names = ["tensorflow"]
    for name in ("jax", "torch"):
        if importlib.util.find_spec(name):
            names.append(name)
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--backends", nargs="+", choices=["tensorflow", "jax", "torch"])
    parser.add_argument("--no-pytorch", action="store_true", help="skip native PyTorch")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--time", type=int, default=100)
    parser.add_argument("--vocab", type=int, default=65)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--units", type=int, help="override every configuration's width")
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "results" / "training_throughput")
    parser.add_argument("--levers", action="store_true",
                        help="also time the speed levers (XLA, masks, hoisted input projection)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--native", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.batch, args.time, args.steps, args.warmup, args.repeats = 2, 5, 2, 1, 1
        args.units, args.embed = 4, 4

    if args.worker:
        run = run_torch_worker if args.worker == "pytorch-native" else run_keras_worker
        print(json.dumps(run(args)))
        return None

    import importlib.util

    backends = args.backends or available_backends()
    workers = list(backends)
    args.native = not args.no_pytorch and bool(importlib.util.find_spec("torch"))
    if args.native and "torch" not in backends:
        workers.append("pytorch-native")  # else timed inside the torch worker
    load_start = os.getloadavg()[0]
    results = [_spawn(worker, args) for worker in workers]
    load_end = os.getloadavg()[0]
    gemm, gemms, rows = summarize(results, args)
    table = markdown(gemm, rows, args, gemms) + (
        f"\n\nLoad average (1 min): {load_start:.1f} at start, {load_end:.1f} at end; "
        f"{os.cpu_count()} CPUs.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(
        dict(command=" ".join(["python", "benchmarks/training_throughput.py", *(argv or sys.argv[1:])]),
             gemm_gflops=gemm, gemm_gflops_by_library=gemms, load_average=[load_start, load_end], rows=rows,
             raw=results), indent=2))
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return rows


if __name__ == "__main__":
    main()
