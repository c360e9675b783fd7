"""Word language model on Penn-Treebank-layout files: perplexity per word.

The folder holds `ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt` (or
`train.txt`, `valid.txt`, `test.txt`): one sentence per line, words split by
spaces. Each sentence ends with an `<eos>` token, and the splits are read as
one stream each, cut into windows (Mikolov et al. 2010; Zaremba et al. 2014):

    python recipes/word_lm.py --ptb-dir data/ptb
    python recipes/predict.py runs/word_lm "the company said"

Reference: Zaremba, Sutskever & Vinyals 2014, "Recurrent Neural Network
Regularization" (PTB perplexity 82 for the medium LSTM after 39 epochs).
"""

import pathlib

from rnn_zoo import data, tbptt
from rnn_zoo.training import Samples, Session, cli, generate_text, perplexity

RECIPE = "word_lm"
EOS = "<eos>"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=10, batch_size=32, learning_rate=2e-3,
                               patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=256, num_layers=2, embedding_dim=256,
                            dropout=0.3)
    group = parser.add_argument_group("data")
    group.add_argument("--ptb-dir", type=pathlib.Path, required=True,
                       help="folder with the train/valid/test files (Penn Treebank layout)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=None,
                       help="keep the most frequent words only (default: all; PTB has 10,000)")
    group.add_argument("--sequence-length", type=cli.positive_int, default=35,
                       help="words per training window (default 35)")
    group.add_argument("--tbptt", action="store_true",
                       help="truncated BPTT: a stateful model reads the text in order, "
                       "carrying its state from one window to the next")
    group.add_argument("--max-examples", type=cli.positive_int, default=None,
                       help="use at most this many sentences per split (quick runs)")
    group.add_argument("--tie-weights", action="store_true",
                       help="the output layer reuses the embedding (needs --units equal to "
                       "--embedding-dim)")
    group = parser.add_argument_group("samples")
    group.add_argument("--prompt", default="the", help="words the samples start from")
    group.add_argument("--sample-length", type=cli.positive_int, default=30,
                       help="words generated per sample (default 30)")
    group.add_argument("--temperature", type=cli.positive_float, default=0.8)
    group.add_argument("--sample-every", type=cli.positive_int, default=None,
                       help="also sample every this many steps (default: each epoch's end)")
    args = parser.parse_args(argv)
    if args.tbptt and args.distribute != "none":
        parser.error("--tbptt needs one replica: a stateful model keeps one state per row "
                     "of the global batch")
    return args


def word_stream(sentences):
    """Sentences -> one list of words, `<eos>` after each (the PTB convention)."""
    return [word for sentence in sentences for word in (*sentence, EOS)]


def windows(words, vocabulary, args, *, shuffle):
    return data.language_model_batches(
        vocabulary.encode(words).numpy(), batch_size=args.batch_size,
        sequence_length=args.sequence_length, tbptt=args.tbptt, shuffle=shuffle,
        seed=args.seed, drop_remainder=False)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits = data.read_ptb(args.ptb_dir)
    streams = {k: word_stream(v[: args.max_examples]) for k, v in splits.items()}
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        streams["train"], split="none", max_tokens=args.max_tokens, special_tokens=[EOS]))
    train = windows(streams["train"], vocabulary, args, shuffle=True)
    validation = windows(streams["valid"], vocabulary, args, shuffle=False)
    test = windows(streams["test"], vocabulary, args, shuffle=False)
    print(f"[{RECIPE}] {len(streams['train']):,} training words, vocabulary of "
          f"{vocabulary.size} ids")

    model = session.build("language_model", vocabulary_size=vocabulary.size,
                          tie_weights=args.tie_weights, **cli.stateful_kwargs(args),
                          **cli.model_kwargs(args))
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
    return session.finish(model, metrics, samples=make_sample(model), data={
        "words": {k: len(v) for k, v in streams.items()},
        "vocabulary_size": vocabulary.size,
        "padding_fraction": 0.0,  # fixed-length windows of real text
    })


def predict(run, inputs, *, max_new_tokens=30, temperature=0.8, seed=0, **_):
    """Continues each prompt (space-separated words) with generated words."""
    model = run.load_model()
    vocabulary = run.load_vocabulary()
    return [generate_text(model, vocabulary, p, max_new_tokens, temperature=temperature,
                          seed=seed).replace(f" {EOS}", "\n") for p in inputs]


if __name__ == "__main__":
    main()
