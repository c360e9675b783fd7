"""Speech recognition with CTC: audio frames -> per-frame symbol distributions.

Besides the builder, this module holds what a CTC model needs around it:
`ctc_decode` (greedy or beam search with `keras.ops.ctc_decode`, back to
text), `check_ctc_lengths` (labels that fit the frames), and the error rates
`character_error_rate` and `word_error_rate` (edit distance).
"""

import keras
import numpy as np
from keras import ops

from rnn_zoo._validation import check_choice, check_float, check_int, suggest
from rnn_zoo.layers.ctc import CTCBlankPadding
from rnn_zoo.layers.spec_augment import SpecAugment
from rnn_zoo.layers.time import MaskedConv1D
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel

# `keras.layers.MelSpectrogram` turns an all-zero frame into exactly
# 10 * log10(min_power / ref_power) dB in every mel bin: -100 dB with its
# defaults. Masking that value masks the frames of zero padding.
_SILENCE_DB = -100.0
# log-mel dB values (about -100 to +40) scaled to about [-2, 1].
_DB_SCALE = 0.02


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CTCLoss(keras.losses.Loss):
    """Keras' CTC loss (`keras.losses.ctc`) on a model's probabilities.

    `keras.losses.CTC` takes logits; rnn_zoo models end in a softmax, so this
    loss passes it `log(probabilities)` (`log_softmax` of log-probabilities
    gives them back unchanged). Labels are int ids `(batch, max_label_length)`
    right-padded with 0, which is also the blank; each label's length is its
    number of non-zero ids. The loss runs over every frame: padded frames,
    set to a certain blank by `CTCBlankPadding`, add nothing to it.

    Args:
        epsilon: float. Probabilities are clipped to at least this before the
            log. Defaults to 1e-7.
        reduction, name, dtype: as in `keras.losses.Loss`.
    """

    def __init__(self, epsilon=1e-7, reduction="sum_over_batch_size", name="ctc",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.epsilon = epsilon

    def call(self, y_true, y_pred):
        log_probs = ops.log(ops.clip(y_pred, self.epsilon, 1.0))
        return keras.losses.ctc(y_true, log_probs)

    def get_config(self):
        config = super().get_config()
        config.update(epsilon=self.epsilon)
        return config


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    frames = _common.random_lengths(rng, batch_size, sequence_length)
    x = rng.normal(size=(batch_size, sequence_length, kwargs["input_dim"]))
    x[np.arange(sequence_length)[None, :] >= frames[:, None]] = kwargs["mask_value"]
    # Labels of half the frames at most (any repeat needs a blank between),
    # padded with 0 to the number of frames.
    y = np.zeros((batch_size, sequence_length), "int32")
    for i, n in enumerate(frames):
        y[i, : n // 2] = rng.integers(1, kwargs["vocabulary_size"], size=n // 2)
    return x.astype("float32"), y


@register_model(
    task="speech_recognition",
    topology="many_to_many",
    tiny_kwargs=dict(
        input_dim=3, vocabulary_size=10, mask_value=0.0, conv_filters=[4],
        conv_strides=1, units=4, num_layers=2, bidirectional=False,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "gru", "bidirectional": True},
        {"cell": "lstm", "conv_filters": None},
        {"cell": "simple_rnn", "bidirectional": True, "merge_mode": "sum"},
    ],
)
@_common.fill_doc
def speech_recognizer(
    *,
    input_dim,
    vocabulary_size,
    sampling_rate=None,
    frame_length=400,
    frame_step=160,
    mask_value=0.0,
    conv_filters=None,
    conv_kernel_size=5,
    conv_strides=2,
    spec_augment=None,
    cell="lstm",
    units=256,
    num_layers=2,
    bidirectional=True,
    merge_mode="concat",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="speech_recognizer",
):
    """Transcribes audio to symbols (characters, phones) with CTC.

    `features | waveform -> MelSpectrogram (log) -> [MaskedConv1D x n] ->
    [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers -> Dense(vocabulary_size)
    -> softmax`, per frame, with the CTC blank at index 0.

    Input: audio features `(batch, frames, input_dim)` (log-mel, MFCC...), or
    with `sampling_rate`, raw waveforms `(batch, samples)` that Keras'
    `MelSpectrogram` turns into `input_dim` log-mel bands per frame (scaled
    dB). Output: per-frame probabilities `(batch, frames', vocabulary_size)`,
    `frames' = ceil(frames / conv_strides ** len(conv_filters))`. Train with
    labels `(batch, max_label_length)`: symbol ids in
    `[1, vocabulary_size)`, right-padded with 0, of any length that fits
    (`check_ctc_lengths`); the loss is Keras' CTC (`CTCLoss`). Padded frames
    are masked, and the output sets them to a certain blank, so each input
    and each label keeps its own length with no extra inputs. Decode with
    `ctc_decode` (greedy or beam search) and score with
    `character_error_rate` / `word_error_rate`.

    Padding: feature frames whose values all equal `mask_value`; for
    waveforms, zero samples (frames of pure digital silence are masked, so
    pad with exact zeros).

    Args:
        input_dim: int. Features per frame; with `sampling_rate`, the number
            of mel bands.
        vocabulary_size: int. Number of label ids, padding id 0 included
            (a `StringLookup`'s vocabulary size); the blank is not counted:
            id 0 never occurs inside a label, so its output class serves as
            the CTC blank (the convention of `keras.losses.CTC`).
        sampling_rate: int or None. None: the input is features. An int: the
            input is waveforms sampled at this rate. Defaults to None.
        frame_length: int. Samples per analysis window (waveforms only).
            Defaults to 400 (25 ms at 16 kHz).
        frame_step: int. Samples between frames (waveforms only). Defaults to
            160 (10 ms at 16 kHz).
        mask_value: float or None. The value of padding (features: whole
            frames equal to it; waveforms: must be 0.0). None: no masking.
            Defaults to 0.0.
        conv_filters: list of ints, or None. One `MaskedConv1D` (ReLU) per
            entry, before the recurrent layers (Amodei et al. 2016). Defaults
            to None (no convolutional front end).
        conv_kernel_size: int. Frames each convolution sees. Defaults to 5.
        conv_strides: int. Time subsampling of each convolution; it shortens
            the CTC input, so labels must still fit. Defaults to 2.
        spec_augment: None, True or dict. SpecAugment's frequency and time
            masking of the features in training (`rnn_zoo.layers.SpecAugment`;
            a dict gives its arguments, True its defaults). Defaults to None
            (off).
        {stack_args}
            Here `units` defaults to 256, `num_layers` to 2 and
            `bidirectional` to `True`.
        {compile_args}
            With waveforms, `sequence_length` counts samples.

    Returns:
        A `keras.Model`, compiled with `CTCLoss` unless `compile=False`.

    Raises:
        ValueError: for a bad argument value.
        TypeError: for an argument of the wrong type.

    Example:

    >>> model = speech_recognizer(input_dim=13, vocabulary_size=5, units=4,
    ...                           num_layers=1, conv_filters=[4])
    >>> features = np.random.normal(size=(2, 9, 13))
    >>> tuple(model.predict(features, verbose=0).shape)
    (2, 5, 5)

    Reference: Graves et al. 2006, "Connectionist Temporal Classification";
    Graves & Jaitly 2014; Amodei et al. 2016, "Deep Speech 2".
    """
    check_int("input_dim", input_dim, minimum=1)
    _common.check_vocabulary_size(vocabulary_size)
    check_int("sampling_rate", sampling_rate, minimum=1, allow_none=True)
    check_int("frame_length", frame_length, minimum=1)
    check_int("frame_step", frame_step, minimum=1)
    if mask_value is not None:
        check_float("mask_value", mask_value)
        if sampling_rate is not None and mask_value != 0.0:
            raise ValueError(
                "Waveforms are padded with zeros (silence): with "
                "`sampling_rate`, `mask_value` must be 0.0 (mask the padding) "
                f"or None (no masking). Received: mask_value={mask_value!r}"
            )
    conv_filters = _check_conv_filters(conv_filters)
    check_int("conv_kernel_size", conv_kernel_size, minimum=1)
    check_int("conv_strides", conv_strides, minimum=1)
    if not (spec_augment is None or isinstance(spec_augment, (bool, dict))):
        raise TypeError(
            "`spec_augment` must be None (off), True (SpecAugment's defaults) or a "
            "dict of `rnn_zoo.layers.SpecAugment` arguments (freq_masks, freq_width, "
            f"time_masks, time_width, seed). Received: spec_augment={spec_augment!r}"
        )
    if isinstance(spec_augment, dict):
        known = ("freq_masks", "freq_width", "time_masks", "time_width", "seed")
        for key in spec_augment:
            if key not in known:
                raise ValueError(
                    f"Unknown SpecAugment argument {key!r} in `spec_augment`: "
                    f"expected some of {list(known)}.{suggest(key, known)}"
                )
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    _common.check_common(
        sequence_length=sequence_length, compile=compile, learning_rate=learning_rate,
        global_clipnorm=global_clipnorm, name=name,
    )

    if sampling_rate is None:
        inputs, x = _common.feature_input(sequence_length, input_dim, mask_value)
        # x: (batch, frames, input_dim)
    else:
        inputs = keras.Input((sequence_length,), name="waveform")  # (batch, samples)
        x = keras.layers.MelSpectrogram(
            fft_length=1 << (frame_length - 1).bit_length(),
            sequence_length=frame_length, sequence_stride=frame_step,
            sampling_rate=sampling_rate, num_mel_bins=input_dim,
            # No clipping relative to the loudest value of the batch, which
            # would make each example's features depend on the others.
            top_db=1e6, name="log_mel",
        )(inputs)  # (batch, input_dim, frames)
        x = keras.layers.Permute((2, 1), name="log_mel_frames")(x)
        if mask_value is not None:
            x = keras.layers.Masking(_SILENCE_DB, name="masking")(x)
        x = keras.layers.Rescaling(_DB_SCALE, name="log_mel_scaling")(x)
    if spec_augment is not None and spec_augment is not False:
        x = SpecAugment(**({} if spec_augment is True else spec_augment),
                        name="spec_augment")(x)
    for i, filters in enumerate(conv_filters):
        x = MaskedConv1D(
            filters, conv_kernel_size, strides=conv_strides, name=f"frontend_conv_{i}"
        )(x)  # (batch, ceil(frames / strides), filters)
    x = many_to_many(x, name="encoder", **stack)  # (batch, frames', width)
    probabilities = _common.softmax_head(x, vocabulary_size, stack["dropout"])
    outputs = CTCBlankPadding(name="ctc_probabilities")(probabilities)
    model = ZooModel(inputs, outputs, name=name)  # (batch, frames', vocab)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=learning_rate, global_clipnorm=global_clipnorm
            ),
            loss=CTCLoss(),
        )
    return model


def _check_conv_filters(conv_filters):
    if conv_filters is None:
        return []
    if not isinstance(conv_filters, (list, tuple)) or not conv_filters:
        raise TypeError(
            "`conv_filters` must be a non-empty list of ints (one convolution "
            "per entry) or None. "
            f"Received: conv_filters={conv_filters!r}"
        )
    return [check_int("conv_filters", f, minimum=1) for f in conv_filters]


# Around the model: lengths, decoding, error rates.


def _frames(model, inputs):
    """The frame features the masking sees, as NumPy, and the mask value."""
    names = {layer.name for layer in model.layers}
    mask_value = (
        model.get_layer("masking").mask_value if "masking" in names else None
    )
    if "log_mel_frames" in names:
        frames = keras.Model(model.inputs, model.get_layer("log_mel_frames").output)
        inputs = frames.predict(np.asarray(inputs, "float32"), verbose=0)
    return np.asarray(inputs), mask_value


def ctc_input_lengths(model, inputs):
    """Returns the number of real frames each example gives the CTC.

    Args:
        model: a `speech_recognizer` model.
        inputs: the batch of features or waveforms the model takes.

    Returns:
        int array `(batch,)`: real input frames (before right padding),
        subsampled by the convolutional front end (`ceil(frames / strides)`
        per layer).

    Example:

    >>> model = speech_recognizer(input_dim=2, vocabulary_size=4, units=2,
    ...                           num_layers=1, conv_filters=[2])
    >>> features = np.ones((2, 9, 2)); features[1, 5:] = 0.0
    >>> ctc_input_lengths(model, features).tolist()
    [5, 3]
    """
    frames, mask_value = _frames(model, inputs)
    if frames.ndim != 3:
        raise ValueError(
            "Expected a batch of frames (batch, frames, features), or of "
            f"waveforms (batch, samples). Received: inputs of shape {np.shape(inputs)}"
        )
    if mask_value is None:
        lengths = np.full(len(frames), frames.shape[1])
    else:
        real = np.any(frames != mask_value, axis=-1)  # (batch, frames)
        lengths = np.where(real.any(1), frames.shape[1] - np.argmax(real[:, ::-1], 1), 0)
    for strides in _front_end_strides(model):
        lengths = -(-lengths // strides)
    return lengths.astype("int64")


def check_ctc_lengths(model, inputs, labels):
    """Checks that every label fits the CTC input its example gives.

    CTC emits at most one symbol per frame and needs a blank between two
    equal symbols, so a label of `n` symbols with `r` adjacent repeats needs
    at least `n + r` frames (after the front end's subsampling). A label that
    does not fit has probability 0: its loss is infinite and training breaks.
    Call this on your data before training (the recipes do).

    Args:
        model: a `speech_recognizer` model.
        inputs: features or waveforms, as the model takes them.
        labels: int ids `(batch, max_label_length)`, right-padded with 0.

    Raises:
        ValueError: naming the first label that does not fit, or labels with
            ids outside the vocabulary.

    Example:

    >>> model = speech_recognizer(input_dim=2, vocabulary_size=4, units=2,
    ...                           num_layers=1)
    >>> check_ctc_lengths(model, np.ones((1, 4, 2)), np.array([[1, 2, 2]]))
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(
            "CTC labels must be int ids (batch, max_label_length), right-padded "
            f"with 0. Received: labels of shape {labels.shape}"
        )
    vocab = model.output.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= vocab):
        raise ValueError(
            f"CTC labels must be ids in [1, {vocab}) (0 pads them and is the "
            f"blank). Received: ids from {labels.min()} to {labels.max()}"
        )
    lengths = ctc_input_lengths(model, inputs)
    if len(lengths) != len(labels):
        raise ValueError(
            f"Got {len(lengths)} inputs but {len(labels)} labels. "
            f"Received: labels of shape {labels.shape}"
        )
    for i, (label, frames) in enumerate(zip(labels, lengths)):
        symbols = label[label != 0]
        repeats = int(np.sum(symbols[1:] == symbols[:-1]))
        needed = len(symbols) + repeats
        if needed > frames:
            subsampling = ctc_subsampling(model)
            where = f", after {subsampling}x subsampling by the front end" if subsampling > 1 else ""
            raise ValueError(
                f"Label {i} is longer than its input allows: {len(symbols)} "
                f"symbols with {repeats} repeat(s) need at least {needed} CTC "
                f"frames (a blank separates repeats), but the input gives "
                f"{frames}{where}. Use longer inputs or shorter labels, or less "
                "subsampling (`conv_strides`, fewer `conv_filters`). "
                f"Received: label {i} = {symbols.tolist()}, {frames} frames"
            )


def ctc_subsampling(model):
    """Returns the time subsampling factor of the model's front end."""
    return int(np.prod(_front_end_strides(model)))


def _front_end_strides(model):
    names = {layer.name for layer in model.layers}
    strides, i = [], 0
    while f"frontend_conv_{i}" in names:
        strides.append(model.get_layer(f"frontend_conv_{i}").strides)
        i += 1
    return strides


CTC_STRATEGIES = ("beam", "greedy")


def ctc_decode(probabilities, *, strategy="greedy", beam_width=16, vocabulary=None,
               separator=""):
    """Decodes CTC outputs to label ids or text (`keras.ops.ctc_decode`).

    Greedy decoding takes the best class per frame, merges repeats and drops
    blanks; beam search keeps the `beam_width` best prefixes, summing over
    alignments. Padded frames are certain blanks (`CTCBlankPadding`), so
    the full length of every example is decoded.

    Args:
        probabilities: float `(batch, frames, classes)`, the model's output.
        strategy: str. `"greedy"` or `"beam"` (`"beam_search"`, Keras'
            name, accepted). Defaults to `"greedy"`.
        beam_width: int. Beams kept by `"beam"`. Defaults to 16.
        vocabulary: optional sequence mapping ids to symbols (index = id;
            e.g. a `StringLookup`'s `get_vocabulary()`). Given, the result is
            text.
        separator: str. Joins symbols into text: `""` for characters,
            `" "` for words. Defaults to `""`.

    Returns:
        A list with one entry per example: the list of ids, or a string when
        `vocabulary` is given.

    Example:

    >>> probs = np.full((1, 4, 3), 0.05)
    >>> probs[0, [0, 1, 2, 3], [1, 1, 0, 2]] = 0.9
    >>> ctc_decode(probs)
    [[1, 2]]
    >>> ctc_decode(probs, strategy="beam", vocabulary=["", "a", "b"])
    ['ab']
    """
    strategy = check_choice(
        "strategy", strategy, CTC_STRATEGIES,
        normalize=lambda s: "beam" if s == "beam_search" else s,
    )
    check_int("beam_width", beam_width, minimum=1)
    probabilities = np.asarray(keras.ops.convert_to_numpy(probabilities), "float32")
    if probabilities.ndim != 3:
        raise ValueError(
            "CTC outputs must be (batch, frames, classes). "
            f"Received: probabilities of shape {probabilities.shape}"
        )
    batch, frames, _ = probabilities.shape
    log_probs = np.log(np.clip(probabilities, 1e-7, 1.0))
    decoded, _ = keras.ops.ctc_decode(
        log_probs, np.full((batch,), frames, "int32"),
        strategy="greedy" if strategy == "greedy" else "beam_search",
        beam_width=beam_width, top_paths=1, mask_index=0,
    )
    decoded = np.asarray(keras.ops.convert_to_numpy(decoded))[0]  # (batch, frames)
    ids = [[int(i) for i in row if i > 0] for row in decoded]
    if vocabulary is None:
        return ids
    return [separator.join(str(vocabulary[i]) for i in row) for row in ids]


def _error_rate(references, hypotheses, split, metric):
    if isinstance(references, str):
        references = [references]
    if isinstance(hypotheses, str):
        hypotheses = [hypotheses]
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(
            "Give one hypothesis per reference. Received: "
            f"{len(references)} references and {len(hypotheses)} hypotheses"
        )
    units = [split(r) for r in references]
    total = sum(len(u) for u in units)
    if total == 0:
        raise ValueError(
            "The references are empty, so an error rate is undefined. "
            f"Received: references={references[:3]!r}..."
        )
    import jiwer

    # jiwer sums the edits over the corpus and divides by the reference
    # units; an empty hypothesis is all deletions.
    return float(metric(references, hypotheses))


def character_error_rate(references, hypotheses):
    """Character edits to turn the hypotheses into the references, per
    reference character (CER, computed by jiwer; can exceed 1).

    Example:

    >>> character_error_rate(["hello"], ["helo"])
    0.2
    """
    import jiwer

    return _error_rate(references, hypotheses, list, jiwer.cer)


def word_error_rate(references, hypotheses):
    """Word edits (words split on whitespace) per reference word (WER,
    computed by jiwer).

    Example:

    >>> word_error_rate(["the cat sat"], ["the cat sat down"])
    0.3333333333333333
    """
    import jiwer

    return _error_rate(references, hypotheses, str.split, jiwer.wer)
