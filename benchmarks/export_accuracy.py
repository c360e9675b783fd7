"""Accuracy and size of a sentiment run's exports against its `model.keras`.

Rebuilds the run's validation split exactly as `recipes/sentiment.py` drew
it (the run's own arguments and seed, its vocabulary and `--max-length`),
then scores on it:

- `keras`: the run's `model.keras` (Keras `predict`);
- `onnx_float`: `rnn_zoo.export(model, ..., format="onnx")` of the same
  model, written to a temporary folder (run by onnxruntime);
- every export the run holds (`export/<format>/`, e.g. the `--export onnx
  --quantize int8` one), run by its own runtime (`rnn_zoo.load_exported`).

For each: accuracy, the share of texts whose label equals Keras', the
largest probability difference from Keras, and the artefact's size.

Usage (after e.g. `python recipes/sentiment.py --train-dir aclImdb/train
--export onnx --quantize int8 --run-dir runs/sentiment_int8`):

    PYTHONPATH=. python benchmarks/export_accuracy.py runs/sentiment_int8

Writes `<out>/export_accuracy.json` and `.md` (default out:
`benchmarks/results`).
"""

import argparse
import importlib.util
import json
import pathlib
import sys
import tempfile
import time

import numpy as np

import rnn_zoo
from rnn_zoo.training import Run

ROOT = pathlib.Path(__file__).resolve().parents[1]


def sentiment_recipe():
    spec = importlib.util.spec_from_file_location("rnn_zoo_recipe_sentiment",
                                                  ROOT / "recipes" / "sentiment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def folder_size(folder):
    return sum(p.stat().st_size for p in pathlib.Path(folder).rglob("*") if p.is_file())


def validation_arrays(run, recipe, limit=None):
    """The run's validation texts as padded id rows (`max_length` columns at
    most) and their label ids."""
    import keras

    args = argparse.Namespace(**run.arguments)
    for key in ("train_file", "validation_file", "test_file", "train_dir", "validation_dir",
                "test_dir", "data_dir"):
        if getattr(args, key, None) is not None:
            setattr(args, key, pathlib.Path(getattr(args, key)))
    splits, _ = recipe.load_splits(args)
    texts, labels = [], []
    for text, label in splits["validation"].as_numpy_iterator():
        texts.append(text)
        labels.append(int(label))
        if limit and len(texts) >= limit:
            break
    vocabulary = run.load_vocabulary()
    ids = [vocabulary.encode(recipe.standardize(t)).numpy()[: args.max_length] for t in texts]
    padded = keras.utils.pad_sequences(ids, maxlen=args.max_length, padding="post", value=0)
    return padded.astype("int32"), np.array(labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=pathlib.Path)
    parser.add_argument("--limit", type=int, default=None,
                        help="score at most this many validation texts (default all)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    run = Run.open(args.run_dir)
    if run.config["recipe"] != "sentiment":
        raise ValueError(
            f"export_accuracy scores sentiment runs; the run in {str(args.run_dir)!r} was "
            f"made by {run.config['recipe']!r}. Received: {str(args.run_dir)!r}")
    x, y = validation_arrays(run, sentiment_recipe(), args.limit)
    model = run.load_model()
    start = time.perf_counter()
    reference = model.predict(x, batch_size=args.batch_size, verbose=0)
    rows = [{"model": "keras", "file": "model.keras",
             "bytes": run.path("model").stat().st_size,
             "seconds": time.perf_counter() - start, "probabilities": reference}]
    with tempfile.TemporaryDirectory() as tmp:
        candidates = [("onnx_float", rnn_zoo.export(model, pathlib.Path(tmp) / "onnx",
                                                    format="onnx"))]
        candidates += [(f"export/{f}", run.path("export") / f) for f in run.exports()]
        for name, folder in candidates:
            exported = rnn_zoo.load_exported(folder)
            start = time.perf_counter()
            probabilities = exported.predict(x, batch_size=args.batch_size)
            quantize = exported.manifest.get("quantize")
            rows.append({"model": name + (f" ({quantize})" if quantize else ""),
                         "file": exported.manifest["file"], "bytes": folder_size(folder),
                         "seconds": time.perf_counter() - start,
                         "probabilities": probabilities})
    predicted = reference.argmax(-1)
    for row in rows:
        p = row.pop("probabilities")
        row["accuracy"] = float((p.argmax(-1) == y).mean())
        row["same_label_as_keras"] = float((p.argmax(-1) == predicted).mean())
        row["max_abs_probability_difference"] = float(np.abs(p - reference).max())
    result = {"command": " ".join(["python", "benchmarks/export_accuracy.py"] + sys.argv[1:]),
              "run": str(args.run_dir), "validation_texts": len(y),
              "run_arguments": run.arguments, "rows": rows}
    lines = [f"{len(y)} validation texts of `{args.run_dir}`.", "",
             "| model | validation accuracy | same label as Keras | max abs prob. diff | "
             "size (MB) | predict time (s) |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['accuracy']:.4f} | {r['same_label_as_keras']:.4f} | "
                     f"{r['max_abs_probability_difference']:.2g} | {r['bytes'] / 1e6:.2f} | "
                     f"{r['seconds']:.1f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "export_accuracy.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "export_accuracy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return result


if __name__ == "__main__":
    main()
