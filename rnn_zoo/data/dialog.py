"""A generated visual-dialog task whose answers need the dialog history.

Each scene holds a few objects, each a shape with a colour, given as a
feature vector (what an object detector would report). A dialog about the
scene has asked whether some shapes are there (`"is there a circle ? yes"`,
`"is there a star ? no"`); the current question asks for a colour, either
naming the object (`"what colour is the square ?"`, self-contained) or not
(`"what colour is it ?"`: the object asked about in the most recent turn,
which is always there). Earlier turns often ask about other objects that
are there too, so the answer to an "it" question needs the history and the
order of its turns; without the history, the best guess is the commonest
colour among the objects in the scene (`DialogScenes.scene_only_accuracy`).

Example:

>>> d = dialog_scenes(2, seed=0)
>>> d.features.shape, d.history.shape, d.questions.shape
((2, 36), (2, 3, 6), (2, 6))
>>> decode(d.history[0, 0], d.vocabulary)
'is there a ... ? ...'
"""

import dataclasses

import numpy as np

from rnn_zoo._validation import check_float, check_int

SHAPES = ("circle", "cross", "heart", "square", "star", "triangle")
COLOURS = ("blue", "green", "orange", "purple", "red", "yellow")
# Ids follow `rnn_zoo.data.Vocabulary`: 0 pads, 1 is unknown, then the words.
VOCABULARY = ("", "[UNK]", "is", "there", "a", "?", "yes", "no", "what", "colour",
              "it", "the") + SHAPES
TURN_LENGTH = 6  # "is there a circle ? yes"
QUESTION_LENGTH = 6  # "what colour is the circle ?"


@dataclasses.dataclass(frozen=True)
class DialogScenes:
    """Generated dialogs about scenes of coloured shapes.

    Attributes:
        features: float32 `(num_samples, len(SHAPES) * len(COLOURS))`. For
            each shape (in `SHAPES` order), a one-hot of its colour (in
            `COLOURS` order), or zeros when the scene has no such shape.
        history: int32 `(num_samples, num_turns, TURN_LENGTH)` token ids,
            0 = padding; dialogs with fewer turns are right-padded with
            all-zero turns.
        questions: int32 `(num_samples, QUESTION_LENGTH)` token ids, 0 =
            padding.
        answers: int32 `(num_samples,)`, indices into `COLOURS`.
        needs_history: bool `(num_samples,)`: True for "what colour is it ?".
        vocabulary: tuple of str, the token of each id (`VOCABULARY`).
        answer_names: tuple of str, the answer of each class (`COLOURS`).
    """

    features: np.ndarray
    history: np.ndarray
    questions: np.ndarray
    answers: np.ndarray
    needs_history: np.ndarray
    vocabulary: tuple = VOCABULARY
    answer_names: tuple = COLOURS

    @property
    def inputs(self):
        """`[features, history, questions]`, the inputs of `visual_dialog`."""
        return [self.features, self.history, self.questions]

    def scene_only_accuracy(self):
        """The best accuracy on the "it" questions of any guess that sees
        the scene and the question but not the history.

        Without the history, the object asked about last is equally likely
        to be any object in the scene, so the best guess is the colour most
        of them have; it is right for that share of the objects.
        """
        colours = self.features.reshape(len(self.features), len(SHAPES), len(COLOURS))
        counts = colours.sum(axis=1)  # (num_samples, colours)
        best = counts.max(axis=1) / counts.sum(axis=1)
        return float(best[self.needs_history].mean())

    def texts(self, i):
        """`(scene, history turns, question, answer)` of dialog `i`, as text."""
        colours = self.features[i].reshape(len(SHAPES), len(COLOURS))
        scene = ", ".join(f"{COLOURS[int(np.argmax(c))]} {s}"
                          for s, c in zip(SHAPES, colours) if c.any())
        turns = [decode(t, self.vocabulary) for t in self.history[i] if t.any()]
        return (scene, turns, decode(self.questions[i], self.vocabulary),
                self.answer_names[int(self.answers[i])])


def encode(text, vocabulary=VOCABULARY, length=None):
    """Token ids of a whitespace-separated `text`, right-padded to `length`
    (unknown words get id 1).

    Raises:
        ValueError: if `text` has more than `length` tokens.
    """
    ids = {token: i for i, token in enumerate(vocabulary)}
    tokens = [ids.get(word, 1) for word in text.split()]
    length = len(tokens) if length is None else length
    if len(tokens) > length:
        raise ValueError(
            f"The text has {len(tokens)} tokens, more than the {length} it must "
            f"fit in. Received: text={text!r}"
        )
    return np.array(tokens + [0] * (length - len(tokens)), "int32")


def decode(ids, vocabulary=VOCABULARY):
    """The text of token ids, padding left out."""
    return " ".join(vocabulary[int(i)] for i in np.asarray(ids).reshape(-1) if i)


def dialog_scenes(
    num_samples, *, num_objects=3, num_turns=3, min_turns=1, history_fraction=0.5,
    seed=0,
):
    """Generates dialogs about scenes of coloured shapes; see the module doc.

    Every dialog has between `min_turns` and `num_turns` turns
    `"is there a <shape> ? yes|no"`, about different shapes; the last one
    is about an object in the scene (answer yes), each earlier one is about
    an object in the scene or not, at even odds. A share `history_fraction`
    of the questions are `"what colour is it ?"` (about the last turn's
    object), the rest `"what colour is the <shape> ?"` about an object in
    the scene. Colours are drawn independently, so objects may share one.

    Args:
        num_samples: int >= 1. Number of dialogs.
        num_objects: int in [1, 6]. Objects per scene, of different shapes.
            Defaults to 3.
        num_turns: int in [1, 6]. Most turns per dialog (the padded size of
            the turn axis). Defaults to 3.
        min_turns: int in [1, num_turns]. Fewest turns. Defaults to 1.
        history_fraction: float in [0, 1]. Share of "it" questions.
            Defaults to 0.5.
        seed: int. Random seed. Defaults to 0.

    Returns:
        A `DialogScenes`.

    Raises:
        ValueError: for an argument out of range.
    """
    num_samples = check_int("num_samples", num_samples, minimum=1)
    num_objects = check_int("num_objects", num_objects, minimum=1)
    num_turns = check_int("num_turns", num_turns, minimum=1)
    min_turns = check_int("min_turns", min_turns, minimum=1)
    for arg, value in (("num_objects", num_objects), ("num_turns", num_turns)):
        if value > len(SHAPES):
            raise ValueError(
                f"`{arg}` must be <= {len(SHAPES)}, the number of shapes: "
                f"objects and turns are about different shapes. "
                f"Received: {arg}={value}"
            )
    if min_turns > num_turns:
        raise ValueError(
            "`min_turns` must be <= `num_turns`. "
            f"Received: min_turns={min_turns}, num_turns={num_turns}"
        )
    history_fraction = check_float("history_fraction", history_fraction, low=0.0, high=1.0)
    check_int("seed", seed, minimum=0)

    rng = np.random.default_rng(seed)
    features = np.zeros((num_samples, len(SHAPES), len(COLOURS)), "float32")
    history = np.zeros((num_samples, num_turns, TURN_LENGTH), "int32")
    questions = np.zeros((num_samples, QUESTION_LENGTH), "int32")
    answers = np.zeros(num_samples, "int32")
    needs_history = rng.random(num_samples) < history_fraction
    for i in range(num_samples):
        present = [int(s) for s in rng.permutation(len(SHAPES))[:num_objects]]
        absent = [s for s in range(len(SHAPES)) if s not in present]
        colour = {s: int(rng.integers(len(COLOURS))) for s in present}
        for s in present:
            features[i, s, colour[s]] = 1.0
        # The turns, last first: the last asks about an object in the scene.
        last = present[int(rng.integers(len(present)))]
        asked = [last]
        here = [s for s in present if s != last]
        rng.shuffle(here)
        rng.shuffle(absent)
        for _ in range(int(rng.integers(min_turns, num_turns + 1)) - 1):
            from_scene = bool(here) and (rng.random() < 0.5 or not absent)
            asked.append(here.pop() if from_scene else absent.pop())
        for t, s in enumerate(reversed(asked)):
            reply = "yes" if s in present else "no"
            history[i, t] = encode(f"is there a {SHAPES[s]} ? {reply}", length=TURN_LENGTH)
        if needs_history[i]:
            questions[i] = encode("what colour is it ?", length=QUESTION_LENGTH)
            answers[i] = colour[last]
        else:
            s = present[int(rng.integers(len(present)))]
            questions[i] = encode(f"what colour is the {SHAPES[s]} ?",
                                  length=QUESTION_LENGTH)
            answers[i] = colour[s]
    return DialogScenes(
        features=features.reshape(num_samples, -1), history=history,
        questions=questions, answers=answers, needs_history=needs_history,
    )
