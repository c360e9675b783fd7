"""SQuAD-format question answering data: reading the JSON and turning
character answer spans into token spans."""

import json
import re

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
    `answer_start` (the first answer given). SQuAD 2.0 questions marked
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
                })
    if not records:
        raise ValueError(f"The SQuAD file {str(path)!r} holds no answered questions.")
    return records
