"""Predictive typing with a trained word language model: suggestions as you type.

Takes a run of `recipes/word_lm.py` (any word-level `language_model` run) and
measures, on held-out sentences typed word by word (the user accepts the
first correct suggestion among the `--k` shown), the top-1 and top-k
next-word accuracy, the keystroke savings rate and the per-keystroke
latency; or suggests interactively:

    python recipes/word_lm.py --ptb-dir ../shared/data/ptb --run-dir runs/word_lm
    python recipes/predictive_typing.py runs/word_lm --ptb-dir ../shared/data/ptb
    python recipes/predictive_typing.py runs/word_lm --text-file my_sentences.txt
    python recipes/predictive_typing.py runs/word_lm --interactive

The model advances one step per finished word (`rnn_zoo.apps.Typist`),
carrying its recurrent state; a keystroke inside a word filters the cached
distribution. In interactive mode, type a line: the suggestions are printed
after every character of it.
"""

import argparse
import json
import pathlib
import sys
import time

from rnn_zoo import data
from rnn_zoo.apps import Typist, simulate_typing
from rnn_zoo.training import Run, cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python recipes/predictive_typing.py",
                                     description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=pathlib.Path, help="a saved word language model run")
    parser.add_argument("--ptb-dir", type=pathlib.Path, default=None,
                        help="evaluate on the validation split of this PTB-layout folder")
    parser.add_argument("--text-file", type=pathlib.Path, default=None,
                        help="evaluate on these sentences (one a line, words split by spaces)")
    parser.add_argument("--interactive", action="store_true",
                        help="read lines from stdin and print suggestions as they are typed")
    parser.add_argument("--k", type=cli.positive_int, default=3,
                        help="suggestions shown (default 3)")
    parser.add_argument("--max-sentences", type=cli.positive_int, default=300,
                        help="evaluate on the first this many sentences (default 300)")
    parser.add_argument("--start-token", default="<eos>",
                        help="token the model saw between sentences (default <eos>; "
                        "'' for none)")
    args = parser.parse_args(argv)
    if sum([args.ptb_dir is not None, args.text_file is not None, args.interactive]) != 1:
        parser.error("give one of --ptb-dir, --text-file or --interactive")
    return args


def load_typist(run_dir, *, k=3, start_token="<eos>"):
    run = Run.open(run_dir)
    vocabulary = run.load_vocabulary()
    tokens = vocabulary.tokens
    start = start_token if start_token and start_token in tokens else None
    return Typist(run.load_model(), vocabulary, k=k, start_token=start), run


def interactive(typist, lines):
    for line in lines:
        typist.reset()
        for char in line.rstrip("\n") + " ":
            typist.type(char)
            shown = ", ".join(f"{w} ({p:.2f})" for w, p in typist.suggestions())
            print(f"{' '.join(typist.history)} {typist.typed}| {shown}")
        print()


def main(argv=None):
    args = parse_args(argv)
    typist, run = load_typist(args.run_dir, k=args.k, start_token=args.start_token)
    if args.interactive:
        return interactive(typist, sys.stdin)
    if args.ptb_dir is not None:
        names = [args.ptb_dir / n for n in ("ptb.valid.txt", "valid.txt")]
        path = next((p for p in names if p.is_file()), None)
        if path is None:
            raise SystemExit(f"No validation split in {args.ptb_dir}: expected "
                             "ptb.valid.txt or valid.txt")
    else:
        path = args.text_file
    sentences, source = [line.split() for line in data.read_lines(path)], str(path)
    sentences = [s for s in sentences if s][: args.max_sentences]
    started = time.perf_counter()
    result = simulate_typing(typist, sentences, timer=time.perf_counter)
    result.update(sentences=len(sentences), source=source, k=args.k,
                  wall_seconds=round(time.perf_counter() - started, 1))
    run.save_json("predictive_typing", result)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
