import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.data import navigation

TINY = dict(vocabulary_size=10, num_actions=5, observation_shape=(3, 3, 2), embedding_dim=4,
            units=4)


def batch(steps=5, shape=(3, 3, 2), seed=0):
    rng = np.random.default_rng(seed)
    instruction = np.array([[1, 2, 6, 0], [1, 4, 7, 9]], "int32")
    return instruction, rng.uniform(0.1, 1.0, size=(2, steps, *shape)).astype("float32")


@pytest.mark.parametrize("shape", [(3, 3, 2), (6,)])
def test_outputs_one_distribution_per_step_and_reads_forward(shape):
    model = rnn_zoo.build("instruction_follower", **dict(TINY, observation_shape=shape))
    instruction, views = batch(steps=6, shape=shape)
    full = model.predict([instruction, views], verbose=0)
    assert full.shape == (2, 6, 5)
    np.testing.assert_allclose(full.sum(-1), 1.0, rtol=1e-5)
    # Step t depends on the observations up to t only (the closed-loop
    # rollout feeds them one at a time): later steps, changed or padded,
    # leave it alone.
    changed = views.copy()
    changed[:, 3:] = np.random.default_rng(1).uniform(size=changed[:, 3:].shape)
    np.testing.assert_allclose(model.predict([instruction, changed], verbose=0)[:, :3],
                               full[:, :3], atol=1e-5)
    padded = views.copy()
    padded[:, 3:] = 0.0
    np.testing.assert_allclose(model.predict([instruction, padded], verbose=0)[:, :3],
                               full[:, :3], atol=1e-5)
    # The instruction matters.
    other = model.predict([instruction[::-1], views], verbose=0)
    assert not np.allclose(other, full, atol=1e-4)
    assert ("observation_conv" in [layer.name for layer in model.layers]) == (len(shape) == 3)


def test_attention_over_the_instruction():
    model = rnn_zoo.build("instruction_follower", **TINY)
    probe = keras.Model(model.inputs, model.get_layer("attention").output[1])
    instruction, views = batch()
    weights = keras.ops.convert_to_numpy(probe([instruction, views]))
    assert weights.shape == (2, 5, 4)  # (batch, steps, words)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(weights[0, :, 3] == 0)  # the padded word gets none


def test_observations_of_the_wrong_shape():
    model = rnn_zoo.build("instruction_follower", **TINY)
    instruction, _ = batch()
    with pytest.raises(ValueError, match=(
            r"The observations do not match the model's `observation_shape`: each step "
            r"must be \(3, 3, 2\), so observations are \(batch, steps, 3, 3, 2\). Build "
            r"the model with observation_shape=\(5, 5, 2\) for these, or make observations "
            r"of the model's shape. Received: observations of shape \(2, 4, 5, 5, 2\)")):
        model.predict([instruction, np.ones((2, 4, 5, 5, 2), "float32")], verbose=0)
    with pytest.raises(ValueError, match=(
            r"The observations and the instructions must hold the same episodes, one row "
            r"each: 2 instruction\(s\) but 3 observation sequence\(s\)")):
        model([instruction, np.ones((3, 4, 3, 3, 2), "float32")])
    vectors = rnn_zoo.build("instruction_follower", **dict(TINY, observation_shape=(6,)))
    with pytest.raises(ValueError, match=r"each step must be \(6,\).*observation_shape=\(7,\)"):
        vectors([instruction, np.ones((2, 4, 7), "float32")])


def test_action_labels_of_the_wrong_shape():
    # A fresh model per call: the check reads the shapes the first trace sees.
    instruction, views = batch()
    with pytest.raises(ValueError, match=(
            r"Action labels must be \(batch, steps\): one action per observation step. "
            r"The observations have 5 steps, padding included; pad the actions the same "
            r"way \(padded steps are masked\). Received: labels of shape \(2, 7\)")):
        rnn_zoo.build("instruction_follower", **TINY).train_on_batch(
            [instruction, views], np.zeros((2, 7), "int32"))
    with pytest.raises(ValueError, match=r"Action labels must be.*Received: labels of shape "
                                         r"\(2,\)"):
        rnn_zoo.build("instruction_follower", **TINY).train_on_batch(
            [instruction, views], np.zeros((2,), "int32"))
    model = rnn_zoo.build("instruction_follower", **TINY)
    assert np.all(np.isfinite(
        model.train_on_batch([instruction, views], np.zeros((2, 5, 1), "int32"))))


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        (dict(observation_shape=(3, 3)), ValueError,
         r"`observation_shape` must be \(features,\) for a vector or \(height, width, "
         r"channels\) for an image, of positive ints. Received: observation_shape=\(3, 3\)"),
        (dict(observation_shape=(0,)), ValueError, r"observation_shape=\(0,\)"),
        (dict(observation_shape=6), ValueError, r"Received: observation_shape=6"),
        (dict(num_actions=1), ValueError, r"`num_actions` must be >= 2"),
        (dict(attention="additive"), ValueError,
         r"Unknown attention 'additive'.*Expected one of \['None', 'bahdanau', 'luong'\]"),
        (dict(mask_value="zero"), TypeError, r"`mask_value` must be a float"),
        (dict(vocabulary_size=1), ValueError, r"`vocabulary_size` must be >= 2"),
        (dict(cell="lstmm"), ValueError, r"Did you mean 'lstm'"),
    ],
)
def test_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        rnn_zoo.build("instruction_follower", **dict(TINY, **overrides))


def test_layers_round_trip_their_config():
    from rnn_zoo.layers.observation_check import ObservationShapeCheck
    from rnn_zoo.tasks.instruction_follower import ActionAccuracy, ActionCrossentropy

    check = ObservationShapeCheck.from_config(ObservationShapeCheck((3, 3, 2)).get_config())
    assert check.observation_shape == (3, 3, 2)
    loss = keras.losses.deserialize(keras.losses.serialize(ActionCrossentropy()))
    metric = keras.metrics.deserialize(keras.metrics.serialize(ActionAccuracy()))
    assert isinstance(loss, ActionCrossentropy) and isinstance(metric, ActionAccuracy)
    assert metric.name == "accuracy"


# Learning the generated task (about a minute each on 2 shared CPU cores,
# most of it tracing and closed-loop rollouts: opt-in).


def _train(observation, num_episodes, epochs, **data):
    keras.utils.set_random_seed(0)
    train = navigation.navigation_episodes(num_episodes, observation=observation, seed=10,
                                           **data)
    test = navigation.navigation_episodes(300, observation=observation, seed=11, **data)
    model = rnn_zoo.build(
        "instruction_follower", vocabulary_size=len(navigation.VOCABULARY),
        num_actions=len(navigation.ACTIONS), observation_shape=train.observation_shape,
        cell="gru", embedding_dim=16, units=32, learning_rate=1e-2)
    model.fit(train.inputs, train.actions, epochs=epochs, batch_size=32, verbose=0)
    return model, test


def _majority_accuracy(episodes):
    real = np.arange(episodes.actions.shape[1]) < episodes.lengths[:, None]
    return np.bincount(episodes.actions[real]).max() / real.sum()


@pytest.mark.slow
@pytest.mark.parametrize("observation, num_episodes, max_segments, epochs", [
    ("vector", 3000, 3, 10),
    ("image", 1500, 2, 8),
])
def test_learns_to_follow_instructions(observation, num_episodes, max_segments, epochs):
    model, test = _train(observation, num_episodes, epochs, max_segments=max_segments)
    accuracy = navigation.step_accuracy(model, test)
    # Baselines: the most frequent action is right on about a third of the
    # steps; an agent that stops at once never succeeds (the goal is never
    # the start), one that never stops neither.
    assert _majority_accuracy(test) < 0.4
    assert accuracy >= 0.9, accuracy
    walked = navigation.rollout(model, test)
    assert walked.success.mean() >= 0.75, walked.success.mean()
    # Counted segments need memory and "until the wall" segments the views:
    # it succeeds on both kinds.
    until = np.array(["until" in t for t in test.texts])
    assert walked.success[until].mean() >= 0.6 and walked.success[~until].mean() >= 0.6
