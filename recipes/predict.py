"""Loads a saved run and answers for new input: generated text, tags, labels,
answers or translations, whichever the run's recipe trained.

    python recipes/predict.py runs/char_lm "ROMEO:" "JULIET:"
    python recipes/predict.py runs/sentiment "a wonderful, moving film"
    python recipes/predict.py runs/pos_tagging --input-file sentences.txt

Each input is one command-line argument (or one line of --input-file). For
question answering an input is `question ||| context`.

`--format onnx` (or `saved_model`, `litert`) answers with the run's
`export/<format>/` (a recipe's `--export`) in that format's own runtime,
without building the Keras model, for the recipes whose answers are one
`predict` call (sentiment, mnist_rows, video_classification):

    python recipes/predict.py runs/sentiment --format onnx "a wonderful film"
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
    parser.add_argument("--format", choices=("keras",) + cli.EXPORT_FORMATS, default="keras",
                        help="answer with model.keras (default) or the run's export/<FORMAT>/ "
                        "(rnn_zoo.load_exported; no Keras model is built)")
    args = parser.parse_args(argv)
    inputs = list(args.inputs) + (read_lines(args.input_file) if args.input_file else [])
    if not inputs:
        parser.error("give at least one input (an argument or --input-file)")
    try:
        run = Run.open(args.run_dir, format=args.format)
    except (FileNotFoundError, ValueError) as error:  # not a run, unfinished, no export
        parser.error(str(error))
    module = recipe_module(run.config["recipe"])
    if args.format != "keras" and not getattr(module, "PREDICTS_FROM_EXPORT", False):
        parser.error(
            f"--format {args.format}: the recipe {run.config['recipe']!r} answers with "
            "the Keras model (its answers take more than one predict call: decoding, "
            "search or CRF), so it cannot answer from an export. Use --format keras, "
            "or rnn_zoo.streaming_model and rnn_zoo.export for a generation step.")
    outputs = module.predict(run, inputs, max_new_tokens=args.max_new_tokens,
                             temperature=args.temperature, seed=args.seed)
    for text in outputs:
        print(text)
        print()
    return outputs


if __name__ == "__main__":
    main()
