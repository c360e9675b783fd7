"""A generated grid world for instruction following, and its closed-loop metric.

An agent stands in a small grid with a wall all around and a few obstacles.
It is told where to go in words, one segment after another:

    go left twice then go up until the wall then go right three times

and sees only the cells around it (its local view, `view_size` x
`view_size` cells, each one-hot {free, wall}). The expert walks the
instruction and says `stop` where it ends. Each part of the task needs a
part of the model: "until the wall" needs the observations (the wall is in
view once it is one step ahead), "three times" needs the decoder's memory
(the views along a corridor look alike), and the order of the segments
needs attention over the instruction.

`navigation_episodes` generates episodes (instruction ids, the views along
the expert's path, the expert's actions), deterministically by seed;
`make_episodes` makes them for instructions, grids and start cells of your
own (`parse_instruction` reads an instruction). `step_accuracy` scores a
model with the expert's views fed in (teacher forcing); `rollout` and
`success_rate` let the model walk on its own: from the start cell, each step
it sees the view at the cell it actually reached, its most probable action
is taken, until it says stop or runs out of steps; an episode succeeds when
it stops on the goal cell.

Example:

>>> episodes = navigation_episodes(100, seed=0)
>>> episodes.instructions.shape[0], episodes.observations.shape[2:]
(100, (18,))
>>> ACTIONS[episodes.actions[0, episodes.lengths[0] - 1]]  # the last real step
'stop'
"""

import dataclasses

import numpy as np

from rnn_zoo._validation import check_choice, check_float, check_int

DIRECTIONS = ("left", "right", "up", "down")
ACTIONS = DIRECTIONS + ("stop",)
STOP = ACTIONS.index("stop")
MOVES = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}
COUNTS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}
# Id 0 pads; the rest are every word an instruction can hold, so models
# trained with other generator settings share the ids.
VOCABULARY = (
    "<pad>", "go", "left", "right", "up", "down", "once", "twice", "three",
    "four", "five", "times", "until", "the", "wall", "then",
)
OBSERVATIONS = ("image", "vector")
_IDS = {word: i for i, word in enumerate(VOCABULARY)}
# (dr, dc) per action id; stop stays.
_DELTAS = np.array([MOVES[d] for d in DIRECTIONS] + [(0, 0)], "int64")


@dataclasses.dataclass
class NavigationEpisodes:
    """Episodes of the grid world, padded into arrays.

    Attributes:
        instructions: int32 `(episodes, words)`, ids into `VOCABULARY`,
            0-padded.
        observations: float32 `(episodes, steps, *observation_shape)`, the
            local view before each expert action; padded steps are all 0 (a
            real view never is: every cell is one-hot).
        actions: int32 `(episodes, steps)`, ids into `ACTIONS`, the last real
            one `STOP`; padded steps hold 0 (masked by the model).
        lengths: int32 `(episodes,)`, real steps per episode (moves + 1).
        texts: list of str. The instructions in words.
        walls: bool `(episodes, height, width)`, True on walls (the border
            and the obstacles).
        starts, goals: int32 `(episodes, 2)`, (row, column) cells.
        view_size: int. Side of the local view, in cells.
        observation: str. `"vector"` or `"image"`.
    """

    instructions: np.ndarray
    observations: np.ndarray
    actions: np.ndarray
    lengths: np.ndarray
    texts: list
    walls: np.ndarray
    starts: np.ndarray
    goals: np.ndarray
    view_size: int
    observation: str

    def __len__(self):
        return len(self.texts)

    @property
    def inputs(self):
        """`[instructions, observations]`, the model's inputs."""
        return [self.instructions, self.observations]

    @property
    def observation_shape(self):
        """The `observation_shape` a model for these episodes is built with."""
        return tuple(self.observations.shape[2:])

    def select(self, index):
        """The episodes at `index` (a slice, or an array of positions or
        booleans), as a new `NavigationEpisodes`."""
        if isinstance(index, slice):
            index = np.arange(len(self))[index]
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return dataclasses.replace(
            self,
            instructions=self.instructions[index], observations=self.observations[index],
            actions=self.actions[index], lengths=self.lengths[index],
            texts=[self.texts[i] for i in index], walls=self.walls[index],
            starts=self.starts[index], goals=self.goals[index],
        )


def encode_instructions(texts, *, length=None):
    """Instruction texts -> int32 ids `(len(texts), length)`, 0-padded.

    Args:
        texts: list of str, words separated by spaces.
        length: int or None. Width of the array; None fits the longest.

    Raises:
        ValueError: for a word outside `VOCABULARY`, or a text longer than
            `length`.

    Example:

    >>> encode_instructions(["go up twice", "go left once then go up once"]).tolist()
    [[1, 4, 7, 0, 0, 0, 0], [1, 2, 6, 15, 1, 4, 6]]
    """
    if isinstance(texts, str):
        raise TypeError(
            "`texts` must be a list of instructions, not one string. "
            f"Received: texts={texts!r}; pass [texts]"
        )
    rows = []
    for text in texts:
        words = str(text).split()
        unknown = sorted({w for w in words if w not in _IDS or w == "<pad>"})
        if unknown:
            raise ValueError(
                f"Words {unknown} are not in the instruction vocabulary "
                f"{list(VOCABULARY[1:])}. Received: text={text!r}"
            )
        rows.append([_IDS[w] for w in words])
    longest = max((len(r) for r in rows), default=0)
    length = longest if length is None else check_int("length", length, minimum=1)
    if longest > length:
        raise ValueError(
            f"An instruction has {longest} words but `length` is {length}. "
            f"Pass a larger `length` or None. Received: length={length}"
        )
    ids = np.zeros((len(rows), max(length, 1)), "int32")
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids


def local_views(walls, positions, *, view_size=3, observation="vector"):
    """The view of each agent: the cells around it, one-hot {free, wall}.

    Cells outside the grid count as walls.

    Args:
        walls: bool `(batch, height, width)`.
        positions: int `(batch, 2)`, (row, column) of each agent.
        view_size: odd int >= 1. Side of the view. Defaults to 3.
        observation: `"vector"` (flattened, `(batch, view_size ** 2 * 2)`) or
            `"image"` (`(batch, view_size, view_size, 2)`). Defaults to
            `"vector"`.

    Returns:
        float32 views; channel 0 is free, channel 1 wall.

    Example:

    >>> walls = np.ones((1, 3, 4), bool)
    >>> walls[0, 1, 1:3] = False  # a corridor of two cells
    >>> local_views(walls, np.array([[1, 1]]), observation="image")[0, ..., 1]
    array([[1., 1., 1.],
           [1., 0., 0.],
           [1., 1., 1.]], dtype=float32)
    """
    radius = view_size // 2
    padded = np.pad(np.asarray(walls, bool), ((0, 0), (radius, radius), (radius, radius)),
                    constant_values=True)
    positions = np.asarray(positions)
    offsets = np.arange(view_size)
    rows = positions[:, 0, None] + offsets  # (batch, view) in padded coordinates
    cols = positions[:, 1, None] + offsets
    batch = np.arange(len(positions))[:, None, None]
    wall = padded[batch, rows[:, :, None], cols[:, None, :]]  # (batch, view, view)
    views = np.stack([~wall, wall], axis=-1).astype("float32")
    return views if observation == "image" else views.reshape(len(views), -1)


def _free_run(walls, position, direction):
    """Free cells ahead of `position` in `direction` before a wall."""
    dr, dc = MOVES[direction]
    r, c = position
    run = 0
    while not walls[r + dr, c + dc]:
        r, c, run = r + dr, c + dc, run + 1
    return run


def parse_instruction(text):
    """Reads an instruction into its segments.

    An instruction is segments joined by `"then"`, each `"go <direction>
    <count>"` (`once`, `twice`, `three times` ... `five times`) or `"go
    <direction> until the wall"`.

    Args:
        text: str.

    Returns:
        list of `(direction, steps)`, `steps` an int, or None for "until the
        wall".

    Raises:
        ValueError: for text that is not such an instruction.

    Example:

    >>> parse_instruction("go left twice then go up until the wall")
    [('left', 2), ('up', None)]
    """
    counts = {words: steps for steps, words in COUNTS.items()}
    counts["until the wall"] = None
    segments = []
    for segment in str(text).split(" then "):
        words = segment.split()
        rest = " ".join(words[2:])
        if len(words) < 3 or words[0] != "go" or words[1] not in MOVES or rest not in counts:
            raise ValueError(
                f"Cannot read the segment {segment!r} of the instruction. Segments "
                "are 'go <direction> <count>' or 'go <direction> until the wall', "
                f"joined by ' then ', with directions {list(DIRECTIONS)} and counts "
                f"{list(COUNTS.values())}. Received: text={text!r}"
            )
        segments.append((words[1], counts[rest]))
    return segments


def _walk(walls, start, segments):
    """The expert's actions and the cells it stands on before each action.

    Returns `(actions, cells)`, or raises ValueError naming the segment that
    cannot be walked (into a wall, or "until the wall" against one)."""
    position, actions, cells = tuple(start), [], [tuple(start)]
    for k, (direction, count) in enumerate(segments):
        run = _free_run(walls, position, direction)
        steps = run if count is None else count
        if steps == 0 or steps > run:
            how = "until the wall" if count is None else COUNTS[count]
            raise ValueError(
                f"Segment {k + 1} (go {direction} {how}) "
                f"runs into a wall: from cell {position} only {run} cell(s) "
                f"{direction} are free. Received: start={tuple(start)}"
            )
        dr, dc = MOVES[direction]
        for _ in range(steps):
            position = (position[0] + dr, position[1] + dc)
            actions.append(DIRECTIONS.index(direction))
            cells.append(position)
    actions.append(STOP)
    return actions, cells


def _draw(rng, grid_size, num_obstacles, num_segments, max_count, until_probability):
    """Draws one `(walls, start, text)`, or None if the start is boxed in."""
    side = grid_size + 2
    walls = np.zeros((side, side), bool)
    walls[[0, -1], :] = walls[:, [0, -1]] = True
    interior = [(r, c) for r in range(1, side - 1) for c in range(1, side - 1)]
    picks = rng.choice(len(interior), size=num_obstacles + 1, replace=False)
    start = interior[picks[0]]
    for k in picks[1:]:
        walls[interior[k]] = True
    position, previous, segments = start, None, []
    for _ in range(num_segments):
        # A new direction each segment: "go left twice then go left once"
        # would read as one segment, and after "until the wall" no step is left.
        runs = {d: _free_run(walls, position, d) for d in DIRECTIONS if d != previous}
        open_directions = [d for d, run in runs.items() if run > 0]
        if not open_directions:
            return None
        direction = open_directions[rng.integers(len(open_directions))]
        run = runs[direction]
        if rng.random() < until_probability:
            steps, words = run, "until the wall"
        else:
            steps = int(rng.integers(1, min(max_count, run) + 1))
            words = COUNTS[steps]
        segments.append(f"go {direction} {words}")
        dr, dc = MOVES[direction]
        position = (position[0] + dr * steps, position[1] + dc * steps)
        previous = direction
    return walls, start, " then ".join(segments)


def _check_view(view_size, observation):
    view_size = check_int("view_size", view_size, minimum=3)
    if view_size % 2 == 0:
        raise ValueError(
            "`view_size` must be odd, so that the agent is at the centre of its "
            f"view. Received: view_size={view_size}"
        )
    return view_size, check_choice("observation", observation, OBSERVATIONS)


def make_episodes(texts, walls, starts, *, view_size=3, observation="vector"):
    """Episodes for given instructions, grids and start cells: the expert
    walks each instruction (`parse_instruction`) and records its views.

    Args:
        texts: list of str, instructions.
        walls: bool `(height, width)` (one grid for all) or
            `(len(texts), height, width)`, True on walls. The border must be
            walls (cells outside the grid count as walls in views).
        starts: int `(2,)` (one start for all) or `(len(texts), 2)`,
            (row, column).
        view_size, observation: as in `navigation_episodes`.

    Returns:
        `NavigationEpisodes`.

    Raises:
        ValueError: for an instruction that cannot be read, or walked from
            its start without running into a wall; a start on a wall; shapes
            that do not fit.

    Example:

    >>> walls = np.ones((5, 6), bool)
    >>> walls[1:-1, 1:-1] = False  # 3 x 4 free cells
    >>> episodes = make_episodes(["go right until the wall then go down once"],
    ...                          walls, (1, 1))
    >>> [ACTIONS[a] for a in episodes.actions[0]], episodes.goals[0].tolist()
    (['right', 'right', 'right', 'down', 'stop'], [2, 4])
    """
    if isinstance(texts, str):
        raise TypeError(
            "`texts` must be a list of instructions, not one string. "
            f"Received: texts={texts!r}; pass [texts]"
        )
    texts = list(texts)
    view_size, observation = _check_view(view_size, observation)
    walls = np.asarray(walls, bool)
    if walls.ndim == 2:
        walls = np.broadcast_to(walls, (len(texts), *walls.shape))
    starts = np.asarray(starts)
    if starts.ndim == 1:
        starts = np.broadcast_to(starts, (len(texts), starts.shape[0]))
    if walls.ndim != 3 or len(walls) != len(texts) or starts.shape != (len(texts), 2):
        raise ValueError(
            "`walls` must be (height, width) or (len(texts), height, width) and "
            "`starts` (2,) or (len(texts), 2). "
            f"Received: {len(texts)} texts, walls.shape={walls.shape}, "
            f"starts.shape={starts.shape}"
        )
    border = np.concatenate([walls[:, [0, -1], :].reshape(len(walls), -1),
                             walls[:, :, [0, -1]].reshape(len(walls), -1)], axis=1)
    if not border.all():
        raise ValueError(
            "The grids need walls all along their border (True in the first and "
            "last rows and columns), so that no walk leaves the grid. "
            f"Received: a grid with {int((~border).sum())} free border cell(s)"
        )
    episodes = []
    for text, grid, start in zip(texts, walls, starts):
        start = (int(start[0]), int(start[1]))
        if grid[start]:
            raise ValueError(
                f"The start cell {start} is a wall. Received: text={text!r}"
            )
        actions, cells = _walk(grid, start, parse_instruction(text))
        episodes.append((grid, start, text, actions, cells))
    return _assemble(episodes, view_size, observation)


def _assemble(episodes, view_size, observation):
    """Pads `(walls, start, text, actions, cells)` tuples into arrays."""
    n = len(episodes)
    steps = max(len(e[3]) for e in episodes)
    lengths = np.array([len(e[3]) for e in episodes], "int32")
    actions = np.zeros((n, steps), "int32")
    cells = np.zeros((n, steps, 2), "int32")
    for i, (_, _, _, moves, path) in enumerate(episodes):
        actions[i, : len(moves)] = moves
        cells[i, : len(path)] = path
    walls = np.stack([e[0] for e in episodes])
    shape = (view_size, view_size, 2) if observation == "image" else (view_size ** 2 * 2,)
    observations = np.zeros((n, steps, *shape), "float32")
    for t in range(steps):
        real = lengths > t
        observations[real, t] = local_views(walls[real], cells[real, t],
                                            view_size=view_size, observation=observation)
    texts = [e[2] for e in episodes]
    return NavigationEpisodes(
        instructions=encode_instructions(texts), observations=observations,
        actions=actions, lengths=lengths, texts=texts, walls=walls,
        starts=np.array([e[1] for e in episodes], "int32"),
        goals=cells[np.arange(n), lengths - 1], view_size=view_size,
        observation=observation,
    )


def navigation_episodes(
    num_episodes, *, grid_size=6, num_obstacles=3, min_segments=1, max_segments=3,
    max_count=3, until_probability=0.3, view_size=3, observation="vector", seed=0,
):
    """Generates grid-world episodes: an instruction, views, expert actions.

    Each episode draws a grid (`grid_size` x `grid_size` free cells inside a
    border wall, `num_obstacles` of them made walls), a start cell, and
    `min_segments` to `max_segments` segments, each a direction (a new one
    each segment, with at least one free cell ahead) and how far: `"once"`,
    `"twice"`, ... up to `max_count` cells, or, with probability
    `until_probability`, `"until the wall"` (every free cell ahead, up to the
    next wall or obstacle). A segment never runs into a wall. The expert
    makes those moves, then `stop`; the goal is where it stops, never the
    start cell (so an agent that stops at once never succeeds).

    Args:
        num_episodes: int >= 1.
        grid_size: int >= 2. Free cells per side before obstacles.
            Defaults to 6.
        num_obstacles: int >= 0, at most half the interior. Interior cells
            made walls. Defaults to 3.
        min_segments, max_segments: ints, 1 <= min <= max. Segments per
            instruction. Default to 1 and 3.
        max_count: int in [1, 5]. Longest counted segment. Defaults to 3.
        until_probability: float in [0, 1]. Chance that a segment is "until
            the wall". Defaults to 0.3.
        view_size: odd int >= 3. Side of the local view in cells (3 shows
            the next cell each way). Defaults to 3.
        observation: `"vector"` (views flattened to `view_size ** 2 * 2`
            features) or `"image"` (`(view_size, view_size, 2)`). Defaults
            to `"vector"`.
        seed: int >= 0. The same seed gives the same episodes. Defaults to 0.

    Returns:
        `NavigationEpisodes`.

    Raises:
        ValueError: for a bad argument.
        TypeError: for an argument of the wrong type.
    """
    num_episodes = check_int("num_episodes", num_episodes, minimum=1)
    grid_size = check_int("grid_size", grid_size, minimum=2)
    num_obstacles = check_int("num_obstacles", num_obstacles, minimum=0)
    if num_obstacles > grid_size ** 2 // 2:
        raise ValueError(
            f"`num_obstacles` may fill at most half of the {grid_size ** 2} "
            f"interior cells ({grid_size ** 2 // 2}), so that the agent can "
            f"move. Received: num_obstacles={num_obstacles}, grid_size={grid_size}"
        )
    min_segments = check_int("min_segments", min_segments, minimum=1)
    max_segments = check_int("max_segments", max_segments, minimum=1)
    if min_segments > max_segments:
        raise ValueError(
            "`min_segments` must be <= `max_segments`. "
            f"Received: min_segments={min_segments}, max_segments={max_segments}"
        )
    max_count = check_int("max_count", max_count, minimum=1)
    if max_count > max(COUNTS):
        raise ValueError(
            f"`max_count` must be <= {max(COUNTS)}: the instructions say counts "
            f"in words ({', '.join(COUNTS.values())}). Received: max_count={max_count}"
        )
    check_float("until_probability", until_probability, low=0.0, high=1.0)
    view_size, observation = _check_view(view_size, observation)
    check_int("seed", seed, minimum=0)

    rng = np.random.default_rng(seed)
    episodes = []
    while len(episodes) < num_episodes:
        segments = int(rng.integers(min_segments, max_segments + 1))
        drawn = _draw(rng, grid_size, num_obstacles, segments, max_count, until_probability)
        if drawn is None:  # the start was boxed in: draw again
            continue
        walls, start, text = drawn
        actions, cells = _walk(walls, start, parse_instruction(text))
        if cells[-1] == start:  # back where it began: stopping at once would do
            continue
        episodes.append((walls, start, text, actions, cells))
    return _assemble(episodes, view_size, observation)


def _probabilities(model, inputs, batch_size):
    """The model's outputs for `inputs`, `batch_size` episodes at a time.

    `predict_on_batch` on equal chunks: `predict` would build a new input
    pipeline on every call, which costs more than the model on these sizes
    (the rollout calls it once per step)."""
    if not hasattr(model, "predict_on_batch"):
        if hasattr(model, "predict"):
            return np.asarray(model.predict(inputs, batch_size=batch_size, verbose=0))
        return np.asarray(model(inputs))
    n = len(inputs[0])
    return np.concatenate([
        np.asarray(model.predict_on_batch([x[i: i + batch_size] for x in inputs]))
        for i in range(0, n, batch_size)
    ])


def step_accuracy(model, episodes, *, batch_size=256):
    """Share of real steps where the model's most probable action is the
    expert's, with the expert's views fed in (teacher forcing).

    Args:
        model: a model taking `[instructions, observations]` and giving
            action probabilities `(batch, steps, len(ACTIONS))`.
        episodes: `NavigationEpisodes`.
        batch_size: int. Episodes per `predict` batch. Defaults to 256.

    Returns:
        float in [0, 1].
    """
    probabilities = _probabilities(model, episodes.inputs, batch_size)
    _check_probabilities(probabilities, episodes.observations.shape[1])
    real = np.arange(episodes.actions.shape[1])[None, :] < episodes.lengths[:, None]
    return float(np.mean((probabilities.argmax(-1) == episodes.actions)[real]))


def _check_probabilities(probabilities, steps):
    if probabilities.ndim != 3 or probabilities.shape[1] != steps or \
            probabilities.shape[2] != len(ACTIONS):
        raise ValueError(
            "The model must give action probabilities (batch, steps, "
            f"{len(ACTIONS)}): one distribution over {list(ACTIONS)} per "
            f"observation step ({steps} steps here). "
            f"Received: outputs of shape {probabilities.shape}"
        )


@dataclasses.dataclass
class Rollout:
    """What the model did when it walked on its own (`rollout`).

    Attributes:
        actions: int32 `(episodes, max_steps)`, the actions taken, -1 after
            the episode ended.
        positions: int32 `(episodes, max_steps + 1, 2)`, the cell before each
            step and after the last (repeated once the episode ended).
        stopped: bool `(episodes,)`, whether the model said stop.
        steps: int32 `(episodes,)`, actions taken (the stop included).
        success: bool `(episodes,)`, stopped on the goal cell.
    """

    actions: np.ndarray
    positions: np.ndarray
    stopped: np.ndarray
    steps: np.ndarray
    success: np.ndarray


def rollout(model, episodes, *, max_steps=None, mask_value=0.0, batch_size=256):
    """Lets the model walk each episode on its own (closed loop).

    Every episode starts at its start cell. At step `t` the agent's view at
    the cell it actually reached becomes observation `t`, the model is run on
    the observations so far, and its most probable action at step `t` is
    taken: a move into a wall leaves the agent where it is, `stop` ends the
    episode. All episodes walk together: one `predict` per step, `max_steps`
    at most, on a fixed-shape batch whose steps not yet seen hold
    `mask_value` (the decoder reads forward, so they do not change the
    outputs of the steps before them).

    Args:
        model: a model taking `[instructions, observations]` and giving
            action probabilities `(batch, steps, len(ACTIONS))`.
        episodes: `NavigationEpisodes`.
        max_steps: int or None. Step limit; None: twice the longest expert
            episode. Defaults to None.
        mask_value: float. The value of padded steps (the model's
            `mask_value`). Defaults to 0.
        batch_size: int. Episodes per `predict` batch. Defaults to 256.

    Returns:
        `Rollout`.
    """
    if max_steps is None:
        max_steps = 2 * int(episodes.lengths.max())
    max_steps = check_int("max_steps", max_steps, minimum=1)
    n = len(episodes)
    observations = np.full((n, max_steps, *episodes.observation_shape), mask_value, "float32")
    position = episodes.starts.astype("int64")
    positions = np.zeros((n, max_steps + 1, 2), "int32")
    positions[:, 0] = position
    actions = np.full((n, max_steps), -1, "int32")
    done = np.zeros(n, bool)
    steps = np.zeros(n, "int32")
    rows = np.arange(n)
    for t in range(max_steps):
        active = ~done
        if not active.any():
            positions[:, t:] = positions[:, t : t + 1]
            break
        observations[active, t] = local_views(
            episodes.walls[active], position[active], view_size=episodes.view_size,
            observation=episodes.observation,
        )
        probabilities = _probabilities(model, [episodes.instructions, observations],
                                       batch_size)
        _check_probabilities(probabilities, max_steps)
        action = probabilities[:, t].argmax(-1)
        actions[active, t] = action[active]
        steps[active] += 1
        target = position + _DELTAS[action]
        moves = active & (action != STOP) & ~episodes.walls[rows, target[:, 0], target[:, 1]]
        position = np.where(moves[:, None], target, position)
        done |= active & (action == STOP)
        positions[:, t + 1] = position
    stopped = done
    success = stopped & np.all(position == episodes.goals, axis=-1)
    return Rollout(actions=actions, positions=positions, stopped=stopped, steps=steps,
                   success=success)


def success_rate(model, episodes, *, max_steps=None, mask_value=0.0, batch_size=256):
    """Share of episodes where the model, walking on its own (`rollout`),
    stops on the goal cell.

    Args:
        model, episodes, max_steps, mask_value, batch_size: as in `rollout`.

    Returns:
        float in [0, 1].
    """
    result = rollout(model, episodes, max_steps=max_steps, mask_value=mask_value,
                     batch_size=batch_size)
    return float(np.mean(result.success))
