"""Word language model on Penn-Treebank-layout files: perplexity per word.

The folder holds `ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt` (or
`train.txt`, `valid.txt`, `test.txt`): one sentence per line, words split by
spaces. Each sentence ends with an `<eos>` token, and the splits are read as
one stream each, cut into windows (Mikolov et al. 2010; Zaremba et al. 2014):

    python recipes/word_lm.py --ptb-dir data/ptb
    python recipes/predict.py runs/word_lm "the company said"

The defaults are tuned to fit an hour on 2 CPU cores (recipes/README.md has
the figure): a 2-layer LSTM of 512 units with tied input and output
embeddings (Press & Wolf 2017), dropout 0.4 on the embeddings, between the
layers and before the output (one mask per sequence), truncated BPTT over 35
words with the state carried from window to window, Adam at 2e-3 with the
global gradient norm clipped to 1, the learning rate multiplied by 0.6 every
epoch from the third on (and halved on a plateau), and a 57-minute budget.
Keras averages the loss over the words where Zaremba et al. sum it over the
window, so their SGD learning rate of 1 would be 20-35x (the window length)
weaker here; Adam is insensitive to that scale, one reason the recipe uses it. A test split is
optional: without `ptb.test.txt` only validation figures are reported.

Reference: Zaremba, Sutskever & Vinyals 2014, "Recurrent Neural Network
Regularization" (PTB perplexity 82 for the medium LSTM after 39 epochs).
"""

import argparse
import pathlib

import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import keras

from rnn_zoo import data, tbptt
from rnn_zoo.training import Samples, Session, cli, generate_text, perplexity

RECIPE = "word_lm"
EOS = "<eos>"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=12, batch_size=64, learning_rate=2e-3,
                               patience=2, time_limit=57)
    cli.add_model_arguments(parser, cell="lstm", units=512, num_layers=2, embedding_dim=512,
                            dropout=0.4)
    group = parser.add_argument_group("data")
    group.add_argument("--ptb-dir", type=pathlib.Path, required=True,
                       help="folder with the train/valid/test files (Penn Treebank layout)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=None,
                       help="keep the most frequent words only (default: all; PTB has 10,000)")
    group.add_argument("--sequence-length", type=cli.positive_int, default=35,
                       help="words per training window (default 35)")
    group.add_argument("--tbptt", action=argparse.BooleanOptionalAction, default=True,
                       help="truncated BPTT: a stateful model reads the text in order, "
                       "carrying its state from one window to the next (default on; "
                       "--no-tbptt trains on shuffled, independent windows)")
    group.add_argument("--max-examples", type=cli.positive_int, default=None,
                       help="use at most this many sentences per split (quick runs)")
    group.add_argument("--tie-weights", action=argparse.BooleanOptionalAction, default=True,
                       help="the output layer reuses the embedding (needs the last layer's "
                       "--units equal to --embedding-dim; default on)")
    group.add_argument("--lr-decay", type=cli.positive_float, default=0.6,
                       help="multiply the learning rate by this at the start of every epoch "
                       "from --lr-decay-start on (default 0.6; 1 = off)")
    group.add_argument("--lr-decay-start", type=cli.positive_int, default=3,
                       help="first epoch (counted from 1) whose learning rate is decayed "
                       "(default 3)")
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
                     "of the global batch (pass --no-tbptt to distribute)")
    if args.lr_decay > 1:
        parser.error(f"--lr-decay must be at most 1 (a decay), got {args.lr_decay:g}")
    return args


def word_stream(sentences):
    """Sentences -> one list of words, `<eos>` after each (the PTB convention)."""
    return [word for sentence in sentences for word in (*sentence, EOS)]


def windows(words, vocabulary, args, *, shuffle):
    return data.language_model_batches(
        vocabulary.encode(words).numpy(), batch_size=args.batch_size,
        sequence_length=args.sequence_length, tbptt=args.tbptt, shuffle=shuffle,
        seed=args.seed, drop_remainder=False)


def epoch_decay(factor, start):
    """A `LearningRateScheduler` multiplying the rate by `factor` at the
    start of each epoch from `start` (counted from 1) on (Zaremba et al.)."""
    def schedule(epoch, learning_rate):
        return learning_rate * factor if epoch + 1 >= start else learning_rate
    return keras.callbacks.LearningRateScheduler(schedule)


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    splits = data.read_ptb(args.ptb_dir)
    streams = {k: word_stream(v[: args.max_examples]) for k, v in splits.items()}
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        streams["train"], split="none", max_tokens=args.max_tokens, special_tokens=[EOS]))
    train = windows(streams["train"], vocabulary, args, shuffle=True)
    validation = windows(streams["valid"], vocabulary, args, shuffle=False)
    test = windows(streams["test"], vocabulary, args, shuffle=False) if "test" in streams else None
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
                + ([epoch_decay(args.lr_decay, args.lr_decay_start)] if args.lr_decay < 1 else [])
                + ([tbptt.ResetStates()] if args.tbptt else []))
    metrics = session.evaluate(model, {"validation": validation, "test": test},
                               callbacks=[tbptt.ResetStates()] if args.tbptt else [])
    for split in ("validation", "test"):
        if f"{split}_loss" in metrics:
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
