"""Video classification: frames -> one label per clip or one per frame."""

import keras
import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_float, check_int
from rnn_zoo.layers.time import FoldTime, FrameMasking, UnfoldTime
from rnn_zoo.metrics import TokenAccuracy
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common, _vision
from rnn_zoo.topologies.many_to_many import many_to_many
from rnn_zoo.topologies.many_to_one import check_pooling, many_to_one
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


FRAME_POOLINGS = ("avg", "flatten", "max")


def _pool_frames(grid, frame_pooling):
    """`(batch * frames, h, w, c)` -> one vector per frame."""
    if frame_pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="frame_pooling")(grid)
    if frame_pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="frame_pooling")(grid)
    return keras.layers.Flatten(name="frame_pooling")(grid)  # (.., h * w * c)


def check_video_labels(y_true, y_pred, per_frame):
    """Raises a clear error for video labels of the wrong shape.

    A clip model (`per_frame=False`) takes one label per clip `(batch,)`; a
    per-frame model one per frame `(batch, frames)` (a trailing axis of 1 is
    accepted), as many as the clips have frames, padding included. Checked
    on the static shapes, while tracing; unknown sizes pass.
    """
    try:
        labels = tuple(y_true.shape)
    except ValueError:  # unknown rank while tracing: nothing to check
        return
    if labels and labels[-1] == 1 and len(labels) == len(y_pred.shape):
        labels = labels[:-1]  # (batch, ..., 1) is accepted as (batch, ...)
    if not per_frame and len(labels) != 1:
        raise ValueError(
            "This video classifier gives one label per clip "
            "(per_frame=False), so labels must be (batch,). For one label "
            "per frame, build with per_frame=True. "
            f"Received: labels of shape {labels}"
        )
    if per_frame:
        frames = y_pred.shape[1]
        if len(labels) != 2 or (
            labels[1] is not None and frames is not None and labels[1] != frames
        ):
            raise ValueError(
                "Per-frame labels must be (batch, frames), one per frame "
                f"of the clips: the clips have {frames} frames (padding "
                "included; pad the labels the same way). "
                f"Received: labels of shape {labels}"
            )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class VideoLabelCrossentropy(keras.losses.SparseCategoricalCrossentropy):
    """Sparse categorical cross-entropy that checks the shape of video labels.

    Labels of the wrong shape (`check_video_labels`) get a clear error
    instead of a broadcasting error from deep inside the loss. Padded frames
    are masked out of the loss.

    Args:
        per_frame: bool. Whether the model labels every frame.
        **kwargs: as in `keras.losses.SparseCategoricalCrossentropy`.
    """

    def __init__(self, per_frame=False, **kwargs):
        super().__init__(**kwargs)
        self.per_frame = per_frame

    def call(self, y_true, y_pred):
        check_video_labels(y_true, y_pred, self.per_frame)
        return super().call(y_true, y_pred)

    def get_config(self):
        config = super().get_config()
        config.update(per_frame=self.per_frame)
        return config


@keras.saving.register_keras_serializable(package="rnn_zoo")
class VideoLabelAccuracy(TokenAccuracy):
    """Sparse categorical accuracy that checks the shape of video labels
    (`check_video_labels`); some backends compute metrics before the loss.

    Args:
        per_frame: bool. Whether the model labels every frame.
        name: str. Defaults to `"accuracy"`.
        dtype: the metric's dtype.

    Per-frame accuracy counts every real frame alike (`TokenAccuracy`).
    """

    def __init__(self, per_frame=False, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.per_frame = per_frame

    def update_state(self, y_true, y_pred, sample_weight=None):
        check_video_labels(y_true, y_pred, self.per_frame)
        return super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(per_frame=self.per_frame)
        return config


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    if kwargs.get("image_encoder", "mobilenet_v3_small") is None:
        shape = (kwargs["feature_dim"],)
        x = rng.normal(size=(batch_size, sequence_length, *shape))
    else:
        shape = tuple(kwargs.get("frame_shape") or _vision.DEFAULT_IMAGE_SHAPE)
        x = rng.uniform(1, 255, size=(batch_size, sequence_length, *shape))
    lengths = _common.random_lengths(rng, batch_size, sequence_length)
    padded = np.arange(sequence_length)[None, :] >= lengths[:, None]
    x[padded] = kwargs.get("mask_value", 0.0)
    if kwargs.get("per_frame"):
        y = rng.integers(0, kwargs["num_classes"], size=(batch_size, sequence_length))
        y[padded] = 0
    else:
        y = rng.integers(0, kwargs["num_classes"], size=(batch_size,))
    return x.astype("float32"), y.astype("int32")


@register_model(
    task="video_classification",
    topology="many_to_one",
    tiny_kwargs=dict(
        num_classes=3, frame_shape=(8, 8, 1), image_encoder="small_cnn",
        image_encoder_weights=None, mask_value=0.0, units=4, num_layers=2,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "gru"},
        {"cell": "lstm", "bidirectional": True, "per_frame": True},
        {"cell": "simple_rnn", "image_encoder": None, "frame_shape": None,
         "feature_dim": 6, "pooling": "mean"},
    ],
)
@_vision.fill_image_doc
@_common.fill_doc
def video_classifier(
    *,
    num_classes,
    frame_shape=None,
    feature_dim=None,
    image_encoder="mobilenet_v3_small",
    image_encoder_weights="imagenet",
    image_encoder_trainable=None,
    frame_pooling="avg",
    per_frame=False,
    mask_value=0.0,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=False,
    merge_mode="concat",
    pooling="last",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="video_classifier",
):
    """Classifies video clips, or every frame of them, with a CNN and an RNN.

    `frames -> per-frame CNN -> pooled features -> [Bidirectional]
    (LSTM|GRU|SimpleRNN) x num_layers -> [pooling] -> Dense(num_classes) ->
    softmax`

    Input: frames `(batch, frames, height, width, channels)` in [0, 255],
    or precomputed per-frame features `(batch, frames, feature_dim)` with
    `image_encoder=None`. Output: class probabilities `(batch, num_classes)`
    (`per_frame=False`, many-to-one: action recognition, Donahue et al.
    2015) or `(batch, frames, num_classes)` (`per_frame=True`,
    many-to-many: per-frame labelling). The CNN (`image_encoder`) runs on
    every frame: `FoldTime` reshapes the clips to `(batch * frames, height,
    width, channels)` and `UnfoldTime` back, which also works when the number
    of frames is unknown (where `TimeDistributed` fails in Keras 3.15).
    Clips of different lengths are padded with frames that equal
    `mask_value` everywhere; they are masked in the recurrent layers, the
    pooling, the loss and the metrics.

    Args:
        num_classes: int >= 2. Number of classes.
        frame_shape: tuple `(height, width, channels)` of the frames, or None
            for (224, 224, 3). Only with an `image_encoder`.
        feature_dim: int. Features per frame, for precomputed features
            (`image_encoder=None`).
        {image_encoder_args}
        frame_pooling: str. How each frame's feature grid becomes a vector:
            `"avg"` or `"max"` (global pooling: what is in the frame), or
            `"flatten"` (keeps where it is, which motion needs; for small
            grids: `height * width * channels` features per frame).
            Defaults to `"avg"`.
        per_frame: bool. One label per frame instead of one per clip.
            Defaults to `False`.
        mask_value: float or None. Padding frames (or feature vectors) hold
            this value everywhere; None turns masking off. Defaults to 0.
        {stack_args}
        pooling: str. With `per_frame=False`, how the frames become one
            vector: `"last"`, `"mean"`, `"max"` or `"attention"`. Defaults to
            `"last"`.
        {compile_args}
            `sequence_length` counts frames.

    Returns:
        A `keras.Model`, compiled with `VideoLabelCrossentropy` and
        `VideoLabelAccuracy` (sparse categorical cross-entropy and accuracy
        that check the labels' shape) unless `compile=False`.

    Raises:
        ValueError: for a bad argument, an unknown `image_encoder`, or frames
            of the wrong rank or channels. At training time, labels of the
            wrong shape (per-frame labels of the wrong length).
        RuntimeError: when the ImageNet weights cannot be downloaded.

    Example:

    >>> model = video_classifier(num_classes=3, frame_shape=(16, 16, 1),
    ...                          image_encoder="small_cnn",
    ...                          image_encoder_weights=None, units=4,
    ...                          per_frame=True)
    >>> clips = np.random.uniform(0, 255, size=(2, 5, 16, 16, 1))
    >>> tuple(model.predict(clips, verbose=0).shape)
    (2, 5, 3)

    Reference: Donahue et al. 2015, "Long-term Recurrent Convolutional
    Networks"; Ng et al. 2015, "Beyond Short Snippets".
    """
    _common.check_num_classes(num_classes)
    encoder = _vision.check_image_encoder(image_encoder)
    if encoder is None:
        if frame_shape is not None:
            raise ValueError(
                "`frame_shape` describes frames for an image encoder, but "
                "image_encoder=None takes precomputed per-frame features. Pass "
                "`feature_dim` instead, or name an `image_encoder`. "
                f"Received: image_encoder=None, frame_shape={frame_shape!r}"
            )
        if feature_dim is None:
            raise ValueError(
                "image_encoder=None takes precomputed per-frame features, so "
                "`feature_dim` (features per frame) is needed. "
                "Received: image_encoder=None, feature_dim=None"
            )
        check_int("feature_dim", feature_dim, minimum=1)
        images = None
    else:
        if feature_dim is not None:
            raise ValueError(
                "`feature_dim` is for precomputed per-frame features "
                f"(image_encoder=None); the {encoder!r} encoder computes them "
                "from frames of `frame_shape`. Pass one or the other. "
                f"Received: image_encoder={image_encoder!r}, feature_dim={feature_dim!r}"
            )
        frame_shape = _vision.check_image_shape(
            frame_shape or _vision.DEFAULT_IMAGE_SHAPE, encoder, arg="frame_shape"
        )
        images = _vision.check_image_args(
            image_encoder=encoder, image_shape=frame_shape, feature_shape=None,
            image_encoder_weights=image_encoder_weights,
            image_encoder_trainable=image_encoder_trainable,
        )
    check_choice("frame_pooling", frame_pooling, FRAME_POOLINGS)
    check_bool("per_frame", per_frame)
    if mask_value is not None:
        check_float("mask_value", mask_value)
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_pooling(pooling)
    _common.check_common(
        sequence_length=sequence_length, compile=compile, learning_rate=learning_rate,
        global_clipnorm=global_clipnorm, name=name,
    )

    if images is None:
        inputs, x = _common.feature_input(sequence_length, feature_dim, mask_value)
        # x: (batch, frames, feature_dim)
    else:
        inputs = keras.Input((sequence_length, *images["image_shape"]), name="frames")
        frames = inputs  # (batch, frames, height, width, channels)
        if mask_value is not None:
            frames = FrameMasking(mask_value, name="masking")(frames)
        x = FoldTime(name="fold_frames")(frames)  # (batch * frames, h, w, c)
        x = _vision.build_image_encoder(
            images["encoder"], images["image_shape"], images["weights"],
            images["trainable"],
        )(x)  # (batch * frames, h', w', c')
        x = _pool_frames(x, frame_pooling)  # (batch * frames, c'')
        x = UnfoldTime(name="unfold_frames")([x, frames])  # (batch, frames, c'')
    if per_frame:
        x = many_to_many(x, name="encoder", **stack)  # (batch, frames, width)
    else:
        x = many_to_one(x, pooling=pooling, name="encoder", **stack)  # (batch, width)
    probabilities = _common.softmax_head(x, num_classes, stack["dropout"])
    model = ZooModel(inputs, probabilities, name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=learning_rate, global_clipnorm=global_clipnorm
            ),
            loss=VideoLabelCrossentropy(per_frame=per_frame),
            metrics=[VideoLabelAccuracy(per_frame=per_frame)],
        )
    return model
