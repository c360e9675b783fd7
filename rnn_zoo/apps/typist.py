"""Predictive typing on a word-level `language_model`: next-word suggestions
and completions of the word being typed, one keystroke at a time.

The recurrent state advances by one step per finished word (the streaming
step model of `rnn_zoo.decoding.LanguageModelStep`), never by re-reading the
text typed so far; a keystroke inside a word only filters the cached
next-word distribution by the typed prefix.
"""

import numpy as np
from keras import ops

from rnn_zoo._validation import check_int
from rnn_zoo.decoding.generate import step_model_for


class Typist:
    """Suggests the next word, or completes the current one, as the user types.

    `type(text)` feeds keystrokes (any characters; a space or newline ends a
    word, which advances the language model by one step; `"\\b"` deletes the
    last character of the word being typed) and `suggestions()` returns the
    `k` most probable vocabulary words that start with what is typed of the
    current word (the next words when nothing is typed yet), best first,
    with their probabilities.

    Args:
        model: a trained word-level `language_model` (`keras.Model`).
        vocabulary: the run's `rnn_zoo.data.Vocabulary` (`split="none"` or
            `"whitespace"`: one id per word).
        k: int. Suggestions returned. Defaults to 3.
        start_token: str or None. Token the model saw before every sentence
            (`"<eos>"` for PTB-layout streams); None: the first word is
            predicted from the first typed word on (no suggestion before).
            Defaults to `"<eos>"`.
        lowercase: bool. Lower-case typed words before the vocabulary lookup
            (PTB is lower case). Defaults to `True`.

    Never suggested: padding, the unknown token `[UNK]`, tokens in angle
    brackets (`<unk>`, `<eos>`). A finished word outside the vocabulary is
    fed to the model as the unknown id (PTB's `<unk>` where it has one).

    Example:

    >>> import rnn_zoo
    >>> from rnn_zoo.data import Vocabulary
    >>> vocabulary = Vocabulary(["<eos>", "the", "cat", "sat"], split="none")
    >>> model = rnn_zoo.build("language_model", vocabulary_size=vocabulary.size,
    ...                       embedding_dim=4, units=4)
    >>> typist = Typist(model, vocabulary, k=2)
    >>> typist.type("the c")
    >>> [word for word, _ in typist.suggestions()]
    ['cat']
    """

    def __init__(self, model, vocabulary, *, k=3, start_token="<eos>", lowercase=True):
        self.step_model = step_model_for(model)
        self.vocabulary = vocabulary
        self.k = check_int("k", k, minimum=1)
        tokens = list(vocabulary.tokens)
        if len(tokens) != self.step_model.vocabulary_size:
            raise ValueError(
                f"The vocabulary has {len(tokens)} ids but the model "
                f"{self.step_model.vocabulary_size}: give the vocabulary the "
                f"model was trained with. Received: {len(tokens)} tokens"
            )
        if start_token is not None and start_token not in tokens:
            raise ValueError(
                f"`start_token` {start_token!r} is not in the vocabulary. Pass "
                "the token the model saw between sentences, or None. "
                f"Received: start_token={start_token!r}"
            )
        self.start_token = start_token
        self.lowercase = bool(lowercase)
        self.words = np.array(tokens, dtype=object)
        self.suggestible = np.array(
            [bool(t) and t != "[UNK]" and not (t.startswith("<") and t.endswith(">"))
             for t in tokens])
        self.unknown_id = vocabulary.token_id("<unk>") if "<unk>" in tokens else 1
        self._prefix_cache = {}
        self.reset()

    def reset(self):
        """Starts a new text: the state before its first word."""
        self.typed, self.history, self.state, self.probabilities = "", [], None, None
        if self.start_token is not None:
            self._advance(self.vocabulary.token_id(self.start_token))

    def _advance(self, word_id):
        """One step of the language model on `word_id`: new state and
        next-word distribution."""
        ids = ops.convert_to_tensor(np.array([word_id], "int32"))
        if self.state is None:
            self.state = self._zero_state()
        logits, self.state, _ = self.step_model.step(ids, self.state)
        logits = np.asarray(ops.convert_to_numpy(logits), "float64")[0]
        logits = np.where(self.suggestible, logits, -np.inf)
        e = np.exp(logits - logits.max())
        self.probabilities = e / e.sum()
        allowed = np.flatnonzero(self.suggestible)
        self.order = allowed[np.argsort(-self.probabilities[allowed], kind="stable")]

    def _zero_state(self):
        # The state before any token: what `LanguageModelStep.start` gives
        # for a one-token prompt, whose token is then fed to `step`.
        state = []
        for layer, n in zip(self.step_model.recurrent, self.step_model.num_states):
            size = layer.cell.units
            state += [ops.zeros((1, size)) for _ in range(n)]
        return state

    def _word_id(self, word):
        if self.lowercase:
            word = word.lower()
        word_id = self.vocabulary.token_id(word)
        return self.unknown_id if word_id == 1 else word_id

    def type(self, text):
        """Feeds keystrokes: characters, spaces/newlines (end a word) and
        `"\\b"` (backspace within the current word)."""
        if not isinstance(text, str):
            raise TypeError(f"`type` takes a string of keystrokes. Received: {text!r}")
        for char in text:
            if char in " \n\t":
                if self.typed:
                    self.commit(self.typed)
            elif char == "\b":
                self.typed = self.typed[:-1]
            else:
                self.typed += char

    def commit(self, word):
        """Ends the current word with `word` (an accepted suggestion, or what
        was typed): the model advances one step."""
        self.history.append(word)
        self.typed = ""
        self._advance(self._word_id(word))

    def _candidates(self, prefix):
        """Ids of the suggestible words starting with `prefix`, cached."""
        ids = self._prefix_cache.get(prefix)
        if ids is None:
            parent = self._candidates(prefix[:-1]) if prefix else np.flatnonzero(
                self.suggestible)
            ids = np.array([i for i in parent if self.words[i].startswith(prefix)],
                           dtype="int64")
            if len(self._prefix_cache) < 100_000:
                self._prefix_cache[prefix] = ids
        return ids

    def suggestions(self, k=None):
        """The `k` best `(word, probability)` for the word being typed: the
        next word when nothing is typed yet, else completions of the typed
        prefix (probabilities renormalised over the completions). Empty
        before the first word when there is no `start_token`."""
        k = self.k if k is None else check_int("k", k, minimum=1)
        if self.probabilities is None:
            return []
        prefix = self.typed.lower() if self.lowercase else self.typed
        if not prefix:
            best = self.order[:k]
            return [(str(self.words[i]), float(self.probabilities[i])) for i in best]
        ids = self._candidates(prefix)
        if not len(ids):
            return []
        p = self.probabilities[ids]
        total = p.sum()
        best = np.argsort(-p, kind="stable")[:k]
        return [(str(self.words[ids[i]]), float(p[i] / total) if total > 0 else 0.0)
                for i in best]


def simulate_typing(typist, sentences, *, k=None, timer=None):
    """Types each sentence word by word, accepting the first correct
    suggestion, and measures what predictive typing saves.

    A user types each word's characters one by one; after every keystroke
    (and before the first) the `k` suggestions are shown, and as soon as the
    word is among them the user accepts it with one keystroke (which also
    ends the word). A word never suggested costs its characters plus a
    space. Words the model cannot suggest (`<unk>`) are typed in full and
    counted in the keystroke figures; next-word accuracy is over suggestible
    words.

    Args:
        typist: a `Typist`.
        sentences: lists of words.
        k: int. Suggestions shown (defaults to the typist's `k`).
        timer: optional callable returning seconds (`time.perf_counter`);
            given, the latency of every keystroke is measured.

    Returns:
        dict: `top1_accuracy`, `top{k}_accuracy` (next word before any
        character typed), `keystroke_savings` (1 - keystrokes / characters,
        spaces counted), `words`, `characters`, `keystrokes`, and with a
        timer `latency_ms_mean` / `latency_ms_p95` per keystroke.
    """
    k = typist.k if k is None else check_int("k", k, minimum=1)
    top1 = topk = scored = characters = keystrokes = words = 0
    latencies = []

    def keystroke(action):
        """Runs one keystroke's work and returns the suggestions shown after it."""
        start = timer() if timer is not None else None
        action()
        shown = [w for w, _ in typist.suggestions(k)]
        if timer is not None:
            latencies.append(timer() - start)
        return shown

    for sentence in sentences:
        typist.reset()
        shown = [w for w, _ in typist.suggestions(k)]
        for word in sentence:
            words += 1
            target = word.lower() if typist.lowercase else word
            characters += len(word) + 1
            if typist.suggestible[typist.vocabulary.token_id(target)]:
                scored += 1
                top1 += bool(shown) and shown[0] == target
                topk += target in shown
            typed = 0
            while target not in shown and typed < len(word):
                shown = keystroke(lambda: typist.type(word[typed]))  # noqa: B023
                typed += 1
            keystrokes += typed + 1  # the acceptance, or the space
            shown = keystroke(lambda: typist.commit(word))  # noqa: B023
    result = {
        "words": words, "characters": characters, "keystrokes": keystrokes,
        "top1_accuracy": top1 / max(1, scored), f"top{k}_accuracy": topk / max(1, scored),
        "keystroke_savings": 1.0 - keystrokes / max(1, characters),
    }
    if latencies:
        ms = np.array(latencies) * 1e3
        result["latency_ms_mean"] = float(ms.mean())
        result["latency_ms_p95"] = float(np.percentile(ms, 95))
    return result
