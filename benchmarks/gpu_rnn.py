"""Recurrent throughput on a CUDA GPU: rnn_zoo on Keras' PyTorch and JAX
backends against native PyTorch (cuDNN), training and inference, per
configuration of `training_throughput.py`.

    python benchmarks/gpu_rnn.py --out benchmarks/results/gpu_rnn   # on a GPU machine
    python benchmarks/gpu_rnn.py --smoke --out /tmp/gpu_rnn         # anywhere, seconds

Keras runs an LSTM or GRU with a fused cuDNN kernel only when no mask reaches
the layer (Keras 3.15: the PyTorch and JAX backends raise `NotImplementedError`
inside their cuDNN path on a mask and fall back to the generic step loop). So
each configuration is timed as:

- `rnn_zoo`: the registered model as `rnn_zoo.build` makes it (padding masked);
- `rnn_zoo_unmasked`: the same language model with `mask_padding=False`;
- `keras`: the network written by hand in Keras, no mask (cuDNN where Keras
  takes it);
- `keras_generic`: the same with `use_cudnn=False` (LSTM, GRU): Keras' step loop;
- `pytorch`: native `torch.nn.LSTM` / `GRU` / `RNN` on CUDA (cuDNN).

Training: `train_on_batch` (PyTorch: forward, backward, clipping, Adam step,
then `torch.cuda.synchronize()`), batch 64 unless `--batch`; inference:
`predict_on_batch` (PyTorch: `eval()` forward under `no_grad`) at batch 256.
Medians over timed steps after warm-up (compilation included in warm-up).
Each backend runs in its own process with a time budget; rows are written as
they come (`<out>.jsonl`), so a run cut short keeps what it measured. Without
TensorFlow on the machine, Keras' TensorFlow backend is not timed here.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from training_throughput import (  # noqa: E402
    CONFIGS,
    NUM_TAGS,
    _data as _ids,
    _time_steps as _timed,
    config_values,
    step_flops,
)

ORDER = ["lstm512x2", "lstm256", "bilstm256_tagger", "gru256", "simple_rnn256"]


def _emit(path, row):
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"  {row['backend']:>8} {row['impl']:>16} {row['config']:>16} "
          f"{row['mode']:>9}: {row['tokens_per_second']:>12,.0f} tokens/s", file=sys.stderr)


def _row(config, backend, impl, mode, batch, args, times):
    step = statistics.median(times)
    row = dict(config=config, backend=backend, impl=impl, mode=mode, batch=batch,
               seconds_per_step=step, tokens_per_second=batch * args.time / step,
               steps=len(times))
    if mode == "training":
        flops = step_flops(config, vocab=args.vocab, embed=args.embed, batch=batch,
                           time_steps=args.time, units=args.units)
        row["tflops"] = flops / step / 1e12
    return row


# ----------------------------------------------------------------- Keras


def _keras_impls(config, args):
    import keras

    import rnn_zoo
    from rnn_zoo import cells

    task, cell, units, num_layers, bidirectional = config_values(config, args.units)
    outputs = args.vocab if task == "lm" else NUM_TAGS
    common = dict(vocabulary_size=args.vocab, embedding_dim=args.embed, cell=cell,
                  units=units, num_layers=num_layers)

    def zoo(**extra):
        if task == "lm":
            return rnn_zoo.build("language_model", **common, **extra)
        return rnn_zoo.build("sequence_tagger", num_tags=NUM_TAGS,
                             bidirectional=bidirectional, **common, **extra)

    def hand(use_cudnn):
        tokens = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(args.vocab, args.embed)(tokens)
        for _ in range(num_layers):
            kwargs = {} if cell == "simple_rnn" else {"use_cudnn": use_cudnn}
            rnn = cells.layer_class(cell)(units, return_sequences=True, **kwargs)
            x = keras.layers.Bidirectional(rnn)(x) if bidirectional else rnn(x)
        probs = keras.layers.Dense(outputs, activation="softmax")(x)
        model = keras.Model(tokens, probs)
        model.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0),
                      loss="sparse_categorical_crossentropy")
        return model

    def compiled_zoo(**extra):
        model = zoo(**extra)
        model.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0),
                      loss=model.loss)
        return model

    impls = {"rnn_zoo": lambda: compiled_zoo()}
    if task == "lm":
        impls["rnn_zoo_unmasked"] = lambda: compiled_zoo(mask_padding=False)
    impls["keras"] = lambda: hand("auto")
    if cell != "simple_rnn":
        impls["keras_generic"] = lambda: hand(False)
    return impls, outputs


def run_keras_worker(args):
    import keras

    backend = keras.backend.backend()
    deadline = time.monotonic() + args.budget
    for config in args.configs:
        impls, outputs = _keras_impls(config, args)
        x, y = _ids(args.vocab, args.batch, args.time, outputs)
        xi, _ = _ids(args.vocab, args.infer_batch, args.time, outputs, seed=1)
        for impl, make in impls.items():
            if time.monotonic() > deadline:
                print(f"  {backend}: time budget spent before {config}/{impl}", file=sys.stderr)
                return
            model = make()
            times = _timed(lambda: model.train_on_batch(x, y), args.warmup, args.steps)
            _emit(args.rows, _row(config, backend, impl, "training", args.batch, args, times))
            times = _timed(lambda: model.predict_on_batch(xi), args.warmup, args.steps)
            _emit(args.rows, _row(config, backend, impl, "inference", args.infer_batch, args, times))


# ----------------------------------------------------------------- PyTorch


def run_torch_worker(args):
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    for config in args.configs:
        task, cell, units, num_layers, bidirectional = config_values(config, args.units)
        outputs = args.vocab if task == "lm" else NUM_TAGS

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = torch.nn.Embedding(args.vocab, args.embed)
                self.rnn = modules[cell](args.embed, units, num_layers=num_layers,
                                         batch_first=True, bidirectional=bidirectional)
                self.head = torch.nn.Linear(units * (2 if bidirectional else 1), outputs)

            def forward(self, ids):
                return self.head(self.rnn(self.embedding(ids))[0])

        net = Net().to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = (torch.from_numpy(a).long().to(device)
                for a in _ids(args.vocab, args.batch, args.time, outputs))
        xi = torch.from_numpy(_ids(args.vocab, args.infer_batch, args.time, outputs, 1)[0])
        xi = xi.long().to(device)

        def train_step():
            net.train()
            optimizer.zero_grad()
            loss = loss_fn(net(x).reshape(-1, outputs), y.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            sync()

        def infer_step():
            net.eval()
            with torch.no_grad():
                torch.softmax(net(xi), -1)
            sync()

        times = _timed(train_step, args.warmup, args.steps)
        _emit(args.rows, _row(config, "pytorch", "pytorch", "training", args.batch, args, times))
        times = _timed(infer_step, args.warmup, args.steps)
        _emit(args.rows, _row(config, "pytorch", "pytorch", "inference", args.infer_batch, args, times))


# ----------------------------------------------------------------- parent


def machine_info():
    info = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
            info["cudnn"] = torch.backends.cudnn.version()
            a = torch.randn(8192, 8192, device="cuda")
            b = torch.randn(8192, 8192, device="cuda")
            a @ b
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(5):
                a @ b
            torch.cuda.synchronize()
            info["fp32_gemm_tflops"] = 5 * 2 * 8192**3 / (time.perf_counter() - start) / 1e12
    except ImportError:
        pass
    from importlib import metadata

    for name in ("jax", "keras"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return info


def markdown(rows):
    torch_rows = {(r["config"], r["mode"]): r for r in rows if r["impl"] == "pytorch"}
    lines = ["| config | mode | backend | impl | tokens/s | vs pytorch |", "|---|---|---|---|---|---|"]
    for config in ORDER:
        for mode in ("training", "inference"):
            for r in rows:
                if r["config"] != config or r["mode"] != mode:
                    continue
                native = torch_rows.get((config, mode))
                ratio = "" if r["impl"] == "pytorch" or not native else (
                    f"{r['tokens_per_second'] / native['tokens_per_second']:.2f}x")
                lines.append(f"| {config} | {mode} | {r['backend']} | {r['impl']} | "
                             f"{r['tokens_per_second']:,.0f} | {ratio} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS), default=ORDER)
    parser.add_argument("--backends", nargs="+", choices=["torch", "jax"], default=["torch", "jax"])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--infer-batch", type=int, default=256)
    parser.add_argument("--time", type=int, default=100)
    parser.add_argument("--vocab", type=int, default=65)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--units", type=int, help="override every configuration's width")
    parser.add_argument("--budget", type=float, default=150.0,
                        help="seconds each Keras backend may spend (it stops between models)")
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "results" / "gpu_rnn")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a step or two")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.batch, args.infer_batch, args.time, args.steps, args.warmup = 2, 3, 5, 2, 1
        args.units, args.embed = 4, 4

    if args.worker:
        (run_torch_worker if args.worker == "pytorch" else run_keras_worker)(args)
        return None

    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows_path = args.out.with_suffix(".jsonl")
    rows_path.unlink(missing_ok=True)
    started = time.time()
    info = machine_info()
    forwarded = [a for a in (argv if argv is not None else sys.argv[1:])]
    for worker in ["pytorch", *args.backends]:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        if worker != "pytorch":
            env["KERAS_BACKEND"] = worker
        cmd = [sys.executable, __file__, *forwarded, "--worker", worker, "--rows", str(rows_path)]
        try:
            subprocess.run(cmd, env=env, check=True, timeout=args.budget + 120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            print(f"{worker}: {error}", file=sys.stderr)
            info.setdefault("failed", []).append(f"{worker}: {error}")
    rows = ([json.loads(line) for line in rows_path.read_text().splitlines()]
            if rows_path.exists() else [])
    result = dict(command=" ".join(["python", "benchmarks/gpu_rnn.py", *forwarded]),
                  machine=info, wall_seconds=time.time() - started, rows=rows)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    table = markdown(rows)
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return result


if __name__ == "__main__":
    main()
