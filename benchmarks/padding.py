"""Padding and bucketing: how much of each batch is padding, and what it costs.

On a length distribution like IMDB's (the reviews' own lengths when the
`imdb_reviews` TFDS data set is prepared in `--data-dir`, else lengths drawn
from a log-normal fitted to its published statistics: 25,000 training
reviews, mean 234 and median 174 words, 10 to 2,470), the script batches
sequences of random token ids with rnn_zoo's pipeline (`rnn_zoo.data.prepare`)
in several ways and reports

1. the fraction of padded tokens over a whole epoch (`data.padding_fraction`),
   for the lengths as they are and cut at `--max-length` (the sentiment
   recipe's default, 400 words), and
2. training throughput of a `text_classifier` (LSTM, masked) on a subset
   (`--train-examples`) cut at `--max-length`: real (unpadded) tokens per
   second over a timed epoch, median of `--repeats` epochs after a warm-up
   epoch, the strategies interleaved within each repeat.

Strategies:
- `fixed`: every batch padded to the longest allowed length (`prepare(pad_to=...)`),
  what a fixed `sequence_length` model or `pad_sequences` does;
- `per_batch`: shuffled batches, each padded to its own longest sequence
  (`prepare(bucket=False)`);
- `equal_count_8`: 8 length buckets with equal counts (quantile boundaries;
  rnn_zoo's boundaries before this benchmark);
- `least_padding_8`, `least_padding_16`: `prepare(bucket=True, num_buckets=k)`,
  boundaries chosen by `data.length_boundaries` to minimise padding.

    PYTHONPATH=. python benchmarks/padding.py
    PYTHONPATH=. python benchmarks/padding.py --smoke      # tiny, seconds

Writes `<out>.json` and `<out>.md` (default `benchmarks/results/padding`).
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
import tensorflow as tf  # noqa: E402

import rnn_zoo  # noqa: E402
from rnn_zoo import data  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
# Published statistics of the IMDB training reviews (words split on spaces).
IMDB_EXAMPLES, IMDB_MEAN, IMDB_MEDIAN, IMDB_MIN, IMDB_MAX = 25_000, 234, 174, 10, 2470
STRATEGIES = ("fixed", "per_batch", "equal_count_8", "least_padding_8", "least_padding_16")


def imdb_like_lengths(n, seed=0):
    """`n` lengths from a log-normal with IMDB's median and mean, clipped to
    its range: median `exp(mu)`, mean `exp(mu + sigma^2 / 2)`."""
    mu = np.log(IMDB_MEDIAN)
    sigma = np.sqrt(2 * np.log(IMDB_MEAN / IMDB_MEDIAN))
    lengths = np.random.default_rng(seed).lognormal(mu, sigma, size=n)
    return np.clip(np.round(lengths), IMDB_MIN, IMDB_MAX).astype("int64")


def imdb_lengths(data_dir):
    """Word counts of the real IMDB training reviews, or None when the TFDS
    data set is not prepared in `data_dir` (nothing is downloaded)."""
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder("imdb_reviews", data_dir=data_dir)
        if not builder.is_prepared():
            return None
        ds = builder.as_dataset(split="train")
        return np.array([len(x["text"].split()) for x in tfds.as_numpy(ds)], dtype="int64")
    except Exception as error:  # noqa: BLE001  (fall back to generated lengths)
        print(f"[padding] IMDB lengths unavailable ({error}); using generated ones",
              file=sys.stderr)
        return None


def token_dataset(lengths, vocabulary_size, seed=0):
    """Unbatched `(ids, label)` pairs: random ids in [1, vocabulary_size)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocabulary_size, size=int(lengths.sum())).astype("int32")
    ragged = tf.RaggedTensor.from_row_lengths(ids, lengths)
    labels = rng.integers(0, 2, size=len(lengths)).astype("int32")
    return tf.data.Dataset.from_tensor_slices((ragged, labels))


def batches(dataset, lengths, strategy, *, batch_size, max_length, seed=0):
    """The batched dataset of one strategy (lengths already cut to max_length)."""
    if strategy == "fixed":
        return data.prepare(dataset, batch_size=batch_size, seed=seed,
                            pad_to=int(max_length or lengths.max()))
    if strategy == "per_batch":
        return data.prepare(dataset, batch_size=batch_size, seed=seed, bucket=False)
    if strategy == "equal_count_8":
        dense = dataset.map(lambda x, y: (x.to_tensor() if isinstance(x, tf.RaggedTensor)
                                          else x, y))
        quantiles = np.quantile(lengths, np.arange(1, 8) / 8, method="lower")
        bounds = sorted({int(q) + 1 for q in quantiles if q + 1 <= lengths.max()})
        shuffled = dense.cache().shuffle(10_000, seed=seed)
        return data.bucket_batches(shuffled, batch_size, boundaries=bounds).prefetch(2)
    num_buckets = int(strategy.rsplit("_", 1)[1])
    return data.prepare(dataset, batch_size=batch_size, seed=seed, num_buckets=num_buckets)


def padding_table(lengths, *, batch_size, max_length, vocabulary_size, seed):
    rows = []
    for cut in (None, max_length):
        cut_lengths = np.minimum(lengths, cut) if cut else lengths
        dataset = token_dataset(cut_lengths, vocabulary_size, seed)
        for strategy in STRATEGIES:
            ds = batches(dataset, cut_lengths, strategy, batch_size=batch_size,
                         max_length=cut, seed=seed)
            shapes = [int(x.shape[1]) for x, _ in ds]
            rows.append(dict(
                max_length=cut, strategy=strategy,
                padding_fraction=data.padding_fraction(ds),
                batches=len(shapes), distinct_batch_lengths=len(set(shapes)),
            ))
            print(f"  cut {cut}: {strategy:>16} padding {rows[-1]['padding_fraction']:.1%}",
                  file=sys.stderr)
    return rows


def throughput_table(lengths, *, batch_size, max_length, vocabulary_size, units,
                     embedding_dim, repeats, seed):
    cut_lengths = np.minimum(lengths, max_length)
    dataset = token_dataset(cut_lengths, vocabulary_size, seed)
    real_tokens = int(cut_lengths.sum())
    runs = {}
    for strategy in STRATEGIES:
        ds = batches(dataset, cut_lengths, strategy, batch_size=batch_size,
                     max_length=max_length, seed=seed)
        model = rnn_zoo.build("text_classifier", vocabulary_size=vocabulary_size,
                              num_classes=2, embedding_dim=embedding_dim, units=units)
        model.fit(ds, epochs=1, verbose=0)  # warm-up: tracing, caches
        runs[strategy] = dict(model=model, ds=ds, seconds=[], cpu_seconds=[])
    for _ in range(repeats):
        for strategy, run in runs.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            run["model"].fit(run["ds"], epochs=1, verbose=0)
            run["seconds"].append(time.perf_counter() - start)
            run["cpu_seconds"].append(time.process_time() - cpu_start)
            print(f"  {strategy:>16} epoch {run['seconds'][-1]:.2f} s, "
                  f"CPU {run['cpu_seconds'][-1]:.2f} s", file=sys.stderr)
    rows = []
    for strategy, run in runs.items():
        seconds = statistics.median(run["seconds"])
        cpu = statistics.median(run["cpu_seconds"])
        rows.append(dict(
            strategy=strategy, epoch_seconds=seconds,
            epoch_seconds_range=[min(run["seconds"]), max(run["seconds"])],
            real_tokens_per_second=real_tokens / seconds,
            epoch_cpu_seconds=cpu,
            real_tokens_per_cpu_second=real_tokens / cpu,
        ))
    base = next(r for r in rows if r["strategy"] == "per_batch")["real_tokens_per_second"]
    base_cpu = next(r for r in rows if r["strategy"] == "per_batch")["real_tokens_per_cpu_second"]
    for row in rows:
        row["speedup_vs_per_batch"] = row["real_tokens_per_second"] / base
        row["cpu_speedup_vs_per_batch"] = row["real_tokens_per_cpu_second"] / base_cpu
    return rows, real_tokens


def markdown(result):
    c = result["config"]
    lines = [
        f"Lengths: {result['lengths']['source']} ({result['lengths']['count']:,} "
        f"sequences, mean {result['lengths']['mean']:.0f}, median "
        f"{result['lengths']['median']:.0f}, max {result['lengths']['max']}); batch "
        f"{c['batch_size']}.",
        "",
        "| strategy | padding, lengths as they are | padding, cut at "
        f"{c['max_length']} | batches | distinct batch lengths (cut) |",
        "|---|---:|---:|---:|---:|",
    ]
    by = {(r["max_length"], r["strategy"]): r for r in result["padding"]}
    for s in STRATEGIES:
        full, cut = by[(None, s)], by[(c["max_length"], s)]
        lines.append(f"| `{s}` | {full['padding_fraction']:.1%} | {cut['padding_fraction']:.1%} "
                     f"| {cut['batches']} | {cut['distinct_batch_lengths']} |")
    if result.get("throughput"):
        lines += [
            "",
            f"Training a `text_classifier` (LSTM {c['units']}, embedding "
            f"{c['embedding_dim']}, vocabulary {c['vocabulary_size']:,}, masked) on "
            f"{c['train_examples']:,} sequences cut at {c['max_length']} "
            f"({result['real_tokens']:,} real tokens), backend "
            f"`{result['versions']['backend']}`: median epoch of {c['repeats']} after a "
            "warm-up epoch, strategies interleaved. CPU: the process's CPU time "
            "(all threads), which a busy shared machine disturbs less than wall time.",
            "",
            "| strategy | epoch (s) | range (s) | real tokens/s | vs `per_batch` | "
            "epoch CPU (s) | real tokens per CPU s | vs `per_batch` |",
            "|---|---:|---|---:|---:|---:|---:|---:|",
        ]
        for r in result["throughput"]:
            lo, hi = r["epoch_seconds_range"]
            lines.append(f"| `{r['strategy']}` | {r['epoch_seconds']:.2f} | {lo:.2f}-{hi:.2f} "
                         f"| {r['real_tokens_per_second']:,.0f} | "
                         f"{r['speedup_vs_per_batch']:.2f}x | {r['epoch_cpu_seconds']:.1f} | "
                         f"{r['real_tokens_per_cpu_second']:,.0f} | "
                         f"{r['cpu_speedup_vs_per_batch']:.2f}x |")
    m = result["machine"]
    lines += ["", f"Machine: {m['cpu']}, {m['cores']} cores; load average (1 min) "
              f"{m['load_average'][0]:.1f} at start, {m['load_average_end']:.1f} at end. "
              "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items())]
    return "\n".join(lines)


def versions():
    out = {"python": platform.python_version(), "keras": keras.__version__,
           "tensorflow": tf.__version__, "numpy": np.__version__,
           "backend": keras.backend.backend()}
    return out


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="TFDS data dir holding a prepared imdb_reviews")
    parser.add_argument("--examples", type=int, default=IMDB_EXAMPLES,
                        help="generated lengths (when IMDB is not prepared)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=400)
    parser.add_argument("--vocabulary-size", type=int, default=20_000)
    parser.add_argument("--train-examples", type=int, default=2_000)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-training", action="store_true", help="padding table only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "results" / "padding")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.examples, args.train_examples, args.max_length = 300, 64, 60
        args.units, args.embedding_dim, args.repeats, args.vocabulary_size = 4, 4, 1, 50

    load_start = os.getloadavg()
    lengths = imdb_lengths(args.data_dir) if args.data_dir else None
    source = "IMDB training reviews (TFDS imdb_reviews)"
    if lengths is None:
        lengths = imdb_like_lengths(args.examples, args.seed)
        source = ("generated: log-normal with IMDB's median and mean, clipped to "
                  f"[{IMDB_MIN}, {IMDB_MAX}]")
    if args.smoke:
        lengths = np.maximum(lengths // 10, 1)
    result = dict(
        command=" ".join(["python", "benchmarks/padding.py", *(argv if argv is not None
                                                                else sys.argv[1:])]),
        config=dict(batch_size=args.batch_size, max_length=args.max_length,
                    vocabulary_size=args.vocabulary_size, train_examples=args.train_examples,
                    units=args.units, embedding_dim=args.embedding_dim,
                    repeats=args.repeats, seed=args.seed),
        lengths=dict(source=source, count=len(lengths), mean=float(lengths.mean()),
                     median=float(np.median(lengths)), max=int(lengths.max())),
        versions=versions(),
    )
    result["padding"] = padding_table(
        lengths, batch_size=args.batch_size, max_length=args.max_length,
        vocabulary_size=args.vocabulary_size, seed=args.seed)
    if not args.no_training:
        subset = np.random.default_rng(args.seed).permutation(lengths)[: args.train_examples]
        result["throughput"], result["real_tokens"] = throughput_table(
            subset, batch_size=args.batch_size, max_length=args.max_length,
            vocabulary_size=args.vocabulary_size, units=args.units,
            embedding_dim=args.embedding_dim, repeats=args.repeats, seed=args.seed)
    result["machine"] = dict(cpu=cpu_name(), cores=os.cpu_count(), load_average=load_start,
                             load_average_end=os.getloadavg()[0])
    table = markdown(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return result


if __name__ == "__main__":
    main()
