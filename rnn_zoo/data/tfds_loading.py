"""Loading tensorflow-datasets with errors that say what to do offline."""

import contextlib

from rnn_zoo._validation import suggest

# tensorflow-datasets retries a failed download ten times with a growing
# back-off (over three minutes when there is no network at all); a recipe
# tries a few times and then says how to go on without the network.
_DOWNLOAD_RETRIES = 2


class DatasetUnavailableError(RuntimeError):
    """A TFDS data set exists but is not prepared and could not be downloaded."""


@contextlib.contextmanager
def _few_download_retries():
    try:
        from tensorflow_datasets.core.download import downloader
    except ImportError:  # pragma: no cover - another tfds layout
        yield
        return
    saved = getattr(downloader, "MAX_RETRIES", None)
    if saved is not None:
        downloader.MAX_RETRIES = min(saved, _DOWNLOAD_RETRIES)
    try:
        yield
    finally:
        if saved is not None:
            downloader.MAX_RETRIES = saved


def _hint(files_hint):
    hint = (
        " Either pass --data-dir pointing at a folder where this data set was "
        "prepared (`tfds build <name> --data_dir DIR` on a machine with a "
        "network, then copy DIR)"
    )
    return hint + (f", or use your own files: {files_hint}." if files_hint else ".")


def dataset_builder(name, *, data_dir=None, files_hint=None):
    """Returns the TFDS builder for `name` (`"name"` or `"name/config"`).

    Raises:
        ValueError: if TFDS knows no data set of that name, with the closest
            names it knows.
    """
    import tensorflow_datasets as tfds  # slow to import: only when used

    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        known = tfds.list_builders()
        base = name.split("/")[0]
        raise ValueError(
            f"tensorflow-datasets has no data set named {name!r}."
            f"{suggest(base, known)} See `tfds.list_builders()` or "
            f"https://www.tensorflow.org/datasets/catalog.{_hint(files_hint)} "
            f"Received: name={name!r}"
        ) from None


def load_tfds(name, *, split, data_dir=None, download=True, files_hint=None,
              as_supervised=False):
    """`tfds.load` with `data_dir`, and clear errors when the data cannot be had.

    The data set is read from `data_dir` (TFDS' default folder,
    `~/tensorflow_datasets`, if `None`). If it is not prepared there, it is
    downloaded and prepared when `download` is true; when that fails (no
    network), the error says so and how to go on: pass a `data_dir` where the
    data set is prepared, or the recipe's own-files options (`files_hint`).

    Args:
        name: str. A TFDS name, `"name"` or `"name/config"`.
        split: str or list of str. TFDS split(s), e.g. `"train"` or
            `["train", "validation"]` (slices such as `"train[:10%]"` work).
        data_dir: str or None. Passed to `tfds.load`.
        download: bool. Download and prepare if not prepared yet.
        files_hint: str. How to pass own files instead, for the messages.
        as_supervised: bool. Passed to `tfds.load`.

    Returns:
        `(datasets, info)`: what `tfds.load(..., with_info=True)` returns.

    Raises:
        ValueError: an unknown data set name.
        DatasetUnavailableError: not prepared in `data_dir` and not
            downloadable (or `download=False`).
    """
    import tensorflow_datasets as tfds

    builder = dataset_builder(name, data_dir=data_dir, files_hint=files_hint)
    where = data_dir or "the default folder ~/tensorflow_datasets"
    if not builder.is_prepared():
        if not download:
            raise DatasetUnavailableError(
                f"The TFDS data set {name!r} is not prepared in {where} and "
                f"downloading is off.{_hint(files_hint)}"
            )
        try:
            with _few_download_retries():
                builder.download_and_prepare()
        except Exception as error:  # network, permissions, missing extras...
            raise DatasetUnavailableError(
                f"The TFDS data set {name!r} is not prepared in {where} and "
                f"could not be downloaded ({type(error).__name__}: "
                f"{str(error)[:300]}).{_hint(files_hint)}"
            ) from error
    return tfds.load(
        name, split=split, data_dir=data_dir, download=False, with_info=True,
        as_supervised=as_supervised,
    )
