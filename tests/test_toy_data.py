"""Generated seq2seq tasks: addition and date normalisation."""

import datetime

import numpy as np
import pytest

from rnn_zoo.data import toy


def test_char_vocabulary_round_trip():
    v = toy.CharVocabulary("abc ")
    assert v.size == 7
    ids = v.encode_batch(["ab", "c a"], add_start=True, add_end=True)
    assert ids.dtype == np.int32 and ids.shape == (2, 5)
    np.testing.assert_array_equal(ids[0], [1, 3, 4, 2, 0])
    assert v.decode_batch(ids) == ["ab", "c a"]
    assert v.decode([1, 5, 2, 3]) == "c"  # stops at the end token
    assert v.encode_batch(["a"], length=4).shape == (1, 4)


def test_char_vocabulary_errors():
    with pytest.raises(ValueError, match=r"Characters \['x', 'z'\] are not in the vocabulary 'abc'\. Received: text='zax'"):
        toy.CharVocabulary("abc").encode("zax")
    with pytest.raises(ValueError, match=r"Token id 9 is outside the vocabulary: ids are in \[0, 6\)"):
        toy.CharVocabulary("abc").decode([3, 9])
    with pytest.raises(ValueError, match=r"must not repeat a character\. Received: duplicates \['a'\]"):
        toy.CharVocabulary("aba")
    with pytest.raises(ValueError, match=r"must be single characters\. Received: \['ab'\]"):
        toy.CharVocabulary(["ab", "c"])
    with pytest.raises(ValueError, match=r"A text needs 3 ids but `length` is 2"):
        toy.CharVocabulary("abc").encode_batch(["abc"], length=2)
    with pytest.raises(ValueError, match=r"`num_examples` must be >= 1"):
        toy.date_pairs(0)
    with pytest.raises(ValueError, match=r"`pairs` must hold at least one"):
        toy.seq2seq_arrays([], *toy.date_vocabularies())


def test_addition_pairs_are_right_and_seeded():
    pairs = toy.addition_pairs(200, max_digits=3, seed=1)
    assert pairs == toy.addition_pairs(200, max_digits=3, seed=1)
    assert pairs != toy.addition_pairs(200, max_digits=3, seed=2)
    for question, answer in pairs:
        a, b = question.split("+")
        assert len(a) <= 3 and len(b) <= 3
        assert int(a) + int(b) == int(answer)
    assert max(len(q) for q, _ in pairs) == 7  # some 3-digit operands
    source, target = toy.addition_vocabularies()
    source.encode_batch([q for q, _ in pairs])  # every character known
    target.encode_batch([a for _, a in pairs])


def test_date_pairs_name_the_date_they_map_to():
    pairs = toy.date_pairs(500, seed=0)
    assert pairs == toy.date_pairs(500, seed=0)
    source, target = toy.date_vocabularies()
    months = {m.lower(): i + 1 for i, m in enumerate(toy.MONTHS)}
    seen_formats = set()
    for human, iso in pairs:
        date = datetime.date.fromisoformat(iso)  # valid ISO dates
        assert toy.FIRST_DATE <= date <= toy.LAST_DATE
        source.encode(human)
        target.encode(iso)
        lowered = human.lower()
        # The year (4 or 2 digits) and the month (name or number) are written.
        assert str(date.year) in human or f"{date.year % 100:02d}" in human
        named = [m for m in months if m[:3] in lowered]
        if named:
            assert months[named[0]] == date.month
        seen_formats.add(("/" in human, "." in human, "-" in human, human.isdigit(), bool(named)))
    assert len(seen_formats) >= 5  # many formats, not one


def test_seq2seq_arrays_layout():
    src, tgt = toy.date_vocabularies()
    pairs = toy.date_pairs(4, seed=3)
    (source, decoder), target = toy.seq2seq_arrays(pairs, src, tgt)
    assert source.shape[0] == decoder.shape[0] == target.shape[0] == 4
    assert decoder.shape == target.shape == (4, 11)  # 10 characters + 1
    np.testing.assert_array_equal(decoder[:, 0], tgt.start_id)
    np.testing.assert_array_equal(decoder[:, 1:], target[:, :-1])
    np.testing.assert_array_equal(target[:, -1], tgt.end_id)
    assert src.decode_batch(source) == [h for h, _ in pairs]
    assert tgt.decode_batch(target) == [i for _, i in pairs]
