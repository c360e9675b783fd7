"""Instruction following: an instruction and per-step observations -> an
action per step (vision-and-language navigation, small scale)."""

import keras
import numpy as np

from rnn_zoo._validation import check_float
from rnn_zoo.layers.observation_check import ObservationShapeCheck
from rnn_zoo.layers.time import FoldTime, FrameMasking, UnfoldTime
from rnn_zoo.metrics import TokenAccuracy
from rnn_zoo.registry import register_model
from rnn_zoo.tasks import _common, _vision
from rnn_zoo.topologies.seq2seq import check_attention, encoder_decoder
from rnn_zoo.topologies.stacks import validate_stack_args
from rnn_zoo.model import ZooModel


def check_action_labels(y_true, y_pred):
    """Raises a clear error for action labels that are not one per step.

    Labels are `(batch, steps)` (a trailing axis of 1 is accepted), as many
    steps as the observations, padding included. Checked on the static
    shapes, while tracing; unknown sizes pass.
    """
    try:
        labels = tuple(y_true.shape)
    except ValueError:  # unknown rank while tracing: nothing to check
        return
    if labels and labels[-1] == 1 and len(labels) == len(y_pred.shape):
        labels = labels[:-1]  # (batch, steps, 1) is accepted as (batch, steps)
    steps = y_pred.shape[1]
    if len(labels) != 2 or (labels[1] is not None and steps is not None and labels[1] != steps):
        raise ValueError(
            "Action labels must be (batch, steps): one action per observation "
            f"step. The observations have {steps} steps, padding included; pad "
            "the actions the same way (padded steps are masked). "
            f"Received: labels of shape {labels}"
        )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ActionCrossentropy(keras.losses.SparseCategoricalCrossentropy):
    """Sparse categorical cross-entropy that checks the shape of per-step
    action labels (`check_action_labels`) before a broadcasting error deep
    inside the loss can. Padded steps are masked out.

    Args:
        **kwargs: as in `keras.losses.SparseCategoricalCrossentropy`.
    """

    def call(self, y_true, y_pred):
        check_action_labels(y_true, y_pred)
        return super().call(y_true, y_pred)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ActionAccuracy(TokenAccuracy):
    """Per-step accuracy that checks the shape of action labels
    (`check_action_labels`); some backends compute metrics before the loss.
    Every real step counts alike, across batches of different lengths
    (`rnn_zoo.metrics.TokenAccuracy`).

    Args:
        name: str. Defaults to `"accuracy"`.
        dtype: the metric's dtype.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        check_action_labels(y_true, y_pred)
        return super().update_state(y_true, y_pred, sample_weight=sample_weight)


def _example_data(kwargs, batch_size, sequence_length, seed):
    rng = np.random.default_rng(seed)
    instructions = _common.random_tokens(
        rng, batch_size, sequence_length, kwargs["vocabulary_size"]
    )
    shape = tuple(kwargs["observation_shape"])
    observations = rng.normal(size=(batch_size, sequence_length, *shape))
    lengths = _common.random_lengths(rng, batch_size, sequence_length)
    padded = np.arange(sequence_length)[None, :] >= lengths[:, None]
    mask_value = kwargs.get("mask_value", 0.0)
    if mask_value is not None:
        observations[padded] = mask_value
    actions = rng.integers(0, kwargs["num_actions"], size=(batch_size, sequence_length))
    actions[padded] = 0
    return [instructions, observations.astype("float32")], actions.astype("int32")


@register_model(
    task="instruction_following",
    topology="encoder_decoder",
    tiny_kwargs=dict(
        vocabulary_size=10, num_actions=3, observation_shape=(3, 3, 2),
        embedding_dim=4, units=4, num_layers=2,
    ),
    example_data=_example_data,
    test_variants=[
        {"cell": "gru", "bidirectional": False, "attention": "bahdanau"},
        {"cell": "lstm", "bidirectional": True, "attention": "luong"},
        {"cell": "simple_rnn", "bidirectional": True, "attention": None,
         "observation_shape": (6,)},
    ],
)
@_common.fill_doc
def instruction_follower(
    *,
    vocabulary_size,
    num_actions,
    observation_shape,
    embedding_dim=64,
    cell="lstm",
    units=128,
    num_layers=1,
    bidirectional=True,
    merge_mode="concat",
    attention="bahdanau",
    dropout=0.0,
    recurrent_dropout=0.0,
    residual=False,
    mask_value=0.0,
    compile=True,
    learning_rate=1e-3,
    global_clipnorm=1.0,
    name="instruction_follower",
):
    """Follows an instruction: one action per observation step.

    `instruction -> Embedding -> [Bidirectional](LSTM|GRU|SimpleRNN) x
    num_layers -> final states -> bridge -> decoder (LSTM|GRU|SimpleRNN) x
    num_layers over encoded observations [-> attention over the instruction
    -> Dense(tanh)] -> Dense(num_actions) -> softmax`, per step.

    Inputs: `[instruction, observations]`: instruction token ids `(batch,
    words)`, 0 = padding, and observations `(batch, steps,
    *observation_shape)`, one per step of the episode, each a feature vector
    `(features,)` or a small image `(height, width, channels)` (a local
    view). Output: action probabilities `(batch, steps, num_actions)`
    (many-to-many: the action to take after seeing each observation).

    Vectors go through `Dense(embedding_dim, relu)`
    (`observation_projection`); images first through a 3x3 convolution of
    `embedding_dim` filters ("same", relu; `observation_conv`), flattened so
    that where each feature is in the view is kept, run on every step at
    once by folding the steps into the batch (`FoldTime` / `UnfoldTime`). A
    flattened image gives `height * width * embedding_dim` features: keep
    images small, or pass precomputed feature vectors. The decoder starts
    from the encoder's final states (a learned `Dense(tanh)` bridge) and, at
    every step, attends over the encoded instruction (Mei et al. 2016; the
    decoder of Anderson et al. 2018 without the previous action as input).
    Episodes of different lengths are padded with steps that equal
    `mask_value` everywhere: they are masked in the decoder, the loss and
    the metrics; padded words get attention weight 0.

    The output at step `t` depends on the observations up to `t` only (the
    decoder reads forward), so a closed-loop rollout can feed the
    observations one step at a time (`rnn_zoo.data.navigation.rollout`). The
    attention weights are the second output of the `attention` layer:
    `keras.Model(model.inputs, model.get_layer("attention").output[1])`
    gives them, `(batch, steps, words)`.

    Args:
        vocabulary_size: int. Number of instruction token ids, padding id 0
            included.
        num_actions: int >= 2. Number of actions (stop included, if the task
            has one).
        observation_shape: tuple. Shape of one step's observation: a vector
            `(features,)` or an image `(height, width, channels)`.
        embedding_dim: int. Width of the instruction token embeddings and of
            each encoded observation (and the filters of the image
            convolution). Defaults to 64.
        {stack_args}
            The encoder and the decoder share them; `bidirectional` is the
            encoder's (the decoder reads forward). `units` defaults to 128,
            `bidirectional` to `True`.
        attention: `None`, `"bahdanau"` (additive) or `"luong"`
            (multiplicative): how each decoder step attends over the
            instruction. `None` leaves only the bridged final states.
            Defaults to `"bahdanau"`.
        mask_value: float or None. Padded steps hold this value everywhere
            (a real observation never may); None turns masking off. Defaults
            to 0.
        compile: bool. Compile with Adam, per-step sparse categorical
            cross-entropy and accuracy (`ActionCrossentropy`,
            `ActionAccuracy`, which check the labels' shape). Defaults to
            `True`.
        learning_rate: float. Adam's learning rate. Defaults to 1e-3.
        global_clipnorm: float or None. Clip the gradient's global norm.
            Defaults to 1.0; `None` turns it off.
        name: str. Name of the model.

    Returns:
        A `keras.Model` with inputs `instruction` and `observations`.

    Raises:
        ValueError: for a bad argument, for example an `observation_shape`
            that is neither `(features,)` nor `(height, width, channels)`.
            When called: observations whose per-step shape is not
            `observation_shape`, or whose batch is not the instructions';
            in training, action labels that are not `(batch, steps)`.
        TypeError: for an argument of the wrong type.

    Example:

    >>> model = instruction_follower(vocabulary_size=10, num_actions=5,
    ...                              observation_shape=(3, 3, 2),
    ...                              embedding_dim=4, units=4)
    >>> instruction = np.array([[1, 2, 6, 0], [1, 4, 7, 9]])
    >>> views = np.random.uniform(size=(2, 6, 3, 3, 2))  # 6 steps
    >>> tuple(model.predict([instruction, views], verbose=0).shape)
    (2, 6, 5)

    Reference: Mei, Bansal & Walter 2016, "Listen, Attend, and Walk: Neural
    Mapping of Navigational Instructions to Action Sequences"; Anderson et
    al. 2018, "Vision-and-Language Navigation: Interpreting
    visually-grounded navigation instructions in real environments".
    """
    _common.check_vocabulary_size(vocabulary_size)
    _common.check_num_classes(num_actions, "num_actions")
    shape = _vision._check_shape(
        "observation_shape", observation_shape, (1, 3),
        "(features,) for a vector or (height, width, channels) for an image",
    )
    stack = validate_stack_args(
        cell=cell, units=units, num_layers=num_layers, bidirectional=bidirectional,
        merge_mode=merge_mode, dropout=dropout, recurrent_dropout=recurrent_dropout,
        residual=residual,
    )
    attention = check_attention(attention)
    if mask_value is not None:
        check_float("mask_value", mask_value)
    _common.check_common(
        embedding_dim=embedding_dim, sequence_length=None, compile=compile,
        learning_rate=learning_rate, global_clipnorm=global_clipnorm, name=name,
    )

    instruction = _common.token_input(None, name="instruction")  # (batch, words)
    # The per-step axes are left open so that `observation_check` can say
    # what is wrong with observations of another shape; it sets them.
    observations = keras.Input((None,) + (None,) * len(shape), name="observations")
    words = _common.embed(instruction, vocabulary_size, embedding_dim)
    # words: (batch, words, embedding_dim), masked on padding
    x = ObservationShapeCheck(shape, name="observation_check")([observations, instruction])
    if mask_value is not None:
        x = FrameMasking(mask_value, name="masking")(x)  # mask: (batch, steps)
    if len(shape) == 3:
        steps = x
        x = FoldTime(name="fold_steps")(x)  # (batch * steps, h, w, c)
        x = keras.layers.Conv2D(embedding_dim, 3, padding="same", activation="relu",
                                name="observation_conv")(x)  # (batch * steps, h, w, e)
        x = keras.layers.Flatten(name="observation_flatten")(x)  # (batch * steps, h*w*e)
        x = UnfoldTime(name="unfold_steps")([x, steps])  # (batch, steps, h*w*e)
    x = keras.layers.Dense(embedding_dim, activation="relu",
                           name="observation_projection")(x)  # (batch, steps, e)
    x = encoder_decoder(words, x, attention=attention, bridge="dense", **stack)
    # x: (batch, steps, units[-1]), masked on padded steps
    probabilities = _common.softmax_head(x, num_actions, stack["dropout"])
    model = ZooModel([instruction, observations], probabilities, name=name)
    if compile:
        _common.compile_model(
            model, learning_rate=learning_rate, global_clipnorm=global_clipnorm,
            loss=ActionCrossentropy(), metrics=(ActionAccuracy(),),
        )
    return model
