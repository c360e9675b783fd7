"""Visual dialog on generated scenes: questions whose answers need the history.

Each scene holds a few coloured shapes, given as object features; the
dialog so far asked whether some shapes are there (`"is there a circle ?
yes"`); the question asks for a colour, naming the object (`"what colour is
the square ?"`) or not (`"what colour is it ?"`: the object of the latest
turn). `rnn_zoo.data.dialog` generates them offline. A `visual_dialog`
model (utterance RNN per turn, dialog RNN over the turns, question RNN,
late fusion with the scene) trains on them; the report gives the held-out
accuracy on each kind of question, on the "it" questions with the history
blanked out and with its turns in reverse order, and the best accuracy any
guess without the history could reach on them:

    python recipes/visual_dialog.py
    python recipes/predict.py runs/visual_dialog \\
        "red circle, blue star ||| is there a star ? yes | is there a circle ? yes ||| what colour is it ?"

A predict input is `scene ||| turn | turn ... ||| question`, the scene a
comma-separated list of `colour shape`.

Reference: Das et al. 2017, "Visual Dialog"; Serban et al. 2016 (HRED).
"""

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.data import dialog
from rnn_zoo.training import Session, cli

RECIPE = "visual_dialog"
SPLIT_SEEDS = {"train": 0, "validation": 1, "test": 2}


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=15, batch_size=64,
                               learning_rate=3e-3, patience=3)
    model = cli.add_model_arguments(parser, cell="lstm", units=64, embedding_dim=32,
                                    bidirectional=False)
    model.add_argument("--fusion", choices=("concat", "add", "multiply"), default="concat",
                       help="how image, question and history vectors join (default concat)")
    model.add_argument("--dialog-units", type=cli.positive_int, default=None,
                       help="width of the dialog RNN over the turns (default: --units)")
    group = parser.add_argument_group("data")
    group.add_argument("--train-examples", type=cli.positive_int, default=10_000,
                       help="generated training dialogs (default 10000)")
    group.add_argument("--test-examples", type=cli.positive_int, default=1_000,
                       help="generated validation and test dialogs, each (default 1000)")
    group.add_argument("--num-objects", type=cli.positive_int, default=3,
                       help="objects per scene, at most 6 (default 3)")
    group.add_argument("--num-turns", type=cli.positive_int, default=3,
                       help="most history turns per dialog, at most 6 (default 3)")
    group.add_argument("--history-fraction", type=cli.rate, default=0.5,
                       help="share of 'what colour is it ?' questions (default 0.5)")
    return parser.parse_args(argv)


def make_splits(args):
    """`{"train", "validation", "test"}` -> `DialogScenes`, each with its own seed."""
    sizes = {"train": args.train_examples, "validation": args.test_examples,
             "test": args.test_examples}
    return {split: dialog.dialog_scenes(
        sizes[split], num_objects=args.num_objects, num_turns=args.num_turns,
        history_fraction=args.history_fraction, seed=args.seed * 3 + SPLIT_SEEDS[split])
        for split in sizes}


def dataset(scenes):
    """`((features, history, questions), answers)` examples."""
    return tf.data.Dataset.from_tensor_slices((tuple(scenes.inputs), scenes.answers))


def reverse_turns(history):
    """The history with each dialog's real turns in reverse order."""
    out = np.zeros_like(history)
    for i, turns in enumerate(history):
        real = turns[turns.any(axis=-1)]
        out[i, : len(real)] = real[::-1]
    return out


def accuracies(model, scenes, batch_size):
    """Accuracy on the "it" and the self-contained questions, and on the
    "it" questions with the history blanked or its turns reversed."""
    it = scenes.needs_history

    def accuracy(history, keep):
        inputs = [scenes.features, history, scenes.questions]
        predicted = model.predict(inputs, batch_size=batch_size, verbose=0).argmax(-1)
        return float(np.mean(predicted[keep] == scenes.answers[keep])) if keep.any() else None

    return {
        "it_accuracy": accuracy(scenes.history, it),
        "named_accuracy": accuracy(scenes.history, ~it),
        "it_accuracy_history_blanked": accuracy(np.zeros_like(scenes.history[:, :1, :1]), it),
        "it_accuracy_turns_reversed": accuracy(reverse_turns(scenes.history), it),
        "it_best_without_history": scenes.scene_only_accuracy() if it.any() else None,
    }


def answer(model, features, history, questions):
    """`colour (probability)` for each dialog."""
    probabilities = model.predict([features, history, questions], verbose=0)
    return [f"{dialog.COLOURS[int(np.argmax(p))]} ({float(np.max(p)):.2f})"
            for p in probabilities]


def describe(scenes, i, predicted):
    scene, turns, question, truth = scenes.texts(i)
    return (f"scene: {scene} | history: {' / '.join(turns)} | {question} -> {predicted}"
            f"  (true: {truth})")


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    session.run.labels(lambda: dialog.VOCABULARY, name="tokens")
    session.run.labels(lambda: dialog.COLOURS)
    splits = make_splits(args)
    batches = {k: data.prepare(dataset(v), batch_size=args.batch_size, shuffle=k == "train",
                               seed=args.seed, bucket=False)
               for k, v in splits.items()}
    example = splits["train"].texts(0)
    print(f"[{RECIPE}] {args.train_examples:,} training dialogs, e.g. {example}")

    model = session.build(
        "visual_dialog", vocabulary_size=len(dialog.VOCABULARY),
        num_answers=len(dialog.COLOURS), image_encoder=None,
        feature_shape=(splits["train"].features.shape[1],), fusion=args.fusion,
        dialog_units=args.dialog_units, **cli.model_kwargs(args))
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {"validation": batches["validation"],
                                       "test": batches["test"]})
    test = splits["test"]
    metrics.update({f"test_{k}": v for k, v in
                    accuracies(model, test, args.batch_size).items()})
    shown = range(min(10, len(test.answers)))
    predicted = answer(model, *(x[list(shown)] for x in test.inputs))
    samples = "\n".join(describe(test, i, p) for i, p in zip(shown, predicted))
    return session.finish(model, metrics, samples=samples, data={
        "dialogs": {k: len(v.answers) for k, v in splits.items()},
        "it_questions_test": int(test.needs_history.sum()),
        "num_objects": args.num_objects, "num_turns": args.num_turns,
    })


def parse_dialog(text):
    """`scene ||| turn | turn ||| question` -> `(features, turns, question)`."""
    parts = [p.strip() for p in text.split("|||")]
    if len(parts) != 3:
        raise ValueError(
            "A visual-dialog input is `scene ||| turn | turn ... ||| question`, e.g. "
            "'red circle, blue star ||| is there a star ? yes ||| what colour is it ?'. "
            f"Received: {text!r}")
    scene, turns, question = parts
    features = np.zeros((len(dialog.SHAPES), len(dialog.COLOURS)), "float32")
    for item in filter(None, (s.strip() for s in scene.split(","))):
        words = item.split()
        if len(words) != 2 or words[0] not in dialog.COLOURS or words[1] not in dialog.SHAPES:
            raise ValueError(
                f"Each object of the scene is `colour shape`, with a colour in "
                f"{list(dialog.COLOURS)} and a shape in {list(dialog.SHAPES)}. "
                f"Received: {item!r}")
        features[dialog.SHAPES.index(words[1]), dialog.COLOURS.index(words[0])] = 1.0
    turns = [t.strip() for t in turns.split("|") if t.strip()]
    return features.reshape(-1), turns, question


def predict(run, inputs, **_):
    """Answers each `scene ||| turn | turn ||| question` input."""
    vocabulary = run.load_json("tokens")
    parsed = [parse_dialog(text) for text in inputs]
    num_turns = max(1, max(len(turns) for _, turns, _ in parsed))
    turn_length = max([1] + [len(t.split()) for _, turns, _ in parsed for t in turns])
    question_length = max(len(q.split()) for _, _, q in parsed) or 1
    history = np.zeros((len(parsed), num_turns, turn_length), "int32")
    for i, (_, turns, _) in enumerate(parsed):
        for t, turn in enumerate(turns):
            history[i, t] = dialog.encode(turn, vocabulary, turn_length)
    features = np.stack([f for f, _, _ in parsed])
    questions = np.stack([dialog.encode(q, vocabulary, question_length) for _, _, q in parsed])
    outputs = answer(run.load_model(), features, history, questions)
    return [f"{out}: {q}" for out, (_, _, q) in zip(outputs, parsed)]


if __name__ == "__main__":
    main()
