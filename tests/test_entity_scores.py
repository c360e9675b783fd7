"""rnn_zoo.metrics.entity_scores: seqeval's entity-level scores, on fixtures
whose figures follow from seqeval's documented (conlleval) counting."""

import pytest

from rnn_zoo.metrics import entity_scores

# seqeval's README example: two expected entities (MISC 3-5, PER 0-1) and two
# predicted (MISC 2-5, PER 0-1); the PER one is right, so P = R = F1 = 1/2.
README_TRUE = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
README_PRED = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]


def test_seqeval_readme_example():
    scores = entity_scores(README_TRUE, README_PRED)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    assert scores["per_type"] == {
        "MISC": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1},
        "PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
    }


def test_iob1_counts_as_conlleval():
    # IOB1 (the CoNLL-2003 files): I-X after O starts an entity, B-X only
    # splits two adjacent entities of one type. Same entities as the IOB2 tags.
    iob1 = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    iob2 = [["B-PER", "I-PER", "B-PER", "O", "B-LOC"]]
    assert entity_scores(iob1, iob2)["f1"] == 1.0
    # A type change inside a run ends one entity and starts another.
    assert entity_scores([["B-ORG", "I-LOC"]], [["B-ORG", "B-LOC"]])["f1"] == 1.0


def test_precision_and_recall_differ_on_a_worked_fixture():
    # Expected: PER(0), LOC(2), ORG(4-5) = 3. Predicted: PER(0), ORG(2), ORG(4-5),
    # MISC(7) = 4. Right: PER and ORG(4-5) = 2. P = 2/4, R = 2/3, F1 = 4/7.
    true = [["B-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG", "O", "O"]]
    pred = [["B-PER", "O", "B-ORG", "O", "B-ORG", "I-ORG", "O", "B-MISC"]]
    scores = entity_scores(true, pred)
    assert scores["precision"] == pytest.approx(0.5)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(4 / 7)
    # A span one word short is wrong: exact ends only.
    assert entity_scores([["B-ORG", "I-ORG"]], [["B-ORG", "O"]])["f1"] == 0.0


def test_no_entities_anywhere_or_none_found_scores_zero():
    assert entity_scores([["O", "O"]], [["O", "O"]]) == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "per_type": {}}
    scores = entity_scores([["B-PER", "O"]], [["O", "O"]])
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.0, 0.0, 0.0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="same number of sentences. Received: 1 true and 2"):
        entity_scores([["O"]], [["O"], ["O"]])
    with pytest.raises(ValueError, match="Sentence 1 has 2 true tags but 1 predicted"):
        entity_scores([["O"], ["O", "B-PER"]], [["O"], ["O"]])
    with pytest.raises(TypeError, match="lists of sentences, each a list of tags, not of str"):
        entity_scores(["B-PER"], ["B-PER"])
