"""Generation speed: rnn_zoo's state-carrying decoding against re-running the
prefix and against a PyTorch `nn.LSTMCell` loop, on the same machine.

The model: a character language model, 1-layer LSTM of 256 units, embedding
64, vocabulary 65 (tiny Shakespeare's characters), batch 1, random weights
(speed does not depend on training). PyTorch gets the same weights, so its
greedy output must equal rnn_zoo's: the script checks that.

Methods, all sampling from softmax(logits) one token at a time:

- `rnn_zoo`: `rnn_zoo.decoding.generate(..., strategy="sample")`, the whole
  loop compiled (tf.function + XLA on TensorFlow, jax.jit on JAX).
- `rnn_zoo_greedy`: the same with `strategy="greedy"`.
- `rnn_zoo_eager`: `generate(..., jit_compile=False)`: the same step model
  called eagerly per token (timed on `--eager-tokens`, 100, as it is slow).
- `rerun_prefix`: the keras-io text-generation way: run the whole model on
  the growing text for every new token (the forward pass compiled with
  `tf.function`/`jax.jit`, the text right-padded to a power of two so that
  few shapes are compiled, sampling in NumPy), so a token costs more the
  longer the text.
- `torch_lstmcell`: `nn.Embedding -> nn.LSTMCell -> nn.Linear ->
  torch.multinomial` in a Python loop with carried `(h, c)`, under
  `torch.inference_mode()`, PyTorch's default threads (one per core).
  Skipped if torch is missing: `pip install ".[benchmark]"`. (The thread
  count is not varied within a run: switching OpenMP back from 1 to 2
  threads made this loop 20x slower for the rest of the process.)

Timings are interleaved (each repeat runs every method once, in turn), so a
load change on a shared machine hits all methods alike; medians and ranges
over the repeats are reported. Compilation is excluded (a warm-up run first).

Usage:

    KERAS_BACKEND=tensorflow PYTHONPATH=. python benchmarks/generation.py
    PYTHONPATH=. python benchmarks/generation.py --smoke   # tiny, seconds

Writes `<out>/generation_<backend>.json` and `.md` (default out:
`benchmarks/results`).
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo import decoding  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent
# Methods 100-1000x slower than the others: timed in the first
# `--slow-repeats` repeats only (still interleaved with the rest).
SLOW = ("rnn_zoo_eager", "rerun_prefix")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=500, help="tokens per generation")
    parser.add_argument("--lengths", type=int, nargs="+", default=[100, 500, 2000],
                        help="text lengths for the per-token table")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--vocabulary-size", type=int, default=65)
    parser.add_argument("--eager-tokens", type=int, default=100,
                        help="tokens per run for the slow eager method")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slow-repeats", type=int, default=2,
                        help="repeats of the slow methods (eager, re-run prefix)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "results")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes and one repeat: checks the script runs")
    args = parser.parse_args(argv)
    if args.smoke:
        # One compiled function in all (sampling, 12 tokens): XLA compiles
        # dominate a run this small.
        args.tokens, args.lengths, args.units, args.embedding_dim = 12, [12], 8, 4
        args.eager_tokens = 4
        args.repeats = 1
    args.slow_repeats = min(args.slow_repeats, args.repeats)
    return args


def try_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


class TorchLSTM:
    """The same network in PyTorch, with the Keras model's weights."""

    def __init__(self, torch, model):
        self.torch = torch
        nn = torch.nn
        E = keras.ops.convert_to_numpy(model.get_layer("embedding").embeddings)
        kernel, recurrent, bias = [
            keras.ops.convert_to_numpy(w) for w in model.get_layer("decoder_lstm_0").weights
        ]
        dense_kernel, dense_bias = [
            keras.ops.convert_to_numpy(w) for w in model.get_layer("logits").weights
        ]
        units = recurrent.shape[0]
        self.embedding = nn.Embedding(*E.shape)
        self.cell = nn.LSTMCell(E.shape[1], units)
        self.linear = nn.Linear(units, dense_kernel.shape[1])
        with torch.no_grad():
            # Keras and PyTorch both order the gates input, forget, cell, output.
            self.embedding.weight.copy_(torch.from_numpy(E))
            self.cell.weight_ih.copy_(torch.from_numpy(kernel.T))
            self.cell.weight_hh.copy_(torch.from_numpy(recurrent.T))
            self.cell.bias_ih.copy_(torch.from_numpy(bias))
            self.cell.bias_hh.zero_()
            self.linear.weight.copy_(torch.from_numpy(dense_kernel.T))
            self.linear.bias.copy_(torch.from_numpy(dense_bias))
        self.units = units

    def generate(self, prompt, steps, greedy=False, seed=0):
        torch = self.torch
        generator = torch.Generator().manual_seed(seed)
        with torch.inference_mode():
            h = torch.zeros(1, self.units)
            c = torch.zeros(1, self.units)
            for token in prompt[:-1]:
                h, c = self.cell(self.embedding(torch.tensor([token])), (h, c))
            token = torch.tensor([prompt[-1]])
            out = []
            for _ in range(steps):
                h, c = self.cell(self.embedding(token), (h, c))
                logits = self.linear(h)
                logits[:, 0] = -1e9  # padding, as rnn_zoo excludes it
                if greedy:
                    token = logits.argmax(-1)
                else:
                    probs = torch.softmax(logits, -1)
                    token = torch.multinomial(probs, 1, generator=generator)[:, 0]
                out.append(int(token))
        return out


def make_forward(model):
    """The full model on a `(1, time)` prompt, compiled; returns the
    next-token probabilities at `position`."""
    backend = keras.backend.backend()

    def forward(ids, position):
        return keras.ops.take(model(ids, training=False)[0], position, axis=0)

    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(forward, reduce_retracing=True)
    if backend == "jax":
        import jax

        variables = model.variables

        @jax.jit
        def stateless(values, ids, position):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return forward(ids, position)

        return lambda ids, position: stateless([v.value for v in variables], ids, position)
    return forward


def bucket(length):
    """Prefixes are right-padded (with padding id 0, masked) to a power of
    two, so a compiled forward pass serves many lengths (jax.jit compiles
    one function per shape)."""
    return 1 << max(3, (length - 1).bit_length())


def rerun_prefix(forward, prompt, steps, seed=0):
    rng = np.random.default_rng(seed)
    seq = list(prompt)
    for _ in range(steps):
        ids = np.zeros((1, bucket(len(seq))), "int32")
        ids[0, : len(seq)] = seq
        probs = keras.ops.convert_to_numpy(forward(ids, np.int32(len(seq) - 1)))
        probs = np.asarray(probs, "float64")
        probs[0] = 0.0
        seq.append(int(rng.choice(len(probs), p=probs / probs.sum())))
    return seq[len(prompt):]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(times):
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "repeats": len(times),
    }


def versions():
    out = {"python": platform.python_version(), "keras": keras.__version__,
           "numpy": np.__version__, "backend": keras.backend.backend()}
    for name in ("tensorflow", "jax", "torch"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    return out


def machine():
    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average_start": os.getloadavg()}


def run(args):
    info = machine()
    keras.utils.set_random_seed(0)
    model = rnn_zoo.build(
        "language_model", vocabulary_size=args.vocabulary_size,
        embedding_dim=args.embedding_dim, units=args.units, compile=False,
    )
    # Larger weights than the initializers give, so that sampling is not
    # close to uniform and greedy has clear winners (speed is unaffected).
    for layer in ("embedding", "logits"):
        for w in model.get_layer(layer).weights:
            w.assign(keras.ops.convert_to_numpy(w) * 4.0)
    prompt = [5, 12, 7]
    torch = try_torch()
    torch_model = TorchLSTM(torch, model) if torch else None
    forward = make_forward(model)
    n = args.tokens

    methods = {
        "rnn_zoo": lambda r: decoding.generate(model, prompt, n, strategy="sample", seed=r),
        "rnn_zoo_greedy": lambda r: decoding.generate(model, prompt, n),
        "rnn_zoo_eager": lambda r: decoding.generate(
            model, prompt, args.eager_tokens, strategy="sample", seed=r, jit_compile=False),
        "rerun_prefix": lambda r: rerun_prefix(forward, prompt, n, seed=r),
    }
    if args.smoke:
        del methods["rnn_zoo_greedy"]
    if torch_model:
        methods["torch_lstmcell"] = lambda r: torch_model.generate(prompt, n, seed=r)
        methods["torch_lstmcell_greedy"] = lambda r: torch_model.generate(prompt, n, greedy=True)

    checks = {}
    if torch_model:
        ours = decoding.generate(model, prompt, n, jit_compile=not args.smoke)
        ours = ours.tokens[0].tolist()
        theirs = torch_model.generate(prompt, n, greedy=True)
        agree = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), n)
        checks["greedy_tokens_equal_to_torch"] = agree
    for name, fn in methods.items():  # warm-up: compiles and caches
        fn(0)
    times = {name: [] for name in methods}
    for r in range(args.repeats):
        for name, fn in methods.items():
            if name in SLOW and r >= args.slow_repeats:
                continue
            times[name].append(timed(lambda: fn(r + 1)))
    generation = {}
    for name, ts in times.items():
        s = summary(ts)
        s["tokens"] = args.eager_tokens if name == "rnn_zoo_eager" else n
        s["tokens_per_s"] = s["tokens"] / s["median_s"]
        s["tokens_per_s_range"] = [s["tokens"] / s["max_s"], s["tokens"] / s["min_s"]]
        generation[name] = s

    # Cost of one token at each length. With carried state every token costs
    # the same, so it is the mean over generating `length` tokens; re-running
    # the prefix pays one forward pass over the whole text for the token at
    # position `length`.
    lengths = {}
    per_length = {
        "rnn_zoo": lambda L, r: decoding.generate(model, prompt, L, strategy="sample", seed=r),
        "rerun_prefix": lambda L, r: keras.ops.convert_to_numpy(
            forward(np.ones((1, L), "int32"), np.int32(L - 1))),
    }
    if torch_model:
        per_length["torch_lstmcell"] = lambda L, r: torch_model.generate(prompt, L, seed=r)
    for L in args.lengths:
        for fn in per_length.values():
            fn(L, 0)
        ts = {name: [] for name in per_length}
        for r in range(args.repeats):
            for name, fn in per_length.items():
                ts[name].append(timed(lambda: fn(L, r + 1)))
        lengths[L] = {}
        for name, t in ts.items():
            per = [x / L for x in t] if name != "rerun_prefix" else t
            lengths[L][name] = {"median_us": 1e6 * statistics.median(per),
                                "min_us": 1e6 * min(per), "max_us": 1e6 * max(per)}

    info["load_average_end"] = os.getloadavg()
    return {
        "config": {"tokens": n, "units": args.units, "embedding_dim": args.embedding_dim,
                   "vocabulary_size": args.vocabulary_size, "batch": 1,
                   "repeats": args.repeats, "slow_repeats": args.slow_repeats,
                   "eager_tokens": args.eager_tokens, "lengths": args.lengths,
                   "smoke": args.smoke},
        "command": " ".join(["python", "benchmarks/generation.py"] + sys.argv[1:]),
        "machine": info,
        "versions": versions(),
        "checks": checks,
        "generation": generation,
        "per_token_by_length": lengths,
    }


def markdown(result):
    c, g = result["config"], result["generation"]
    torch_rate = g.get("torch_lstmcell", {}).get("tokens_per_s")
    lines = [
        f"Generating {c['tokens']} tokens, 1-layer LSTM {c['units']}, embedding "
        f"{c['embedding_dim']}, vocabulary {c['vocabulary_size']}, batch 1; backend "
        f"`{result['versions']['backend']}`; median of {c['repeats']} interleaved "
        f"repeats ({c['slow_repeats']} for the slow `rnn_zoo_eager` and "
        "`rerun_prefix`), range over the repeats.",
        "",
        "| method | tokens/s | range | tokens | time (s) | vs PyTorch loop |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name, s in g.items():
        lo, hi = s["tokens_per_s_range"]
        ratio = f"{s['tokens_per_s'] / torch_rate:.2f}x" if torch_rate else "n/a"
        lines.append(f"| `{name}` | {s['tokens_per_s']:,.0f} | {lo:,.0f}-{hi:,.0f} | "
                     f"{s['tokens']} | {s['median_s']:.3f} | {ratio} |")
    names = list(next(iter(result["per_token_by_length"].values())))
    lines += ["", "Time per token (microseconds) at text length L (median, range):", "",
              "| L | " + " | ".join(f"`{n}`" for n in names) + " |",
              "|---:|" + "---:|" * len(names)]
    for L, row in result["per_token_by_length"].items():
        cells = [f"{row[n]['median_us']:,.0f} ({row[n]['min_us']:,.0f}-{row[n]['max_us']:,.0f})"
                 for n in names]
        lines.append(f"| {L} | " + " | ".join(cells) + " |")
    if result["checks"]:
        agree = result["checks"]["greedy_tokens_equal_to_torch"]
        lines += ["", f"Greedy tokens identical to the PyTorch loop's for the first "
                      f"{agree} of {c['tokens']} tokens (same weights)."]
    m = result["machine"]
    lines += ["", f"Machine: {m['cpu']}, {m['cores']} cores; load average "
                  f"(1 min) {m['load_average_start'][0]:.1f} at start, "
                  f"{m['load_average_end'][0]:.1f} at end. Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items())]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"generation_{result['versions']['backend']}" + ("_smoke" if args.smoke else "")
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2, default=float))
    table = markdown(result)
    (args.out / f"{stem}.md").write_text(table)
    print(table)
    return result


if __name__ == "__main__":
    main()
