import numpy as np
import pytest

from rnn_zoo.data import synthetic


def test_coloured_squares_show_their_colour_and_size():
    images, colours, sizes = synthetic.coloured_squares(30, image_size=16, seed=3)
    assert images.shape == (30, 16, 16, 3) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 255
    for image, colour, size in zip(images, colours, sizes):
        bright = image.max(-1) > 100  # the square's pixels
        assert bright.sum() == (16 if size == "small" else 64)
        channel = int(np.argmax(synthetic.COLOURS[colour]))
        assert np.argmax(image[bright].mean(0)) == channel
    again = synthetic.coloured_squares(30, image_size=16, seed=3)
    np.testing.assert_array_equal(again[0], images)


def test_captions_and_questions_follow_the_images():
    _, colours, sizes = synthetic.coloured_squares(20, seed=5)
    _, captions = synthetic.square_captions(20, seed=5)
    assert captions == [f"a {s} {c} square" for c, s in zip(colours, sizes)]
    _, questions, answers = synthetic.square_questions(20, seed=5)
    for question, answer, colour, size in zip(questions, answers, colours, sizes):
        assert answer == (colour if "colour" in question else size)
    assert len(set(questions)) > 2


def test_tone_sequences():
    waves, labels = synthetic.tone_sequences(
        12, num_symbols=3, min_length=2, max_length=3, sampling_rate=8000, seed=0
    )
    assert waves.dtype == np.float32 and np.abs(waves).max() <= 1.0
    assert labels.shape == (12, 3) and set(np.unique(labels)) <= {0, 1, 2, 3}
    lengths = (labels > 0).sum(1)
    assert lengths.min() >= 2 and lengths.max() <= 3
    assert np.all(labels[:, :2] > 0)
    # Each sequence ends in exact-zero padding except the longest.
    ends = [np.flatnonzero(w)[-1] + 1 for w in waves]
    assert max(ends) == waves.shape[1] and min(ends) < waves.shape[1]
    # The loudest frequency of a one-symbol sequence is that symbol's pitch.
    waves, labels = synthetic.tone_sequences(4, num_symbols=4, max_length=1, seed=1)
    pitches = synthetic.tone_frequencies(4)
    for wave, label in zip(waves, labels):
        spectrum = np.abs(np.fft.rfft(wave))
        peak = np.fft.rfftfreq(len(wave), 1 / 8000)[np.argmax(spectrum)]
        assert abs(peak - pitches[label[0] - 1]) < 30


@pytest.mark.parametrize("per_frame", [False, True])
def test_drifting_plaids(per_frame):
    clips, labels = synthetic.drifting_plaids(
        16, num_frames=6, frame_size=8, per_frame=per_frame, min_frames=3, seed=0
    )
    assert clips.shape == (16, 6, 8, 8, 1)
    real = clips.reshape(16, 6, -1).any(-1)
    lengths = real.sum(1)
    assert lengths.min() >= 3 and np.all(real[:, :3])
    assert clips[real].min() > 0  # no real frame is all zeros
    if per_frame:
        assert labels.shape == (16, 6)
        assert np.all(labels[~real] == 0)
    else:
        assert labels.shape == (16,)
    assert set(np.unique(labels)) <= set(range(len(synthetic.DIRECTIONS)))


def test_plaid_moves_a_quarter_period_the_labelled_way():
    clips, labels = synthetic.drifting_plaids(8, num_frames=2, frame_size=8, seed=2)
    shifts = {"right": (0, 2), "left": (0, -2), "down": (2, 0), "up": (-2, 0)}
    for clip, label in zip(clips[..., 0], labels):
        moved = np.roll(clip[0], shifts[synthetic.DIRECTIONS[label]], axis=(0, 1))
        assert np.abs(moved - clip[1]).max() < 12  # equal up to the noise


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: synthetic.coloured_squares(0), "`num_samples` must be an int >= 1"),
        (lambda: synthetic.coloured_squares(2, image_size=4), "`image_size` must be >= 8"),
        (lambda: synthetic.tone_sequences(2, min_length=3, max_length=2),
         "1 <= min_length <= max_length"),
        (lambda: synthetic.drifting_plaids(2, num_frames=4, min_frames=5),
         "2 <= min_frames <= num_frames"),
        (lambda: synthetic.drifting_plaids(2, frame_size=3), "`frame_size` must be >= 4"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
