"""The generated grid world (`rnn_zoo.data.navigation`): episodes that mean
what their instructions say, and the closed-loop metric, checked with
stand-in models whose behaviour is known."""

import numpy as np
import pytest

from rnn_zoo.data import navigation
from rnn_zoo.data.navigation import ACTIONS, STOP, VOCABULARY

STEP = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}
NUMBERS = {"once": 1, "twice": 2, "three times": 3, "four times": 4, "five times": 5}


def follow(text, walls, start):
    """An independent reading of an instruction: the cells the agent walks
    through, or None where a segment would run into a wall."""
    cells, (r, c) = [tuple(start)], start
    for segment in text.split(" then "):
        words = segment.split()
        assert words[0] == "go"
        dr, dc = STEP[words[1]]
        rest = " ".join(words[2:])
        if rest == "until the wall":
            moved = 0
            while not walls[r + dr, c + dc]:
                r, c, moved = r + dr, c + dc, moved + 1
                cells.append((r, c))
            if moved == 0:
                return None
        else:
            for _ in range(NUMBERS[rest]):
                r, c = r + dr, c + dc
                if walls[r, c]:
                    return None
                cells.append((r, c))
    return cells


def test_episodes_mean_what_the_instructions_say():
    episodes = navigation.navigation_episodes(200, seed=3)
    assert len(episodes) == 200
    for i, text in enumerate(episodes.texts):
        walls, start, steps = episodes.walls[i], episodes.starts[i], episodes.lengths[i]
        cells = follow(text, walls, tuple(start))
        assert cells is not None, text
        # One action per move, then stop; the goal is the last cell.
        assert steps == len(cells)
        actions = [ACTIONS[a] for a in episodes.actions[i, :steps]]
        moves = [ACTIONS.index(a) for a in actions[:-1]]
        assert actions[-1] == "stop" and STOP not in moves
        for (r0, c0), (r1, c1), a in zip(cells, cells[1:], actions):
            assert STEP[a] == (r1 - r0, c1 - c0)
        assert tuple(episodes.goals[i]) == cells[-1]
        # The view before each action is the 3x3 window of walls around the agent.
        for t, (r, c) in enumerate(cells):
            view = episodes.observations[i, t].reshape(3, 3, 2)
            np.testing.assert_array_equal(view[..., 1], walls[r - 1: r + 2, c - 1: c + 2])
            np.testing.assert_array_equal(view[..., 0], 1 - view[..., 1])
        # Padding: all zeros after the last step, ids 0 after the last word.
        assert not episodes.observations[i, steps:].any()
        words = [VOCABULARY[k] for k in episodes.instructions[i] if k]
        assert " ".join(words) == text
        # The border is wall, the agent never stands on one.
        assert walls[0].all() and walls[-1].all() and walls[:, 0].all() and walls[:, -1].all()
    # Stopping at once never reaches the goal.
    assert (episodes.goals != episodes.starts).any(axis=1).all()
    # Real steps are never all zeros (the padding value).
    real = np.arange(episodes.actions.shape[1]) < episodes.lengths[:, None]
    assert episodes.observations[real].any(axis=-1).all()


def test_generator_settings_shape_the_instructions():
    episodes = navigation.navigation_episodes(
        100, grid_size=5, num_obstacles=0, min_segments=2, max_segments=2, max_count=2,
        until_probability=0.0, seed=1)
    assert episodes.walls.shape == (100, 7, 7)
    assert all(t.count(" then ") == 1 for t in episodes.texts)
    assert not any("until" in t or "three" in t for t in episodes.texts)
    always_until = navigation.navigation_episodes(50, until_probability=1.0, seed=1)
    assert all(t.count("until the wall") == t.count("go") for t in always_until.texts)
    # Consecutive segments go different ways.
    for text in always_until.texts + episodes.texts:
        directions = [s.split()[1] for s in text.split(" then ")]
        assert all(a != b for a, b in zip(directions, directions[1:]))


def test_same_seed_same_episodes_and_images():
    a = navigation.navigation_episodes(30, seed=5)
    b = navigation.navigation_episodes(30, seed=5)
    c = navigation.navigation_episodes(30, seed=6)
    assert a.texts == b.texts and a.texts != c.texts
    np.testing.assert_array_equal(a.observations, b.observations)
    np.testing.assert_array_equal(a.walls, b.walls)
    image = navigation.navigation_episodes(30, seed=5, observation="image")
    assert image.observation_shape == (3, 3, 2) and a.observation_shape == (18,)
    np.testing.assert_array_equal(image.observations.reshape(a.observations.shape),
                                  a.observations)
    wide = navigation.navigation_episodes(5, view_size=5, observation="image", seed=0)
    assert wide.observation_shape == (5, 5, 2)
    # Next to the border, the cells beyond it are seen as wall.
    views = navigation.local_views(wide.walls[:1], np.array([[1, 1]]), view_size=5,
                                   observation="image")
    assert views[0, :2, :, 1].all() and views[0, :, :2, 1].all()


def test_make_episodes_from_own_instructions_and_select():
    walls = np.ones((6, 6), bool)
    walls[1:-1, 1:-1] = False
    walls[2, 3] = True  # an obstacle
    episodes = navigation.make_episodes(
        ["go right until the wall then go down twice", "go down three times"], walls,
        [(2, 1), (1, 1)], observation="image")
    assert [ACTIONS[a] for a in episodes.actions[0, : episodes.lengths[0]]] == [
        "right", "down", "down", "stop"]
    assert episodes.goals.tolist() == [[4, 2], [4, 1]]
    assert episodes.observations.shape == (2, 4, 3, 3, 2)
    picked = episodes.select([1])
    assert picked.texts == ["go down three times"] and picked.instructions.shape[0] == 1
    assert len(episodes.select(np.array([True, False]))) == 1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(num_episodes=0), ValueError, r"`num_episodes` must be >= 1"),
        (dict(num_episodes=2.5), TypeError, r"`num_episodes` must be an int"),
        (dict(num_obstacles=13), ValueError,
         r"`num_obstacles` may fill at most half of the 25 interior cells \(12\).*"
         r"Received: num_obstacles=13, grid_size=5"),
        (dict(min_segments=3, max_segments=2), ValueError,
         r"`min_segments` must be <= `max_segments`. Received: min_segments=3"),
        (dict(max_count=6), ValueError,
         r"`max_count` must be <= 5: the instructions say counts in words"),
        (dict(until_probability=1.5), ValueError, r"`until_probability` must be in \[0.0, 1.0\]"),
        (dict(view_size=4), ValueError, r"`view_size` must be odd.*Received: view_size=4"),
        (dict(observation="images"), ValueError,
         r"Unknown observation 'images'. Did you mean 'image'\?"),
    ],
)
def test_generator_errors(kwargs, error, match):
    kwargs = dict(dict(num_episodes=2, grid_size=5), **kwargs)
    with pytest.raises(error, match=match):
        navigation.navigation_episodes(kwargs.pop("num_episodes"), **kwargs)


def test_instruction_errors():
    with pytest.raises(ValueError, match=(
            r"Cannot read the segment 'go left 2' of the instruction. Segments are "
            r"'go <direction> <count>' or 'go <direction> until the wall'")):
        navigation.parse_instruction("go up once then go left 2")
    with pytest.raises(ValueError, match=r"Words \['north'\] are not in the instruction "
                                         r"vocabulary"):
        navigation.encode_instructions(["go north once"])
    with pytest.raises(ValueError, match=r"An instruction has 3 words but `length` is 2"):
        navigation.encode_instructions(["go up once"], length=2)
    with pytest.raises(TypeError, match=r"`texts` must be a list of instructions, not one "
                                        r"string"):
        navigation.encode_instructions("go up once")
    walls = np.ones((5, 5), bool)
    walls[1:-1, 1:-1] = False
    with pytest.raises(ValueError, match=(
            r"Segment 2 \(go left twice\) runs into a wall: from cell \(1, 1\) only 0 "
            r"cell\(s\) left are free. Received: start=\(2, 1\)")):
        navigation.make_episodes(["go up once then go left twice"], walls, (2, 1))
    with pytest.raises(ValueError, match=r"Segment 1 \(go up until the wall\) runs into a wall"):
        navigation.make_episodes(["go up until the wall"], walls, (1, 1))
    with pytest.raises(ValueError, match=r"The start cell \(0, 0\) is a wall"):
        navigation.make_episodes(["go up once"], walls, (0, 0))
    open_border = walls.copy()
    open_border[0, 2] = False
    with pytest.raises(ValueError, match=r"The grids need walls all along their border.*"
                                         r"Received: a grid with 1 free border cell"):
        navigation.make_episodes(["go up once"], open_border, (2, 2))
    with pytest.raises(ValueError, match=r"`walls` must be \(height, width\) or \(len\(texts\)"):
        navigation.make_episodes(["go up once"], walls, [(1, 1), (2, 2)])


# Stand-in models: the closed loop is checked against known behaviour.


class Replay:
    """Gives the expert's action at each step, whatever it sees: walks to the
    goal only if every step of the closed loop goes as in the episode."""

    def __init__(self, episodes):
        self.episodes = episodes
        self.calls = 0

    def predict(self, inputs, batch_size=None, verbose=0):
        self.calls += 1
        steps = inputs[1].shape[1]
        actions = np.full((len(self.episodes), steps), STOP)
        width = min(steps, self.episodes.actions.shape[1])
        real = np.arange(width) < self.episodes.lengths[:, None]
        actions[:, :width] = np.where(real, self.episodes.actions[:, :width], STOP)
        return np.eye(len(ACTIONS))[actions]


class Constant:
    def __init__(self, action):
        self.action = action

    def predict(self, inputs, batch_size=None, verbose=0):
        n, steps = inputs[1].shape[:2]
        return np.eye(len(ACTIONS))[np.full((n, steps), self.action)]


def test_rollout_of_the_expert_succeeds_everywhere():
    episodes = navigation.navigation_episodes(40, seed=2)
    model = Replay(episodes)
    walked = navigation.rollout(model, episodes)
    assert walked.success.all() and walked.stopped.all()
    np.testing.assert_array_equal(walked.steps, episodes.lengths)
    # One predict per step, and none once every episode has stopped.
    assert model.calls == episodes.lengths.max()
    assert navigation.success_rate(Replay(episodes), episodes) == 1.0
    assert navigation.step_accuracy(Replay(episodes), episodes) == 1.0
    # The positions it went through are the expert's path, then stay put.
    i = int(np.argmax(episodes.lengths))
    assert tuple(walked.positions[i, -1]) == tuple(episodes.goals[i])


def test_rollout_of_wrong_behaviour_fails():
    episodes = navigation.navigation_episodes(40, seed=2)
    stop = navigation.rollout(Constant(STOP), episodes)
    # It stops at once, on the start cell, which is never the goal.
    assert stop.stopped.all() and (stop.steps == 1).all() and not stop.success.any()
    left = navigation.rollout(Constant(ACTIONS.index("left")), episodes, max_steps=7)
    assert not left.stopped.any() and not left.success.any() and (left.steps == 7).all()
    # Walking into walls leaves the agent in place: never on a wall.
    rows = np.arange(len(episodes))[:, None]
    assert not episodes.walls[rows, left.positions[..., 0], left.positions[..., 1]].any()
    # It ends where the free run to its left ends.
    for i, (r, c) in enumerate(episodes.starts):
        while not episodes.walls[i, r, c - 1]:
            c -= 1
        assert tuple(left.positions[i, -1]) == (r, c)
    assert navigation.step_accuracy(Constant(STOP), episodes) == pytest.approx(
        len(episodes) / episodes.lengths.sum())


def test_rollout_errors():
    episodes = navigation.navigation_episodes(4, seed=0)

    class Wrong:
        def predict(self, inputs, batch_size=None, verbose=0):
            return np.zeros((len(inputs[0]), inputs[1].shape[1], 3))

    with pytest.raises(ValueError, match=(
            r"The model must give action probabilities \(batch, steps, 5\): one "
            r"distribution over \['left', 'right', 'up', 'down', 'stop'\] per observation "
            r"step \(\d+ steps here\). Received: outputs of shape \(4, \d+, 3\)")):
        navigation.rollout(Wrong(), episodes)
    with pytest.raises(ValueError, match=r"`max_steps` must be >= 1"):
        navigation.rollout(Replay(episodes), episodes, max_steps=0)
