"""Writes generated perception data as own files, to try the recipes offline.

The layouts are those the recipes read (`rnn_zoo.data.synthetic` makes the
content, so the right answers are known):

    python recipes/synthetic_files.py speech data/tones     # data/tones/abca_17.wav ...
    python recipes/speech_recognition.py --audio-dir data/tones

    python recipes/synthetic_files.py captions data/squares  # images/ + Flickr8k.token.txt
    python recipes/image_captioning.py --image-dir data/squares/images \\
        --captions-file data/squares/Flickr8k.token.txt --image-size 32 \\
        --image-encoder small_cnn --image-encoder-weights none

    python recipes/synthetic_files.py video data/plaids      # train/<direction>/clipN/
    python recipes/video_classification.py --train-dir data/plaids/train \\
        --test-dir data/plaids/test --frame-size 16 --num-frames 8 \\
        --image-encoder small_cnn --image-encoder-weights none --frame-pooling flatten

Speech: tone sequences, one pitch per letter `a`, `b`, ... (the transcript
is the file name before `_`). Captions: a coloured square, small or large,
two captions per image ("a large red square", "a red square"). Video:
drifting plaids, a folder per direction, each clip a folder of PNG frames.
"""

import argparse
import pathlib

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo.data import synthetic
from rnn_zoo.training import cli


def _png(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.clip(np.asarray(image), 0, 255).astype("uint8")
    tf.io.write_file(str(path), tf.io.encode_png(image))


def write_speech(out, count, seed):
    waves, labels = synthetic.tone_sequences(count, num_symbols=4, max_length=4, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for i, (wave, label) in enumerate(zip(waves, labels)):
        text = "".join("abcd"[s - 1] for s in label if s)
        end = np.flatnonzero(wave)[-1] + 1
        audio = tf.convert_to_tensor(wave[:end, None])
        tf.io.write_file(str(out / f"{text}_{i}.wav"), tf.audio.encode_wav(audio, 8000))


def write_captions(out, count, seed, image_size=32):
    images, captions = synthetic.square_captions(count, image_size=image_size, seed=seed)
    lines = []
    for i, (image, text) in enumerate(zip(images, captions)):
        _png(out / "images" / f"{i:05d}.png", image)
        size_word, colour = text.split()[1:3]
        lines += [f"{i:05d}.png#0\t{text.capitalize()}.",
                  f"{i:05d}.png#1\tA {colour} square, {size_word}."]
    (out / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_video(out, count, seed, frame_size=16):
    for split, n, offset in (("train", count, 0), ("test", max(1, count // 5), 1)):
        clips, labels = synthetic.drifting_plaids(
            n, num_frames=8, frame_size=frame_size, min_frames=4, seed=seed + offset)
        for i, (clip, label) in enumerate(zip(clips, labels)):
            folder = out / split / synthetic.DIRECTIONS[label] / f"clip{i:04d}"
            for t, frame in enumerate(clip):
                if frame.any():  # padding frames are not written
                    _png(folder / f"{t:03d}.png", frame)


WRITERS = {"speech": write_speech, "captions": write_captions, "video": write_video}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python recipes/synthetic_files.py",
                                     description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(WRITERS))
    parser.add_argument("out", type=pathlib.Path, help="folder to write (must not exist)")
    parser.add_argument("--count", type=cli.positive_int, default=1000,
                        help="examples to write (default 1000)")
    parser.add_argument("--seed", type=cli.non_negative_int, default=0)
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists; choose a new folder")
    WRITERS[args.kind](args.out, args.count, args.seed)
    print(f"wrote {args.count} {args.kind} examples under {args.out}")
    return args.out


if __name__ == "__main__":
    main()
