"""Readers for users' own text files: plain text, Penn Treebank layout,
CSV/TSV tables, a folder per label (aclImdb), parallel text.

Every reader checks what it reads and names the file (and line) in its
errors: a missing file, an empty file, bytes that are not UTF-8, a row
without its columns.
"""

import csv
import pathlib

from rnn_zoo._validation import suggest


def check_file(path, *, what="file"):
    """Returns `path` as a `pathlib.Path` if it is a non-empty file; raises otherwise."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"The {what} {str(path)!r} does not exist.")
    if not path.is_file():
        raise ValueError(f"The {what} {str(path)!r} is not a file (a folder?).")
    if path.stat().st_size == 0:
        raise ValueError(f"The {what} {str(path)!r} is empty.")
    return path


def read_text(path, *, what="text file"):
    """Reads one UTF-8 text file; names the file and line of any bad byte."""
    path = check_file(path, what=what)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(
            f"{path}:{line}: the file is not UTF-8 text ({error.reason} at byte "
            f"{error.start}). Convert it, for example with `iconv -t utf-8`."
        ) from None
    if not text.strip():
        raise ValueError(f"The {what} {str(path)!r} holds only whitespace.")
    return text


def read_texts(paths):
    """Reads and joins one or more UTF-8 text files (a newline between files).

    Args:
        paths: a path or a list of paths.

    Returns:
        str.
    """
    if isinstance(paths, (str, pathlib.Path)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise ValueError("No text files given. Received: paths=[]")
    texts = [read_text(p) for p in paths]
    return "".join(t if t.endswith("\n") or i == len(texts) - 1 else t + "\n"
                   for i, t in enumerate(texts))


def read_lines(path, *, what="text file"):
    """Non-blank lines of a UTF-8 file, stripped of surrounding whitespace."""
    return [line.strip() for line in read_text(path, what=what).splitlines() if line.strip()]


PTB_SPLITS = ("train", "valid", "test")


def read_ptb(directory):
    """Reads Penn-Treebank-style splits: one sentence per line, words split by spaces.

    The folder holds `ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt` (the
    Mikolov layout) or `train.txt`, `valid.txt`, `test.txt`. The train and
    valid files are required; the test file is optional (a folder whose test
    split is held out has none), and then the result has no `"test"` key.

    Returns:
        dict split -> list of sentences, each a list of word strings.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"The Penn Treebank folder {str(directory)!r} does not exist. It "
            "should hold ptb.train.txt and ptb.valid.txt, and optionally "
            "ptb.test.txt (or train.txt, valid.txt, test.txt)."
        )
    splits = {}
    for split in PTB_SPLITS:
        candidates = [directory / f"ptb.{split}.txt", directory / f"{split}.txt"]
        found = [c for c in candidates if c.exists()]
        if not found and split == "test":
            continue
        if not found:
            present = sorted(p.name for p in directory.iterdir())
            raise FileNotFoundError(
                f"No {split} split in {str(directory)!r}: expected "
                f"{candidates[0].name} or {candidates[1].name}. Files there: {present}"
            )
        splits[split] = [line.split() for line in read_lines(found[0], what=f"{split} file")]
    return splits


def _delimiter(path, delimiter):
    if delimiter is not None:
        return delimiter
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return "\t"
    if suffix == ".csv":
        return ","
    raise ValueError(
        f"Cannot tell the column separator of {str(path)!r} from its "
        "extension: name it .csv or .tsv, or pass `delimiter`."
    )


def read_table(path, *, text_column="text", label_column="label", delimiter=None):
    """Reads (text, label) rows of a CSV or TSV file with a header row.

    Args:
        path: a `.csv` or `.tsv` file (or any name with `delimiter` given).
        text_column: str. Header of the text column. Defaults to `"text"`.
        label_column: str. Header of the label column. Defaults to `"label"`.
        delimiter: str or None. Column separator; by default from the
            extension.

    Returns:
        `(texts, labels)`: two lists of str.
    """
    path = check_file(path, what="table")
    delimiter = _delimiter(path, delimiter)
    text = read_text(path, what="table")
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ValueError(
            f"The table {str(path)!r} is empty: expected a header row naming "
            f"the columns ({text_column!r}, {label_column!r}), then one row per example."
        )
    for arg, column in (("text_column", text_column), ("label_column", label_column)):
        if column not in header:
            raise ValueError(
                f"{path}:1: no column named {column!r}.{suggest(column, header)} "
                f"The header holds {header}. Received: {arg}={column!r}"
            )
    t, l = header.index(text_column), header.index(label_column)
    texts, labels = [], []
    for row in reader:
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(
                f"{path}:{reader.line_num}: expected {len(header)} columns as in "
                f"the header, found {len(row)}. Quote fields that hold the "
                f"separator {delimiter!r}. Line: {delimiter.join(row)[:200]!r}"
            )
        for column, value in ((text_column, row[t]), (label_column, row[l])):
            if not value.strip():
                # An empty text would become an all-padding row and an empty
                # label a class of its own: refuse both where they are.
                raise ValueError(
                    f"{path}:{reader.line_num}: the {column!r} column is empty. "
                    "Every row needs a text and a label; remove or fill the row. "
                    f"Line: {delimiter.join(row)[:200]!r}"
                )
        texts.append(row[t])
        labels.append(row[l].strip())
    if not texts:
        raise ValueError(f"The table {str(path)!r} has a header but no rows.")
    return texts, labels


UNLABELLED_FOLDERS = ("unsup",)


def read_label_folders(directory, *, labels=None):
    """Reads a folder per label of `.txt` files (the aclImdb layout).

    `directory/pos/*.txt` and `directory/neg/*.txt` give texts labelled
    `"pos"` and `"neg"`. aclImdb's unlabelled `unsup` folder is skipped.

    Args:
        directory: the folder holding one sub-folder per label.
        labels: list of str or None. Read only these sub-folders (each must
            exist); by default every sub-folder.

    Returns:
        `(texts, labels)`: two lists of str, files in sorted order per label.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"The folder {str(directory)!r} does not exist.")
    present = sorted(p.name for p in directory.iterdir()
                     if p.is_dir() and p.name not in UNLABELLED_FOLDERS)
    if labels is None:
        labels = present
    for label in labels:
        if label not in present:
            raise ValueError(
                f"No folder for label {label!r} in {str(directory)!r}."
                f"{suggest(label, present)} Label folders there: {present}. "
                f"Received: labels={list(labels)}"
            )
    if not labels:
        raise ValueError(
            f"{str(directory)!r} holds no label folders: expected one "
            "sub-folder of .txt files per label (aclImdb layout, e.g. pos/ and neg/)."
        )
    texts, out_labels = [], []
    for label in labels:
        files = sorted((directory / label).glob("*.txt"))
        if not files:
            raise ValueError(f"The label folder {str(directory / label)!r} holds no .txt files.")
        for f in files:
            texts.append(read_text(f))
            out_labels.append(label)
    return texts, out_labels


def read_parallel(source_path, target_path):
    """Reads parallel text: line i of one file translates line i of the other.

    Pairs where either side is blank are dropped.

    Returns:
        `(sources, targets)`: two lists of str of equal length.
    """
    sources = read_text(source_path, what="source file").splitlines()
    targets = read_text(target_path, what="target file").splitlines()
    if len(sources) != len(targets):
        raise ValueError(
            f"Parallel files must have one line per sentence pair, but "
            f"{str(source_path)!r} has {len(sources)} lines and "
            f"{str(target_path)!r} has {len(targets)}."
        )
    pairs = [(s.strip(), t.strip()) for s, t in zip(sources, targets) if s.strip() and t.strip()]
    if not pairs:
        raise ValueError(
            f"No sentence pairs in {str(source_path)!r} and {str(target_path)!r}: "
            "every line pair has a blank side."
        )
    return [s for s, _ in pairs], [t for _, t in pairs]


def label_ids(labels, label_set, *, source="the data"):
    """Maps label strings to their index in `label_set`.

    Raises:
        ValueError: naming the first label not in the set, with a suggestion.

    Example:

    >>> label_ids(["pos", "neg", "pos"], ["neg", "pos"])
    [1, 0, 1]
    """
    index = {label: i for i, label in enumerate(label_set)}
    ids = []
    for label in labels:
        if label not in index:
            raise ValueError(
                f"Label {label!r} in {source} is not in the label set."
                f"{suggest(label, list(index))} Labels: {list(label_set)}. "
                f"Received: label={label!r}"
            )
        ids.append(index[label])
    return ids
