"""Text-line (handwriting, print) recognition with CTC: image columns -> characters.

The CTC pieces are those of `speech_recognizer`: `CTCLoss` to train,
`ctc_decode` (greedy or beam search) to read the output, `CTCBlankPadding`
for padded columns. `text_line_input_lengths` and `check_text_line_lengths`
check that labels fit the subsampled width.
"""

import keras
import numpy as np

from rnn_zoo._validation import check_float, check_int
from rnn_zoo.layers.ctc import CTCBlankPadding
from rnn_zoo.layers.text_line import ColumnFeatures, MaskedConv2D
from rnn_zoo.layers.time import FrameMasking
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common
from rnn_zoo.tasks.speech_recognizer import CTCLoss
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    widths = _common.random_lengths(rng, batch_size, sequence_length)
    x = rng.uniform(size=(batch_size, sequence_length, kwargs["image_height"]))
    x[np.arange(sequence_length)[None, :] >= widths[:, None]] = kwargs["mask_value"]
    subsampling = int(np.prod(kwargs.get("conv_pool_widths") or [1]))
    y = np.zeros((batch_size, sequence_length), "int32")
    for i, n in enumerate(widths):
        k = n // (2 * subsampling)
        y[i, :k] = rng.integers(1, kwargs["vocabulary_size"], size=k)
    return x.astype("float32"), y


@register_model(
    task="text_recognition",
    topology="many_to_many",
    tiny_kwargs=dict(
        image_height=8, vocabulary_size=10, mask_value=-1.0, conv_filters=[3],
        conv_pool_widths=[1],
        units=4, num_layers=2, bidirectional=False,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "lstm", "bidirectional": True},
        {"cell": "gru", "conv_filters": [2, 3], "conv_pool_widths": [1, 1],
         "conv_batch_norm": True},
        {"cell": "simple_rnn", "bidirectional": True, "merge_mode": "sum"},
    ],
)
@_common.fill_doc
def text_recognizer(
    *,
    image_height,
    vocabulary_size,
    mask_value=-1.0,
    conv_filters=(32, 64, 96),
    conv_kernel_size=3,
    conv_pool_widths=(2, 2, 1),
    conv_batch_norm=False,
    cell="lstm",
    units=128,
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
    name="text_recognizer",
):
    """Reads a line of text from an image (handwriting or print) with CTC.

    `image columns -> FrameMasking -> [MaskedConv2D (ReLU, max pool)] x n ->
    columns as frames -> [Bidirectional](LSTM|GRU|SimpleRNN) x num_layers ->
    Dense(vocabulary_size) -> softmax`, per column, with the CTC blank at 0
    (the CRNN of Shi et al. 2017).

    Input: grey images read column by column, `(batch, width, height)`,
    ink near 1 on a background near 0, right-padded along the width with
    `mask_value` (not 0: blank columns between words are real). Output:
    per-column probabilities `(batch, width', vocabulary_size)`, `width' =
    ceil(width / prod(conv_pool_widths))`. Train with labels `(batch,
    max_label_length)`: character ids in `[1, vocabulary_size)`,
    right-padded with 0, that fit the subsampled width
    (`check_text_line_lengths`); the loss is Keras' CTC (`CTCLoss`). Decode
    with `rnn_zoo.tasks.speech_recognizer.ctc_decode` (greedy or beam).

    Each convolution halves the height; the height left times the last
    filter count is the width of each frame the recurrent layers read.

    Args:
        image_height: int. Pixel rows of every image (lines are scaled to
            it). Must be at least `2 ** len(conv_filters)`.
        vocabulary_size: int. Number of label ids, padding id 0 included (a
            `Vocabulary`'s size); id 0 serves as the CTC blank.
        mask_value: float. The value of padding columns (every pixel of the
            column equal to it). Defaults to -1.0.
        conv_filters: list of ints. One `MaskedConv2D` per entry. Defaults to
            `(32, 64, 96)`.
        conv_kernel_size: int. Side of each square kernel. Defaults to 3.
        conv_pool_widths: list of ints, one per convolution. Width
            subsampling of each one's max pooling (the height is always
            halved). Defaults to `(2, 2, 1)` (4x fewer frames than columns).
        conv_batch_norm: bool. Batch normalisation (over real columns only)
            between each convolution and its ReLU. Defaults to `False`
            (`recipes/text_recognition.py` turns it on: CTC then converges
            in far fewer steps).
        {stack_args}
            Here `units` defaults to 128, `num_layers` to 2 and
            `bidirectional` to `True`.
        {compile_args}
            `sequence_length` is the image width.

    Returns:
        A `keras.Model`, compiled with `CTCLoss` unless `compile=False`.

    Raises:
        ValueError: for a bad argument value, `conv_pool_widths` of another
            length than `conv_filters`, or images too low for the
            convolutions.
        TypeError: for an argument of the wrong type.

    Example:

    >>> model = text_recognizer(image_height=8, vocabulary_size=5, units=4,
    ...                         num_layers=1, conv_filters=[4, 4],
    ...                         conv_pool_widths=[2, 1])
    >>> images = np.random.uniform(size=(2, 9, 8))
    >>> tuple(model.predict(images, verbose=0).shape)
    (2, 5, 5)

    Reference: Shi, Bai & Yao 2017, "An End-to-End Trainable Neural Network
    for Image-based Sequence Recognition" (CRNN); Graves et al. 2009,
    "A Novel Connectionist System for Unconstrained Handwriting Recognition".
    """
    check_int("image_height", image_height, minimum=1)
    _common.check_vocabulary_size(vocabulary_size)
    check_float("mask_value", mask_value)
    conv_filters = _int_list("conv_filters", conv_filters)
    check_int("conv_kernel_size", conv_kernel_size, minimum=1)
    conv_pool_widths = _int_list("conv_pool_widths", conv_pool_widths)
    if not isinstance(conv_batch_norm, bool):
        raise TypeError(
            "`conv_batch_norm` must be True or False. "
            f"Received: conv_batch_norm={conv_batch_norm!r}"
        )
    if len(conv_pool_widths) != len(conv_filters):
        raise ValueError(
            "`conv_pool_widths` needs one width subsampling per convolution "
            f"in `conv_filters`: {len(conv_filters)} value(s). Received: "
            f"conv_filters={conv_filters}, conv_pool_widths={conv_pool_widths}"
        )
    if image_height < 2 ** len(conv_filters):
        raise ValueError(
            f"Each of the {len(conv_filters)} convolutions halves the image "
            f"height, so `image_height` must be at least "
            f"{2 ** len(conv_filters)}. Use taller images or fewer "
            f"`conv_filters`. Received: image_height={image_height}"
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

    images = keras.Input((sequence_length, image_height), name="image")  # (batch, width, height)
    x = FrameMasking(mask_value, name="masking")(images)
    for i, (filters, pool_width) in enumerate(zip(conv_filters, conv_pool_widths)):
        x = MaskedConv2D(
            filters, conv_kernel_size, pool_size=(pool_width, 2),
            batch_norm=conv_batch_norm, name=f"frontend_conv_{i}",
        )(x)  # (batch, ceil(width / pool), height / 2, filters)
    x = ColumnFeatures(name="column_features")(x)  # (batch, width', height' * filters)
    x = many_to_many(x, name="encoder", **stack)  # (batch, width', units)
    probabilities = _common.softmax_head(x, vocabulary_size, stack["dropout"])
    outputs = CTCBlankPadding(name="ctc_probabilities")(probabilities)
    model = ZooModel(images, outputs, name=name)  # (batch, width', vocab)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=learning_rate, global_clipnorm=global_clipnorm
            ),
            loss=CTCLoss(),
        )
    return model


def _int_list(arg, values):
    if not isinstance(values, (list, tuple)) or not values:
        raise TypeError(
            f"`{arg}` must be a non-empty list of ints (one per convolution). "
            f"Received: {arg}={values!r}"
        )
    return [check_int(arg, v, minimum=1) for v in values]


def text_line_subsampling(model):
    """Returns how many image columns make one CTC frame of the model."""
    names = {layer.name for layer in model.layers}
    factor, i = 1, 0
    while f"frontend_conv_{i}" in names:
        factor *= model.get_layer(f"frontend_conv_{i}").pool_size[0]
        i += 1
    return factor


def text_line_input_lengths(model, widths):
    """Returns the CTC frames of images `widths` columns wide (int array)."""
    widths = np.asarray(widths, "int64")
    return -(-widths // text_line_subsampling(model))


def check_text_line_lengths(model, widths, labels):
    """Checks that every label fits the CTC frames of its image.

    A label of `n` symbols with `r` adjacent repeats needs `n + r` frames (a
    blank between repeats); the model gives `ceil(width / subsampling)`.

    Args:
        model: a `text_recognizer` model.
        widths: ints, the real width of each image.
        labels: sequences of label ids, one per image (no padding).

    Raises:
        ValueError: naming the first label that does not fit.

    Example:

    >>> model = text_recognizer(image_height=4, vocabulary_size=5, units=2,
    ...                         num_layers=1, conv_filters=[2],
    ...                         conv_pool_widths=[2])
    >>> check_text_line_lengths(model, [8], [[1, 2, 2]])
    """
    frames = text_line_input_lengths(model, widths)
    if len(frames) != len(labels):
        raise ValueError(
            f"Give one label per image. Received: {len(frames)} widths and "
            f"{len(labels)} labels"
        )
    for i, (label, available) in enumerate(zip(labels, frames)):
        label = np.asarray(label)
        repeats = int(np.sum(label[1:] == label[:-1])) if len(label) else 0
        if len(label) + repeats > available:
            raise ValueError(
                f"Label {i} does not fit its image: {len(label)} symbols with "
                f"{repeats} repeat(s) need {len(label) + repeats} CTC frames, "
                f"and an image {int(np.asarray(widths)[i])} columns wide gives "
                f"{available} after {text_line_subsampling(model)}x width "
                "subsampling. Render wider characters, or lower "
                f"`conv_pool_widths`. Received: label {i} = {label.tolist()}"
            )
