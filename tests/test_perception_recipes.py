"""Perception recipes: offline pipeline tests (fixture files the tests write,
TFDS through `tfds.testing.mock_data`) and smoke runs of a few steps, called
in-process through each recipe's `main(argv)`."""

import importlib.util
import json
import pathlib
import sys

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from rnn_zoo.data import perception, synthetic
from rnn_zoo.training import Run

RECIPES = pathlib.Path(__file__).resolve().parents[1] / "recipes"
TINY = ["--epochs", "1", "--batch-size", "4", "--units", "4", "--cell", "simple_rnn",
        "--verbose", "0"]
OFFLINE_CNN = ["--image-encoder", "small_cnn", "--image-encoder-weights", "none"]
_MODULES = {}


def recipe(name):
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def predict(run_dir, *inputs):
    return recipe("predict").main([str(run_dir), *inputs])


def assert_run_saved(run_dir, extra=()):
    for name in ("config.json", "model.keras", "metrics.json", "history.csv", "samples.txt",
                 *extra):
        assert (run_dir / name).is_file(), name
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"]["kwargs"]["units"] == 4


def write_png(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(np.asarray(image).astype("uint8")))
    return path


def write_wav(path, samples, rate=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = tf.convert_to_tensor(np.asarray(samples, "float32")[:, None])
    tf.io.write_file(str(path), tf.audio.encode_wav(audio, rate))
    return path


# MNIST rows.


def test_mnist_rows_pipeline_smoke_and_predict(tmp_path):
    mnist = recipe("mnist_rows")
    with tfds.testing.mock_data(num_examples=12):
        splits, labels = mnist.load_splits(mnist.parse_args(["--data-dir", str(tmp_path)]))
        x, y = next(iter(splits["train"]))
        assert x.shape == (28, 28) and x.dtype == tf.float32 and 0 <= float(tf.reduce_min(x))
        assert labels == [str(i) for i in range(10)]
        run_dir = tmp_path / "run"
        metrics = mnist.main(["--data-dir", str(tmp_path), "--run-dir", str(run_dir),
                              "--max-examples", "8", *TINY])
    assert 0 <= metrics["test_accuracy"] <= 1
    assert_run_saved(run_dir, extra=("labels.json",))
    digit = write_png(tmp_path / "digit.png", np.full((28, 28, 1), 200))
    (output,) = predict(run_dir, str(digit))
    assert output.split()[0] in [str(i) for i in range(10)]


# Speech recognition.


def write_tone_folder(directory, count=12, named=True):
    waves, labels = synthetic.tone_sequences(count, num_symbols=3, max_length=2, seed=0)
    names = "abc"
    rows = []
    for i, (wave, label) in enumerate(zip(waves, labels)):
        text = "".join(names[s - 1] for s in label if s)
        end = np.flatnonzero(wave)[-1] + 1
        name = f"{text}_{i}.wav" if named else f"clip{i}.wav"
        write_wav(directory / name, wave[:end])
        rows.append(f"{name}\t{text}")
    return rows


def test_speech_pipeline_names_transcripts_and_mock_tfds(tmp_path):
    speech = recipe("speech_recognition")
    write_tone_folder(tmp_path / "named")
    examples, rate = speech.load_examples(
        speech.parse_args(["--audio-dir", str(tmp_path / "named")]))
    assert rate == 8000 and set(examples) == {"train", "validation"}
    waves, texts = examples["train"]
    assert len(waves) == 11 and len(examples["validation"][0]) == 1
    assert all(set(t) <= set("abc") and t for t in texts)
    rows = write_tone_folder(tmp_path / "plain", named=False)
    tsv = tmp_path / "transcripts.tsv"
    tsv.write_text("\n".join(rows[:6]) + "\n", encoding="utf-8")
    examples, _ = speech.load_examples(speech.parse_args(
        ["--audio-dir", str(tmp_path / "plain"), "--transcripts", str(tsv)]))
    assert sum(len(w) for w, _ in examples.values()) == 6
    with tfds.testing.mock_data(num_examples=4):
        examples, rate = speech.load_examples(speech.parse_args(["--data-dir", str(tmp_path)]))
    assert rate == 8000 and examples["train"][1][0] in speech.DIGITS
    with pytest.raises(SystemExit):
        speech.parse_args(["--transcripts", str(tsv)])


def test_speech_spec_augment_is_off_by_default_and_refuses_negative_widths(capsys):
    parse = recipe("speech_recognition").parse_args
    assert parse([]).spec_augment is False
    with pytest.raises(SystemExit):
        parse(["--spec-augment", "--time-width", "-1"])
    assert "--time-width: expected an integer >= 0, got '-1'" in capsys.readouterr().err


def test_speech_files_errors(tmp_path):
    write_wav(tmp_path / "a" / "x_0.wav", np.zeros(800))
    write_wav(tmp_path / "a" / "y_1.wav", np.zeros(1600), rate=16000)
    with pytest.raises(ValueError, match=r"y_1.wav: sampled at 16000 Hz, but the data is at "
                                         r"8000 Hz. Resample"):
        perception.read_audio_folder(tmp_path / "a")
    bad = tmp_path / "t.tsv"
    bad.write_text("x_0.wav\tx\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t.tsv:2: expected `file.wav<TAB>transcript`"):
        perception.read_transcripts(bad)
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError, match="holds no .wav files"):
        perception.read_audio_folder(tmp_path / "b")
    (tmp_path / "junk.wav").write_bytes(b"not a wav")
    with pytest.raises(ValueError, match="junk.wav: not a readable WAV file"):
        perception.read_wav(tmp_path / "junk.wav")
    speech = recipe("speech_recognition")
    with pytest.raises(ValueError, match=(
            r"Example 0 of the train data is too short for its transcript 'hello': 5 "
            r"characters with 1 repeat\(s\) need 6 CTC frames, and its audio gives 2")):
        speech.check_lengths([np.zeros(200)], [np.array([1, 2, 3, 3, 4])], ["hello"],
                             frame_step=80, subsampling=2, source="the train data")


@pytest.mark.slow
def test_speech_smoke_reports_error_rates_and_transcribes(tmp_path):
    write_tone_folder(tmp_path / "wavs")
    run_dir = tmp_path / "run"
    metrics = recipe("speech_recognition").main([
        "--audio-dir", str(tmp_path / "wavs"), "--run-dir", str(run_dir), "--mel-bins", "8",
        "--conv-filters", "4", "--num-layers", "1", "--beam-width", "2",
        "--spec-augment", "--freq-masks", "1", "--time-width", "2", *TINY])
    assert metrics["validation_cer_greedy"] >= 0 and "validation_wer_beam" in metrics
    augment = Run.open(run_dir).load_model().get_layer("spec_augment")
    assert (augment.freq_masks, augment.freq_width, augment.time_width) == (1, 8, 2)
    assert np.isfinite(metrics["validation_loss"])
    assert_run_saved(run_dir, extra=("vocabulary.json",))
    (output,) = predict(run_dir, str(next((tmp_path / "wavs").glob("*.wav"))))
    assert output.endswith(".wav") and output.startswith("'")


# Image captioning.


def write_flickr(tmp_path, count=10):
    images, captions = synthetic.square_captions(count, image_size=16, seed=0)
    lines = []
    for i, (image, text) in enumerate(zip(images, captions)):
        write_png(tmp_path / "images" / f"{i}.png", image)
        lines += [f"{i}.png#0\t{text.capitalize()}.", f"{i}.png#1\tA square, {text.split()[2]}."]
    token_file = tmp_path / "Flickr8k.token.txt"
    token_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return token_file


def test_captioning_pipeline_flickr_files_and_mock_tfds(tmp_path):
    captioning = recipe("image_captioning")
    token_file = write_flickr(tmp_path)
    args = captioning.parse_args(["--image-dir", str(tmp_path / "images"), "--captions-file",
                                  str(token_file), "--image-size", "16"])
    splits = captioning.load_splits(args)
    assert len(list(splits["train"])) == 18 and len(list(splits["validation"])) == 2
    image, text = next(iter(splits["train"]))
    assert image.shape == (16, 16, 3) and image.dtype == tf.float32
    with tfds.testing.mock_data(num_examples=2):
        splits = captioning.load_splits(captioning.parse_args(
            ["--data-dir", str(tmp_path), "--image-size", "8"]))
        image, text = next(iter(splits["train"]))
    assert image.shape == (8, 8, 3) and text.dtype == tf.string
    with pytest.raises(SystemExit):
        captioning.parse_args(["--image-dir", str(tmp_path)])


def test_captioning_files_errors(tmp_path):
    bad = tmp_path / "captions.txt"
    bad.write_text("a.png#0\tA cat.\n\nb.png#0 no tab\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"captions.txt:3: expected `image.jpg#N<TAB>caption`"):
        perception.read_captions(bad)
    good = tmp_path / "good.txt"
    good.write_text("a.png#0\tA cat.\nb.png#0\tA dog.\n", encoding="utf-8")
    write_png(tmp_path / "images" / "a.png", np.zeros((4, 4, 3)))
    with pytest.raises(FileNotFoundError, match=r"1 image\(s\) named in the captions file are "
                                                r"not in .*'b.png'"):
        perception.caption_pairs(tmp_path / "images", perception.read_captions(good))


@pytest.mark.slow
def test_captioning_smoke_and_captions_new_images(tmp_path):
    token_file = write_flickr(tmp_path)
    run_dir = tmp_path / "run"
    metrics = recipe("image_captioning").main([
        "--image-dir", str(tmp_path / "images"), "--captions-file", str(token_file),
        "--image-size", "16", "--embedding-dim", "4", "--run-dir", str(run_dir),
        "--beam-width", "2", *OFFLINE_CNN, *TINY])
    assert np.isfinite(metrics["validation_loss"])
    assert_run_saved(run_dir, extra=("vocabulary.json",))
    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())["tokens"]
    assert vocabulary[:2] == ["<s>", "</s>"]
    outputs = predict(run_dir, str(tmp_path / "images" / "0.png"))
    assert outputs[0].endswith("0.png")


# Video classification.


def write_clip_folders(directory, count=12):
    clips, labels = synthetic.drifting_plaids(count, num_frames=4, frame_size=8, seed=0)
    for i, (clip, label) in enumerate(zip(clips, labels)):
        name = synthetic.DIRECTIONS[label]
        for t, frame in enumerate(clip):
            write_png(directory / name / f"clip{i}" / f"{t:03d}.png", frame)
    return clips, labels


def test_video_pipeline_frame_folders_and_mock_tfds(tmp_path):
    video = recipe("video_classification")
    write_clip_folders(tmp_path / "train")
    args = video.parse_args(["--train-dir", str(tmp_path / "train"), "--frame-size", "8",
                             "--num-frames", "3"])
    splits, labels = video.load_splits(args)
    assert set(labels) <= set(synthetic.DIRECTIONS) and set(splits) == {"train", "validation"}
    frames, label = next(iter(splits["train"]))
    assert frames.shape == (3, 8, 8, 3) and 0 <= int(label) < len(labels)
    with tfds.testing.mock_data(num_examples=1):
        splits, labels = video.load_splits(video.parse_args(
            ["--data-dir", str(tmp_path), "--frame-size", "8", "--num-frames", "2"]))
        frames, _ = next(iter(splits["train"]))
    assert frames.shape == (2, 8, 8, 3) and len(labels) == 101
    with pytest.raises(SystemExit):
        video.parse_args(["--test-dir", str(tmp_path)])


def test_video_files_errors(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no label folders"):
        perception.read_video_folders(tmp_path / "empty")
    (tmp_path / "clips" / "run").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"The label folder .*run' holds no clips"):
        perception.read_video_folders(tmp_path / "clips")
    video_file = tmp_path / "clip.avi"
    video_file.write_bytes(b"\0" * 16)
    monkeypatch.setitem(sys.modules, "cv2", None)  # as if OpenCV were not installed
    with pytest.raises(ImportError, match="needs OpenCV: pip install opencv-python-headless"):
        perception.load_clip(video_file, frame_size=8, num_frames=2)
    np.testing.assert_array_equal(perception.sample_frames(np.arange(10), 4), [0, 3, 6, 9])
    np.testing.assert_array_equal(perception.sample_frames(np.arange(3), 4), [0, 1, 2])


def test_video_smoke_and_classifies_clips(tmp_path):
    write_clip_folders(tmp_path / "train")
    run_dir = tmp_path / "run"
    metrics = recipe("video_classification").main([
        "--train-dir", str(tmp_path / "train"), "--frame-size", "8", "--num-frames", "4",
        "--run-dir", str(run_dir), "--frame-pooling", "flatten", *OFFLINE_CNN, *TINY])
    assert 0 <= metrics["validation_accuracy"] <= 1
    assert_run_saved(run_dir, extra=("labels.json",))
    clip = next((tmp_path / "train").glob("*/clip*"))
    (output,) = predict(run_dir, str(clip))
    assert output.split()[0] in synthetic.DIRECTIONS


def test_synthetic_files_write_what_the_recipes_read(tmp_path):
    writer = recipe("synthetic_files")
    writer.main(["speech", str(tmp_path / "s"), "--count", "3"])
    waves, texts, rate = perception.read_audio_folder(tmp_path / "s")
    assert rate == 8000 and len(waves) == 3 and all(set(t) <= set("abcd") for t in texts)
    writer.main(["captions", str(tmp_path / "c"), "--count", "2"])
    captions = perception.read_captions(tmp_path / "c" / "Flickr8k.token.txt")
    assert len(perception.caption_pairs(tmp_path / "c" / "images", captions)) == 4
    writer.main(["video", str(tmp_path / "v"), "--count", "5"])
    clips, labels = perception.read_video_folders(tmp_path / "v" / "train")
    assert len(clips) == 5 and set(labels) <= set(synthetic.DIRECTIONS)
    assert perception.load_clip(clips[0], frame_size=16, num_frames=8).shape[1:] == (16, 16, 3)
    with pytest.raises(SystemExit):
        writer.main(["video", str(tmp_path / "v")])  # exists
