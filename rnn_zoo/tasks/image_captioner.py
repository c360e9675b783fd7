"""Image captioning: an image (or its features) -> a caption, word by word."""

import keras
import numpy as np

from rnn_zoo._validation import check_choice
from rnn_zoo.layers.attention import ATTENTIONS
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common, _vision
from rnn_zoo.topologies.one_to_many import CONDITIONINGS, one_to_many
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    images = _vision.example_images(rng, kwargs, batch_size)
    lengths = _common.random_lengths(rng, batch_size, sequence_length + 1)
    stream = _common.random_tokens(
        rng, batch_size, sequence_length + 1, kwargs["vocabulary_size"], lengths
    )
    # Decoder inputs <s> w1 .. wn, targets w1 .. wn </s>.
    x, y = stream[:, :-1].copy(), stream[:, 1:]
    x[y == 0] = 0
    return [images, x], y


_TINY = dict(
    vocabulary_size=10, image_encoder="small_cnn", image_shape=(8, 8, 3),
    image_encoder_weights=None, embedding_dim=4, units=4, num_layers=2,
)
_FEATURES = dict(image_encoder=None, image_shape=None, feature_shape=(2, 2, 4))


@register_model(
    task="image_captioning",
    topology="one_to_many",
    tiny_kwargs=_TINY,
    example_data=_example_data,
    test_variants=[
        {"cell": "gru"},
        {"cell": "lstm", "attention": "bahdanau"},
        {"cell": "simple_rnn", "conditioning": "first_input"},
        dict(_FEATURES, cell="lstm", attention="luong", conditioning="first_input"),
    ],
)
@_vision.fill_image_doc
@_common.fill_doc
def image_captioner(
    *,
    vocabulary_size,
    image_encoder="mobilenet_v3_small",
    image_shape=None,
    feature_shape=None,
    image_encoder_weights="imagenet",
    image_encoder_trainable=None,
    embedding_dim=256,
    cell="lstm",
    units=512,
    num_layers=1,
    conditioning="initial_state",
    attention=None,
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    sequence_length=None,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="image_captioner",
):
    """Writes a caption for an image, one token at a time (CNN -> RNN).

    `image -> CNN -> features -> [Dense(tanh) -> h0 | first step] ->
    (LSTM|GRU|SimpleRNN) x num_layers over <s> w1 .. [-> attention over the
    feature grid] -> Dense(vocabulary_size) -> softmax`

    Inputs: `[images, tokens]`: images `(batch, height, width, channels)` in
    [0, 255] (or precomputed features `(batch, *feature_shape)` with
    `image_encoder=None`), and caption token ids `(batch, time)`, 0 =
    padding, starting with the start token: `<s> w1 ... wn`. Output:
    next-token probabilities `(batch, time, vocabulary_size)`; train with
    targets `w1 ... wn </s>` (teacher forcing). Generate captions with
    `rnn_zoo.decoding` (greedy, sampling or beam search until `</s>`), which
    drives the trained layers one step at a time.

    Conditioning (`conditioning`): `"initial_state"` maps the pooled image
    features through `Dense(tanh)` to every layer's initial states (CS231n
    assignment 3; Karpathy & Fei-Fei 2015); `"first_input"` feeds them,
    projected to `embedding_dim`, as a first step before `<s>` (Vinyals et
    al. 2015, "Show and Tell"). With `attention`, the decoder output at each
    step attends over the feature grid (`height * width` positions) and
    `Dense(tanh)` mixes the attended features into the prediction. This is
    Luong's arrangement of Xu et al. 2015's "soft" attention ("Show, Attend
    and Tell"); Xu et al. attend from the previous state and feed the result
    into the LSTM, which needs a custom cell, while here the recurrent layers
    stay Keras' fused ones. Layer names, which decoding looks up:
    `image_encoder`, `image_pooling`, `image_grid`, `embedding`,
    `decoder_{cell}_{i}`, `decoder_initial_state_{i}_{k}` or
    `decoder_context_projection`, `attention`, `attention_concat`,
    `attention_projection`, `logits`.

    Args:
        vocabulary_size: int. Number of token ids, padding id 0 included
            (with the start and end tokens).
        {image_args}
        embedding_dim: int. Width of the token embeddings. Defaults to 256.
        cell: str. `"lstm"`, `"gru"` or `"simple_rnn"` (Keras class names
            accepted, any case). Defaults to `"lstm"`.
        units: int, or list of ints with one width per layer. Width of each
            decoder layer. Defaults to 512.
        num_layers: int. Number of stacked decoder layers. Defaults to 1.
        dropout: float in [0, 1). Dropout on each recurrent layer's inputs
            and before the output layer. Defaults to 0.
        recurrent_dropout: float in [0, 1). Dropout on the recurrent state;
            above 0 it leaves the cuDNN fast path (warned once). Defaults to 0.
        residual: bool. Skip connections between decoder layers of equal
            width. Defaults to `False`.
        conditioning: str. `"initial_state"` or `"first_input"`. Defaults to
            `"initial_state"`.
        attention: None, `"bahdanau"` (additive score, as in Show, Attend and
            Tell) or `"luong"` (multiplicative). Needs a spatial grid: an
            image encoder, or grid features. Defaults to None.
        {compile_args}

    Returns:
        A `keras.Model`, compiled with sparse categorical cross-entropy and
        per-token accuracy unless `compile=False`.

    Raises:
        ValueError: for a bad argument, an unknown `image_encoder`, images
            of the wrong rank or channels, or attention without a grid.
        RuntimeError: when the ImageNet weights cannot be downloaded (the
            message says how to go on offline).

    Example:

    >>> model = image_captioner(vocabulary_size=10, image_encoder="small_cnn",
    ...                         image_shape=(16, 16, 3),
    ...                         image_encoder_weights=None, embedding_dim=4,
    ...                         units=4, attention="bahdanau")
    >>> images = np.zeros((2, 16, 16, 3))
    >>> tokens = np.array([[1, 4, 5], [1, 6, 0]])
    >>> tuple(model.predict([images, tokens], verbose=0).shape)
    (2, 3, 10)

    Reference: Vinyals et al. 2015, "Show and Tell"; Xu et al. 2015, "Show,
    Attend and Tell"; CS231n lecture 10 and assignment 3.
    """
    _common.check_vocabulary_size(vocabulary_size)
    images = _vision.check_image_args(
        image_encoder=image_encoder, image_shape=image_shape,
        feature_shape=feature_shape, image_encoder_weights=image_encoder_weights,
        image_encoder_trainable=image_encoder_trainable,
    )
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=False,
        merge_mode="concat", dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    check_choice("conditioning", conditioning, CONDITIONINGS)
    attention = check_choice("attention", attention, (None, *sorted(ATTENTIONS)))
    if attention is not None and images["feature_shape"] is not None and len(
        images["feature_shape"]
    ) == 1:
        raise ValueError(
            "Attention needs a spatial grid of image features to attend over, "
            "but `feature_shape` is a vector. Pass grid features "
            "(height, width, features), an `image_encoder`, or attention=None. "
            f"Received: attention={attention!r}, "
            f"feature_shape={images['feature_shape']!r}"
        )
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=sequence_length, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    image, vector, grid = _vision.image_features(images)  # (batch, c), (batch, hw, c)
    tokens = _common.token_input(sequence_length)  # (batch, time)
    x = _common.embed(tokens, vocabulary_size, embedding_dim)  # (batch, time, embed)
    x = one_to_many(
        vector, x, conditioning=conditioning, name="decoder", **stack
    )  # (batch, time, units[-1])
    if attention is not None:
        width = stack["units"][-1]
        # The weights are an output of the layer so decoding can report them.
        context, _ = ATTENTIONS[attention](
            width, return_attention_scores=True, name="attention"
        )([x, grid])  # (batch, time, c), (batch, time, h * w)
        x = keras.layers.Concatenate(name="attention_concat")([context, x])
        x = keras.layers.Dense(width, activation="tanh", name="attention_projection")(x)
    probabilities = _common.softmax_head(x, vocabulary_size, stack["dropout"])
    model = ZooModel([image, tokens], probabilities, name=name)  # (batch, time, vocab)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm
        )
    return model
