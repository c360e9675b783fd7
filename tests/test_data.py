"""rnn_zoo.data: vocabularies, pipelines, file readers and TFDS loading, offline."""

import itertools
import json

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from rnn_zoo import data
from rnn_zoo.data import tfds_loading
from rnn_zoo.data.tagging import (
    drop_words,
    encode_tagged,
    predict_tags,
    tagged_dataset,
)


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


# Vocabulary


def test_character_vocabulary_round_trips_through_json(tmp_path):
    v = data.Vocabulary.adapt("hello world\nhi", split="character")
    assert v.tokens[:3] == ["", "[UNK]", "h"] or v.tokens[:2] == ["", "[UNK]"]
    ids = v.encode("hello")
    assert ids.dtype == tf.int32 and ids.shape == (5,)
    assert v.decode(ids) == "hello"
    assert int(v.encode("q")[0]) == 1  # unseen character
    loaded = data.Vocabulary.load(v.save(tmp_path / "v.json"))
    assert loaded.tokens == v.tokens and loaded.split == "character"
    assert loaded.encode("hello").numpy().tolist() == ids.numpy().tolist()
    assert "\n" in json.loads((tmp_path / "v.json").read_text())["tokens"]


def test_word_vocabulary_frequency_order_special_tokens_and_max_tokens():
    texts = ["b b b a a c", "b a"]
    v = data.Vocabulary.adapt(texts, split="whitespace", special_tokens=["<eos>"],
                              max_tokens=5)
    assert v.tokens == ["", "[UNK]", "<eos>", "b", "a"]
    assert v.size == 5 and len(v) == 5
    assert v.encode(["b c", "a"]).to_list() == [[3, 1], [4]]
    assert v.token_id("<eos>") == 2 and v.token_id("zzz") == 1


def test_token_vocabulary_on_pre_split_tokens_lowercased():
    ds = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([["The", "cat"], ["the"]]))
    v = data.Vocabulary.adapt(ds, split="none", standardize="lower")
    assert v.tokens[2] == "the"
    assert v.encode(["THE", "cat", "dog"]).numpy().tolist() == [2, 3, 1]
    assert v.decode([2, 3, 0]) == "the cat"


def test_vocabulary_standardize_strips_punctuation():
    v = data.Vocabulary.adapt(["Great film!"], standardize="lower_and_strip_punctuation")
    assert set(v.tokens[2:]) == {"great", "film"}


def test_vocabulary_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown split 'characters'. Did you mean 'character'"):
        data.Vocabulary(["a"], split="characters")
    with pytest.raises(ValueError, match="only `standardize='none'` or `'lower'` apply"):
        data.Vocabulary(["a"], split="none", standardize="strip_punctuation")
    with pytest.raises(ValueError, match=r"must be unique .* Received duplicate or reserved tokens: \['a'\]"):
        data.Vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="holds no tokens to build a vocabulary"):
        data.Vocabulary.adapt([""], split="whitespace")
    with pytest.raises(FileNotFoundError, match="No vocabulary file at"):
        data.Vocabulary.load(tmp_path / "missing.json")


# Pipelines


def test_language_model_windows_shift_by_one_and_cover_every_transition():
    ids = np.arange(1, 12)
    pairs = list(data.language_model_windows(ids, 4).as_numpy_iterator())
    assert [x.tolist() for x, _ in pairs] == [[1, 2, 3, 4], [5, 6, 7, 8]]
    for x, y in pairs:
        assert (y == x + 1).all()


def test_language_model_windows_errors():
    with pytest.raises(ValueError, match="too short for one window: 3 ids, need at least"):
        data.language_model_windows([1, 2, 3], 5)
    with pytest.raises(ValueError, match=r"must be one stream of ids \(rank 1\)"):
        data.language_model_windows([[1, 2], [3, 4]], 1)


def test_length_boundaries_split_counts_evenly():
    assert data.length_boundaries([5] * 10, num_buckets=4) == []
    bounds = data.length_boundaries(list(range(1, 101)), num_buckets=4)
    assert bounds == [26, 51, 76]
    with pytest.raises(ValueError, match="of no sequences"):
        data.length_boundaries([])


def test_length_boundaries_least_padding_matches_brute_force():
    rng = np.random.default_rng(0)

    def padded_size(lengths, bounds):
        bucket = np.searchsorted(bounds, lengths, side="right")
        return sum(lengths[bucket == b].max() * np.sum(bucket == b)
                   for b in np.unique(bucket))

    for _ in range(25):
        lengths = rng.integers(1, 30, size=rng.integers(1, 40))
        num_buckets = int(rng.integers(1, 5))
        values = np.unique(lengths)
        best = min(
            padded_size(lengths, [v + 1 for v in ends])
            for r in range(min(num_buckets, len(values)))
            for ends in itertools.combinations(values[:-1], r)
        )
        bounds = data.length_boundaries(lengths, num_buckets=num_buckets)
        assert len(bounds) < num_buckets
        assert padded_size(lengths, bounds) == best


def test_length_boundaries_spend_buckets_on_a_long_tail():
    # 90 short sequences and a tail: equal counts would put 4 of 5 buckets
    # on the short ones; least padding splits the tail.
    lengths = [10] * 90 + [100, 200, 300, 400, 500] * 2
    bounds = data.length_boundaries(lengths, num_buckets=5)
    assert bounds[0] == 11 and len(bounds) == 4  # one bucket for the 90, four for the tail
    quantiles = np.quantile(lengths, [0.2, 0.4, 0.6, 0.8], method="lower")
    assert len({int(q) + 1 for q in quantiles}) == 1  # equal counts: one bucket for all 90


def _varied(n=200, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 60, size=n)
    seqs = [rng.integers(1, 9, size=k).astype("int32") for k in lengths]
    labels = rng.integers(0, 3, size=n).astype("int32")
    ds = tf.data.Dataset.from_generator(
        lambda: iter(zip(seqs, labels)),
        output_signature=(tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32)))
    return ds, lengths


def test_bucketing_pads_less_than_plain_batches_and_keeps_every_example():
    ds, lengths = _varied()
    plain = data.prepare(ds, batch_size=16, bucket=False, seed=1)
    bucketed = data.prepare(ds, batch_size=16, bucket=True, seed=1)
    assert data.padding_fraction(bucketed) < 0.5 * data.padding_fraction(plain)
    real = sum(int(tf.math.count_nonzero(x)) for x, _ in bucketed)
    assert real == int(lengths.sum())
    assert sum(int(tf.shape(y)[0]) for _, y in bucketed) == len(lengths)
    assert int(bucketed.cardinality()) == len(list(bucketed))  # known to Keras up front


def test_prepare_shuffles_with_its_seed():
    ds = tf.data.Dataset.from_tensor_slices((tf.range(1, 65)[:, None], tf.range(64)))

    def order(seed):
        return np.concatenate([y.numpy() for _, y in
                               data.prepare(ds, batch_size=8, seed=seed, bucket=False)])

    assert (order(3) == order(3)).all()
    assert not (order(3) == order(4)).all()
    unshuffled = np.concatenate([y.numpy() for _, y in
                                 data.prepare(ds, batch_size=8, shuffle=False, bucket=False)])
    assert unshuffled.tolist() == list(range(64))


def test_bucket_batches_rejects_unsorted_boundaries():
    ds, _ = _varied(10)
    with pytest.raises(ValueError, match=r"strictly increasing. Received: boundaries=\[5, 3\]"):
        data.bucket_batches(ds, 2, boundaries=[5, 3])


def test_prepare_rejects_an_empty_dataset():
    ds = tf.data.Dataset.from_tensor_slices((tf.zeros([0, 3], tf.int32), tf.zeros([0], tf.int32)))
    with pytest.raises(ValueError, match="The dataset is empty"):
        data.prepare(ds, batch_size=2)


# Files


def test_read_texts_joins_files_and_reports_bad_files(tmp_path):
    a = write(tmp_path / "a.txt", "first")
    b = write(tmp_path / "b.txt", "second\n")
    assert data.read_texts([a, b]) == "first\nsecond\n"
    with pytest.raises(FileNotFoundError, match=r"The text file '.*nope.txt' does not exist"):
        data.read_texts(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match=r"The text file '.*empty.txt' is empty"):
        data.read_texts(write(tmp_path / "empty.txt", ""))
    with pytest.raises(ValueError, match="holds only whitespace"):
        data.read_texts(write(tmp_path / "blank.txt", " \n\n"))
    with pytest.raises(ValueError, match=r"latin.txt:2: the file is not UTF-8"):
        data.read_texts(write(tmp_path / "latin.txt", "ok\ncaf\xe9\n", "latin-1"))
    with pytest.raises(ValueError, match="is not a file"):
        data.read_texts(tmp_path)
    with pytest.raises(ValueError, match="No text files given"):
        data.read_texts([])


def test_read_ptb_both_layouts_and_a_missing_split(tmp_path):
    for split in ("train", "valid", "test"):
        write(tmp_path / "a" / f"ptb.{split}.txt", f" the {split} set \n\n a b \n")
        write(tmp_path / "b" / f"{split}.txt", "x y\n")
    splits = data.read_ptb(tmp_path / "a")
    assert splits["valid"] == [["the", "valid", "set"], ["a", "b"]]
    assert data.read_ptb(tmp_path / "b")["test"] == [["x", "y"]]
    (tmp_path / "b" / "test.txt").unlink()  # a held-out test split is optional
    assert sorted(data.read_ptb(tmp_path / "b")) == ["train", "valid"]
    (tmp_path / "b" / "valid.txt").unlink()
    with pytest.raises(FileNotFoundError, match="No valid split in .*expected ptb.valid.txt or valid.txt"):
        data.read_ptb(tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="Penn Treebank folder .* does not exist"):
        data.read_ptb(tmp_path / "c")


def test_read_table_csv_tsv_quoting_and_errors(tmp_path):
    csv_path = write(tmp_path / "t.csv", 'label,text\npos,"good, very good"\nneg,bad\n')
    assert data.read_table(csv_path) == (["good, very good", "bad"], ["pos", "neg"])
    tsv_path = write(tmp_path / "t.tsv", "text\tlabel\nfine\tpos\n")
    assert data.read_table(tsv_path) == (["fine"], ["pos"])
    with pytest.raises(ValueError, match=r"no column named 'txt'. Did you mean 'text'\?"):
        data.read_table(csv_path, text_column="txt")
    with pytest.raises(ValueError, match=r"t.txt'? from its extension|Cannot tell the column separator"):
        data.read_table(write(tmp_path / "t.txt", "text,label\na,b\n"))
    with pytest.raises(ValueError, match=r"bad.csv:3: expected 2 columns as in the header, found 3"):
        data.read_table(write(tmp_path / "bad.csv", "text,label\na,pos\nb,neg,extra\n"))
    with pytest.raises(ValueError, match="has a header but no rows"):
        data.read_table(write(tmp_path / "head.csv", "text,label\n"))


def test_read_label_folders_aclimdb_layout(tmp_path):
    root = tmp_path / "train"
    write(root / "pos" / "1.txt", "great")
    write(root / "neg" / "2.txt", "awful")
    write(root / "unsup" / "3.txt", "unlabelled")
    write(root / "urls_pos.txt", "not a label")
    texts, labels = data.read_label_folders(root)
    assert sorted(zip(labels, texts)) == [("neg", "awful"), ("pos", "great")]
    with pytest.raises(ValueError, match=r"No folder for label 'poss'.*Did you mean 'pos'\?"):
        data.read_label_folders(root, labels=["poss", "neg"])
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no .txt files"):
        data.read_label_folders(root)
    with pytest.raises(ValueError, match="holds no label folders"):
        data.read_label_folders(root / "pos")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.read_label_folders(tmp_path / "none")


def test_read_parallel_pairs_lines_and_checks_counts(tmp_path):
    src = write(tmp_path / "s.pt", "olá\n\nmundo\n")
    tgt = write(tmp_path / "t.en", "hello\nskipped\nworld\n")
    assert data.read_parallel(src, tgt) == (["olá", "mundo"], ["hello", "world"])
    with pytest.raises(ValueError, match="has 2 lines and .* has 1"):
        data.read_parallel(write(tmp_path / "a", "x\ny\n"), write(tmp_path / "b", "x\n"))
    with pytest.raises(ValueError, match="every line pair has a blank side"):
        data.read_parallel(write(tmp_path / "c", "x\n\n"), write(tmp_path / "d", "\ny\n"))


def test_label_ids_names_the_unknown_label():
    assert data.label_ids(["b", "a"], ["a", "b"]) == [1, 0]
    with pytest.raises(ValueError, match=r"Label 'poss' in test.csv is not in the label set. Did you mean 'pos'\?"):
        data.label_ids(["poss"], ["neg", "pos"], source="test.csv")


CONLLU = """# sent_id = 1
# text = I can't go.
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_
2\tca\tcan\tAUX\tMD\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
3.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t_\t_
4\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_
"""


def test_read_conllu_skips_ranges_empty_nodes_and_comments(tmp_path):
    sentences = data.read_conllu(write(tmp_path / "a.conllu", CONLLU))
    assert sentences == [
        (["I", "ca", "n't", "go", "."], ["PRON", "AUX", "PART", "VERB", "PUNCT"]),
        (["Yes"], ["INTJ"]),
    ]


def test_read_conllu_names_file_and_line_of_errors(tmp_path):
    bad = CONLLU.replace("5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_", "5 . . PUNCT")
    with pytest.raises(ValueError, match=r"bad.conllu:9: malformed CoNLL-U line: expected 10 tab-separated fields, found 1"):
        data.read_conllu(write(tmp_path / "bad.conllu", bad))
    with pytest.raises(ValueError, match=r"id.conllu:1: malformed CoNLL-U line: ID 'x' is not a number"):
        data.read_conllu(write(tmp_path / "id.conllu", "x\ta\ta\tNOUN\t_\t_\t_\t_\t_\t_\n"))
    with pytest.raises(ValueError, match=r"tag.conllu:1: UPOS tag 'NOUNS' is not in the tag set. Did you mean 'NOUN'\?"):
        data.read_conllu(write(tmp_path / "tag.conllu", "1\ta\ta\tNOUNS\t_\t_\t_\t_\t_\t_\n"))
    with pytest.raises(ValueError, match="holds no sentences"):
        data.read_conllu(write(tmp_path / "c.conllu", "# only a comment\n"))
    with pytest.raises(ValueError, match="is empty"):
        data.read_conllu(write(tmp_path / "e.conllu", ""))


CONLL2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""


def test_read_conll2003_columns_and_errors(tmp_path):
    sentences = data.read_conll2003(write(tmp_path / "eng.train", CONLL2003))
    assert sentences == [(["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
                         (["Peter", "Blackburn"], ["B-PER", "I-PER"])]
    with pytest.raises(ValueError, match=r"cols.txt:4: expected 4 space-separated columns .* found 2"):
        data.read_conll2003(write(tmp_path / "cols.txt", CONLL2003.replace("rejects VBZ B-VP O", "rejects O")))
    with pytest.raises(ValueError, match=r"tags.txt:3: tag 'B-ORGG' is not in the tag set. Did you mean 'B-ORG'\?"):
        data.read_conll2003(write(tmp_path / "tags.txt", CONLL2003.replace("B-ORG", "B-ORGG")))
    with pytest.raises(ValueError, match="holds no sentences"):
        data.read_conll2003(write(tmp_path / "doc.txt", "-DOCSTART- -X- -X- O\n"))


# Tagging helpers


def test_tagged_dataset_encodes_and_checks():
    ds = tagged_dataset([(["a", "b"], ["X", "Y"]), (["c"], ["Y"])], ["X", "Y"])
    v = data.Vocabulary(["a", "b"], split="none")
    encoded = list(encode_tagged(ds, v).as_numpy_iterator())
    assert [x.tolist() for x, _ in encoded] == [[2, 3], [1]]
    assert [y.tolist() for _, y in encoded] == [[0, 1], [1]]
    with pytest.raises(ValueError, match="Sentence 0 of f.txt has 2 words but 1 tags"):
        tagged_dataset([(["a", "b"], ["X"])], ["X"], source="f.txt")
    with pytest.raises(ValueError, match=r"Label 'Z' in f.txt is not in the label set"):
        tagged_dataset([(["a"], ["Z"])], ["X", "Y"], source="f.txt")
    with pytest.raises(ValueError, match="No sentences in f.txt"):
        tagged_dataset([], ["X"], source="f.txt")


def test_predict_tags_cuts_padding_per_sentence():
    class Fixed:
        def predict(self, x, **kwargs):
            return np.eye(3)[x % 3]  # tag = id mod 3

    v = data.Vocabulary(["a", "b", "c"], split="none")  # ids 2, 3, 4
    sentences = [["a", "b", "c"], ["c"], [], ["b", "a"]]
    expected = [["T2", "T0", "T1"], ["T1"], [], ["T0", "T2"]]
    assert predict_tags(Fixed(), v, ["T0", "T1", "T2"], sentences) == expected
    # Sorted into batches by length, then put back in the input order.
    assert predict_tags(Fixed(), v, ["T0", "T1", "T2"], sentences, batch_size=2) == expected


def test_word_dropout_drops_rare_words_only():
    ids = tf.constant([[5, 6, 7, 0, 0]] * 400)
    counts = np.array([0, 0, 0, 0, 0, 1, 3, 10_000])  # id 5 once, 6 thrice, 7 often
    batches = tf.data.Dataset.from_tensors((ids, ids))
    assert drop_words(batches, 0.0, counts) is batches
    words, tags = next(iter(drop_words(batches, 0.5, counts, seed=1)))
    words, tags = words.numpy(), tags.numpy()
    assert (tags == ids.numpy()).all()  # targets untouched
    assert (words[:, 3:] == 0).all()  # padding stays padding
    dropped = (words[:, :3] == 1).mean(axis=0)  # 0.5 / (0.5 + n)
    assert 0.25 < dropped[0] < 0.42 and 0.07 < dropped[1] < 0.22 and dropped[2] < 0.01
    kept = words[:, :3] != 1
    assert (words[:, :3][kept] == ids.numpy()[:, :3][kept]).all()
    chars = tf.ones((400, 5, 2), tf.int32)
    (words, chars_out), _ = next(iter(drop_words(
        tf.data.Dataset.from_tensors(((ids, chars), ids)), 0.5, counts)))
    assert (chars_out.numpy() == 1).all() and (words.numpy() == 1).any()


def test_word_accuracies_count_unknown_words():
    from rnn_zoo.data.tagging import word_accuracies

    v = data.Vocabulary(["the", "dog"], split="none")
    scores = word_accuracies([["DET", "NOUN", "VERB"], ["NOUN", "X"]],
                             [["DET", "VERB", "VERB"], ["NOUN", "NOUN"]],
                             [["the", "dog", "barks"], ["cat", "the"]], v)
    # 3 of 5 words right; unknown: "barks" (right) and "cat" (right).
    assert scores == {"accuracy": 0.6, "unknown_word_accuracy": 1.0, "words": 5,
                      "unknown_words": 2}
    assert word_accuracies([["X"]], [["X"]], [["the"]], v)["unknown_word_accuracy"] is None
    with pytest.raises(ValueError, match="Sentence 0 has 1 words, 1 true tags and 2 predicted"):
        word_accuracies([["X"]], [["X", "X"]], [["the"]], v)


# SQuAD


def test_squad_reader_tokens_and_spans(tmp_path):
    context = "Paris is the capital of France."
    squad = {"version": "1.1", "data": [{"title": "P", "paragraphs": [{
        "context": context,
        "qas": [{"id": "q1", "question": "What is Paris?",
                 "answers": [{"text": "the capital of France", "answer_start": 9}]},
                {"id": "q2", "question": "?", "is_impossible": True, "answers": []}],
    }]}]}
    records = data.read_squad(write(tmp_path / "s.json", json.dumps(squad)))
    assert len(records) == 1 and records[0]["answer_start"] == 9
    tokens, offsets = data.tokenize(context)
    assert data.token_span(offsets, 9, 9 + len("the capital of France")) == (2, 5)
    assert data.token_span(offsets, 100, 101) is None
    squad["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 3
    with pytest.raises(ValueError, match="question 'q1': the answer 'the capital of France' is not at answer_start=3"):
        data.read_squad(write(tmp_path / "bad.json", json.dumps(squad)))
    with pytest.raises(ValueError, match=r"j.json:1: not valid JSON"):
        data.read_squad(write(tmp_path / "j.json", "{nope"))
    with pytest.raises(ValueError, match="not SQuAD format"):
        data.read_squad(write(tmp_path / "l.json", "[]"))
    with pytest.raises(ValueError, match="a paragraph lacks \"context\" or \"qas\""):
        data.read_squad(write(tmp_path / "p.json", json.dumps({"data": [{"paragraphs": [{}]}]})))
    with pytest.raises(ValueError, match="holds no answered questions"):
        data.read_squad(write(tmp_path / "n.json", json.dumps({"data": []})))


# TFDS and the shipped corpus


def test_load_tfds_with_mock_data_and_data_dir(tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        (train,), info = data.load_tfds("imdb_reviews", split=["train"], data_dir=tmp_path)
        assert len(list(train)) == 3
        assert info.features["label"].names == ["neg", "pos"]


def test_load_tfds_unknown_name_suggests_and_says_how_to_go_offline():
    with pytest.raises(ValueError, match=r"no data set named 'imbd_reviews'. Did you mean 'imdb_reviews'\?.*--data-dir.*own files: --train-file X"):
        data.load_tfds("imbd_reviews", split="train", files_hint="--train-file X")


def test_load_tfds_not_prepared_and_download_failure(tmp_path, monkeypatch):
    with pytest.raises(data.DatasetUnavailableError, match=r"is not prepared in .* and downloading is off. Either pass --data-dir"):
        data.load_tfds("tiny_shakespeare", split="train", data_dir=tmp_path, download=False)

    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'raw.githubusercontent.com'")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(data.DatasetUnavailableError, match=r"could not be downloaded \(ConnectionError: Failed to resolve.*--text-file"):
        data.load_tfds("tiny_shakespeare", split="train", data_dir=tmp_path,
                       files_hint="--text-file FILE")


def test_download_retries_are_capped_only_while_loading():
    from tensorflow_datasets.core.download import downloader

    saved = downloader.MAX_RETRIES
    with tfds_loading._few_download_retries():
        assert downloader.MAX_RETRIES <= 2
    assert downloader.MAX_RETRIES == saved


def test_tiny_shakespeare_ships_with_tfds_splits():
    train, validation, test = (data.tiny_shakespeare(s) for s in ("train", "validation", "test"))
    assert (len(train), len(validation), len(test)) == (1_003_854, 55_770, 55_770)
    assert train + validation + test == data.tiny_shakespeare()
    assert len(set(data.tiny_shakespeare())) == 65
    with pytest.raises(ValueError, match="Unknown split 'valid'. Did you mean 'validation'"):
        data.tiny_shakespeare("valid")
