"""Quick start: build, train and use an rnn_zoo model on generated data.

Offline, no downloads, about half a minute on 2 CPU cores:

    python examples/quickstart.py

The task: a token sequence is labelled by which of three keywords it holds,
somewhere among random filler words and padding; a bidirectional GRU with
attention pooling learns it.
"""

import argparse

import numpy as np

import rnn_zoo

KEYWORDS = ("good", "bad", "meh")
FILLER = ("the", "a", "movie", "plot", "was", "and", "actors", "film", "is")


def make_data(n, max_length, rng):
    vocabulary = ["<pad>", *KEYWORDS, *FILLER]
    labels = rng.integers(0, len(KEYWORDS), size=n)
    ids = rng.integers(1 + len(KEYWORDS), len(vocabulary), size=(n, max_length))
    lengths = rng.integers(3, max_length + 1, size=n)
    ids[np.arange(n), rng.integers(0, lengths)] = labels + 1  # the keyword
    ids[np.arange(max_length)[None] >= lengths[:, None]] = 0  # right padding
    return vocabulary, ids.astype("int32"), labels.astype("int32")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    vocabulary, x, y = make_data(2000, 20, rng)
    model = rnn_zoo.build(
        "text_classifier",
        vocabulary_size=len(vocabulary),
        num_classes=len(KEYWORDS),
        embedding_dim=16,
        cell="gru",
        units=16,
        bidirectional=True,
        pooling="attention",
        learning_rate=0.01,
    )
    model.summary()
    model.fit(x[:1600], y[:1600], validation_split=0.1, epochs=args.epochs, batch_size=64)
    results = model.evaluate(x[1600:], y[1600:], verbose=0, return_dict=True)
    print(f"held-out accuracy: {results['accuracy']:.3f}")

    sentence = ["the", "film", "was", "bad", "and", "the", "plot", "is", "meh"][:5]
    ids = np.array([[vocabulary.index(w) for w in sentence]], "int32")
    probabilities = model.predict(ids, verbose=0)[0]
    print(" ".join(sentence), "->", KEYWORDS[int(np.argmax(probabilities))], probabilities.round(3))
    return results["accuracy"]


if __name__ == "__main__":
    main()
