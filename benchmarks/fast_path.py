"""Fast-path report: which recurrent layers of every registered model (at its
default arguments) can use the fused cuDNN kernel on a GPU, and what runs
them on CPU, per backend.

    python benchmarks/fast_path.py              # report, Markdown
    python benchmarks/fast_path.py --time-gpu   # also time cuDNN vs generic (needs a GPU)

Required arguments are filled from the model's tiny test arguments and image
encoders get no pretrained weights (nothing to download); every other
argument keeps its default, which is what the report is about.
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import rnn_zoo  # noqa: E402
from rnn_zoo.fast_path import BACKENDS, fast_path_report  # noqa: E402


def default_model(name):
    spec = rnn_zoo.model_info(name)
    kwargs = {k: spec.tiny_kwargs[k] for k in spec.required_arguments}
    if "image_encoder_weights" in spec.arguments:
        # The recurrent layers are what is reported: skip the weights download.
        kwargs["image_encoder_weights"] = None
    return rnn_zoo.build(name, **kwargs)


def report_all(backends):
    rows = []
    for name in rnn_zoo.list_models():
        model = default_model(name)
        for backend in backends:
            for r in fast_path_report(model, backend=backend):
                rows.append(dict(model=name, backend=backend, layer=r.layer, cell=r.cell,
                                 fused=r.fused, reasons=list(r.reasons), notes=list(r.notes),
                                 cpu_path=r.cpu_path, cpu_reasons=list(r.cpu_reasons),
                                 cpu_notes=list(r.cpu_notes)))
    return rows


def time_gpu(units=512, batch=64, steps=100, repeats=20):
    """Seconds per forward+backward of an LSTM with cuDNN allowed vs forbidden."""
    import keras
    import numpy as np

    x = np.random.default_rng(0).normal(size=(batch, steps, units)).astype("float32")
    y = np.zeros((batch, units), "float32")
    timings = {}
    for use_cudnn in ("auto", False):
        model = keras.Sequential([keras.Input((steps, units)), keras.layers.LSTM(units, use_cudnn=use_cudnn)])
        model.compile("adam", "mse")
        model.train_on_batch(x, y)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.train_on_batch(x, y)
            times.append(time.perf_counter() - start)
        timings["cudnn" if use_cudnn == "auto" else "generic"] = statistics.median(times)
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--time-gpu", action="store_true")
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "results" / "fast_path")
    args = parser.parse_args(argv)

    rows = report_all(args.backends)
    lines = ["| model | backend | layer | cuDNN | why not / notes | CPU | why / notes |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        why = "; ".join(r["reasons"] or r["notes"]) or "-"
        cpu_why = "; ".join(r["cpu_reasons"] or r["cpu_notes"]) or "-"
        lines.append(f"| {r['model']} | {r['backend']} | {r['layer']} | "
                     f"{'yes' if r['fused'] else 'no'} | {why} | {r['cpu_path']} | {cpu_why} |")
    result = dict(rows=rows)
    if args.time_gpu:
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            has_gpu = bool(tf.config.list_physical_devices("GPU"))
        else:
            has_gpu = False
        result["gpu"] = time_gpu() if has_gpu else "no GPU found"
        lines += ["", f"GPU timing (LSTM 512, batch 64, 100 steps, s/step): {result['gpu']}"]
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return result


if __name__ == "__main__":
    main()
