"""Loads a saved run and answers for new input: generated text, tags, labels,
answers or translations, whichever the run's recipe trained.

    python recipes/predict.py runs/char_lm "ROMEO:" "JULIET:"
    python recipes/predict.py runs/sentiment "a wonderful, moving film"
    python recipes/predict.py runs/pos_tagging --input-file sentences.txt

Each input is one command-line argument (or one line of --input-file). For
question answering an input is `question ||| context`.
"""

import argparse
import importlib.util
import pathlib

from rnn_zoo.data.files import read_lines
from rnn_zoo.training import Run, cli

HERE = pathlib.Path(__file__).resolve().parent


def recipe_module(name):
    """Imports `recipes/<name>.py`."""
    path = HERE / f"{name}.py"
    if not path.is_file():
        raise ValueError(f"The run names the recipe {name!r}, but {path} does not exist.")
    spec = importlib.util.spec_from_file_location(f"rnn_zoo_recipe_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python recipes/predict.py", description=__doc__,
                                     allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=pathlib.Path, help="a run directory a recipe saved")
    parser.add_argument("inputs", nargs="*", help="inputs, one per argument")
    parser.add_argument("--input-file", type=pathlib.Path, default=None,
                        help="more inputs, one per line")
    parser.add_argument("--max-new-tokens", type=cli.positive_int, default=300,
                        help="tokens to generate (language models, translation) (default 300)")
    parser.add_argument("--temperature", type=cli.positive_float, default=0.8,
                        help="sampling temperature for language models (default 0.8)")
    parser.add_argument("--seed", type=cli.non_negative_int, default=0)
    args = parser.parse_args(argv)
    inputs = list(args.inputs) + (read_lines(args.input_file) if args.input_file else [])
    if not inputs:
        parser.error("give at least one input (an argument or --input-file)")
    try:
        run = Run.open(args.run_dir)
    except (FileNotFoundError, ValueError) as error:  # not a run, or unfinished
        parser.error(str(error))
    module = recipe_module(run.config["recipe"])
    outputs = module.predict(run, inputs, max_new_tokens=args.max_new_tokens,
                             temperature=args.temperature, seed=args.seed)
    for text in outputs:
        print(text)
        print()
    return outputs


if __name__ == "__main__":
    main()
