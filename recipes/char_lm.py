"""Character language model: learns to write like its text, one character at a time.

The main job. With no arguments it trains offline on tiny Shakespeare, which
the package ships (public domain; TFDS's splits: 1,003,854 characters train,
55,770 validation, 55,770 test), printing generated text after every epoch,
in about 4 minutes on 2 CPU cores, and saves the run in runs/char_lm:

    python recipes/char_lm.py
    python recipes/predict.py runs/char_lm "ROMEO:"

Your own text: `--text-file a.txt b.txt` (UTF-8; the last 10% of the
characters are held out, half validation, half test). Through TFDS:
`--tfds tiny_shakespeare --data-dir DIR`.

Reference: Karpathy 2015, "The Unreasonable Effectiveness of Recurrent Neural
Networks" (char-rnn).
"""

import argparse
import pathlib

import numpy as np

from rnn_zoo import data, tbptt
from rnn_zoo.training import Samples, Session, cli, generate_text, perplexity

RECIPE = "char_lm"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=50, batch_size=64, learning_rate=3e-3,
                               patience=2, time_limit=3.75)
    cli.add_model_arguments(parser, cell="gru", units=256, num_layers=1, embedding_dim=64)
    group = cli.add_tfds_arguments(parser, default=None,
                                   files_help="--text-file; default: the shipped tiny Shakespeare")
    group.add_argument("--text-file", type=pathlib.Path, nargs="+", default=None,
                       help="your own UTF-8 text file(s) instead of tiny Shakespeare")
    group.add_argument("--sequence-length", type=cli.positive_int, default=100,
                       help="characters per training window (default 100)")
    group.add_argument("--tbptt", action=argparse.BooleanOptionalAction, default=False,
                       help="truncated BPTT: a stateful model reads the text in order, "
                       "carrying its state from one window to the next (default off)")
    group = parser.add_argument_group("samples")
    group.add_argument("--prompt", default="ROMEO:", help="text the samples start from")
    group.add_argument("--sample-length", type=cli.positive_int, default=300,
                       help="characters generated per sample (default 300)")
    group.add_argument("--temperature", type=cli.positive_float, default=0.8,
                       help="sampling temperature (default 0.8)")
    group.add_argument("--sample-every", type=cli.positive_int, default=None,
                       help="also sample every this many steps (default: each epoch's end)")
    args = parser.parse_args(argv)
    if args.text_file and args.tfds:
        parser.error("give --text-file or --tfds, not both")
    if args.tbptt and args.distribute != "none":
        parser.error("--tbptt needs one replica: a stateful model keeps one state per row "
                     "of the global batch")
    return args


def load_texts(args):
    """`(train, validation, test)` strings from the chosen source."""
    if args.text_file:
        text = data.read_texts(args.text_file)
        cut = int(len(text) * 0.9)
        middle = cut + (len(text) - cut) // 2
        texts = text[:cut], text[cut:middle], text[middle:]
    elif args.tfds:
        splits, _ = data.load_tfds(
            args.tfds, split=["train", "validation", "test"], data_dir=args.data_dir,
            download=args.download, files_hint="--text-file FILE",
        )
        texts = tuple("".join(t.decode("utf-8") for t in split.map(lambda x: x["text"])
                              .as_numpy_iterator()) for split in splits)
    else:
        texts = tuple(data.tiny_shakespeare(s) for s in ("train", "validation", "test"))
    if args.max_examples:  # here: characters per split
        texts = tuple(t[: args.max_examples] for t in texts)
    return texts


def windows(text, vocabulary, args, *, shuffle):
    return data.language_model_batches(
        vocabulary.encode(text).numpy(), batch_size=args.batch_size,
        sequence_length=args.sequence_length, tbptt=args.tbptt, shuffle=shuffle,
        seed=args.seed, drop_remainder=True)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    train_text, valid_text, test_text = load_texts(args)
    vocabulary = session.run.vocabulary(
        lambda: data.Vocabulary.adapt(train_text, split="character"))
    train = windows(train_text, vocabulary, args, shuffle=True)
    validation = windows(valid_text, vocabulary, args, shuffle=False)
    test = windows(test_text, vocabulary, args, shuffle=False)
    print(f"[{RECIPE}] {len(train_text):,} training characters, vocabulary of "
          f"{vocabulary.size} ids")

    model = session.build("language_model", vocabulary_size=vocabulary.size,
                          **cli.stateful_kwargs(args), **cli.model_kwargs(args))
    model.summary()

    def make_sample(m):
        return generate_text(m, vocabulary, args.prompt, args.sample_length,
                             temperature=args.temperature, seed=args.seed)

    session.fit(model, train, validation,
                callbacks=[Samples(make_sample, session.run, every=args.sample_every)]
                + ([tbptt.ResetStates()] if args.tbptt else []))
    metrics = session.evaluate(model, {"validation": validation, "test": test},
                               callbacks=[tbptt.ResetStates()] if args.tbptt else [])
    for split in ("validation", "test"):
        metrics[f"{split}_perplexity"] = perplexity(metrics[f"{split}_loss"])
        metrics[f"{split}_bits_per_character"] = metrics[f"{split}_loss"] / np.log(2)
    # The same length as during training, so the compiled generation loop is reused.
    final = generate_text(model, vocabulary, args.prompt, args.sample_length,
                          temperature=args.temperature, seed=args.seed + 1)
    return session.finish(model, metrics, samples=final, data={
        "characters": {"train": len(train_text), "validation": len(valid_text),
                       "test": len(test_text)},
        "vocabulary_size": vocabulary.size,
        "padding_fraction": 0.0,  # fixed-length windows of real text
    })


def predict(run, inputs, *, max_new_tokens=300, temperature=0.8, seed=0, **_):
    """Continues each prompt in `inputs` with generated text."""
    model = run.load_model()
    vocabulary = run.load_vocabulary()
    return [generate_text(model, vocabulary, p, max_new_tokens, temperature=temperature,
                          seed=seed) for p in inputs]


if __name__ == "__main__":
    main()
