"""`rnn_zoo.decoding.generate` on `seq2seq_translator` models."""

import itertools

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.decoding import generate

START, END = 1, 2
SOURCE = np.array([[3, 4, 5, 6, 0, 0], [7, 8, 0, 0, 0, 0]])


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def trained_like(target_vocabulary_size=8, **kwargs):
    """A tiny translator with weights far from their near-uniform start."""
    model = rnn_zoo.build(
        "seq2seq_translator", source_vocabulary_size=10,
        target_vocabulary_size=target_vocabulary_size, embedding_dim=4, units=4,
        compile=False, **kwargs,
    )
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(0, 1.0, w.shape) for w in model.get_weights()])
    return model


def check_attention(out, source):
    """Each generated step's weights sum to 1 over real source tokens, 0 on padding."""
    weights = out.attention  # (batch, steps, source_time)
    assert weights.shape == out.tokens.shape + (source.shape[1],)
    real = source > 0
    for row in range(source.shape[0]):
        steps = weights[row, : out.lengths[row]]
        np.testing.assert_allclose(steps.sum(-1), 1.0, rtol=1e-5)
        assert np.all(steps[:, ~real[row]] == 0.0)
        assert np.all(steps[:, real[row]] > 0.0)


def test_compiled_greedy_on_loaded_model_equals_teacher_forced_argmax(tmp_path):
    model = trained_like(cell="gru", bidirectional=True, attention="bahdanau")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    out = generate(loaded, SOURCE, max_length=6, start_id=START, strategy="greedy")
    assert out.tokens.shape == (2, 6)  # no end_id: every step generated
    # Each token is the argmax of the teacher-forced model fed the prefix.
    decoder_ids = np.concatenate([np.full((2, 1), START), out.tokens[:, :-1]], axis=1)
    probabilities = numpy(model([SOURCE, decoder_ids]))
    probabilities[..., 0] = 0  # padding is never generated
    np.testing.assert_array_equal(probabilities.argmax(-1), out.tokens)
    np.testing.assert_allclose(
        out.scores, np.log(np.take_along_axis(
            probabilities / probabilities.sum(-1, keepdims=True), out.tokens[..., None], -1
        )).sum((1, 2)), rtol=1e-4,
    )
    check_attention(out, SOURCE)


def test_sampling_and_end_token():
    model = trained_like(cell="gru", attention="luong")
    a = generate(model, SOURCE, max_length=8, start_id=START, end_id=END,
                 strategy="sample", seed=3, jit_compile=False)
    b = generate(model, SOURCE, max_length=8, start_id=START, end_id=END,
                 strategy="sample", seed=3, jit_compile=False)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    for row, length in zip(a.tokens, a.lengths):
        assert np.all(row[:length] > 0) and np.all(row[length:] == 0)
        assert length == row.shape[0] or row[length - 1] == END
    check_attention(a, SOURCE)


def test_without_attention_no_records():
    model = trained_like(cell="simple_rnn", attention=None)
    out = generate(model, SOURCE, max_length=3, start_id=START, jit_compile=False)
    assert out.attention is None and out.tokens.shape == (2, 3)


def log_probs(model, source, sequences):
    """log p(sequence | source) of each sequence, from one teacher-forced call
    (padding excluded from the distribution, as `generate` does)."""
    width = max(len(s) for s in sequences)
    decoder_ids = np.zeros((len(sequences), width), "int32")
    for i, sequence in enumerate(sequences):
        decoder_ids[i, : len(sequence)] = [START, *sequence[:-1]]
    sources = np.repeat(source[None], len(sequences), axis=0)
    probabilities = numpy(model([sources, decoder_ids]))[..., 1:]
    probabilities /= probabilities.sum(-1, keepdims=True)
    return [
        float(sum(np.log(probabilities[i, t, token - 1]) for t, token in enumerate(s)))
        for i, s in enumerate(sequences)
    ]


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_beam_search_equals_brute_force_on_three_tokens(length_penalty):
    # Target vocabulary: padding + 3 tokens (1 = start, 2 = end, 3).
    model = trained_like(target_vocabulary_size=4, cell="gru", attention="bahdanau")
    source, max_length = SOURCE[0], 3
    sequences = [  # every output of at most max_length tokens
        sequence
        for length in range(1, max_length + 1)
        for sequence in itertools.product((1, 2, 3), repeat=length)
        if END not in sequence[:-1] and (sequence[-1] == END or length == max_length)
    ]
    hypotheses = sorted(
        ((score / len(s) ** length_penalty, score, s)
         for s, score in zip(sequences, log_probs(model, source, sequences))),
        key=lambda h: -h[0],
    )
    assert len(hypotheses) == 15  # 1 + 2 + 4 ended, 8 cut at max_length
    # A beam as wide as the number of hypotheses prunes nothing: exact search.
    strategy = rnn_zoo.decoding.get("beam", beam_width=15, length_penalty=length_penalty)
    out = generate(model, source[None], max_length=max_length, start_id=START,
                   end_id=END, strategy=strategy, jit_compile=False)
    got = [tuple(int(t) for t in row if t) for row in out.beam_tokens[0]]
    assert got == [h[2] for h in hypotheses]
    np.testing.assert_allclose(out.beam_scores[0], [h[0] for h in hypotheses], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out.scores[0], hypotheses[0][0], rtol=1e-4)
    check_attention(out, source[None])


def test_beam_width_one_is_greedy():
    model = trained_like(cell="lstm", attention="luong", bidirectional=True)
    greedy = generate(model, SOURCE, max_length=5, start_id=START, end_id=END,
                      jit_compile=False)
    beam = generate(model, SOURCE, max_length=5, start_id=START, end_id=END,
                    strategy=rnn_zoo.decoding.get("beam", beam_width=1), jit_compile=False)
    np.testing.assert_array_equal(beam.tokens, greedy.tokens)


def test_generate_bad_input():
    model = trained_like(attention="luong")
    with pytest.raises(ValueError, match=r"Source ids must be in \[0, source_vocabulary_size=10\).*Received: source ids \[11\]"):
        generate(model, [[3, 11]], max_length=3, start_id=START)
    with pytest.raises(ValueError, match=r"`start_id` must be a target token id in \[1, 8\)"):
        generate(model, [[3, 4]], max_length=3, start_id=9)
    with pytest.raises(ValueError, match=r"starts decoding from a start token: pass `start_id`"):
        generate(model, [[3, 4]], max_length=3)
    with pytest.raises(ValueError, match=r"`end_id` must be a token id in \[0, 8\)"):
        generate(model, [[3, 4]], max_length=3, start_id=START, end_id=8)
    with pytest.raises(ValueError, match=r"`max_length` must be >= 1"):
        generate(model, [[3, 4]], max_length=0, start_id=START)
    with pytest.raises(ValueError, match=r"`beam_width` must be >= 1"):
        generate(model, [[3, 4]], max_length=3, start_id=START,
                 strategy=rnn_zoo.decoding.get("beam", beam_width=0))


def test_compiled_beam_search_on_sources_of_changing_length():
    # Regression (issue 15): with `reduce_retracing` the second trace has an
    # unknown source time (and batch) axis, and the attention records' buffer
    # was built from that static `None` ("Expected int32, but got None").
    model = trained_like(cell="gru", bidirectional=True, attention="bahdanau")
    beam = rnn_zoo.decoding.get("beam", beam_width=2)
    for source in (SOURCE, SOURCE[:1, :3], np.concatenate([SOURCE, SOURCE])[:3, :5]):
        out = generate(model, source, max_length=4, start_id=START, end_id=END,
                       strategy=beam)
        assert out.tokens.shape[0] == source.shape[0]
        check_attention(out, source)
        eager = generate(model, source, max_length=4, start_id=START, end_id=END,
                         strategy=beam, jit_compile=False)
        np.testing.assert_array_equal(out.tokens, eager.tokens)
