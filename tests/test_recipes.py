"""Every recipe: an offline pipeline test (own files, and TFDS through
`tfds.testing.mock_data`) and an end-to-end smoke run of a few steps, called
in-process through the recipe's `main(argv)`."""

import csv
import importlib.util
import json
import pathlib
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from rnn_zoo import data

RECIPES = pathlib.Path(__file__).resolve().parents[1] / "recipes"
# Tiny and cheap to trace: the recipes' own default cells and directions are
# covered model by model in test_zoo.py.
TINY = ["--epochs", "1", "--batch-size", "4", "--units", "4", "--embedding-dim", "4",
        "--cell", "simple_rnn", "--verbose", "0"]
ONE_WAY = ["--no-bidirectional"]
_MODULES = {}


def recipe(name):
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_table(path, rows, delimiter=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def mock_examples(examples):
    """A `tfds.testing.mock_data` `as_dataset_fn` serving fixed examples."""

    def as_dataset(self, split, **kwargs):
        return tf.data.Dataset.from_generator(
            lambda: iter(examples),
            output_signature={k: tf.TensorSpec(np.asarray(v).shape[:0] + (None,) * np.ndim(v),
                                               tf.string if isinstance(np.ravel(v)[0], str)
                                               else tf.int64)
                              for k, v in examples[0].items()})

    return as_dataset


def assert_run_saved(run_dir, vocabularies=("vocabulary",)):
    for name in ("config.json", "model.keras", "metrics.json", "history.csv", "curves.png",
                 "samples.txt", *(f"{v}.json" for v in vocabularies)):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "checkpoints").glob("epoch_*.keras"))
    assert list((run_dir / "logs").rglob("events.out.tfevents.*"))
    assert not (run_dir / "backup").exists()
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"]["kwargs"]["units"] == 4


def predict(run_dir, *inputs, extra=()):
    return recipe("predict").main([str(run_dir), *inputs, *extra])


# Character language model: the main job.

SHAKESPEARE_LIKE = "First Citizen:\nBefore we proceed any further, hear me speak.\n" * 20


def test_char_lm_pipeline_own_files_tfds_and_shipped_corpus(tmp_path):
    char_lm = recipe("char_lm")
    path = write(tmp_path / "t.txt", SHAKESPEARE_LIKE)
    args = char_lm.parse_args(["--text-file", str(path), "--sequence-length", "10",
                               "--batch-size", "3"])
    train, validation, test = char_lm.load_texts(args)
    assert train + validation + test == SHAKESPEARE_LIKE
    assert len(train) == int(0.9 * len(SHAKESPEARE_LIKE))
    vocabulary = data.Vocabulary.adapt(train, split="character")
    x, y = next(iter(char_lm.windows(train, vocabulary, args, shuffle=True)))
    assert x.shape == (3, 10) and y.shape == (3, 10)
    assert (x.numpy()[:, 1:] == y.numpy()[:, :-1]).all()
    with tfds.testing.mock_data(num_examples=2):
        args = char_lm.parse_args(["--tfds", "tiny_shakespeare", "--data-dir", str(tmp_path)])
        assert all(len(t) > 0 for t in char_lm.load_texts(args))
    assert len(char_lm.load_texts(char_lm.parse_args([]))[1]) == 55_770
    with pytest.raises(SystemExit):
        char_lm.parse_args(["--text-file", str(path), "--tfds", "tiny_shakespeare"])


def test_char_lm_smoke_resume_and_generate(tmp_path, capsys):
    char_lm = recipe("char_lm")
    text = write(tmp_path / "t.txt", SHAKESPEARE_LIKE)
    run_dir = tmp_path / "run"
    argv = ["--text-file", str(text), "--run-dir", str(run_dir), "--sequence-length", "8",
            "--steps-per-epoch", "3", "--sample-length", "5", *TINY]
    metrics = char_lm.main(argv)
    assert np.isfinite(metrics["validation_loss"]) and metrics["epochs_trained"] == 1
    assert metrics["validation_perplexity"] == pytest.approx(np.exp(metrics["validation_loss"]))
    assert_run_saved(run_dir)
    assert "--- end of epoch 1 ---" in capsys.readouterr().out
    first = (run_dir / "checkpoints" / "epoch_001.keras").read_bytes()

    with pytest.raises(FileExistsError, match="already holds a run"):
        char_lm.main(argv)
    with pytest.raises(ValueError, match=r"other model or data arguments: units=8 \(the run has 4\)"):
        char_lm.main([*argv, "--units", "8", "--resume"])
    metrics = char_lm.main([*argv, "--resume", "--epochs", "2"])
    assert metrics["epochs_trained"] == 2 and len(metrics["earlier"]) == 1
    assert (run_dir / "checkpoints" / "epoch_001.keras").read_bytes() == first
    assert (run_dir / "checkpoints" / "model_before_resume_1.keras").is_file()

    outputs = predict(run_dir, "First", extra=["--max-new-tokens", "5"])
    # Five new characters; a model trained for a few steps may sample the
    # out-of-vocabulary id, which reads back as "[UNK]".
    assert len(outputs) == 1 and outputs[0].startswith("First")
    assert len(outputs[0].replace("[UNK]", "?")) == 10


# Word language model (Penn Treebank layout).


def ptb_dir(tmp_path):
    sentences = ["the cat sat on the mat", "a dog ate the <unk>", "the market fell 3 %"]
    for split in ("train", "valid", "test"):
        write(tmp_path / "ptb" / f"ptb.{split}.txt", "\n".join(f" {s} " for s in sentences * 4))
    return tmp_path / "ptb"


def test_tbptt_refuses_several_replicas(tmp_path, capsys):
    with pytest.raises(SystemExit):
        recipe("word_lm").parse_args(["--ptb-dir", str(tmp_path), "--tbptt",
                                      "--distribute", "mirrored"])
    assert "--tbptt needs one replica" in capsys.readouterr().err


def test_word_lm_pipeline_adds_eos_and_windows(tmp_path):
    word_lm = recipe("word_lm")
    args = word_lm.parse_args(["--ptb-dir", str(ptb_dir(tmp_path)), "--sequence-length", "5",
                               "--batch-size", "2"])
    stream = word_lm.word_stream(data.read_ptb(args.ptb_dir)["train"])
    assert stream[:7] == ["the", "cat", "sat", "on", "the", "mat", "<eos>"]
    vocabulary = data.Vocabulary.adapt(stream, split="none", special_tokens=["<eos>"])
    assert vocabulary.token_id("<eos>") == 2
    x, y = next(iter(word_lm.windows(stream, vocabulary, args, shuffle=False)))
    assert x.shape == (2, 5) and vocabulary.decode(x[0]) == "the cat sat on the"
    assert (x.numpy()[0, 1:] == y.numpy()[0, :-1]).all()
    with pytest.raises(SystemExit):
        word_lm.parse_args([])  # --ptb-dir is required


@pytest.mark.slow
def test_word_lm_smoke_with_truncated_bptt(tmp_path):
    run_dir = tmp_path / "run"
    metrics = recipe("word_lm").main(["--ptb-dir", str(ptb_dir(tmp_path)), "--run-dir",
                                      str(run_dir), "--sequence-length", "4", "--tbptt",
                                      "--sample-length", "3", "--num-layers", "1", *TINY])
    assert metrics["test_perplexity"] == pytest.approx(np.exp(metrics["test_loss"]))
    assert_run_saved(run_dir)
    kwargs = json.loads((run_dir / "config.json").read_text())["model"]["kwargs"]
    assert kwargs["stateful"] and kwargs["batch_size"] == 4
    (out,) = predict(run_dir, "the cat", extra=["--max-new-tokens", "3"])
    assert out.startswith("the cat")


# POS tagging (CoNLL-U, UD EWT through TFDS).

CONLLU = "".join(
    f"1\t{a}\t_\tDET\t_\t_\t_\t_\t_\t_\n2\t{b}\t_\tNOUN\t_\t_\t_\t_\t_\t_\n"
    f"3\truns\t_\tVERB\t_\t_\t_\t_\t_\t_\n" + ("4\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_\n" if i % 2 else "")
    + "\n" for i, (a, b) in enumerate([("The", "dog"), ("A", "cat"), ("The", "cat")] * 3))


def test_pos_pipeline_from_conllu_and_mock_tfds(tmp_path):
    pos = recipe("pos_tagging")
    path = write(tmp_path / "train.conllu", CONLLU)
    args = pos.parse_args(["--train-file", str(path), "--batch-size", "4"])
    splits, tags = pos.load_splits(args)
    assert tags[:2] == ["ADJ", "ADP"] and set(splits) == {"train"}
    words, tag_ids = next(iter(splits["train"]))
    assert [tags[i] for i in tag_ids.numpy()] == ["DET", "NOUN", "VERB"]

    examples = [{"tokens": ["a", "b", "c"], "upos": [5, 7, 15]},
                {"tokens": ["d"], "upos": [12]}]
    with tfds.testing.mock_data(num_examples=2, as_dataset_fn=mock_examples(examples)):
        args = pos.parse_args(["--data-dir", str(tmp_path)])
        splits, tags = pos.load_splits(args)
    assert tags[5] == "DET" and set(splits) == {"train", "validation", "test"}
    words, tag_ids = next(iter(splits["train"]))
    assert words.numpy().tolist() == [b"a", b"b", b"c"] and tag_ids.numpy().tolist() == [5, 7, 15]
    with pytest.raises(SystemExit):
        pos.parse_args(["--test-file", str(path)])  # needs --train-file


def test_pos_tfds_path_skips_multiword_tokens(tmp_path):
    pos = recipe("pos_tagging")
    # TFDS keeps "don't" (range 2-3) as a token tagged "_" (id 17), then its
    # words "do" (AUX, 3) and "n't" (PART, 9): only the syntactic words stay.
    examples = [{"tokens": ["I", "don't", "do", "n't", "know"], "upos": [10, 17, 3, 9, 15]}]
    with tfds.testing.mock_data(num_examples=1, as_dataset_fn=mock_examples(examples)):
        splits, tags = pos.load_splits(pos.parse_args(["--data-dir", str(tmp_path)]))
    assert tags == list(data.UPOS_TAGS) and "_" not in tags
    for split in ("train", "validation", "test"):
        words, tag_ids = next(iter(splits[split]))
        assert words.numpy().tolist() == [b"I", b"do", b"n't", b"know"]
        assert [tags[i] for i in tag_ids.numpy()] == ["PRON", "AUX", "PART", "VERB"]
    with pytest.raises(ValueError, match="put '_' at 0, not last"):
        pos.syntactic_words(splits["train"], ["_", "ADJ"])


def test_pos_smoke_with_conllu_files(tmp_path):
    path = write(tmp_path / "train.conllu", CONLLU)
    run_dir = tmp_path / "run"
    metrics = recipe("pos_tagging").main(["--train-file", str(path), "--validation-file",
                                          str(path), "--run-dir", str(run_dir), *TINY, *ONE_WAY])
    assert 0 <= metrics["validation_accuracy"] <= 1
    assert 0 <= metrics["data"]["padding_fraction_train"] < 0.5
    assert_run_saved(run_dir, vocabularies=("vocabulary", "tags"))
    (out,) = predict(run_dir, "The cat runs")
    assert [pair.split("/")[0] for pair in out.split()] == ["The", "cat", "runs"]


def test_pos_lowercases_words_by_default_and_sentiment_keeps_embedding_dropout_off():
    pos = recipe("pos_tagging").parse_args
    assert pos([]).lowercase is True and pos(["--no-lowercase"]).lowercase is False
    assert (pos([]).dropout, pos([]).word_dropout) == (0.5, 0.5)
    sentiment = recipe("sentiment").parse_args
    assert sentiment([]).embedding_dropout == 0.0
    assert sentiment(["--embedding-dropout", "0.2"]).embedding_dropout == 0.2


def test_pos_crf_uses_length_buckets(tmp_path):
    # A CRF run once padded every batch to --crf-length (128) words: on
    # these 3-4 word sentences nearly all of each batch was padding.
    path = write(tmp_path / "train.conllu", CONLLU)
    metrics = recipe("pos_tagging").main(["--train-file", str(path), "--validation-file",
                                          str(path), "--run-dir", str(tmp_path / "run"),
                                          "--crf", *TINY, *ONE_WAY])
    assert 0 <= metrics["data"]["padding_fraction_train"] < 0.5
    assert 0 <= metrics["validation_word_accuracy"] <= 1


def test_pos_bad_conllu_line_stops_with_file_and_line(tmp_path):
    path = write(tmp_path / "bad.conllu", CONLLU.replace("2\tdog\t_\tNOUN", "2 dog NOUN", 1))
    with pytest.raises(ValueError, match=r"bad.conllu:2: malformed CoNLL-U line"):
        recipe("pos_tagging").main(["--train-file", str(path), "--run-dir",
                                    str(tmp_path / "run"), *TINY])


# NER (CoNLL-2003 columns, conll2003 through TFDS).

CONLL2003 = "-DOCSTART- -X- -X- O\n\n" + "".join(
    f"{w} NNP B-NP {t}\nvisited VBD B-VP O\n{p} NNP B-NP B-LOC\n\n"
    for w, t, p in [("John", "B-PER", "Paris"), ("IBM", "B-ORG", "Rome")] * 4)


def test_tagging_batches_with_characters(tmp_path):
    from rnn_zoo.data.tagging import tagged_dataset, tagging_batches
    from rnn_zoo.training import Run

    splits = {"train": tagged_dataset([(["ab", "c"], ["O", "B-PER"]), (["abc"], ["O"])],
                                      data.CONLL2003_NER_TAGS)}
    run = Run.start(tmp_path / "r", recipe="demo", arguments={})
    words, chars, batches = tagging_batches(run, splits, batch_size=2, char_features=True)
    spelled = set()
    for (word_ids, char_ids), tags in batches["train"]:
        assert char_ids.shape[:2] == word_ids.shape == tags.shape
        spelled |= {chars.decode(row, separator="") for rows in char_ids.numpy() for row in rows}
    assert spelled == {"ab", "c", "abc"}
    assert (run.directory / "char_vocabulary.json").is_file()


def test_ner_pipeline_from_columns_and_mock_tfds(tmp_path):
    ner = recipe("ner")
    args = ner.parse_args(["--train-file", str(write(tmp_path / "eng.train", CONLL2003))])
    splits, tags = ner.load_splits(args)
    words, tag_ids = next(iter(splits["train"]))
    assert words.numpy().tolist() == [b"John", b"visited", b"Paris"]
    assert [tags[i] for i in tag_ids.numpy()] == ["B-PER", "O", "B-LOC"]
    examples = [{"tokens": ["EU", "rejects"], "ner": [3, 0]}]
    with tfds.testing.mock_data(num_examples=1, as_dataset_fn=mock_examples(examples)):
        splits, tags = ner.load_splits(ner.parse_args([]))
    assert tags == list(data.CONLL2003_NER_TAGS)
    assert next(iter(splits["test"]))[1].numpy().tolist() == [3, 0]


@pytest.mark.slow
def test_ner_smoke_with_crf_and_characters_reports_entity_f1(tmp_path):
    path = write(tmp_path / "eng.train", CONLL2003)
    run_dir = tmp_path / "run"
    metrics = recipe("ner").main(["--train-file", str(path), "--validation-file", str(path),
                                  "--run-dir", str(run_dir), "--crf", "--crf-length", "4",
                                  "--char-features", *TINY, *ONE_WAY])
    assert 0 <= metrics["validation_entity_f1"] <= 1
    assert_run_saved(run_dir, vocabularies=("vocabulary", "char_vocabulary", "tags"))
    kwargs = json.loads((run_dir / "config.json").read_text())["model"]["kwargs"]
    assert kwargs["crf"] and kwargs["char_vocabulary_size"] > 10
    (out,) = predict(run_dir, "John visited Rome")
    assert out.split()[0].startswith("John/")


def test_ner_unknown_tag_is_refused(tmp_path):
    path = write(tmp_path / "eng.train", CONLL2003.replace("B-PER", "B-PERSON"))
    with pytest.raises(ValueError, match=r"eng.train:3: tag 'B-PERSON' is not in the tag set"):
        recipe("ner").main(["--train-file", str(path), "--run-dir", str(tmp_path / "r"), *TINY])


# Sentiment (CSV/TSV, folder per label, imdb_reviews through TFDS).

REVIEWS = [("a wonderful moving film", "pos"), ("dull and far too long", "neg"),
           ("great acting , great story", "pos"), ("awful , just awful", "neg")] * 5


def test_sentiment_pipeline_tables_folders_and_mock_tfds(tmp_path):
    sentiment = recipe("sentiment")
    table = write_table(tmp_path / "train.tsv", [("label", "text")] + [(l, t) for t, l in REVIEWS],
                        delimiter="\t")
    splits, labels = sentiment.load_splits(sentiment.parse_args(["--train-file", str(table)]))
    assert labels == ["neg", "pos"] and set(splits) == {"train", "validation"}
    # A seeded 20% held out by default, --validation-fraction otherwise.
    assert len(list(splits["validation"])) == 4 and len(list(splits["train"])) == 16
    splits, _ = sentiment.load_splits(sentiment.parse_args(
        ["--train-file", str(table), "--validation-fraction", "0.1"]))
    assert len(list(splits["validation"])) == 2 and len(list(splits["train"])) == 18
    for i, (text, label) in enumerate(REVIEWS[:4]):
        write(tmp_path / "imdb" / label / f"{i}.txt", text)
    args = sentiment.parse_args(["--train-dir", str(tmp_path / "imdb"),
                                 "--test-dir", str(tmp_path / "imdb")])
    splits, labels = sentiment.load_splits(args)
    assert set(splits) == {"train", "validation", "test"} and len(list(splits["test"])) == 4
    with tfds.testing.mock_data(num_examples=3):
        splits, labels = sentiment.load_splits(sentiment.parse_args(["--max-examples", "2"]))
    assert labels == ["neg", "pos"] and len(list(splits["train"])) == 2
    with pytest.raises(SystemExit):
        sentiment.parse_args(["--train-file", str(table), "--train-dir", str(tmp_path)])


def test_sentiment_standardizer_removes_html_line_breaks():
    sentiment = recipe("sentiment")
    texts = tf.constant(["Great.<br /><br />Really", "a<br/>b<BR>c<br >d", "no tags"])
    cleaned = [t.decode() for t in sentiment.standardize(texts).numpy()]
    assert cleaned == ["Great.  Really", "a b c d", "no tags"]
    vocabulary = data.Vocabulary.adapt(cleaned, split="whitespace",
                                       standardize="lower_and_strip_punctuation")
    assert "br" not in vocabulary.tokens and "reallybr" not in vocabulary.tokens
    assert {"great", "really", "a", "b", "c", "d"} <= set(vocabulary.tokens)


def test_sentiment_labels_outside_the_set_are_refused(tmp_path):
    sentiment = recipe("sentiment")
    train = write_table(tmp_path / "train.csv", [("text", "label"), *REVIEWS])
    test = write(tmp_path / "test.csv", "text,label\nfine,positive\n")
    with pytest.raises(ValueError, match=r"Label 'positive' in .*test.csv is not in the label set"):
        sentiment.load_splits(sentiment.parse_args(["--train-file", str(train),
                                                    "--test-file", str(test)]))
    single = write(tmp_path / "one.csv", "text,label\na,pos\nb,pos\n")
    with pytest.raises(ValueError, match="holds a single label"):
        sentiment.load_splits(sentiment.parse_args(["--train-file", str(single)]))


def test_sentiment_smoke_buckets_and_predicts(tmp_path):
    train = write_table(tmp_path / "train.csv", [("text", "label"), *REVIEWS])
    run_dir = tmp_path / "run"
    metrics = recipe("sentiment").main(["--train-file", str(train), "--run-dir", str(run_dir),
                                        "--pooling", "attention", *TINY, *ONE_WAY])
    assert 0 <= metrics["validation_accuracy"] <= 1
    assert_run_saved(run_dir, vocabularies=("vocabulary", "labels"))
    outputs = predict(run_dir, "a great film", "dull")
    assert len(outputs) == 2 and outputs[0].split()[0] in ("pos", "neg")


def test_sentiment_export_then_predict_from_onnx_without_keras(tmp_path, monkeypatch, capsys):
    """`--export onnx saved_model`: the run is saved first; ONNX is written,
    a failing format is reported (exit 1) without losing the run; predict.py
    `--format onnx` answers like the `.keras` path without loading it."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    import rnn_zoo
    from rnn_zoo import deploy

    real_export = deploy.export

    def export_or_fail(model, path, format="saved_model", **kwargs):
        if format == "saved_model":
            raise ValueError(f"Cannot export model {model.name!r} to 'saved_model': test")
        return real_export(model, path, format=format, **kwargs)

    monkeypatch.setattr(deploy, "export", export_or_fail)
    train = write_table(tmp_path / "train.csv", [("text", "label"), *REVIEWS])
    run_dir = tmp_path / "run"
    with pytest.raises(SystemExit, match=r"run is saved in .*but --export saved_model: "
                       r"Cannot export model 'text_classifier' to 'saved_model': test"):
        recipe("sentiment").main(["--train-file", str(train), "--run-dir", str(run_dir),
                                  "--export", "onnx", "saved_model", *TINY, *ONE_WAY])
    assert_run_saved(run_dir, vocabularies=("vocabulary", "labels"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["export"]["onnx"] == "export/onnx"
    assert "test" in metrics["export"]["saved_model"]["failed"]
    assert (run_dir / "export" / "onnx" / "model.onnx").is_file()
    assert not (run_dir / "export" / "saved_model").exists()

    texts = ["a great film", "dull", "awful , just awful and far too long"]
    from_keras = predict(run_dir, *texts)
    keras_probs = rnn_zoo.training.Run.open(run_dir).load_model().predict(
        np.array([[2, 3, 4, 0], [5, 0, 0, 0]]), verbose=0)

    def no_keras(*args, **kwargs):
        raise AssertionError("--format onnx loaded the Keras model")

    monkeypatch.setattr(rnn_zoo.saving, "load_model", no_keras)
    monkeypatch.setattr(keras.saving, "load_model", no_keras)
    assert predict(run_dir, *texts, extra=["--format", "onnx"]) == from_keras
    onnx_probs = rnn_zoo.training.Run.open(run_dir, format="onnx").load_model().predict(
        np.array([[2, 3, 4, 0], [5, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(onnx_probs, keras_probs, atol=1e-5)

    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        predict(run_dir, "dull", extra=["--format", "saved_model"])
    assert exit_info.value.code == 2
    assert re.search(r"has no saved_model export \(export/saved_model/\): it has the "
                     r"export\(s\) \['onnx'\].*rnn_zoo.export\(.*--export saved_model",
                     capsys.readouterr().err.replace("\n", " "))


def test_export_refused_before_training_and_by_recipes_that_decode(tmp_path, capsys):
    pytest.importorskip("ai_edge_litert")
    train = write_table(tmp_path / "train.csv", [("text", "label"), *REVIEWS])
    with pytest.raises(ValueError, match=r"--export litert: Cannot export model "
                       r"'text_classifier' to 'litert'.*TensorList.*Nothing was trained"):
        recipe("sentiment").main(["--train-file", str(train), "--run-dir",
                                  str(tmp_path / "run"), "--export", "litert", *TINY, *ONE_WAY])
    assert not (tmp_path / "run" / "model.keras").exists()
    with pytest.raises(ValueError, match=r"--quantize int8 quantizes the exported model and "
                       r"needs --export FORMAT"):
        recipe("sentiment").main(["--train-file", str(train), "--run-dir",
                                  str(tmp_path / "run"), "--quantize", "int8", *TINY, *ONE_WAY])
    with pytest.raises(SystemExit):
        recipe("sentiment").parse_args(["--export", "onxx"])
    assert "invalid choice: 'onxx'" in capsys.readouterr().err
    # A run whose recipe generates token by token answers only with Keras.
    run_dir = tmp_path / "char_run"
    write(run_dir / "config.json", json.dumps({"recipe": "char_lm", "arguments": {}}))
    write(run_dir / "model.keras", "")
    write(run_dir / "export" / "onnx" / "rnn_zoo_export.json", "{}")
    with pytest.raises(SystemExit) as exit_info:
        predict(run_dir, "ROMEO:", extra=["--format", "onnx"])
    assert exit_info.value.code == 2
    assert "the recipe 'char_lm' answers with the Keras model" in capsys.readouterr().err
    from rnn_zoo.training import Run

    with pytest.raises(ValueError, match=r"Unknown model format 'onxx'. Expected 'keras' or"):
        Run.open(run_dir, format="onxx")


def test_unknown_tfds_name_says_how_to_use_own_files(tmp_path):
    with pytest.raises(ValueError, match=r"no data set named 'imdb_review'. Did you mean 'imdb_reviews'.*--train-file"):
        recipe("sentiment").main(["--tfds", "imdb_review", "--run-dir", str(tmp_path / "r"), *TINY])


def test_predict_needs_input_and_a_run(tmp_path, capsys):
    with pytest.raises(SystemExit):
        predict(tmp_path)
    # A directory that is not a run is a usage error (exit 2), with the reason.
    with pytest.raises(SystemExit) as exit_info:
        predict(tmp_path, "hello")
    assert exit_info.value.code == 2
    assert "No run in" in capsys.readouterr().err


# Question answering (SQuAD JSON, squad through TFDS).

PARAGRAPHS = [
    ("Paris is the capital of France.", "What is the capital of France?", "Paris", 0),
    ("The Nile flows through Egypt.", "What flows through Egypt?", "The Nile", 0),
    ("Mount Everest is in Nepal.", "Where is Mount Everest?", "Nepal", 20),
    ("Water boils at 100 degrees.", "At what temperature does water boil?", "100 degrees", 15),
] * 3


def squad_file(path):
    squad = {"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": c, "qas": [{"id": f"q{i}", "question": q,
                                "answers": [{"text": a, "answer_start": s}]}]}
        for i, (c, q, a, s) in enumerate(PARAGRAPHS)]}]}
    return write(path, json.dumps(squad))


def test_qa_pipeline_spans_and_mock_tfds(tmp_path):
    qa = recipe("question_answering")
    args = qa.parse_args(["--train-file", str(squad_file(tmp_path / "s.json")),
                          "--max-context-length", "4"])
    records = qa.load_records(args)
    # One paragraph of four is held out, with its three questions.
    assert len(records["validation"]) == 3 and len(records["train"]) == 9
    examples = qa.featurize(records["train"] + records["validation"], 4)
    found = {e["text"]: (e["start"], e["end"]) for e in examples}
    assert found["The Nile flows through Egypt."] == (0, 1)
    assert found["Mount Everest is in Nepal."] == (None, None)  # beyond 4 tokens
    vocabulary = data.Vocabulary.adapt([t for e in examples for t in e["context"]],
                                       split="none", standardize="lower")
    (question, context), targets = next(iter(qa.dataset(examples, vocabulary)))
    assert context.shape[0] <= 4 and int(targets["end"]) >= int(targets["start"])
    example = {"id": "x", "question": "Where is Rome?", "context": "Rome is in Italy.",
               "answers": {"text": ["Italy"], "answer_start": [11]}, "title": "t"}
    with tfds.testing.mock_data(num_examples=1, as_dataset_fn=lambda self, split, **k:
                                tf.data.Dataset.from_tensors(example)):
        records = qa.load_records(qa.parse_args(["--data-dir", str(tmp_path)]))
    assert records["validation"][0]["answer_text"] == "Italy"


@pytest.mark.slow
def test_qa_smoke_scores_exact_match_and_answers(tmp_path):
    run_dir = tmp_path / "run"
    metrics = recipe("question_answering").main([
        "--train-file", str(squad_file(tmp_path / "s.json")), "--run-dir", str(run_dir),
        *TINY, *ONE_WAY])
    assert 0 <= metrics["validation_exact_match"] <= metrics["validation_f1"] <= 100
    assert_run_saved(run_dir)
    (out,) = predict(run_dir, "Where is Rome? ||| Rome is in Italy.")
    assert out and out in "Rome is in Italy."
    with pytest.raises(ValueError, match=r"takes `question \|\|\| context` inputs"):
        predict(run_dir, "no separator")


# Translation (parallel files, ted_hrlr_translate through TFDS).

PAIRS = [("o gato come", "the cat eats"), ("o cão dorme", "the dog sleeps"),
         ("um gato dorme .", "a cat sleeps ."), ("o cão come", "the dog eats")] * 5


def parallel(tmp_path, pairs=PAIRS):
    return (write(tmp_path / "train.pt", "\n".join(s for s, _ in pairs)),
            write(tmp_path / "train.en", "\n".join(t for _, t in pairs)))


def test_translation_pipeline_teacher_forcing_and_mock_tfds(tmp_path):
    tr = recipe("translation")
    source, target = parallel(tmp_path)
    args = tr.parse_args(["--source-file", str(source), "--target-file", str(target)])
    pairs = tr.load_pairs(args)
    assert len(pairs["validation"][0]) == 1 and len(pairs["train"][0]) == 19
    src_v = data.Vocabulary.adapt([tr.tokenize(x) for x in pairs["train"][0]])
    tgt_v = data.Vocabulary.adapt([tr.tokenize(x) for x in pairs["train"][1]],
                                  special_tokens=[tr.START, tr.END])
    (s, decoder), y = next(iter(tr.dataset(["o gato"], [tr.tokenize("the cat.")], src_v,
                                           tgt_v, 10)))
    assert tgt_v.decode(decoder) == "[START] the cat ." and tgt_v.decode(y) == "the cat . [END]"
    with tfds.testing.mock_data(num_examples=2):
        pairs = tr.load_pairs(tr.parse_args(["--data-dir", str(tmp_path)]))
    assert set(pairs) == {"train", "validation", "test"} and len(pairs["test"][0]) == 2
    with pytest.raises(SystemExit):
        tr.parse_args(["--source-file", str(source)])  # needs --target-file


@pytest.mark.slow
def test_translation_smoke_beam_search_and_attention_maps(tmp_path):
    run_dir = tmp_path / "run"
    source, target = parallel(tmp_path)
    metrics = recipe("translation").main([
        "--source-file", str(source), "--target-file", str(target), "--run-dir", str(run_dir),
        "--beam-width", "2", "--bleu-sentences", "2", "--max-length", "6", *TINY, *ONE_WAY])
    assert 0 <= metrics["validation_bleu"] <= 100 and np.isfinite(metrics["validation_perplexity"])
    assert_run_saved(run_dir, vocabularies=("source_vocabulary", "target_vocabulary"))
    # A one-epoch model may translate to nothing (then no attention map).
    assert list(run_dir.glob("attention_*.png")) or "  -> \n" in (run_dir / "samples.txt").read_text()
    (out,) = predict(run_dir, "o gato dorme")
    assert isinstance(out, str)


# Toy seq2seq (generated addition and dates).


def test_toy_pairs_hold_out_unseen_targets_and_drop_padding():
    toy_recipe = recipe("toy_seq2seq")
    args = toy_recipe.parse_args(["--task", "addition", "--train-examples", "50",
                                  "--test-examples", "10"])
    pairs = toy_recipe.make_pairs(args)
    seen = {t for _, t in pairs["train"]}
    assert len(pairs["test"]) == 10 and not seen & {t for _, t in pairs["test"] + pairs["validation"]}
    from rnn_zoo.data import toy

    src, tgt = toy.addition_vocabularies()
    (source, decoder), target = next(iter(toy_recipe.dataset([("5+7", "12")], src, tgt)))
    assert source.numpy().tolist() == [8, 13, 10] and target.numpy().tolist() == [4, 5, 2]


@pytest.mark.slow
def test_toy_seq2seq_smoke_and_answers(tmp_path):
    run_dir = tmp_path / "run"
    metrics = recipe("toy_seq2seq").main([
        "--task", "addition", "--train-examples", "40", "--test-examples", "4",
        "--run-dir", str(run_dir), *TINY, *ONE_WAY])
    assert 0 <= metrics["test_exact_match"] <= 1
    assert_run_saved(run_dir, vocabularies=("vocabularies",))
    answers = predict(run_dir, "12+34", "5+5")
    assert len(answers) == 2 and all(set(a) <= set("0123456789") for a in answers)
