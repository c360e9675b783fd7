"""Text-line recognition (handwriting or print) with CTC: image -> characters.

A `text_recognizer` (CNN over the image, bidirectional LSTM along the width,
CTC over characters) learns to read lines of text. Data, offline by default:

    # lines rendered from any text file, with fonts found on the machine and
    # augmentations (slant, noise, elastic warp, stroke width)
    python recipes/text_recognition.py --text-file ../shared/data/tiny_shakespeare/input.txt
    # your own scans: an image folder and a file<TAB>transcript TSV (IAM lines layout)
    python recipes/text_recognition.py --image-dir lines --transcripts lines.tsv
    # strings of handwritten digits glued from TFDS images (needs the data set)
    python recipes/text_recognition.py --tfds mnist
    python recipes/predict.py runs/text_recognition line.png

Rendered lines are cut from the text in order; the last `--validation-lines`
lines are held out (and rendered with their own augmentation draws), so no
validation line was seen in training. Without a validation split of your
own, 10% of your images (a seeded draw) are held out. It reports the
character and word error rates (jiwer) of greedy and beam-search decoding on
the held-out lines.

Reference: Shi, Bai & Yao 2017 (CRNN); Graves et al. 2009.
"""

import argparse
import pathlib

import jiwer
import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data import text_lines
from rnn_zoo.tasks.speech_recognizer import ctc_decode
from rnn_zoo.tasks.text_recognizer import check_text_line_lengths
from rnn_zoo.training import Session, cli

RECIPE = "text_recognition"
MASK_VALUE = -1.0
PAD_MULTIPLE = 64  # transcribed batches are padded to a few widths: few traces


def non_negative_float(text):
    """argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=30, batch_size=32, patience=4,
                               learning_rate=2e-3)
    model = cli.add_model_arguments(parser, cell="lstm", units=128, num_layers=2,
                                    bidirectional=True)
    model.add_argument("--height", type=cli.positive_int, default=24,
                       help="pixel rows every line is scaled to (default 24; try 32 or "
                       "more for handwriting scans)")
    model.add_argument("--conv-filters", type=cli.positive_int, nargs="+",
                       default=[16, 32, 64],
                       help="one convolution (3x3, ReLU, max pool) per value (default 16 32 64)")
    model.add_argument("--conv-pool-widths", type=cli.positive_int, nargs="+",
                       default=[2, 2, 1],
                       help="width subsampling of each convolution (default 2 2 1)")
    model.add_argument("--conv-batch-norm", action=argparse.BooleanOptionalAction,
                       default=True,
                       help="batch normalisation in each convolution (default on)")
    group = parser.add_argument_group(
        "data (one of --text-file, --image-dir or --tfds)")
    group.add_argument("--text-file", type=pathlib.Path,
                       help="render text lines from this text file")
    group.add_argument("--image-dir", type=pathlib.Path, help="folder of line images")
    group.add_argument("--transcripts", type=pathlib.Path,
                       help="TSV file: image<TAB>transcript, paths relative to --image-dir")
    group.add_argument("--validation-transcripts", type=pathlib.Path,
                       help="TSV of held-out images (default: a seeded 10%% of --transcripts)")
    group.add_argument("--tfds", default=None, choices=("mnist", "emnist/digits"),
                       help="glue digit images of this TFDS data set into strings")
    group.add_argument("--data-dir", type=pathlib.Path, default=None,
                       help="TFDS data folder (default: TFDS' own)")
    group.add_argument("--train-lines", type=cli.positive_int, default=6000,
                       help="rendered training lines (default 6000)")
    group.add_argument("--validation-lines", type=cli.positive_int, default=500,
                       help="rendered held-out lines (default 500)")
    group.add_argument("--max-chars", type=cli.positive_int, default=32,
                       help="longest rendered line, in characters (default 32)")
    group.add_argument("--fonts", nargs="*", default=None,
                       help="font files to render with (default: DejaVu Sans, Serif and "
                       "Mono where installed, else Pillow's bundled font; `--fonts` "
                       "alone: Pillow's bundled font)")
    group.add_argument("--slant", type=non_negative_float, default=0.3,
                       help="largest shear of a rendered line (default 0.3)")
    group.add_argument("--noise", type=non_negative_float, default=0.05,
                       help="pixel noise standard deviation (default 0.05)")
    group.add_argument("--warp", type=non_negative_float, default=1.0,
                       help="largest elastic displacement in pixels (default 1.0)")
    group.add_argument("--stroke-width", type=cli.non_negative_int, default=1,
                       help="largest extra stroke width in pixels (default 1)")
    group.add_argument("--beam-width", type=cli.positive_int, default=8,
                       help="beam width of CTC beam-search decoding (default 8)")
    args = parser.parse_args(argv)
    sources = [args.text_file is not None, args.image_dir is not None, args.tfds is not None]
    if sum(sources) != 1:
        parser.error("give exactly one data source: --text-file, --image-dir (with "
                     "--transcripts) or --tfds")
    if args.image_dir is not None and args.transcripts is None:
        parser.error("--image-dir needs --transcripts (image<TAB>transcript)")
    if len(args.conv_pool_widths) != len(args.conv_filters):
        parser.error("--conv-pool-widths needs one value per --conv-filters value")
    return args


def rendered_examples(text, args):
    """`{split: (images, texts)}` rendered from `text`; the held-out lines
    come from the end of the text and are rendered with another seed."""
    lines = text_lines.text_lines(text, min_chars=4, max_chars=args.max_chars)
    needed = args.train_lines + args.validation_lines
    if len(lines) < args.validation_lines + 1:
        raise ValueError(f"The text gives only {len(lines)} lines; need more than "
                         f"--validation-lines {args.validation_lines}.")
    train, held_out = lines[: -args.validation_lines], lines[-args.validation_lines :]
    train = (train * (1 + needed // max(1, len(train))))[: args.train_lines]
    fonts = args.fonts or None
    if fonts is None:  # not given, or given empty: what the machine has
        fonts = (text_lines.find_fonts() if args.fonts is None else []) or [None]
    augment = dict(height=args.height, fonts=fonts, slant=args.slant, noise=args.noise,
                   warp=args.warp, stroke_width=args.stroke_width)
    return {
        "train": (text_lines.render_text_lines(train, seed=args.seed, **augment), train),
        "validation": (text_lines.render_text_lines(held_out, seed=args.seed + 1, **augment),
                       held_out),
    }


def digit_strings(args):
    """Strings of 3-8 TFDS digit images glued side by side, scaled to --height."""
    from PIL import Image

    datasets, _ = data.load_tfds(args.tfds, split=["train", "test"], data_dir=args.data_dir,
                                 files_hint="--text-file FILE or --image-dir DIR")
    rng = np.random.default_rng(args.seed)
    out = {}
    for split, ds, count in zip(("train", "validation"), datasets,
                                (args.train_lines, args.validation_lines)):
        digits = [(e["image"][..., 0], int(e["label"])) for e in
                  ds.take(20 * count).as_numpy_iterator()]
        images, texts = [], []
        for _ in range(count):
            pick = rng.integers(len(digits), size=rng.integers(3, 9))
            strip = np.concatenate([digits[i][0] for i in pick], axis=1)  # (28, 28 k)
            if args.tfds.startswith("emnist"):
                strip = np.concatenate([digits[i][0].T for i in pick], axis=1)
            strip = Image.fromarray(strip.astype("uint8")).resize(
                (round(strip.shape[1] * args.height / 28), args.height))
            images.append(np.asarray(strip, "float32").T / 255.0)
            texts.append("".join(str(digits[i][1]) for i in pick))
        out[split] = (images, texts)
    return out


def load_examples(args):
    if args.text_file is not None:
        return rendered_examples(args.text_file.read_text(encoding="utf-8"), args)
    if args.tfds is not None:
        return digit_strings(args)
    images, texts = text_lines.read_line_folder(args.image_dir, args.transcripts,
                                                height=args.height)
    if args.validation_transcripts is not None:
        held_out = text_lines.read_line_folder(args.image_dir, args.validation_transcripts,
                                               height=args.height)
        return {"train": (images, texts), "validation": held_out}
    order = np.random.default_rng(args.seed).permutation(len(images))
    cut = max(1, len(images) // 10)
    pick = lambda idx: ([images[i] for i in idx], [texts[i] for i in idx])  # noqa: E731
    return {"train": pick(order[cut:]), "validation": pick(order[:cut])}


def batches(images, labels, *, batch_size, shuffle, seed):
    """Batches of `(images (batch, width, height), labels (batch, n))`, by
    width buckets, images padded with MASK_VALUE and labels with 0."""
    height = images[0].shape[1]
    ds = tf.data.Dataset.from_generator(
        lambda: zip(images, labels), output_signature=(
            tf.TensorSpec((None, height), tf.float32), tf.TensorSpec((None,), tf.int32)))
    ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    widths = np.array([image.shape[0] for image in images])
    boundaries = sorted(set(int(b) for b in np.quantile(widths, np.linspace(0, 1, 9)[1:-1])))
    ds = ds.bucket_by_sequence_length(
        lambda image, label: tf.shape(image)[0], boundaries,
        [batch_size] * (len(boundaries) + 1),
        padding_values=(tf.constant(MASK_VALUE), tf.constant(0, tf.int32)))
    return ds.prefetch(tf.data.AUTOTUNE)


def transcribe(model, vocabulary, images, *, strategy="greedy", beam_width=8, batch_size=64):
    """Reads each `(width, height)` image to text (CTC greedy or beam search).

    `strategy` may also be a tuple of strategies: the model then runs once
    and the result is `{strategy: texts}`.
    """
    strategies = (strategy,) if isinstance(strategy, str) else tuple(strategy)
    out = {s: [None] * len(images) for s in strategies}
    order = np.argsort([image.shape[0] for image in images])  # batches of similar width
    for start in range(0, len(images), batch_size):
        idx = order[start : start + batch_size]
        batch = text_lines.pad_images([images[i] for i in idx], MASK_VALUE,
                                      multiple=PAD_MULTIPLE)
        probabilities = model.predict(batch, verbose=0)
        for name in strategies:
            for i, text in zip(idx, ctc_decode(probabilities, strategy=name,
                                               beam_width=beam_width,
                                               vocabulary=vocabulary.tokens)):
                out[name][i] = text
    return out[strategy] if isinstance(strategy, str) else out


def error_rates(references, hypotheses):
    """CER and WER (jiwer), over the lines with a non-empty reference."""
    pairs = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    return jiwer.cer(refs, hyps), jiwer.wer(refs, hyps)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    examples = load_examples(args)
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        examples["train"][1], split="character"))
    model = session.build(
        "text_recognizer", image_height=args.height, vocabulary_size=vocabulary.size,
        mask_value=MASK_VALUE, conv_filters=args.conv_filters,
        conv_pool_widths=args.conv_pool_widths, conv_batch_norm=args.conv_batch_norm,
        **{k: v for k, v in cli.model_kwargs(args).items()
           if k not in ("embedding_dim", "pooling")})

    def dataset(split):
        images, texts = examples[split]
        labels = [vocabulary.encode(t).numpy().astype("int32") for t in texts]
        check_text_line_lengths(model, [image.shape[0] for image in images], labels)
        return batches(images, labels, batch_size=args.batch_size,
                       shuffle=split == "train", seed=args.seed)

    train, validation = dataset("train"), dataset("validation")
    widths = [image.shape[0] for image in examples["train"][0]]
    print(f"[{RECIPE}] {len(widths)} training lines ({np.mean(widths):.0f} columns on "
          f"average), {len(examples['validation'][0])} held out, "
          f"{vocabulary.size - 2} characters")
    model.summary()
    session.fit(model, train, validation)
    metrics = session.evaluate(model, {"validation": validation})
    images, references = examples["validation"]
    hypotheses = transcribe(model, vocabulary, images, strategy=("greedy", "beam"),
                            beam_width=args.beam_width)
    for strategy, texts in hypotheses.items():
        cer, wer = error_rates(references, texts)
        metrics[f"validation_cer_{strategy}"] = cer
        metrics[f"validation_wer_{strategy}"] = wer
    samples = "\n".join(f"{h!r} (reference {r!r})" for h, r in
                        zip(hypotheses["greedy"][:8], references[:8]))
    return session.finish(model, metrics, samples=samples, data={
        "examples": {k: len(v[0]) for k, v in examples.items()},
        "vocabulary_size": vocabulary.size, "height": args.height,
    })


def predict(run, inputs, **_):
    """Reads each input image file (one line of text) to text."""
    model = run.load_model()
    height = run.config["model"]["kwargs"]["image_height"]
    images = [text_lines.load_line_image(path, height=height) for path in inputs]
    texts = transcribe(model, run.load_vocabulary(), images, strategy="beam")
    return [f"{text!r}: {path}" for text, path in zip(texts, inputs)]


if __name__ == "__main__":
    main()
