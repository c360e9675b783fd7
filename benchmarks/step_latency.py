"""Per-token latency of an exported streaming step model against Keras.

A `language_model` (random weights: speed does not depend on training) is
turned into its streaming step model (`rnn_zoo.streaming_model`: one token
id and the LSTM states in, next-token probabilities and new states out),
exported with `rnn_zoo.export` to ONNX and LiteRT, and driven greedily one
token at a time, batch 1, from a Python loop, as an application on a device
or a server would:

- `keras_generate`: `rnn_zoo.decoding.generate(model, prompt, N)` (greedy),
  the whole loop compiled in one function (tf.function with XLA on
  TensorFlow); per token = its time / N (the 3-token prompt and the call's
  fixed cost included). `keras_generate_marginal` is the cost of one more
  token: (median time of 2N tokens - median time of N) / N.
- `onnxruntime`: the exported step run by `rnn_zoo.load_exported(...)`
  (`onnxruntime.InferenceSession`, CPU provider, its default threads),
  `predict([ids, *states])` per token, argmax in NumPy.
- `onnxruntime_1thread`: the same ONNX file in an `InferenceSession` of
  one intra-op thread (`SessionOptions.intra_op_num_threads = 1`): a batch
  of one has little to split, and spinning worker threads compete with
  everything else on a shared machine.
- `litert`: the same with the LiteRT interpreter (`ai-edge-litert`, its
  default threads).

Each repeat times every method once in turn (interleaved, so a load change
on a shared machine hits them alike); the table gives medians and ranges
over the repeats, compilation and session start excluded (one warm-up run).
The greedy tokens of each runtime are compared with Keras' (same weights):
the table says for how many of the N tokens they agree.

Usage:

    PYTHONPATH=. python benchmarks/step_latency.py
    PYTHONPATH=. python benchmarks/step_latency.py --smoke   # tiny, seconds

Rows are appended to `<out>/step_latency.md` (and `.jsonl`) as each is
measured, so an interrupted run keeps what it measured (default out:
`benchmarks/results`; `--smoke` writes `step_latency_smoke.*`).
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo import decoding  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from generation import machine  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent
# name: (vocabulary, embedding, units)
CONFIGS = {
    "lstm64_vocab100": (100, 32, 64),
    "lstm256_vocab10k": (10_000, 128, 256),
}
METHODS = ("keras_generate", "keras_generate_marginal", "onnxruntime", "onnxruntime_1thread",
           "litert")
PROMPT = [5, 9, 7]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS),
                        default=list(CONFIGS))
    parser.add_argument("--tokens", type=int, default=500, help="tokens per timed run")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "results")
    parser.add_argument("--smoke", action="store_true",
                        help="one tiny model, few tokens, one repeat: checks the script runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.configs, args.tokens, args.repeats = ["smoke"], 5, 1
    return args


def versions():
    out = {"python": platform.python_version(), "keras": keras.__version__,
           "numpy": np.__version__, "backend": keras.backend.backend()}
    for name, module in (("tensorflow", "tensorflow"), ("onnxruntime", "onnxruntime"),
                         ("ai_edge_litert", "ai_edge_litert")):
        try:
            imported = __import__(module)
            out[name] = getattr(imported, "__version__", "?")
        except ImportError:
            pass
    return out


def exported_loop(exported, state_specs, prompt, steps):
    """Greedy generation with an exported step model: feeds the prompt,
    then `steps` tokens; returns the generated ids."""
    state = [np.zeros((1,) + tuple(shape[1:]), dtype) for shape, dtype in state_specs]
    for token in prompt[:-1]:
        _, *state = exported.predict([np.array([token], "int32"), *state])
    ids = np.array([prompt[-1]], "int32")
    out = []
    for _ in range(steps):
        probs, *state = exported.predict([ids, *state])
        probs[:, 0] = -1.0  # padding is never generated, as in rnn_zoo.decoding
        ids = np.argmax(probs, axis=-1).astype("int32")
        out.append(int(ids[0]))
    return out


class OneThreadONNX:
    """The exported ONNX file in a session of one intra-op thread, with
    `predict(list of arrays)` like `load_exported`'s."""

    def __init__(self, exported):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(exported.path / exported.manifest["file"]), options,
            providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        if sorted(self.names) == sorted(exported.input_names):
            self.names = exported.input_names

    def predict(self, arrays):
        return self.session.run(None, dict(zip(self.names, arrays)))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def agreement(a, b):
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def measure(name, sizes, args, folder):
    """Yields one row per method for one model size."""
    vocabulary, embedding, units = sizes
    keras.utils.set_random_seed(0)
    model = rnn_zoo.build("language_model", vocabulary_size=vocabulary,
                          embedding_dim=embedding, units=units, cell="lstm", compile=False)
    # Larger weights than the initializers give, so greedy has clear winners
    # (close to uniform probabilities, float rounding could flip ties).
    for layer in ("embedding", "logits"):
        for w in model.get_layer(layer).weights:
            w.assign(keras.ops.convert_to_numpy(w) * 4.0)
    step = rnn_zoo.streaming_model(model)
    n = args.tokens
    methods = {
        "keras_generate": lambda: decoding.generate(model, PROMPT, n).tokens[0].tolist(),
        "keras_generate_2n": lambda: decoding.generate(model, PROMPT, 2 * n).tokens[0].tolist(),
    }
    export_seconds = {}
    for fmt in ("onnx", "litert"):
        start = time.perf_counter()
        path = rnn_zoo.export(step, folder / f"{name}_{fmt}", format=fmt)
        export_seconds[fmt] = time.perf_counter() - start
        exported = rnn_zoo.load_exported(path)
        methods["onnxruntime" if fmt == "onnx" else "litert"] = (
            lambda e=exported: exported_loop(e, step.state_specs, PROMPT, n))
        if fmt == "onnx":
            single = OneThreadONNX(exported)
            methods["onnxruntime_1thread"] = (
                lambda e=single: exported_loop(e, step.state_specs, PROMPT, n))
    tokens = {m: fn() for m, fn in methods.items()}  # warm-up: compiles, first runs
    times = {m: [] for m in methods}
    for _ in range(args.repeats):
        for m, fn in methods.items():
            seconds, _ = timed(fn)
            times[m].append(1e6 * seconds / n)
    double = times.pop("keras_generate_2n")
    marginal = statistics.median(double) - statistics.median(times["keras_generate"])
    times["keras_generate_marginal"] = [marginal]  # one figure, from the medians
    tokens["keras_generate_marginal"] = tokens.pop("keras_generate_2n")[:n]
    reference = tokens["keras_generate"]
    for m in METHODS:
        t = times[m]
        yield {
            "config": name, "vocabulary": vocabulary, "embedding": embedding, "units": units,
            "method": m, "tokens": n, "repeats": len(t),
            "median_us_per_token": statistics.median(t), "min_us": min(t), "max_us": max(t),
            "greedy_tokens_equal_to_keras": agreement(tokens[m], reference),
            "export_seconds": export_seconds.get(
                "onnx" if m.startswith("onnxruntime") else m),
            "load_average": os.getloadavg()[0],
        }


HEADER = ("| model | method | us/token (median) | range | greedy tokens = Keras | "
          "vs keras_generate |\n|---|---|---:|---|---:|---:|\n")


def row_markdown(row, keras_median):
    ratio = keras_median / row["median_us_per_token"]
    return (f"| {row['config']} | `{row['method']}` | {row['median_us_per_token']:,.0f} | "
            f"{row['min_us']:,.0f}-{row['max_us']:,.0f} | "
            f"{row['greedy_tokens_equal_to_keras']}/{row['tokens']} | {ratio:.2f}x |\n")


def main(argv=None):
    args = parse_args(argv)
    configs = dict(CONFIGS, smoke=(12, 4, 4))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "step_latency" + ("_smoke" if args.smoke else "")
    md, jsonl = args.out / f"{stem}.md", args.out / f"{stem}.jsonl"
    info = machine()
    command = " ".join(["python", "benchmarks/step_latency.py"] + sys.argv[1:])
    md.write_text(
        f"Per-token latency, greedy, batch 1, {args.tokens} tokens, median of "
        f"{args.repeats} interleaved repeats; `{command}`\n\n" + HEADER)
    jsonl.write_text(json.dumps({"command": command, "machine": info,
                                 "versions": versions()}) + "\n")
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.configs:
            keras_median = None
            for row in measure(name, configs[name], args, pathlib.Path(tmp)):
                keras_median = keras_median or row["median_us_per_token"]
                rows.append(row)
                with md.open("a") as f:
                    f.write(row_markdown(row, keras_median))
                with jsonl.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(row_markdown(row, keras_median), end="", flush=True)
    info["load_average_end"] = os.getloadavg()
    wall = time.perf_counter() - start
    with md.open("a") as f:
        f.write(f"\nMachine: {info['cpu']}, {info['cores']} cores; load average (1 min) "
                f"{info['load_average_start'][0]:.1f} at start, "
                f"{info['load_average_end'][0]:.1f} at end; wall {wall:.0f} s. Versions: "
                + ", ".join(f"{k} {v}" for k, v in versions().items()) + "\n")
    print(md.read_text())
    return rows


if __name__ == "__main__":
    main()
