"""Image encoders and image inputs shared by the perception task builders.

An image goes through a `keras.applications` model without its top (or a
small built-in conv net), giving a spatial grid of features; precomputed
features skip the encoder. The listed `keras.applications` models all take raw
pixels in [0, 255] and do their own preprocessing inside the model, so no
preprocessing function has to travel with the saved model.
"""

import numbers

import keras

from rnn_zoo._validation import check_bool, suggest

# name -> keras.applications class name (None: the built-in small conv net).
IMAGE_ENCODERS = {
    "convnext_tiny": "ConvNeXtTiny",
    "efficientnet_b0": "EfficientNetB0",
    "efficientnet_b1": "EfficientNetB1",
    "efficientnet_b2": "EfficientNetB2",
    "efficientnet_b3": "EfficientNetB3",
    "efficientnet_v2_b0": "EfficientNetV2B0",
    "efficientnet_v2_s": "EfficientNetV2S",
    "mobilenet_v3_large": "MobileNetV3Large",
    "mobilenet_v3_small": "MobileNetV3Small",
    "small_cnn": None,
}
DEFAULT_IMAGE_SHAPE = (224, 224, 3)

_ENCODER_DOCS = """image_encoder: str or None. The image encoder, a `keras.applications`
            model without its top: `"mobilenet_v3_small"`,
            `"mobilenet_v3_large"`, `"efficientnet_b0"` ... `"efficientnet_b3"`,
            `"efficientnet_v2_b0"`, `"efficientnet_v2_s"`, `"convnext_tiny"`;
            or `"small_cnn"`, two strided 3x3 convolutions with layer
            normalization, trained from scratch (small images, tests). All
            take raw pixels in [0, 255]. `None` takes precomputed features.
            Defaults to `"mobilenet_v3_small"`.
        image_encoder_weights: `"imagenet"`, None (random initialization) or
            the path of a weights file, as in `keras.applications`. The
            ImageNet weights are downloaded once into `~/.keras/models`.
            `"small_cnn"` has no pretrained weights: pass None. Defaults to
            `"imagenet"`.
        image_encoder_trainable: bool or None. Whether the encoder's weights
            train with the model. None: frozen when they are pretrained
            (`image_encoder_weights` given), trained when they start random.
            A frozen encoder runs in inference mode (batch norm statistics
            kept). Defaults to None."""
_SHAPE_DOCS = """image_shape: tuple `(height, width, channels)` of the input images, or
            None for (224, 224, 3). The `keras.applications` encoders take 3
            channels (RGB). Only with an `image_encoder`.
        feature_shape: tuple. Shape of precomputed image features, when
            `image_encoder=None`: a vector `(features,)` or a spatial grid
            `(height, width, features)` (for example a CNN's last feature
            map). Defaults to None."""


def fill_image_doc(builder):
    """Fills `{image_args}` (encoder and shapes) and `{image_encoder_args}`
    (encoder only) in a builder's docstring."""
    doc = builder.__doc__
    doc = doc.replace("{image_args}", _ENCODER_DOCS + "\n        " + _SHAPE_DOCS)
    builder.__doc__ = doc.replace("{image_encoder_args}", _ENCODER_DOCS)
    return builder


def _check_shape(arg, shape, lengths, what):
    if not isinstance(shape, (tuple, list)) or len(shape) not in lengths or any(
        isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1
        for d in shape
    ):
        raise ValueError(
            f"`{arg}` must be {what}, of positive ints. Received: {arg}={shape!r}"
        )
    return tuple(int(d) for d in shape)


def check_image_encoder(image_encoder):
    if image_encoder is None:
        return None
    if not isinstance(image_encoder, str):
        raise TypeError(
            "`image_encoder` must be a string naming the encoder, or None for "
            f"precomputed features. Received: image_encoder={image_encoder!r} "
            f"of type {type(image_encoder).__name__}"
        )
    key = image_encoder.strip().lower()
    if key not in IMAGE_ENCODERS:
        names = sorted(IMAGE_ENCODERS)
        raise ValueError(
            f"Unknown image encoder {image_encoder!r}."
            f"{suggest(key, names)} Expected one of {names}, or None for "
            f"precomputed features. Received: image_encoder={image_encoder!r}"
        )
    return key


def check_image_args(
    *, image_encoder, image_shape, feature_shape, image_encoder_weights,
    image_encoder_trainable,
):
    """Validates the image arguments; returns them normalised in a dict."""
    encoder = check_image_encoder(image_encoder)
    if image_encoder_trainable is not None:
        check_bool("image_encoder_trainable", image_encoder_trainable)
    if encoder is None:
        if image_shape is not None:
            raise ValueError(
                "`image_shape` describes images for an image encoder, but "
                "image_encoder=None takes precomputed features. Pass "
                "`feature_shape` instead, or name an `image_encoder`. "
                f"Received: image_encoder=None, image_shape={image_shape!r}"
            )
        if feature_shape is None:
            raise ValueError(
                "image_encoder=None takes precomputed image features, so "
                "`feature_shape` is needed: (features,) for a vector or "
                "(height, width, features) for a spatial grid. "
                "Received: image_encoder=None, feature_shape=None"
            )
        feature_shape = _check_shape(
            "feature_shape", feature_shape, (1, 3),
            "(features,) for a vector or (height, width, features) for a grid",
        )
        return dict(encoder=None, image_shape=None, feature_shape=feature_shape,
                    weights=None, trainable=None)
    if feature_shape is not None:
        raise ValueError(
            "`feature_shape` is for precomputed features (image_encoder=None); "
            f"the {encoder!r} encoder computes the features from images of "
            "`image_shape`. Pass one or the other. "
            f"Received: image_encoder={image_encoder!r}, "
            f"feature_shape={feature_shape!r}"
        )
    if image_shape is None:
        image_shape = DEFAULT_IMAGE_SHAPE
    image_shape = check_image_shape(image_shape, encoder)
    weights = image_encoder_weights
    if weights is not None and not isinstance(weights, str):
        raise TypeError(
            "`image_encoder_weights` must be 'imagenet', None or a file path. "
            f"Received: image_encoder_weights={weights!r}"
        )
    if encoder == "small_cnn" and weights is not None:
        raise ValueError(
            "The 'small_cnn' encoder has no pretrained weights: it is trained "
            "with the model. Pass image_encoder_weights=None. "
            f"Received: image_encoder_weights={weights!r}"
        )
    trainable = image_encoder_trainable
    if trainable is None:
        trainable = weights is None
    return dict(encoder=encoder, image_shape=image_shape, feature_shape=None,
                weights=weights, trainable=trainable)


def check_image_shape(image_shape, encoder, arg="image_shape"):
    shape = _check_shape(arg, image_shape, (3,), "(height, width, channels)")
    if encoder != "small_cnn" and shape[-1] != 3:
        raise ValueError(
            f"The {encoder!r} encoder takes RGB images with 3 channels. "
            f"Convert the images to RGB, or use image_encoder='small_cnn', which "
            f"takes any number of channels. Received: {arg}={image_shape!r}"
        )
    return shape


def small_cnn(image_shape, name="image_encoder"):
    """Two strided 3x3 convolutions: `(H, W, C) -> (H/4, W/4, 32)`.

    Pixels in [0, 255] are scaled to [-1, 1]. Each convolution is followed by
    `LayerNormalization` (no batch statistics, so training and inference
    agree from the first step, which `BatchNormalization` does not on short
    runs) and `silu` (every unit keeps a gradient: no dead ReLUs).
    """
    image = keras.Input(image_shape, name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="rescaling")(image)
    for i, filters in enumerate((16, 32)):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False,
                                name=f"conv_{i}")(x)
        x = keras.layers.LayerNormalization(name=f"conv_{i}_normalization")(x)
        x = keras.layers.Activation("silu", name=f"conv_{i}_activation")(x)
    return keras.Model(image, x, name=name)


def build_image_encoder(encoder, image_shape, weights, trainable, name="image_encoder"):
    """Returns a `keras.Model` image `(H, W, C)` -> feature grid `(h, w, c)`."""
    if encoder == "small_cnn":
        model = small_cnn(image_shape, name=name)
    else:
        application = getattr(keras.applications, IMAGE_ENCODERS[encoder])
        try:
            model = application(
                include_top=False, weights=weights, input_shape=image_shape,
                name=name,
            )
        except (ValueError, TypeError):
            raise
        except Exception as error:  # keras.utils.get_file raises bare Exception
            if weights != "imagenet":
                raise
            raise RuntimeError(
                f"Could not download the ImageNet weights of the {encoder!r} "
                f"image encoder (keras.applications.{IMAGE_ENCODERS[encoder]}): "
                f"{error}. This machine may be offline. To proceed: download "
                "them where there is a network (they are cached in "
                "~/.keras/models), pass image_encoder_weights=<path of the "
                "weights file>, pass image_encoder_weights=None to train the "
                "encoder from random weights, or precompute image features and "
                "build with image_encoder=None, feature_shape=(...). "
                f"Received: image_encoder={encoder!r}, "
                "image_encoder_weights='imagenet'"
            ) from error
    model.trainable = trainable
    return model


def image_features(args):
    """Builds the image input and its features.

    Returns `(input, vector, grid)`: the `keras.Input` (`"image"` or
    `"image_features"`), the pooled feature vector `(batch, channels)`, and
    the spatial grid as a sequence `(batch, height * width, channels)`, or
    None for vector features.
    """
    if args["encoder"] is None:
        inputs = keras.Input(args["feature_shape"], name="image_features")
        if len(args["feature_shape"]) == 1:
            return inputs, inputs, None
        grid = inputs  # (batch, h, w, c)
    else:
        inputs = keras.Input(args["image_shape"], name="image")
        encoder = build_image_encoder(
            args["encoder"], args["image_shape"], args["weights"], args["trainable"]
        )
        grid = encoder(inputs)  # (batch, h, w, c)
    vector = keras.layers.GlobalAveragePooling2D(name="image_pooling")(grid)
    sequence = keras.layers.Reshape((-1, grid.shape[-1]), name="image_grid")(grid)
    return inputs, vector, sequence  # (batch, c), (batch, h * w, c)


def example_images(rng, kwargs, batch_size):
    """Random images in [0, 255] or standard-normal features for `kwargs`."""
    if kwargs.get("image_encoder", "mobilenet_v3_small") is None:
        shape = tuple(kwargs["feature_shape"])
        return rng.normal(size=(batch_size, *shape)).astype("float32")
    shape = tuple(kwargs.get("image_shape") or DEFAULT_IMAGE_SHAPE)
    return rng.uniform(0, 255, size=(batch_size, *shape)).astype("float32")
