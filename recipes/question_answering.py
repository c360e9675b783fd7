"""Extractive question answering: the answer is a span of the context (SQuAD).

Trains `question_answerer` (context-to-question attention, BiLSTM encoders,
start and end pointers) on SQuAD v1.1 through tensorflow-datasets, or on your
own SQuAD-format JSON files:

    python recipes/question_answering.py                # TFDS squad
    python recipes/question_answering.py --train-file train-v1.1.json \\
        --validation-file dev-v1.1.json
    python recipes/predict.py runs/question_answering \\
        "Where is the tower? ||| The Eiffel Tower is in Paris."

Texts are split into words and punctuation (character offsets kept, so the
predicted span maps back to the original text) and lowercased. Metrics: the
official SQuAD exact match and token F1 on the validation questions (best
over their reference answers), and the start/end pointer accuracies.

Reference: Chen et al. 2017 (DrQA; 69.5 EM / 78.8 F1 on SQuAD v1.1 dev with
GloVe and features); Seo et al. 2017 (BiDAF).
"""

import pathlib

import numpy as np
import rnn_zoo  # noqa: F401 (first: TensorFlow starts without its C++ log lines)
import tensorflow as tf

from rnn_zoo import data
from rnn_zoo.tasks.question_answerer import best_span
from rnn_zoo.training import Session, cli

RECIPE = "question_answering"


def parse_args(argv=None):
    parser = cli.recipe_parser(RECIPE, __doc__, epochs=5, batch_size=32, patience=2)
    cli.add_model_arguments(parser, cell="lstm", units=128, embedding_dim=100, dropout=0.2,
                            bidirectional=True)
    group = cli.add_tfds_arguments(parser, default="squad",
                                   files_help="SQuAD JSON: --train-file, --validation-file")
    group.add_argument("--train-file", type=pathlib.Path, help="SQuAD-format training JSON")
    group.add_argument("--validation-file", type=pathlib.Path,
                       help="SQuAD-format validation JSON (default: 10%% of --train-file)")
    group.add_argument("--max-context-length", type=cli.positive_int, default=300,
                       help="context tokens kept; answers beyond are skipped in training "
                       "(default 300)")
    group.add_argument("--max-answer-length", type=cli.positive_int, default=15,
                       help="longest predicted answer, in tokens (default 15)")
    group.add_argument("--max-tokens", type=cli.positive_int, default=50_000,
                       help="vocabulary size (default 50000)")
    args = parser.parse_args(argv)
    if args.validation_file and not args.train_file:
        parser.error("--validation-file needs --train-file")
    return args


def tfds_records(dataset):
    """SQuAD records (as `data.read_squad` gives them) from a TFDS split."""
    records = []
    for ex in dataset.as_numpy_iterator():
        texts = [t.decode("utf-8") for t in ex["answers"]["text"]]
        starts = ex["answers"]["answer_start"].tolist()
        if not texts or not starts:
            continue
        records.append({"id": ex["id"].decode(), "question": ex["question"].decode("utf-8"),
                        "context": ex["context"].decode("utf-8"), "answer_text": texts[0],
                        "answer_start": int(starts[0]), "answers": texts})
    return records


def load_records(args):
    """`{"train": records, "validation": records}`."""
    if args.train_file:
        train = data.read_squad(args.train_file)
        if args.validation_file:
            validation = data.read_squad(args.validation_file)
        else:  # a seeded 10% of the questions, whole paragraphs kept together
            contexts = sorted({r["context"] for r in train})
            order = np.random.default_rng(args.seed).permutation(len(contexts))
            held = {contexts[i] for i in order[: max(1, len(contexts) // 10)]}
            validation = [r for r in train if r["context"] in held]
            train = [r for r in train if r["context"] not in held] or validation
        splits = {"train": train, "validation": validation}
    else:
        datasets, _ = data.load_tfds(
            args.tfds, split=["train", "validation"], data_dir=args.data_dir,
            download=args.download, files_hint="--train-file train-v1.1.json "
            "[--validation-file dev-v1.1.json]")
        splits = {name: tfds_records(ds) for name, ds in zip(("train", "validation"), datasets)}
    if args.max_examples:
        splits = {k: v[: args.max_examples] for k, v in splits.items()}
    return splits


def featurize(records, max_context_length):
    """Tokenizes questions and contexts and finds each answer's token span.

    Returns:
        List of dicts: `question`, `context` (token lists), `offsets`,
        `start`, `end` (token span, `None` if the answer lies beyond
        `max_context_length` tokens), `text`, `answers`.
    """
    examples = []
    for r in records:
        question, _ = data.tokenize(r["question"])
        context, offsets = data.tokenize(r["context"])
        context, offsets = context[:max_context_length], offsets[:max_context_length]
        end_char = r["answer_start"] + len(r["answer_text"])
        span = data.token_span(offsets, r["answer_start"], end_char)
        examples.append({"question": question or ["?"], "context": context or ["."],
                         "offsets": offsets, "start": span[0] if span else None,
                         "end": span[1] if span else None, "text": r["context"],
                         "answers": r["answers"]})
    return examples


def dataset(examples, vocabulary):
    """`((question_ids, context_ids), {"start": i, "end": j})` for examples with a span."""
    kept = [e for e in examples if e["start"] is not None]
    if not kept:
        raise ValueError("No example has its answer within --max-context-length tokens.")

    def ragged(key):
        tokens = [t for e in kept for t in e[key]]
        return tf.RaggedTensor.from_row_lengths(vocabulary.encode(tokens),
                                                [len(e[key]) for e in kept])

    targets = {k: tf.constant([e[k] for e in kept], tf.int32) for k in ("start", "end")}
    return tf.data.Dataset.from_tensor_slices(((ragged("question"), ragged("context")), targets))


def answer(model, vocabulary, examples, max_answer_length, batch_size=64):
    """The predicted answer text of each example (a span of its context)."""
    import keras

    def pad(key):
        ids = [vocabulary.encode(e[key]).numpy() for e in examples]
        return keras.utils.pad_sequences(ids, padding="post", value=0)

    start, end = model.predict([pad("question"), pad("context")], batch_size=batch_size,
                               verbose=0)
    first, last = (np.asarray(v) for v in best_span(start, end,
                                                     max_answer_length=max_answer_length))
    return [e["text"][e["offsets"][i][0]:e["offsets"][j][1]]
            for e, i, j in zip(examples, first.tolist(), last.tolist())]


def main(argv=None):
    args = parse_args(argv)
    session = Session(RECIPE, args)
    records = load_records(args)
    examples = {k: featurize(v, args.max_context_length) for k, v in records.items()}
    vocabulary = session.run.vocabulary(lambda: data.Vocabulary.adapt(
        [t for e in examples["train"] for t in (*e["question"], *e["context"])],
        split="none", standardize="lower", max_tokens=args.max_tokens))
    batches = {k: data.prepare(dataset(v, vocabulary), batch_size=args.batch_size,
                               shuffle=k == "train", seed=args.seed)
               for k, v in examples.items()}
    padding = data.padding_fraction(batches["train"])
    print(f"[{RECIPE}] {len(examples['train']):,} training questions, vocabulary of "
          f"{vocabulary.size}; padding is {padding:.1%} of the training batches")

    model = session.build("question_answerer", vocabulary_size=vocabulary.size,
                          **cli.model_kwargs(args))
    model.summary()
    session.fit(model, batches["train"], batches["validation"])
    metrics = session.evaluate(model, {"validation": batches["validation"]})
    predicted = answer(model, vocabulary, examples["validation"], args.max_answer_length)
    scores = data.squad_scores(predicted, [e["answers"] for e in examples["validation"]])
    metrics.update({f"validation_{k}": v for k, v in scores.items()})
    samples = "\n".join(f"Q: {r['question']}\nA: {p}   (reference: {r['answer_text']})"
                        for r, p in zip(records["validation"][:5], predicted[:5]))
    return session.finish(model, metrics, samples=samples, data={
        "questions": {k: len(v) for k, v in examples.items()},
        "answers_beyond_context_length": {
            k: sum(e["start"] is None for e in v) for k, v in examples.items()},
        "vocabulary_size": vocabulary.size, "padding_fraction_train": padding,
    })


def predict(run, inputs, **_):
    """Answers `question ||| context` inputs."""
    records = []
    for text in inputs:
        question, sep, context = text.partition("|||")
        if not sep:
            raise ValueError(
                "Question answering takes `question ||| context` inputs. Received: "
                f"{text[:100]!r}")
        records.append({"question": question.strip(), "context": context.strip(),
                        "answer_text": "", "answer_start": 0, "answers": [""]})
    examples = featurize(records, run.arguments["max_context_length"])
    return answer(run.load_model(), run.load_vocabulary(), examples,
                  run.arguments["max_answer_length"])


if __name__ == "__main__":
    main()
