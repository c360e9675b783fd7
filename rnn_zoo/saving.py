"""Loading rnn_zoo models from `.keras` files, with clear errors.

`rnn_zoo.load_model(path)` is the documented way: it registers rnn_zoo's
custom layers (importing `rnn_zoo` does), loads with `safe_mode=True`, and
says in plain words when the file is missing, is not a `.keras` file, or is
truncated or corrupt (Keras itself can report a damaged archive as "File not
found"). `keras.saving.load_model(path)` works too once `rnn_zoo` is
imported; without the import Keras does not know rnn_zoo's layers.
"""

import pathlib
import zipfile

import keras


def load_model(path, *, compile=True):
    """Loads a model saved by `model.save("x.keras")`, `safe_mode=True`.

    Args:
        path: str or `pathlib.Path` of a `.keras` file.
        compile: bool. Restore the compiled loss, metrics and optimizer
            state. Defaults to `True`.

    Returns:
        The `keras.Model`.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: `path` is not a `.keras` file, or it is truncated or
            corrupt.

    Example:

    >>> import rnn_zoo, tempfile, os
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       embedding_dim=4, units=4, num_classes=3)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> model.save(path)
    >>> rnn_zoo.load_model(path).name == model.name
    True
    """
    import rnn_zoo  # noqa: F401  (registers the custom layers)

    if not isinstance(path, (str, pathlib.PurePath)):
        raise TypeError(
            "`path` must be the path of a `.keras` file, as a str or a "
            f"`pathlib.Path`. Received: path={path!r} of type {type(path).__name__}"
        )
    path = pathlib.Path(path)
    if not path.is_file():
        where = "it is a directory" if path.is_dir() else "there is no such file"
        raise FileNotFoundError(
            f"Cannot load a model from {str(path)!r}: {where}. Expected the "
            "path of a `.keras` file written by `model.save(...)` (a recipe "
            f"run keeps it as <run_dir>/model.keras). Received: path={str(path)!r}"
        )
    if path.suffix != ".keras":
        raise ValueError(
            "rnn_zoo models load from `.keras` files (Keras 3's format; legacy "
            f".h5 and SavedModel folders are not read). Received: path={str(path)!r}"
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"The file {str(path)!r} is not a valid `.keras` file: it is "
            f"truncated or corrupt ({path.stat().st_size} bytes, not a zip "
            "archive). Use an intact copy, for example a checkpoint from the "
            "run's checkpoints/ folder."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # checks every member's CRC
        if damaged is not None:
            raise zipfile.BadZipFile(f"bad CRC-32 for {damaged!r}")
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as error:
        raise ValueError(
            f"The file {str(path)!r} is not a valid `.keras` file: it is "
            f"truncated or corrupt ({type(error).__name__}: {error}). Use an "
            "intact copy, for example a checkpoint from the run's checkpoints/ "
            "folder."
        ) from error
