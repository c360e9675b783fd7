"""Readers for tagged sentences: CoNLL-U (Universal Dependencies) and the
CoNLL-2003 column format. Errors name the file and the line."""

from rnn_zoo._validation import suggest
from rnn_zoo.data.files import read_text

# The 17 universal part-of-speech tags (universaldependencies.org/u/pos/),
# in the order tensorflow-datasets' `universal_dependencies` numbers them.
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
    "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)

# CoNLL-2003 named-entity tags, in tensorflow-datasets' `conll2003` order.
# The shared-task files use IOB1 and TFDS IOB2; both draw on these nine.
CONLL2003_NER_TAGS = (
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
)

CONLLU_FIELDS = 10


def _malformed(path, number, line, why):
    return ValueError(f"{path}:{number}: malformed CoNLL-U line: {why}. Line: {line[:200]!r}")


def read_conllu(path, *, tag_set=UPOS_TAGS):
    """Reads the words and universal POS tags (UPOS) of a CoNLL-U file.

    Sentences end at a blank line; `#` lines are comments. Multi-word token
    ranges (`1-2`) and empty nodes (`8.1`) are skipped: the words of a range
    follow on their own lines and carry the tags.

    Args:
        path: a `.conllu` file.
        tag_set: the accepted UPOS tags. Defaults to the 17 universal tags.

    Returns:
        List of `(words, tags)` pairs, each a list of str.

    Raises:
        ValueError: for a line without 10 tab-separated fields, an ID that is
            not a number, or a tag outside `tag_set`, naming file and line.
    """
    text = read_text(path, what="CoNLL-U file")
    sentences, words, tags = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != CONLLU_FIELDS:
            raise _malformed(
                path, number, line,
                f"expected {CONLLU_FIELDS} tab-separated fields, found {len(fields)}",
            )
        token_id, form, upos = fields[0], fields[1], fields[3]
        if "-" in token_id or "." in token_id:
            continue  # a multi-word range or an empty node
        if not token_id.isdigit():
            raise _malformed(path, number, line, f"ID {token_id!r} is not a number")
        if upos not in tag_set:
            raise ValueError(
                f"{path}:{number}: UPOS tag {upos!r} is not in the tag set."
                f"{suggest(upos, tag_set)} Tags: {list(tag_set)}."
            )
        words.append(form)
        tags.append(upos)
    if words:
        sentences.append((words, tags))
    if not sentences:
        raise ValueError(f"The CoNLL-U file {str(path)!r} holds no sentences (only comments?).")
    return sentences


def read_conll2003(path, *, tag_set=CONLL2003_NER_TAGS, tag_column=-1):
    """Reads a CoNLL-2003 column file: `word POS chunk NER` per line.

    Sentences end at a blank line; `-DOCSTART-` lines are skipped. Columns
    are separated by spaces (or tabs); every token line must have as many
    columns as the first.

    Args:
        path: the file (`eng.train`, `train.txt`, ...).
        tag_set: the accepted tags. Defaults to the nine CoNLL-2003 NER tags.
        tag_column: int. Which column holds the tag. Defaults to -1 (the
            last, NER in CoNLL-2003).

    Returns:
        List of `(words, tags)` pairs, each a list of str.

    Raises:
        ValueError: for a line with another number of columns or a tag
            outside `tag_set`, naming file and line.
    """
    text = read_text(path, what="CoNLL-2003 file")
    sentences, words, tags, width = [], [], [], None
    for number, line in enumerate(text.splitlines(), start=1):
        columns = line.split()
        if not columns:
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        if columns[0] == "-DOCSTART-":
            continue
        width = width or len(columns)
        if len(columns) != width or width < 2:
            raise ValueError(
                f"{path}:{number}: expected {max(width, 2)} space-separated "
                f"columns (word ... tag) as on the first token line, found "
                f"{len(columns)}. Line: {line[:200]!r}"
            )
        tag = columns[tag_column]
        if tag not in tag_set:
            raise ValueError(
                f"{path}:{number}: tag {tag!r} is not in the tag set."
                f"{suggest(tag, tag_set)} Tags: {list(tag_set)}."
            )
        words.append(columns[0])
        tags.append(tag)
    if words:
        sentences.append((words, tags))
    if not sentences:
        raise ValueError(f"The CoNLL-2003 file {str(path)!r} holds no sentences.")
    return sentences
