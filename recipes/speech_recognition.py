"""Speech recognition with CTC: waveforms -> characters.

A `speech_recognizer` reads raw waveforms (log-mel features computed inside
the model by `keras.layers.MelSpectrogram`), a convolutional front end and
a bidirectional recurrent stack, and is trained with Keras' CTC loss to
spell the transcript character by character. Data: spoken digits (TFDS
`spoken_digit`, "seven"), spoken commands (`speech_commands`, "yes"; its
`_unknown_` words are left out, `_silence_` is the empty transcript), or
your own WAV files, with a TSV of transcripts or names that carry the label:

    python recipes/speech_recognition.py                       # TFDS spoken_digit
    python recipes/speech_recognition.py --tfds speech_commands
    python recipes/speech_recognition.py --audio-dir wavs --transcripts train.tsv
    python recipes/speech_recognition.py --audio-dir recordings  # 7_jackson_0.wav -> "7"
    python recipes/predict.py runs/speech_recognition clip.wav

Without a validation split, 10% of the examples (a seeded draw) are held out;
in a Free Spoken Digit folder (`<digit>_<speaker>_<index>.wav`), recordings
5-9 of every speaker are the validation split (0-4 are its test split).
It reports the character and word error rates of greedy and beam-search
decoding on the validation data. Training masks random bands of mel bins
and of frames with `--spec-augment` (SpecAugment; off by default).

Reference: Graves et al. 2006 (CTC); Amodei et al. 2016 (Deep Speech 2);
Park et al. 2019 (SpecAugment).
"""

import argparse
import pathlib
import re

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data import perception
from rnn_zoo.tasks.speech_recognizer import (
    character_error_rate,
    ctc_decode,
    ctc_subsampling,
    word_error_rate,
)
from rnn_zoo.training import Session, cli

RECIPE = "speech_recognition"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TFDS_SPLITS = {
    "spoken_digit": ["train[:80%]", "train[80%:90%]", "train[90%:]"],
    "speech_commands": ["train", "validation", "test"],
}


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=30, batch_size=32, patience=5)
    model = cli.add_model_arguments(parser, cell="gru", units=128, num_layers=2,
                                    bidirectional=True)
    model.add_argument("--mel-bins", type=cli.positive_int, default=40,
                       help="log-mel bands per frame, the model's input_dim (default 40)")
    model.add_argument("--frame-ms", type=cli.positive_float, default=25.0,
                       help="analysis window in milliseconds (default 25)")
    model.add_argument("--step-ms", type=cli.positive_float, default=10.0,
                       help="milliseconds between frames (default 10)")
    model.add_argument("--conv-filters", type=cli.positive_int, nargs="*", default=[64],
                       help="one strided convolution per value before the RNN (default 64)")
    model.add_argument("--conv-strides", type=cli.positive_int, default=2,
                       help="time subsampling of each convolution (default 2)")
    model.add_argument("--spec-augment", action=argparse.BooleanOptionalAction, default=False,
                       help="SpecAugment masking of the log-mel features in training "
                       "(Park et al. 2019; default off: 96.0%% against 97.67%% dev "
                       "accuracy on Free Spoken Digit)")
    model.add_argument("--freq-masks", type=cli.non_negative_int, default=2,
                       help="SpecAugment frequency bands per clip (default 2)")
    model.add_argument("--freq-width", type=cli.non_negative_int, default=8,
                       help="widest SpecAugment frequency band, in mel bands (default 8)")
    model.add_argument("--time-masks", type=cli.non_negative_int, default=2,
                       help="SpecAugment time bands per clip (default 2)")
    model.add_argument("--time-width", type=cli.non_negative_int, default=10,
                       help="widest SpecAugment time band, in frames (default 10)")
    group = cli.add_tfds_arguments(
        parser, default="spoken_digit",
        files_help="--audio-dir DIR of .wav files, with --transcripts FILE.tsv or "
        "labels in the file names")
    group.add_argument("--audio-dir", type=pathlib.Path, help="folder of .wav files")
    group.add_argument("--transcripts", type=pathlib.Path,
                       help="TSV file: file.wav<TAB>transcript (default: the label in "
                       "each file name, before the first '_')")
    group.add_argument("--sampling-rate", type=cli.positive_int, default=None,
                       help="rate of the audio in Hz (default: the data's)")
    group.add_argument("--beam-width", type=cli.positive_int, default=8,
                       help="beam width of CTC beam-search decoding (default 8)")
    args = parser.parse_args(argv)
    if args.transcripts and not args.audio_dir:
        parser.error("--transcripts needs --audio-dir")
    return args


def _tfds_text(name, label_names):
    if name.split("/")[0] == "spoken_digit":
        return [DIGITS[int(n)] if n.isdigit() else n for n in label_names]
    return ["" if n == "_silence_" else n for n in label_names]


def load_examples(args):
    """`({split: (waveforms, texts)}, sampling_rate)`; float32 waveforms in [-1, 1]."""
    if args.audio_dir is None:
        name = args.tfds
        splits = TFDS_SPLITS.get(name.split("/")[0], ["train", "validation", "test"])
        datasets, info = data.load_tfds(
            name, split=splits, data_dir=args.data_dir, download=args.download,
            files_hint="--audio-dir DIR (WAV files) [--transcripts FILE.tsv]")
        label_names = list(info.features["label"].names)
        texts = _tfds_text(name, label_names)
        rate = args.sampling_rate or int(info.features["audio"].sample_rate)
        scale = 32768.0  # 16-bit PCM samples
        out = {}
        for split, ds in zip(("train", "validation", "test"), datasets):
            if args.max_examples:
                ds = ds.take(args.max_examples)
            waves, words = [], []
            for example in ds.as_numpy_iterator():
                if label_names[example["label"]] == "_unknown_":
                    continue  # other words, with no transcript
                waves.append(np.asarray(example["audio"], "float32") / scale)
                words.append(texts[example["label"]])
            out[split] = (waves, words)
        return out, rate
    transcripts = perception.read_transcripts(args.transcripts) if args.transcripts else None
    waves, texts, rate = perception.read_audio_folder(
        args.audio_dir, transcripts, sampling_rate=args.sampling_rate)
    if args.max_examples:
        waves, texts = waves[: args.max_examples], texts[: args.max_examples]
    pick = lambda idx: ([waves[i] for i in idx], [texts[i] for i in idx])  # noqa: E731
    if transcripts is None:
        dev = fsdd_dev_indices(sorted(args.audio_dir.rglob("*.wav"))[: len(waves)])
        if dev is not None:
            train = sorted(set(range(len(waves))) - set(dev))
            return {"train": pick(train), "validation": pick(dev)}, rate
    order = np.random.default_rng(args.seed).permutation(len(waves))
    cut = max(1, len(waves) // 10)
    return {"train": pick(order[cut:]), "validation": pick(order[:cut])}, rate


_FSDD_NAME = re.compile(r"^\d_[A-Za-z]+_(\d+)\.wav$")


def fsdd_dev_indices(paths):
    """Validation rows of a Free Spoken Digit folder: recordings 5-9 of every
    speaker (`<digit>_<speaker>_<index>.wav`; 0-4 are the data set's test
    split). `None` when some file is not named that way, or no file is 5-9.

    >>> fsdd_dev_indices([pathlib.Path(n) for n in ("3_jackson_5.wav", "3_jackson_12.wav")])
    [0]
    >>> fsdd_dev_indices([pathlib.Path("hello.wav")]) is None
    True
    """
    matches = [_FSDD_NAME.match(pathlib.Path(p).name) for p in paths]
    if not matches or not all(matches):
        return None
    dev = [i for i, m in enumerate(matches) if 5 <= int(m.group(1)) <= 9]
    return dev if 0 < len(dev) < len(matches) else None


def check_lengths(waves, labels, texts, *, frame_step, subsampling, source):
    """Every transcript must fit its audio's CTC frames (with blanks between repeats)."""
    frames = perception.ctc_frames([len(w) for w in waves], frame_step, subsampling)
    for i, (ids, available) in enumerate(zip(labels, frames)):
        repeats = int(np.sum(ids[1:] == ids[:-1])) if len(ids) else 0
        if len(ids) + repeats > available:
            raise ValueError(
                f"Example {i} of {source} is too short for its transcript "
                f"{texts[i]!r}: {len(ids)} characters with {repeats} repeat(s) need "
                f"{len(ids) + repeats} CTC frames, and its audio gives {available} "
                f"(after {subsampling}x subsampling). Lower --conv-strides or "
                "--step-ms, or drop the example."
            )


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    examples, rate = load_examples(args)
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        [t for t in examples["train"][1] if t] or ["?"], split="character",
        standardize="lower"))
    frame_length = max(1, round(args.frame_ms * rate / 1000))
    frame_step = max(1, round(args.step_ms * rate / 1000))
    model = session.build(
        "speech_recognizer", input_dim=args.mel_bins, vocabulary_size=vocabulary.size,
        sampling_rate=rate, frame_length=frame_length, frame_step=frame_step,
        conv_filters=args.conv_filters or None, conv_strides=args.conv_strides,
        spec_augment=dict(freq_masks=args.freq_masks, freq_width=args.freq_width,
                          time_masks=args.time_masks, time_width=args.time_width,
                          seed=args.seed) if args.spec_augment else None,
        **{k: v for k, v in cli.model_kwargs(args).items()
           if k not in ("embedding_dim", "pooling")})
    subsampling = ctc_subsampling(model)

    def dataset(split):
        waves, texts = examples[split]
        labels = [vocabulary.encode(t).numpy() if t else np.zeros(0, "int32") for t in texts]
        check_lengths(waves, labels, texts, frame_step=frame_step, subsampling=subsampling,
                      source=f"the {split} data")
        ds = tf.data.Dataset.from_generator(
            lambda: zip(waves, labels), output_signature=(
                tf.TensorSpec((None,), tf.float32), tf.TensorSpec((None,), tf.int32)))
        return data.prepare(ds, batch_size=args.batch_size, shuffle=split == "train",
                            seed=args.seed)

    batches = {split: dataset(split) for split in examples if examples[split][0]}
    print(f"[{RECIPE}] {len(examples['train'][0])} training clips at {rate} Hz, "
          f"{vocabulary.size - 2} characters; frames of {frame_length} samples every "
          f"{frame_step}")
    model.summary()
    session.fit(model, batches["train"], batches.get("validation"))
    metrics = session.evaluate(model, {k: v for k, v in batches.items() if k != "train"})
    held_out = "validation" if "validation" in batches else "train"
    waves, references = examples[held_out]
    waves, references = waves[:1000], [r.lower() for r in references[:1000]]
    for strategy in ("greedy", "beam"):
        hypotheses = transcribe(model, vocabulary, waves, strategy=strategy,
                                beam_width=args.beam_width)
        if any(references):
            metrics[f"{held_out}_cer_{strategy}"] = character_error_rate(references, hypotheses)
            metrics[f"{held_out}_wer_{strategy}"] = word_error_rate(references, hypotheses)
            metrics[f"{held_out}_utterance_accuracy_{strategy}"] = float(np.mean(
                [h.split() == r.split() for h, r in zip(hypotheses, references)]))
    samples = "\n".join(f"{h!r} (reference {r!r})" for h, r in
                        zip(transcribe(model, vocabulary, waves[:8]), references[:8]))
    return session.finish(model, metrics, samples=samples, data={
        "sampling_rate": rate, "vocabulary_size": vocabulary.size,
        "examples": {k: len(v[0]) for k, v in examples.items()},
    })


def transcribe(model, vocabulary, waves, *, strategy="greedy", beam_width=8, batch_size=32):
    """Decodes waveforms to text (CTC greedy or beam search)."""
    texts = []
    for start in range(0, len(waves), batch_size):
        chunk = waves[start : start + batch_size]
        padded = np.zeros((len(chunk), max(len(w) for w in chunk)), "float32")
        for i, w in enumerate(chunk):
            padded[i, : len(w)] = w
        probabilities = model.predict(padded, verbose=0)
        texts += ctc_decode(probabilities, strategy=strategy, beam_width=beam_width,
                            vocabulary=vocabulary.tokens)
    return texts


def predict(run, inputs, **_):
    """Transcribes each input WAV file."""
    model = run.load_model()
    rate = run.config["model"]["kwargs"]["sampling_rate"]
    waves = []
    for path in inputs:
        samples, file_rate = perception.read_wav(path)
        if file_rate != rate:
            raise ValueError(f"{path}: sampled at {file_rate} Hz, the model at {rate} Hz.")
        waves.append(samples)
    texts = transcribe(model, run.load_vocabulary(), waves, strategy="beam")
    return [f"{text!r}: {path}" for text, path in zip(texts, inputs)]


if __name__ == "__main__":
    main()
