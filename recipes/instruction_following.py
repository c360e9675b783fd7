"""Instruction following in a generated grid world (navigation, small scale).

An `instruction_follower` reads an instruction such as "go left twice then go
up until the wall" and, step by step, what the agent sees (the cells around
it, one-hot free/wall), and says which way to move or to stop (Mei et al.
2016, "Listen, Attend, and Walk"; Anderson et al. 2018). The episodes are
generated offline (`rnn_zoo.data.navigation`); training, validation and test
episodes come from different seeds. Two figures on the held-out test
episodes:

- per-step accuracy, the expert's views fed in (teacher forcing);
- success rate, closed loop: the model walks on its own from the start cell,
  seeing the view where it actually is, until it says stop (or takes twice
  the expert's longest episode); success = it stops on the goal cell.

    python recipes/instruction_following.py
    python recipes/instruction_following.py --observation image --max-segments 4
    python recipes/predict.py runs/instruction_following "go left twice then go up once"

The run directory also holds `attention.png` (where each step looked in the
instruction) and `trajectories.png` (expert and model paths on test grids).
`predict.py` walks each instruction on an empty grid from its centre.
"""

import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import keras
import numpy as np
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data import navigation
from rnn_zoo.plotting import attention_heatmap
from rnn_zoo.training import Session, cli

RECIPE = "instruction_following"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=30, batch_size=64, learning_rate=3e-3,
                               patience=4)
    model = cli.add_model_arguments(parser, cell="gru", units=64, embedding_dim=32,
                                    bidirectional=True)
    model.add_argument("--attention", choices=("bahdanau", "luong", "none"), default="bahdanau",
                       help="attention over the instruction (default bahdanau)")
    group = parser.add_argument_group("data", "The generated grid world.")
    group.add_argument("--train-episodes", type=cli.positive_int, default=8000,
                       help="generated training episodes (default 8000)")
    group.add_argument("--test-episodes", type=cli.positive_int, default=1000,
                       help="generated validation and test episodes, each (default 1000)")
    group.add_argument("--grid-size", type=cli.positive_int, default=6,
                       help="free cells per side inside the border wall (default 6)")
    group.add_argument("--num-obstacles", type=cli.non_negative_int, default=3,
                       help="interior cells made walls (default 3)")
    group.add_argument("--max-segments", type=cli.positive_int, default=3,
                       help="most segments per instruction (default 3)")
    group.add_argument("--max-count", type=cli.positive_int, default=3,
                       help="longest counted segment, <= 5 (default 3)")
    group.add_argument("--view-size", type=cli.positive_int, default=3,
                       help="side of the agent's view in cells, odd (default 3)")
    group.add_argument("--observation", choices=navigation.OBSERVATIONS, default="vector",
                       help="views as flat vectors or as small images (default vector)")
    return parser.parse_args(argv)


def generate(args):
    """`{"train", "validation", "test"}` -> `NavigationEpisodes`, three seeds."""
    settings = dict(grid_size=args.grid_size, num_obstacles=args.num_obstacles,
                    max_segments=args.max_segments, max_count=args.max_count,
                    view_size=args.view_size, observation=args.observation)
    sizes = {"train": args.train_episodes, "validation": args.test_episodes,
             "test": args.test_episodes}
    return {split: navigation.navigation_episodes(count, seed=3 * args.seed + k, **settings)
            for k, (split, count) in enumerate(sizes.items())}


def seen_in(episodes, reference):
    """How many of `episodes` (grid, start and instruction) are in `reference`."""
    def keys(e):
        return {(w.tobytes(), tuple(s), t) for w, s, t in zip(e.walls, e.starts, e.texts)}

    seen = keys(reference)
    return sum(k in seen for k in keys(episodes))


def dataset(episodes):
    """`((instruction, observations), actions)` examples, padded to the split's
    longest: every batch has one shape, so TensorFlow traces the steps once,
    and Keras' masked accuracy is the exact per-step accuracy (over batches
    of different lengths it weighs each batch's steps by 1 / its length)."""
    return tf.data.Dataset.from_tensor_slices(
        ((episodes.instructions, episodes.observations), episodes.actions))


def breakdown(episodes, success):
    """Success rate by number of segments, and with or without "until the wall"."""
    segments = np.array([t.count(" then ") + 1 for t in episodes.texts])
    until = np.array(["until" in t for t in episodes.texts])
    rows = {f"{k}_segment{'s' if k > 1 else ''}": success[segments == k]
            for k in sorted(set(segments))}
    rows.update(with_until=success[until], without_until=success[~until])
    return {k: {"episodes": int(len(v)), "success_rate": float(v.mean())}
            for k, v in rows.items() if len(v)}


def describe(episodes, walked, count):
    """One text per episode comparing the expert's actions and the model's."""
    lines = []
    for i in range(min(count, len(episodes))):
        expert = [navigation.ACTIONS[a] for a in episodes.actions[i, : episodes.lengths[i]]]
        taken = [navigation.ACTIONS[a] for a in walked.actions[i, : walked.steps[i]]]
        verdict = "success" if walked.success[i] else "failure"
        lines.append(f"{episodes.texts[i]}\n  expert: {' '.join(expert)}\n"
                     f"  model:  {' '.join(taken)}{'' if walked.stopped[i] else ' ...'}"
                     f"   ({verdict})")
    return lines


def attention_weights(model, episodes):
    """Attention over the instruction words `(episodes, steps, words)` with the
    expert's views fed in, or None for a model without attention."""
    try:
        layer = model.get_layer("attention")
    except ValueError:
        return None
    probe = keras.Model(model.inputs, layer.output[1])
    return np.asarray(probe.predict(episodes.inputs, verbose=0))


def plot_attention(model, episodes, path, index=0):
    weights = attention_weights(model, episodes.select([index]))
    if weights is None:
        return None
    words = [navigation.VOCABULARY[i] for i in episodes.instructions[index] if i]
    steps = episodes.lengths[index]
    actions = [navigation.ACTIONS[a] for a in episodes.actions[index, :steps]]
    return attention_heatmap(weights[0, :steps, : len(words)], words, actions, path,
                             title="attention over the instruction, per step")


def plot_trajectories(episodes, walked, path, count=6):
    """Draws the expert's path and the model's on the first `count` grids."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    count = min(count, len(episodes))
    columns = min(count, 3)
    rows = -(-count // columns)
    fig = Figure(figsize=(4 * columns, 4.4 * rows), dpi=90)
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(rows, columns)).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= count:
            continue
        ax.imshow(episodes.walls[i], cmap="Greys", vmin=0, vmax=1.5)
        expert = _path(episodes.starts[i], episodes.actions[i, : episodes.lengths[i]])
        model = walked.positions[i, : walked.steps[i] + 1]
        ax.plot(expert[:, 1], expert[:, 0], "-", color="tab:green", lw=5, alpha=0.5,
                label="expert")
        ax.plot(model[:, 1], model[:, 0], "--", color="tab:red", lw=2, label="model")
        ax.plot(*episodes.starts[i][::-1], "o", color="black", label="start")
        ax.plot(*episodes.goals[i][::-1], "*", color="gold", ms=14, mec="black", label="goal")
        verdict = "success" if walked.success[i] else "failure"
        ax.set_title(_wrap(episodes.texts[i]) + f"\n({verdict})", fontsize=8)
    axes[0].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(str(path), format="png")
    return fig


def _path(start, actions):
    cells = [np.asarray(start)]
    for a in actions:
        if navigation.ACTIONS[a] in navigation.MOVES:
            cells.append(cells[-1] + navigation.MOVES[navigation.ACTIONS[a]])
    return np.array(cells)


def _wrap(text, width=40):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) >= width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    episodes = generate(args)
    train = episodes["train"]
    batches = {split: data.prepare(dataset(e), batch_size=args.batch_size,
                                   shuffle=split == "train", seed=args.seed, bucket=False)
               for split, e in episodes.items()}
    print(f"[{RECIPE}] {len(train):,} training episodes, e.g. {train.texts[0]!r} "
          f"({train.lengths[0]} steps); views {train.observation_shape}")

    model = session.build(
        "instruction_follower", vocabulary_size=len(navigation.VOCABULARY),
        num_actions=len(navigation.ACTIONS), observation_shape=list(train.observation_shape),
        attention=None if args.attention == "none" else args.attention,
        **cli.model_kwargs(args))
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {"validation": batches["validation"],
                                       "test": batches["test"]})
    test = episodes["test"]
    metrics["test_step_accuracy"] = navigation.step_accuracy(model, test)
    # One step limit for both splits: the same input shape, no retracing.
    limit = 2 * max(int(e.lengths.max()) for e in (test, episodes["validation"]))
    walked = navigation.rollout(model, test, max_steps=limit)
    metrics["test_success_rate"] = float(walked.success.mean())
    metrics["validation_success_rate"] = navigation.success_rate(
        model, episodes["validation"], max_steps=limit)
    real = np.arange(test.actions.shape[1])[None, :] < test.lengths[:, None]
    majority = np.bincount(test.actions[real], minlength=len(navigation.ACTIONS)).max()
    figures = {
        "test_success_by_kind": breakdown(test, walked.success),
        "test_majority_action_accuracy": float(majority / real.sum()),
        "test_stopped_without_success": int((walked.stopped & ~walked.success).sum()),
        "test_never_stopped": int((~walked.stopped).sum()),
    }
    plot_attention(model, test, session.run.directory / "attention.png")
    plot_trajectories(test, walked, session.run.directory / "trajectories.png")
    metrics.update(figures)
    samples = "\n".join(describe(test, walked, 10))
    return session.finish(model, metrics, samples=samples, data={
        "episodes": {k: len(v) for k, v in episodes.items()},
        "test_seen_in_training": seen_in(test, train),
        "longest_episode_steps": int(train.lengths.max()),
        "observation_shape": list(train.observation_shape),
    })


def predict(run, inputs, **_):
    """Walks each instruction on an empty grid of the run's size, from its centre."""
    args = run.arguments
    side = args["grid_size"] + 2
    walls = np.zeros((side, side), bool)
    walls[[0, -1], :] = walls[:, [0, -1]] = True
    start = (side // 2, side // 2)
    try:
        episodes = navigation.make_episodes(list(inputs), walls, start,
                                            view_size=args["view_size"],
                                            observation=args["observation"])
    except ValueError as error:
        raise ValueError(f"{error} (instructions are walked on an empty "
                         f"{args['grid_size']}x{args['grid_size']} grid from cell {start})"
                         ) from None
    walked = navigation.rollout(run.load_model(), episodes)
    return describe(episodes, walked, len(episodes))


if __name__ == "__main__":
    main()
