"""SQuAD-format question answering data: reading the JSON and turning
character answer spans into token spans."""

import collections
import json
import re
import string

from rnn_zoo.data.files import read_text

# Words and single punctuation marks; what the classic SQuAD baselines
# (BiDAF, DrQA) feed their RNNs, with character offsets kept.
_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]", re.UNICODE)


def tokenize(text):
    """Splits text into words and punctuation, keeping character offsets.

    Returns:
        `(tokens, offsets)`: list of str and list of `(start, end)` pairs
        with `text[start:end] == token`.

    Example:

    >>> tokenize("Paris, in 1900.")
    (['Paris', ',', 'in', '1900', '.'], [(0, 5), (5, 6), (7, 9), (10, 14), (14, 15)])
    """
    tokens, offsets = [], []
    for match in _TOKEN.finditer(text):
        tokens.append(match.group())
        offsets.append(match.span())
    return tokens, offsets


def token_span(offsets, answer_start, answer_end):
    """The first and last token (inclusive) that overlap `[answer_start, answer_end)`.

    Returns:
        `(start, end)` token indices, or `None` if no token overlaps.

    Example:

    >>> token_span([(0, 5), (5, 6), (7, 9), (10, 14)], 7, 14)
    (2, 3)
    """
    inside = [i for i, (s, e) in enumerate(offsets) if s < answer_end and e > answer_start]
    return (inside[0], inside[-1]) if inside else None


def read_squad(path):
    """Reads a SQuAD v1.1 / v2.0 JSON file into one record per answered question.

    Each record has `id`, `question`, `context`, `answer_text` and
    `answer_start` (the first answer given, for training) and `answers`
    (every reference answer's text, for scoring). SQuAD 2.0 questions marked
    `is_impossible` (no answer) are skipped.

    Raises:
        ValueError: if the JSON is not SQuAD-shaped, or an answer's text is
            not found at its `answer_start` in the context (naming the question).
    """
    text = read_text(path, what="SQuAD file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}:{error.lineno}: not valid JSON ({error.msg}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(
            f"{path}: not SQuAD format: expected a JSON object with a \"data\" "
            "list of articles, each with \"paragraphs\" holding \"context\" and \"qas\"."
        )
    records = []
    for article in data["data"]:
        for paragraph in article.get("paragraphs", []):
            try:
                context = paragraph["context"]
                questions = paragraph["qas"]
            except (KeyError, TypeError):
                raise ValueError(
                    f"{path}: a paragraph lacks \"context\" or \"qas\" (title "
                    f"{article.get('title', '?')!r})."
                ) from None
            for qa in questions:
                if qa.get("is_impossible") or not qa.get("answers"):
                    continue
                answer = qa["answers"][0]
                start, answer_text = answer.get("answer_start"), answer.get("text", "")
                if not isinstance(start, int) or context[start:start + len(answer_text)] != answer_text:
                    raise ValueError(
                        f"{path}: question {qa.get('id', '?')!r}: the answer "
                        f"{answer_text!r} is not at answer_start={start!r} in its context."
                    )
                records.append({
                    "id": str(qa.get("id", len(records))),
                    "question": qa["question"],
                    "context": context,
                    "answer_text": answer_text,
                    "answer_start": start,
                    "answers": [a.get("text", "") for a in qa["answers"]],
                })
    if not records:
        raise ValueError(f"The SQuAD file {str(path)!r} holds no answered questions.")
    return records


def normalize_answer(text):
    """Lowercase, drop punctuation and articles, squeeze spaces (the official
    SQuAD evaluation's normalisation).

    Example:

    >>> normalize_answer("The  Eiffel Tower!")
    'eiffel tower'
    """
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_scores(predictions, references):
    """Exact match and token F1 in percent, each the best over an example's
    reference answers, averaged (as the official SQuAD v1.1 script scores).

    Args:
        predictions: list of str, one predicted answer per question.
        references: list of lists of str, the reference answers.

    Returns:
        dict with `exact_match` and `f1`.

    Example:

    >>> squad_scores(["the Eiffel tower", "Paris"], [["Eiffel Tower"], ["in Paris, France"]])
    {'exact_match': 50.0, 'f1': 75.0}
    """
    if len(predictions) != len(references) or not predictions:
        raise ValueError(
            "Need one list of reference answers per prediction, and at least "
            f"one. Received: {len(predictions)} predictions, {len(references)} references"
        )

    def f1(prediction, reference):
        p, r = normalize_answer(prediction).split(), normalize_answer(reference).split()
        common = sum((collections.Counter(p) & collections.Counter(r)).values())
        if not common:
            return 0.0
        precision, recall = common / len(p), common / len(r)
        return 2 * precision * recall / (precision + recall)

    exact = total_f1 = 0.0
    for prediction, answers in zip(predictions, references):
        exact += max(float(normalize_answer(prediction) == normalize_answer(a)) for a in answers)
        total_f1 += max(f1(prediction, a) for a in answers)
    n = len(predictions)
    return {"exact_match": 100 * exact / n, "f1": 100 * total_f1 / n}
