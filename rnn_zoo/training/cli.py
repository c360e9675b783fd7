"""Command-line options the recipes share: explicit, type-checked, no abbreviations.

An unknown option, a misspelt one or a value of the wrong type stops the
recipe with argparse's usage message (exit code 2) before anything runs.
"""

import argparse
import math
import pathlib

from rnn_zoo.cells import CELLS
from rnn_zoo.deploy import FORMATS, QUANTIZATIONS
from rnn_zoo.training.distribute import STRATEGIES


def _number_type(convert, accept, expected, doc):
    """Makes an argparse type: `convert(text)`, refused unless `accept(value)`."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__doc__ = doc
    return parse


positive_int = _number_type(int, lambda v: v >= 1, "an integer >= 1",
                            "argparse type: an int >= 1.")
non_negative_int = _number_type(int, lambda v: v >= 0, "an integer >= 0",
                                "argparse type: an int >= 0.")
positive_float = _number_type(float, lambda v: v > 0 and math.isfinite(v), "a number > 0",
                              "argparse type: a finite float > 0.")
rate = _number_type(float, lambda v: 0 <= v < 1, "a number in [0, 1)",
                    "argparse type: a float in [0, 1) (dropout).")


def recipe_parser(recipe, description, *, epochs=10, batch_size=64, learning_rate=1e-3,
                  patience=3, time_limit=None):
    """An `ArgumentParser` with the training options every recipe takes.

    Options: `--run-dir`, `--resume`, `--epochs`, `--steps-per-epoch`,
    `--batch-size`, `--learning-rate`, `--global-clipnorm`, `--patience`,
    `--time-limit`, `--seed`, `--distribute`, `--verbose`, `--export`. Abbreviated
    options are refused (`allow_abbrev=False`), so a typo never silently
    picks another option.

    Args:
        recipe: str. The recipe's name; the default run directory is
            `runs/<recipe>`.
        description: str. The recipe's docstring.
        epochs, batch_size, learning_rate, patience, time_limit: the
            recipe's defaults.

    Returns:
        `argparse.ArgumentParser`.
    """
    parser = argparse.ArgumentParser(
        prog=f"python recipes/{recipe}.py",
        description=description,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_argument_group("run and training")
    group.add_argument("--run-dir", type=pathlib.Path, default=None,
                       help=f"where the run is saved (default: runs/{recipe}, or the next "
                       f"free runs/{recipe}-N; with --resume, the latest of them)")
    group.add_argument("--resume", action="store_true",
                       help="continue the run in --run-dir (same model and data arguments)")
    group.add_argument("--epochs", type=positive_int, default=epochs,
                       help=f"total epochs; a resume trains up to this many (default {epochs})")
    group.add_argument("--steps-per-epoch", type=positive_int, default=None,
                       help="training steps per epoch (default: one pass over the data)")
    group.add_argument("--batch-size", type=positive_int, default=batch_size,
                       help=f"global batch size (default {batch_size})")
    group.add_argument("--learning-rate", type=positive_float, default=learning_rate,
                       help=f"Adam's initial learning rate (default {learning_rate:g})")
    group.add_argument("--global-clipnorm", type=positive_float, default=1.0,
                       help="clip the gradients' global norm to this (default 1.0)")
    group.add_argument("--patience", type=non_negative_int, default=patience,
                       help=f"early-stopping patience in epochs, 0 = off (default {patience})")
    group.add_argument("--time-limit", type=positive_float, default=time_limit,
                       help="stop training once the recipe has run this many minutes "
                       "(data loading included; the last epoch may be cut short)"
                       + (f" (default {time_limit:g})" if time_limit else " (default: none)"))
    group.add_argument("--seed", type=non_negative_int, default=0,
                       help="seed for weights, shuffling and sampling (default 0)")
    group.add_argument("--distribute", choices=STRATEGIES, default="none",
                       help="train under a tf.distribute strategy: mirrored (local "
                       "GPUs or logical CPUs) or multi_worker (TF_CONFIG) (default none)")
    group.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="Keras progress: 0 silent, 1 bar, 2 one line per epoch (default 1)")
    add_export_arguments(parser)
    return parser


EXPORT_FORMATS = FORMATS  # rnn_zoo.export's formats


def add_export_arguments(parser):
    """`--export FORMAT [FORMAT ...]` and `--quantize int8`: after training, the session writes
    `export/<format>/` into the run with `rnn_zoo.export` (the run's
    `model.keras` is saved first; a format the model cannot take is refused
    before training where that is known, and otherwise reported after it,
    the run kept)."""
    group = parser.add_argument_group("export")
    group.add_argument("--export", nargs="+", choices=EXPORT_FORMATS, default=None,
                       metavar="FORMAT",
                       help="after training, also write export/<FORMAT>/ into the run: "
                       f"any of {', '.join(EXPORT_FORMATS)} (rnn_zoo.export; serve it with "
                       "rnn_zoo.load_exported or recipes/predict.py RUN --format FORMAT)")
    group.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                       help="with --export: export Keras' model.quantize('int8') of the "
                       "trained model (Dense and Embedding weights as int8, recurrent "
                       "kernels float; onnx and saved_model); model.keras stays float")
    return group


MODEL_ARGUMENTS = ("cell", "units", "num_layers", "embedding_dim", "dropout", "bidirectional",
                   "pooling")


def add_model_arguments(parser, *, cell="lstm", units=128, num_layers=1, embedding_dim=128,
                        dropout=0.0, bidirectional=None):
    """Adds the model options named as the builders' kwargs.

    `--cell`, `--units`, `--num-layers`, `--embedding-dim`, `--dropout`, and
    `--bidirectional/--no-bidirectional` when `bidirectional` is not `None`.
    """
    group = parser.add_argument_group("model")
    group.add_argument("--cell", choices=CELLS, default=cell,
                       help=f"recurrent cell (default {cell})")
    group.add_argument("--units", type=positive_int, default=units,
                       help=f"width of each recurrent layer (default {units})")
    group.add_argument("--num-layers", type=positive_int, default=num_layers,
                       help=f"stacked recurrent layers (default {num_layers})")
    group.add_argument("--embedding-dim", type=positive_int, default=embedding_dim,
                       help=f"token embedding width (default {embedding_dim})")
    group.add_argument("--dropout", type=rate, default=dropout,
                       help=f"dropout on layer inputs and before the head (default {dropout:g})")
    if bidirectional is not None:
        group.add_argument("--bidirectional", action=argparse.BooleanOptionalAction,
                           default=bidirectional,
                           help=f"read both directions (default {bidirectional})")
    return group


def add_tfds_arguments(parser, *, default, files_help):
    """Adds `--tfds NAME`, `--data-dir` and `--no-download` (and a data group).

    Returns:
        The argument group, for the recipe's own-files options.
    """
    group = parser.add_argument_group(
        "data", f"A tensorflow-datasets name, or your own files ({files_help})."
    )
    group.add_argument("--tfds", default=default, metavar="NAME",
                       help=f"TFDS data set (default {default})")
    group.add_argument("--data-dir", type=pathlib.Path, default=None,
                       help="TFDS data folder, passed to tfds.load (default ~/tensorflow_datasets)")
    group.add_argument("--no-download", dest="download", action="store_false",
                       help="fail at once if the TFDS data set is not prepared in --data-dir")
    group.add_argument("--max-examples", type=positive_int, default=None,
                       help="use at most this many examples per split (quick runs)")
    return group


def model_kwargs(args, names=MODEL_ARGUMENTS):
    """The builder kwargs among the parsed arguments (those the recipe has)."""
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def add_split_file_arguments(group, what):
    """`--train-file`, `--validation-file`, `--test-file`, each a `what` file."""
    for split in ("train", "validation", "test"):
        name = "training" if split == "train" else split
        group.add_argument(f"--{split}-file", type=pathlib.Path, help=f"{what} {name} file")


def check_split_files(parser, args):
    """Validation and test files only make sense with a training file."""
    if (args.validation_file or args.test_file) and not args.train_file:
        parser.error("--validation-file and --test-file need --train-file")


def add_tagger_arguments(parser, *, crf=False, char_features=False, char_embedding_dim=25,
                         char_units=25, word_dropout=0.0):
    """The tagging recipes' model options: `--crf`, `--crf-length`,
    `--char-features` (each with a `--no-` form), `--char-embedding-dim`,
    `--char-units` and `--word-dropout`, with the recipe's defaults."""
    model = parser.add_argument_group("tagger")
    model.add_argument("--crf", action=argparse.BooleanOptionalAction, default=crf,
                       help="a linear-chain CRF on the tag scores (Viterbi decoding), on "
                       f"the same length-bucketed batches as the softmax head (default {crf})")
    model.add_argument("--crf-length", type=positive_int, default=None,
                       help="pad (and cut) every CRF batch to this many words instead of "
                       "length buckets, for a static time axis (default: none, buckets)")
    model.add_argument("--char-features", action=argparse.BooleanOptionalAction,
                       default=char_features,
                       help="a character-level word encoder (spelling of unseen words) "
                       f"(default {char_features})")
    model.add_argument("--char-embedding-dim", type=positive_int, default=char_embedding_dim,
                       help=f"character embedding width (default {char_embedding_dim})")
    model.add_argument("--char-units", type=positive_int, default=char_units,
                       help=f"width of each direction of the character RNN (default {char_units})")
    model.add_argument("--word-dropout", type=rate, default=word_dropout, metavar="ALPHA",
                       help="while training, replace a word seen n times by the unknown word "
                       "with probability ALPHA / (ALPHA + n), so the unknown word's embedding "
                       "is learned for the words never seen in training; 0 turns it off "
                       f"(default {word_dropout:g})")
    return model


def stateful_kwargs(args):
    """Builder kwargs for `--tbptt`: a stateful model of fixed batch size."""
    return {"stateful": True, "batch_size": args.batch_size} if args.tbptt else {}
