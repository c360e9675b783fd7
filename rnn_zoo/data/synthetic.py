"""Generated perception tasks whose answers are known by construction.

Small, fast, offline data for tests, examples and smoke runs of the
perception models: coloured squares to caption or ask about, tone sequences
to transcribe, clips of a drifting plaid to classify by direction. Every
generator takes a `seed` and returns NumPy arrays (and Python strings for
text), so the same call gives the same data.

Example:

>>> images, captions = square_captions(2, image_size=16, seed=0)
>>> images.shape, captions[0].split()[0]
((2, 16, 16, 3), 'a')
"""

import numpy as np

COLOURS = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (50, 80, 230)}
SIZES = ("small", "large")
DIRECTIONS = ("right", "left", "down", "up")
_STEPS = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}


def _check_count(num_samples):
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 1:
        raise ValueError(
            f"`num_samples` must be an int >= 1. Received: num_samples={num_samples!r}"
        )


def coloured_squares(num_samples, *, image_size=16, seed=0):
    """Images of one coloured square, small or large, on a dark noisy background.

    Args:
        num_samples: int. Number of images.
        image_size: int >= 8. Height and width in pixels. Defaults to 16.
        seed: int. Random seed. Defaults to 0.

    Returns:
        `(images, colours, sizes)`: float32 images `(num_samples, image_size,
        image_size, 3)` in [0, 255], and per image the colour name (a key of
        `COLOURS`) and the size name (`"small"`: a quarter of the side,
        `"large"`: half of it), at a random position.
    """
    _check_count(num_samples)
    if image_size < 8:
        raise ValueError(f"`image_size` must be >= 8. Received: image_size={image_size}")
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 40, size=(num_samples, image_size, image_size, 3))
    names = list(COLOURS)
    colours, sizes = [], []
    for image in images:
        colour = names[rng.integers(len(names))]
        size = SIZES[rng.integers(len(SIZES))]
        side = image_size // 4 if size == "small" else image_size // 2
        top, left = rng.integers(0, image_size - side + 1, size=2)
        shade = np.array(COLOURS[colour]) * rng.uniform(0.8, 1.0)
        image[top : top + side, left : left + side] = shade
        colours.append(colour)
        sizes.append(size)
    return images.astype("float32"), colours, sizes


def square_captions(num_samples, *, image_size=16, seed=0):
    """Coloured squares with captions that name their size and colour.

    Returns:
        `(images, captions)`: images as in `coloured_squares`, and captions
        such as `"a large red square"` (without start or end tokens).
    """
    images, colours, sizes = coloured_squares(num_samples, image_size=image_size, seed=seed)
    captions = [f"a {size} {colour} square" for colour, size in zip(colours, sizes)]
    return images, captions


_QUESTIONS = {
    "colour": ("what colour is the square", "which colour is it", "what colour is it"),
    "size": ("what size is the square", "how big is the square", "how big is it"),
}


def square_questions(num_samples, *, image_size=16, seed=0):
    """Coloured squares with a question about the colour or the size.

    The image alone does not give the answer, nor does the question: the
    model must read both.

    Returns:
        `(images, questions, answers)`: images as in `coloured_squares`,
        questions such as `"how big is the square"`, and one-word answers
        (a colour name or `"small"` / `"large"`).
    """
    images, colours, sizes = coloured_squares(num_samples, image_size=image_size, seed=seed)
    rng = np.random.default_rng(seed + 1)
    questions, answers = [], []
    for colour, size in zip(colours, sizes):
        kind = ("colour", "size")[rng.integers(2)]
        wording = _QUESTIONS[kind]
        questions.append(wording[rng.integers(len(wording))])
        answers.append(colour if kind == "colour" else size)
    return images, questions, answers


def tone_frequencies(num_symbols, sampling_rate=8000):
    """The pitch of each symbol 1..num_symbols, spread evenly on a log scale
    between 300 Hz and 40% of the sampling rate."""
    return np.geomspace(300.0, 0.4 * sampling_rate, num_symbols)


def tone_sequences(
    num_samples, *, num_symbols=4, min_length=1, max_length=4, sampling_rate=8000,
    seed=0,
):
    """Sequences of tones, one pitch per symbol, to transcribe with CTC.

    Each symbol sounds for 60 to 100 ms at its own pitch
    (`tone_frequencies`), with 20 to 40 ms of near-silence between symbols
    (so a repeated symbol is heard twice), plus a little noise. Waveforms are
    right-padded with exact zeros, the padding `speech_recognizer` masks.

    Args:
        num_samples: int. Number of sequences.
        num_symbols: int >= 2. Number of distinct symbols (ids 1..num_symbols;
            a model needs `vocabulary_size=num_symbols + 1`). Defaults to 4.
        min_length, max_length: ints. Range of symbols per sequence.
            Defaults to 1 and 4.
        sampling_rate: int. Samples per second. Defaults to 8000.
        seed: int. Random seed. Defaults to 0.

    Returns:
        `(waveforms, labels)`: float32 `(num_samples, samples)` in [-1, 1],
        zero-padded; int32 labels `(num_samples, max_length)`, 0-padded.
    """
    _check_count(num_samples)
    if not 1 <= min_length <= max_length:
        raise ValueError(
            "`min_length` and `max_length` must satisfy 1 <= min_length <= "
            f"max_length. Received: min_length={min_length}, max_length={max_length}"
        )
    rng = np.random.default_rng(seed)
    pitches = tone_frequencies(num_symbols, sampling_rate)
    waves, labels = [], np.zeros((num_samples, max_length), "int32")
    for i in range(num_samples):
        length = rng.integers(min_length, max_length + 1)
        symbols = rng.integers(1, num_symbols + 1, size=length)
        labels[i, :length] = symbols
        pieces = [0.01 * rng.normal(size=int(0.02 * sampling_rate))]
        for symbol in symbols:
            n = int(rng.uniform(0.06, 0.10) * sampling_rate)
            t = np.arange(n) / sampling_rate
            phase = rng.uniform(0, 2 * np.pi)
            tone = rng.uniform(0.5, 0.9) * np.sin(2 * np.pi * pitches[symbol - 1] * t + phase)
            pieces.append(tone * np.hanning(n) ** 0.25)
            gap = int(rng.uniform(0.02, 0.04) * sampling_rate)
            pieces.append(0.01 * rng.normal(size=gap))
        waves.append(np.concatenate(pieces))
    width = max(len(w) for w in waves)
    waveforms = np.zeros((num_samples, width), "float32")
    for i, wave in enumerate(waves):
        waveforms[i, : len(wave)] = wave
    return waveforms, labels


def drifting_plaids(
    num_samples, *, num_frames=8, frame_size=8, per_frame=False, min_frames=None,
    seed=0,
):
    """Clips of a drifting plaid, labelled by the direction it moves.

    The plaid is the sum of a horizontal and a vertical sine grating with a
    period of `frame_size` pixels; each frame moves it a quarter period
    right, left, down or up (the drifting gratings of motion-perception
    experiments: every pixel changes, so the direction is visible
    everywhere, and a quarter period is unambiguous). Values are about
    [0, 255] with a little noise, so no real frame is all zeros; clips shorter
    than `num_frames` are padded with all-zero frames (the padding
    `video_classifier` masks with `mask_value=0`).

    Args:
        num_samples: int. Number of clips.
        num_frames: int >= 2. Frames per clip (the padded length).
            Defaults to 8.
        frame_size: int >= 4. Height and width. Defaults to 8.
        per_frame: bool. `False`: one direction per clip, labels
            `(num_samples,)`. `True`: the direction changes once, at a random
            frame; labels `(num_samples, num_frames)` give the direction of
            the move into each frame (frame 0: of the first move), 0 on
            padding.
        min_frames: int or None. Shortest clip; None makes every clip
            `num_frames` long. Defaults to None.
        seed: int. Random seed. Defaults to 0.

    Returns:
        `(clips, labels)`: float32 clips `(num_samples, num_frames,
        frame_size, frame_size, 1)` and int32 labels, indices into
        `DIRECTIONS` (`"right"`, `"left"`, `"down"`, `"up"`).
    """
    _check_count(num_samples)
    min_frames = num_frames if min_frames is None else min_frames
    if not 2 <= min_frames <= num_frames:
        raise ValueError(
            "Clips need 2 <= min_frames <= num_frames (a direction needs two "
            f"frames). Received: min_frames={min_frames}, num_frames={num_frames}"
        )
    if frame_size < 4:
        raise ValueError(f"`frame_size` must be >= 4. Received: frame_size={frame_size}")
    rng = np.random.default_rng(seed)
    rows, cols = np.meshgrid(np.arange(frame_size), np.arange(frame_size), indexing="ij")
    clips = np.zeros((num_samples, num_frames, frame_size, frame_size, 1), "float32")
    labels = np.zeros((num_samples, num_frames) if per_frame else (num_samples,), "int32")
    for i in range(num_samples):
        length = rng.integers(min_frames, num_frames + 1)
        directions = np.full(length, rng.integers(len(DIRECTIONS)))
        if per_frame:
            switch = rng.integers(1, length)
            directions[switch:] = rng.integers(len(DIRECTIONS))
            directions[0] = directions[1]  # frame 0 takes the first move's label
            labels[i, :length] = directions
        else:
            labels[i] = directions[0]
        offset = rng.uniform(0, frame_size, size=2)  # (row, col) phase
        for t in range(length):
            if t > 0:
                offset += np.array(_STEPS[DIRECTIONS[directions[t]]]) * frame_size / 4
            plaid = np.sin(2 * np.pi * (rows - offset[0]) / frame_size) + np.sin(
                2 * np.pi * (cols - offset[1]) / frame_size
            )
            noise = rng.uniform(-5, 5, size=plaid.shape)
            clips[i, t, :, :, 0] = 127.5 + 60 * plaid + noise
    return clips, labels
