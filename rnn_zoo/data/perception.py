"""Readers and `tf.data` pieces for images, audio and video.

Users' own files in the usual layouts of the field: an image folder with a
Flickr8k captions file (`Flickr8k.token.txt`: `image.jpg#0<TAB>caption`),
WAV files with a TSV of transcripts or names that carry the label
(`7_jackson_0.wav`, the Free Spoken Digit layout), and a folder per label
of clips, each a folder of frame images (or a video file, read with OpenCV
when it is installed). Every reader names the file (and line) of what is
wrong.
"""

import collections
import pathlib

import numpy as np
import tensorflow as tf

from rnn_zoo.data.files import check_file, read_text

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".mkv", ".webm", ".mpg", ".mpeg")


def _check_dir(directory, what):
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"The {what} {str(directory)!r} does not exist (or is not a folder).")
    return directory


# Images and captions.


def image_tensor(image, image_size):
    """`uint8`/float image `(H, W, C)` (or a batch of them) -> float32
    `(size, size, 3)` in [0, 255]."""
    image = tf.convert_to_tensor(image)
    if image.shape[-1] == 1:
        image = tf.image.grayscale_to_rgb(image)
    image = tf.image.resize(tf.cast(image, tf.float32), (image_size, image_size))
    return tf.clip_by_value(image, 0.0, 255.0)


def load_image(path, image_size):
    """Reads and decodes an image file (JPEG, PNG, BMP, GIF) inside `tf.data`."""
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    return image_tensor(image, image_size)


def read_captions(path):
    """Reads a Flickr8k-style captions file: `image.jpg#0<TAB>caption` per line.

    Returns:
        dict image file name -> list of captions, in file order.

    Raises:
        ValueError: naming the file and line of a line without a tab, or
            without an image name.
    """
    captions = collections.OrderedDict()
    for number, line in enumerate(read_text(path, what="captions file").splitlines(), 1):
        if not line.strip():
            continue
        name, tab, caption = line.partition("\t")
        image = name.split("#")[0].strip()
        if not tab or not image or not caption.strip():
            raise ValueError(
                f"{path}:{number}: expected `image.jpg#N<TAB>caption` (the "
                f"Flickr8k.token.txt layout). Received: {line[:80]!r}"
            )
        captions.setdefault(image, []).append(caption.strip())
    if not captions:
        raise ValueError(f"The captions file {str(path)!r} holds no captions.")
    return captions


def caption_pairs(image_dir, captions):
    """`[(image path, caption), ...]` for every caption of every image.

    Raises:
        FileNotFoundError: if images named in the captions file are missing,
            naming how many and the first.
    """
    image_dir = _check_dir(image_dir, "image folder")
    missing = [name for name in captions if not (image_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} image(s) named in the captions file are not in "
            f"{str(image_dir)!r}, for example {missing[0]!r}. Point --image-dir "
            "at the folder that holds them."
        )
    return [(str(image_dir / name), text) for name, texts in captions.items() for text in texts]


# Audio.


def read_wav(path):
    """Reads a WAV file: `(samples, sampling_rate)`, float32 mono in [-1, 1]."""
    path = check_file(path, what="WAV file")
    try:
        audio, rate = tf.audio.decode_wav(tf.io.read_file(str(path)))
    except tf.errors.InvalidArgumentError as error:
        raise ValueError(
            f"{path}: not a readable WAV file (16-bit PCM is expected): "
            f"{error.message[:200]}"
        ) from None
    return tf.reduce_mean(audio, axis=-1).numpy(), int(rate)


def read_transcripts(path):
    """Reads `file.wav<TAB>transcript` lines: dict file name -> transcript."""
    transcripts = {}
    for number, line in enumerate(read_text(path, what="transcripts file").splitlines(), 1):
        if not line.strip():
            continue
        name, tab, text = line.partition("\t")
        if not tab or not name.strip():
            raise ValueError(
                f"{path}:{number}: expected `file.wav<TAB>transcript`. "
                f"Received: {line[:80]!r}"
            )
        transcripts[name.strip()] = text.strip()
    if not transcripts:
        raise ValueError(f"The transcripts file {str(path)!r} holds no lines.")
    return transcripts


def label_from_name(path):
    """The label a WAV name carries: the part before the first `_`
    (`7_jackson_0.wav` -> `"7"`), or the whole stem."""
    return pathlib.Path(path).stem.split("_")[0]


def read_audio_folder(directory, transcripts=None, *, sampling_rate=None):
    """Reads every WAV file of a folder with its transcript.

    Args:
        directory: folder of `.wav` files (searched recursively).
        transcripts: dict file name -> text (`read_transcripts`), or None to
            take the text from each file name (`label_from_name`).
        sampling_rate: int or None. The rate every file must have; None takes
            the first file's.

    Returns:
        `(waveforms, texts, sampling_rate)`: lists of float32 arrays and str.

    Raises:
        ValueError: a file at another sampling rate, or a transcripts file
            that names no file of the folder.
    """
    directory = _check_dir(directory, "audio folder")
    paths = sorted(directory.rglob("*.wav"))
    if not paths:
        raise ValueError(f"The audio folder {str(directory)!r} holds no .wav files.")
    if transcripts is not None:
        paths = [p for p in paths if p.name in transcripts]
        if not paths:
            raise ValueError(
                f"None of the files in the transcripts file is in {str(directory)!r}."
            )
    waveforms, texts = [], []
    for path in paths:
        samples, rate = read_wav(path)
        if sampling_rate is None:
            sampling_rate = rate
        if rate != sampling_rate:
            raise ValueError(
                f"{path}: sampled at {rate} Hz, but the data is at {sampling_rate} "
                "Hz. Resample the files to one rate (for example `sox in.wav -r "
                f"{sampling_rate} out.wav`) or pass --sampling-rate."
            )
        waveforms.append(samples)
        texts.append(transcripts[path.name] if transcripts is not None else label_from_name(path))
    return waveforms, texts, sampling_rate


def ctc_frames(num_samples, frame_step, subsampling=1):
    """Frames a waveform of `num_samples` gives the CTC of a `speech_recognizer`
    with waveform input (`MelSpectrogram` frames, then the front end)."""
    frames = 1 + np.asarray(num_samples) // frame_step
    return -(-frames // subsampling)


# Video.


def read_video_folders(directory, *, labels=None):
    """Lists the clips of a folder per label: `(clips, labels)`.

    A clip is a sub-folder of frame images (sorted by name) or a video file.

    Raises:
        ValueError: for no label folders, a label folder without clips, or a
            folder that is not in `labels`.
    """
    directory = _check_dir(directory, "video folder")
    names = sorted(p.name for p in directory.iterdir() if p.is_dir())
    if not names:
        raise ValueError(
            f"The video folder {str(directory)!r} holds no label folders: expected "
            "DIR/<label>/<clip folder of frames or video file>."
        )
    if labels is not None:
        unknown = [n for n in names if n not in labels]
        if unknown:
            raise ValueError(
                f"The folder {str(directory / unknown[0])!r} is not in the label set "
                f"{list(labels)}."
            )
    clips, clip_labels = [], []
    for name in names:
        found = [p for p in sorted((directory / name).iterdir())
                 if p.is_dir() or p.suffix.lower() in VIDEO_SUFFIXES]
        if not found:
            raise ValueError(
                f"The label folder {str(directory / name)!r} holds no clips (frame "
                f"folders or {', '.join(VIDEO_SUFFIXES)} files)."
            )
        clips += [str(p) for p in found]
        clip_labels += [name] * len(found)
    return clips, clip_labels


def _video_file_frames(path):
    try:
        import cv2
    except ImportError:
        raise ImportError(
            f"Reading the video file {path} needs OpenCV: pip install "
            "opencv-python-headless (or `pip install rnn-zoo[video]`), or extract "
            "its frames into a folder of images (`ffmpeg -i clip.avi clip/%04d.jpg`)."
        ) from None
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])  # BGR -> RGB
    capture.release()
    if not frames:
        raise ValueError(f"{path}: no frames could be read from this video file.")
    return np.stack(frames)


def sample_frames(frames, num_frames):
    """Takes `num_frames` frames spread evenly over a clip (all if shorter).

    Works on NumPy arrays and, inside `tf.data`, on tensors of any length.
    """
    if isinstance(frames, tf.Tensor):
        total = tf.shape(frames)[0]
        count = tf.minimum(total, num_frames)
        last = tf.cast(total - 1, tf.float32)
        index = tf.cast(tf.round(tf.linspace(0.0, last, count)), tf.int32)
        return tf.gather(frames, index)
    frames = np.asarray(frames)
    if len(frames) <= num_frames:
        return frames
    return frames[np.linspace(0, len(frames) - 1, num_frames).round().astype(int)]


def load_clip(path, *, frame_size, num_frames):
    """Reads a clip (frame folder or video file): float32 `(frames, size, size, 3)`."""
    path = pathlib.Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"The clip folder {str(path)!r} holds no frame images.")
        files = sample_frames(np.array([str(f) for f in files]), num_frames)
        frames = [load_image(str(f), frame_size) for f in files]
        return tf.stack(frames).numpy()
    frames = sample_frames(_video_file_frames(path), num_frames)
    return tf.stack([image_tensor(f, frame_size) for f in frames]).numpy()
