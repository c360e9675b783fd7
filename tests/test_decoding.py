"""rnn_zoo.decoding: exact checks of generation against the full model.

On TensorFlow most tests run the search eagerly (`jit_compile=False`): the
same code as the compiled loop, without an XLA compile per test. On JAX an
"eager" `while_loop` is compiled anyway, so they use `jax.jit`, which is
cheaper there. `test_compiled_equals_eager` checks that compiling changes
nothing.
"""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

import rnn_zoo
from rnn_zoo import decoding
from rnn_zoo.decoding import StepModel, generate, register_step_model
from rnn_zoo.decoding import base as decoding_base

EAGER = dict(jit_compile=keras.backend.backend() == "jax")


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def lm(**kwargs):
    args = dict(vocabulary_size=10, embedding_dim=4, units=4, compile=False)
    return rnn_zoo.build("language_model", **dict(args, **kwargs))


def model_log_probs(model, sequences):
    """log p(next token | prefix) at every position, from the full model run
    on whole sequences, with the padding id excluded (as generate does)."""
    p = numpy(model(np.asarray(sequences, "int32"), training=False)).astype("float64")
    p[..., 0] = 0.0
    with np.errstate(divide="ignore"):
        return np.log(p / p.sum(-1, keepdims=True))


def greedy_by_rerunning(model, prompt, steps):
    """Greedy decoding the slow way: re-run the model on the growing text."""
    seq, log_probs = list(prompt), []
    for _ in range(steps):
        lp = model_log_probs(model, [seq])[0, -1]
        seq.append(int(lp.argmax()))
        log_probs.append(lp[seq[-1]])
    return seq[len(prompt):], log_probs


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(cell="lstm", num_layers=2),
        dict(cell="gru", num_layers=2, residual=True),
        dict(cell="simple_rnn", tie_weights=True, dropout=0.2),
    ],
    ids=["lstm-2", "gru-residual", "simple_rnn-tied"],
)
def test_greedy_equals_argmax_of_the_full_model(kwargs):
    # The step model carries every layer's state; re-running the whole
    # prefix through the model must give the same tokens and scores.
    model = lm(**kwargs)
    prompt = [3, 1, 4]
    out = generate(model, prompt, 7, **EAGER)
    tokens, log_probs = greedy_by_rerunning(model, prompt, 7)
    assert out.tokens.tolist() == [tokens]
    np.testing.assert_allclose(out.log_probs[0], log_probs, atol=1e-5)
    np.testing.assert_allclose(out.scores[0], sum(log_probs), atol=1e-4)
    assert out.lengths.tolist() == [7] and out.extras == {}
    assert out.beam_tokens is None and out.beam_scores is None


def test_prompts_of_unequal_length_continue_from_their_own_last_token():
    model = lm(num_layers=2)
    prompts = [[3, 1, 4, 1], [5], [9, 2]]
    out = generate(model, prompts, 5, **EAGER)
    for row, prompt in zip(out.tokens, prompts):
        assert row.tolist() == generate(model, prompt, 5, **EAGER).tokens[0].tolist()
    # Left padding is padding too.
    left = generate(model, np.array([[0, 0, 9, 2]]), 5, **EAGER)
    assert left.tokens[0].tolist() == out.tokens[2].tolist()


def test_start_id_is_put_in_front_of_the_prompt():
    model = lm()
    with_start = generate(model, [4, 5], 4, start_id=7, **EAGER)
    assert with_start.tokens.tolist() == generate(model, [7, 4, 5], 4, **EAGER).tokens.tolist()
    alone = generate(model, None, 4, start_id=7, **EAGER)
    assert alone.tokens.tolist() == generate(model, [7], 4, **EAGER).tokens.tolist()


def test_end_id_stops_rows_and_pads_after_it():
    model = lm()
    out = generate(model, [[3]] * 8, 12, strategy="sample", end_id=2, seed=0, **EAGER)
    assert out.tokens.shape[1] == out.lengths.max() <= 12
    for tokens, log_probs, length in zip(out.tokens, out.log_probs, out.lengths):
        ends = np.flatnonzero(tokens == 2)
        expected = ends[0] + 1 if len(ends) else out.tokens.shape[1]
        assert length == expected
        assert np.all(tokens[length:] == 0) and np.all(tokens[:length] > 0)
        assert np.all(log_probs[length:] == 0) and np.all(log_probs[:length] < 0)
    assert (out.lengths < 12).any()  # some row did end


def brute_force(model, prompt, steps, end_id, length_penalty):
    """Every sequence of at most `steps` ids from 1..vocab-1 (stopping at
    `end_id`), scored like beam search ranks them, best first."""
    vocab = model.get_layer("embedding").input_dim
    grids = list(itertools.product(range(1, vocab), repeat=steps))
    lp = model_log_probs(model, [list(prompt) + list(g[:-1]) for g in grids])
    scores = {}
    for row, grid in enumerate(grids):
        total = 0.0
        for t, token in enumerate(grid):
            total += lp[row, len(prompt) - 1 + t, token]
            if token == end_id:
                break
        sequence = grid[: t + 1]
        scores[sequence] = total / len(sequence) ** length_penalty
    return sorted(scores.items(), key=lambda item: -item[1])


def as_sequences(beam_tokens):
    return [tuple(int(t) for t in row if t != 0) for row in beam_tokens]


@pytest.mark.parametrize("length_penalty", [0.0, 0.7])
def test_beam_search_equals_brute_force_with_end_token(length_penalty):
    # Vocabulary of 3 real tokens (ids 1, 2, 3; 0 is padding), end id 3,
    # 3 steps: 15 possible outputs, and a beam of 15 keeps them all, so the
    # beams must be exactly the brute-force ranking.
    model = lm(vocabulary_size=4, num_layers=2, cell="gru")
    prompt = [1, 2]
    expected = brute_force(model, prompt, 3, end_id=3, length_penalty=length_penalty)
    assert len(expected) == 15
    strategy = decoding.get("beam", beam_width=15, length_penalty=length_penalty)
    out = generate(model, prompt, 3, strategy=strategy, end_id=3, **EAGER)
    assert as_sequences(out.beam_tokens[0]) == [seq for seq, _ in expected]
    np.testing.assert_allclose(out.beam_scores[0], [s for _, s in expected], atol=1e-4)
    best, best_score = expected[0]
    assert as_sequences(out.tokens) == [best] and out.lengths[0] == len(best)
    np.testing.assert_allclose(out.scores[0], best_score, atol=1e-4)
    np.testing.assert_allclose(out.log_probs[0].sum(), best_score * len(best) ** length_penalty, atol=1e-4)


def test_beam_search_equals_brute_force_without_end_token():
    # 27 sequences of 3 tokens; a beam of 9 holds every live prefix of 2, so
    # its 9 results are the 9 best of all 27.
    model = lm(vocabulary_size=4)
    expected = brute_force(model, [3], 3, end_id=None, length_penalty=0.0)
    out = generate(model, [3], 3, strategy=decoding.BeamSearch(beam_width=9), **EAGER)
    assert as_sequences(out.beam_tokens[0]) == [seq for seq, _ in expected[:9]]
    np.testing.assert_allclose(out.beam_scores[0], [s for _, s in expected[:9]], atol=1e-4)


def test_beam_of_one_is_greedy_and_rows_are_independent():
    model = lm(num_layers=2)
    prompts = [[3, 1, 4], [5, 0, 0]]
    greedy = generate(model, prompts, 6, **EAGER)
    beam1 = generate(model, prompts, 6, strategy=decoding.get("beam", beam_width=1), **EAGER)
    assert beam1.tokens.tolist() == greedy.tokens.tolist()
    np.testing.assert_allclose(beam1.scores, greedy.scores, atol=1e-5)
    beam3 = generate(model, prompts, 6, strategy=decoding.get("beam", beam_width=3), **EAGER)
    for i, prompt in enumerate([[3, 1, 4], [5]]):
        alone = generate(model, prompt, 6, strategy=decoding.get("beam", beam_width=3), **EAGER)
        assert beam3.beam_tokens[i].tolist() == alone.beam_tokens[0].tolist()
    # Beam search finds at least as probable an output as greedy.
    assert np.all(beam3.scores >= greedy.scores - 1e-5)


@pytest.mark.slow
def test_seeded_sampling_is_reproducible():
    model = lm()
    for strategy in ["sample", decoding.TopK(k=4), decoding.TopP(p=0.8, temperature=1.5)]:
        a = generate(model, [[3], [4]], 8, strategy=strategy, seed=11, **EAGER)
        b = generate(model, [[3], [4]], 8, strategy=strategy, seed=11, **EAGER)
        c = generate(model, [[3], [4]], 8, strategy=strategy, seed=12, **EAGER)
        assert a.tokens.tolist() == b.tokens.tolist()
        np.testing.assert_array_equal(a.scores, b.scores)
        assert a.tokens.tolist() != c.tokens.tolist()
    keras.utils.set_random_seed(5)
    d = generate(model, [3], 8, strategy="sample", **EAGER)
    keras.utils.set_random_seed(5)
    assert generate(model, [3], 8, strategy="sample", **EAGER).tokens.tolist() == d.tokens.tolist()


def test_sampling_follows_the_tempered_distribution():
    model = lm()
    rows = 4000
    out = generate(model, [[3, 4]] * rows, 1, strategy=decoding.Sample(temperature=0.5), seed=0, **EAGER)
    lp = model_log_probs(model, [[3, 4]])[0, -1]
    tempered = np.exp(2.0 * lp[1:]) / np.exp(2.0 * lp[1:]).sum()
    frequency = np.bincount(out.tokens[:, 0], minlength=10)[1:] / rows
    assert out.tokens.min() >= 1  # padding is never drawn
    np.testing.assert_allclose(frequency, tempered, atol=0.03)
    # The reported score is the model's own log-probability (temperature 1).
    np.testing.assert_allclose(out.log_probs[:, 0], lp[out.tokens[:, 0]], atol=1e-5)


def test_tiny_temperature_is_greedy_and_top_p_one_is_plain_sampling():
    model = lm()
    kernel = model.get_layer("logits").kernel  # untrained logits are nearly flat
    kernel.assign(numpy(kernel) * 100.0)
    greedy = generate(model, [3], 8, **EAGER)
    cold = generate(model, [3], 8, strategy=decoding.Sample(temperature=1e-3), seed=1, **EAGER)
    warm = generate(model, [3], 8, strategy=decoding.Sample(temperature=1.0), seed=1, **EAGER)
    assert cold.tokens.tolist() == greedy.tokens.tolist()
    assert warm.tokens.tolist() != greedy.tokens.tolist()
    sample = generate(model, [3], 8, strategy="sample", seed=4, **EAGER)
    nucleus = generate(model, [3], 8, strategy=decoding.TopP(p=1.0), seed=4, **EAGER)
    assert nucleus.tokens.tolist() == sample.tokens.tolist()


def allowed_sets(model, prompt, tokens, keep):
    """For each row and step, the set `keep(log_probs)` allows there."""
    sequences = [list(prompt) + list(row[:-1]) for row in tokens]
    lp = model_log_probs(model, sequences)[:, len(prompt) - 1 :]
    return [[keep(lp[r, t]) for t in range(tokens.shape[1])] for r in range(len(tokens))]


def test_top_k_never_picks_a_token_outside_the_k_best():
    model = lm()
    out = generate(model, [[3, 4]] * 64, 4, strategy=decoding.get("top_k", k=3), seed=2, **EAGER)
    allowed = allowed_sets(model, [3, 4], out.tokens, lambda lp: set(np.argsort(-lp)[:3]))
    for r, row in enumerate(out.tokens):
        for t, token in enumerate(row):
            assert token in allowed[r][t]
    assert len(set(out.tokens[:, 0])) == 3  # it does sample among the three


def test_top_p_never_picks_a_token_outside_the_nucleus():
    model = lm()
    p = 0.6

    def nucleus(lp):
        probs = np.exp(lp)
        order = np.argsort(-probs)
        before = np.cumsum(probs[order]) - probs[order]
        return set(order[before < p])

    out = generate(model, [[3, 4]] * 64, 4, strategy=decoding.get("top_p", p=p), seed=2, **EAGER)
    allowed = allowed_sets(model, [3, 4], out.tokens, nucleus)
    for r, row in enumerate(out.tokens):
        for t, token in enumerate(row):
            assert token in allowed[r][t]
    assert len(set(out.tokens[:, 0])) > 1


@pytest.mark.slow
def test_compiled_equals_eager_and_follows_weight_updates():
    model = lm(num_layers=2)
    prompts = [[3, 1, 4], [5, 9, 0]]
    for strategy in [decoding.TopP(p=0.9), decoding.BeamSearch(beam_width=3)]:
        fast = generate(model, prompts, 6, strategy=strategy, seed=3, end_id=9)
        slow = generate(model, prompts, 6, strategy=strategy, seed=3, end_id=9, **EAGER)
        assert fast.tokens.tolist() == slow.tokens.tolist()
        np.testing.assert_allclose(fast.scores, slow.scores, atol=1e-5)
    # The compiled loop reads the weights as they are now.
    kernel = model.get_layer("logits").kernel
    kernel.assign(numpy(kernel) * -3.0)
    fast = generate(model, prompts, 6, strategy=strategy, seed=3, end_id=9)
    slow = generate(model, prompts, 6, strategy=strategy, seed=3, end_id=9, **EAGER)
    assert fast.tokens.tolist() == slow.tokens.tolist()


@pytest.mark.parametrize("tie_weights", [False, True])
def test_generation_from_a_model_loaded_from_keras_file(tmp_path, tie_weights):
    model = lm(num_layers=2, tie_weights=tie_weights)
    path = tmp_path / "lm.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    strategies = ["greedy"] if tie_weights else ["top_k", decoding.BeamSearch(beam_width=2)]
    for strategy in strategies:
        a = generate(model, [3, 1, 4], 4, strategy=strategy, seed=7, **EAGER)
        b = generate(loaded, [3, 1, 4], 4, strategy=strategy, seed=7, **EAGER)
        assert a.tokens.tolist() == b.tokens.tolist()
    tokens, _ = greedy_by_rerunning(loaded, [3, 1, 4], 4)
    assert generate(loaded, [3, 1, 4], 4, **EAGER).tokens.tolist() == [tokens]


def test_stateful_model_generates_without_touching_its_states():
    model = lm(stateful=True, batch_size=2)
    states = [numpy(s) for s in model.get_layer("decoder_lstm_0").states]
    out = generate(model, [3, 1], 4, **EAGER)  # any batch size: own states
    stateless = lm()
    stateless.set_weights(model.get_weights())
    assert out.tokens.tolist() == generate(stateless, [3, 1], 4, **EAGER).tokens.tolist()
    for before, after in zip(states, model.get_layer("decoder_lstm_0").states):
        np.testing.assert_array_equal(before, numpy(after))


# The StepModel contract other model families use (encoder-decoders,
# captioners): a toy first-order Markov "model" with hand-set logits, a
# start token from `prepare`, a per-sequence constant in the state, and an
# "attention" record per step.

TABLE = np.log(
    np.array(
        [
            [1, 1, 1, 1],  # after padding (unused)
            [1, 2, 5, 1],  # after 1
            [1, 4, 1, 3],  # after 2
            [1, 3, 3, 2],  # after 3 (the end id)
        ],
        "float32",
    )
)
SOURCE_LENGTH = 5


class MarkovStep(StepModel):
    vocabulary_size = 4

    @classmethod
    def matches(cls, model):
        return model.name == "toy_markov"

    def prepare(self, inputs, *, start_id=None):
        if start_id is None:
            raise ValueError("MarkovStep needs a start_id")
        source = np.asarray(inputs, "float32")
        return {"source": source, "start": np.full(len(source), start_id, "int32")}

    def start(self, inputs):
        batch = ops.shape(inputs["source"])[0]
        return [ops.zeros((batch,)), inputs["source"]], inputs["start"]

    def step(self, ids, state):
        t, source = state
        # Later steps favour the end token (id 3) a little more.
        logits = ops.take(ops.convert_to_tensor(TABLE), ids, axis=0)
        logits = logits + ops.expand_dims(t, 1) * ops.convert_to_tensor([0.0, 0.0, 0.0, 0.3])
        # Attention: a distribution over source positions that depends on
        # the input id and the step, so the records of each path differ.
        positions = ops.arange(SOURCE_LENGTH, dtype="float32")
        scores = -ops.abs(positions - ops.expand_dims(ops.cast(ids, "float32") + t, 1))
        attention = ops.softmax(scores + 0.0 * source, axis=-1)
        return logits, [t + 1.0, source], {"attention": attention}


def markov_log_probs(previous, t):
    logits = TABLE[previous] + t * np.array([0, 0, 0, 0.3])
    logits = np.where(np.arange(4) == 0, -np.inf, logits)
    return logits - np.log(np.exp(logits).sum())


def markov_attention(previous, t):
    scores = -np.abs(np.arange(SOURCE_LENGTH) - (previous + t))
    return np.exp(scores) / np.exp(scores).sum()


@pytest.fixture
def toy_markov():
    register_step_model(MarkovStep)
    inputs = keras.Input((SOURCE_LENGTH,))
    yield keras.Model(inputs, keras.layers.Identity()(inputs), name="toy_markov")
    decoding_base._STEP_MODELS.remove(MarkovStep)


def test_step_model_contract_beam_and_records(toy_markov):
    source = np.zeros((2, SOURCE_LENGTH), "float32")
    steps = 4
    # Brute force over every output of the toy chain from start id 1.
    scores = {}
    for grid in itertools.product([1, 2, 3], repeat=steps):
        total, previous = 0.0, 1
        for t, token in enumerate(grid):
            total += markov_log_probs(previous, t)[token]
            previous = token
            if token == 3:
                break
        scores[grid[: t + 1]] = total
    expected = sorted(scores.items(), key=lambda item: -item[1])
    out = generate(toy_markov, source, max_length=steps, start_id=1, end_id=3,
                   strategy=decoding.get("beam", beam_width=len(expected)), **EAGER)
    assert as_sequences(out.beam_tokens[0]) == [seq for seq, _ in expected]
    assert as_sequences(out.beam_tokens[1]) == [seq for seq, _ in expected]
    # The records follow the chosen path: step t's attention is the one
    # computed from the token fed at step t.
    best = expected[0][0]
    fed = (1,) + best[:-1]
    assert out.attention.shape == (2, out.tokens.shape[1], SOURCE_LENGTH)
    for t, previous in enumerate(fed):
        np.testing.assert_allclose(out.attention[0, t], markov_attention(previous, t), atol=1e-6)
    np.testing.assert_array_equal(out.attention[0, len(best):], 0.0)
    # Greedy records too, and zeroes them after the end.
    greedy = generate(toy_markov, source, 6, start_id=1, end_id=3, **EAGER)
    fed = [1] + greedy.tokens[0, : greedy.lengths[0] - 1].tolist()
    for t, previous in enumerate(fed):
        np.testing.assert_allclose(greedy.attention[0, t], markov_attention(previous, t), atol=1e-6)
    np.testing.assert_allclose(greedy.attention[0, : len(fed)].sum(-1), 1.0, atol=1e-6)


def test_get_returns_configured_strategies():
    assert decoding.get("greedy") == decoding.Greedy()
    assert isinstance(decoding.get("beam"), decoding.BeamSearch)
    assert decoding.get("beam", beam_width=8).beam_width == 8
    assert decoding.get("Top-K", k=5).k == 5
    assert decoding.get(decoding.TopP) == decoding.TopP()
    strategy = decoding.TopP(p=0.5, temperature=0.7)
    assert decoding.get(strategy) is strategy
    assert decoding.get(decoding.serialize(strategy)) == strategy


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: decoding.get("beam", beam_width=0), ValueError, r"`beam_width` must be >= 1. Received: beam_width=0"),
        (lambda: decoding.get("beam", beam_width=2.0), TypeError, r"`beam_width` must be an int. Received: beam_width=2.0"),
        (lambda: decoding.get("top_p", p=0.0), ValueError, r"`p` of the 'top_p' strategy must be in \(0, 1\]: it is the probability mass of the tokens that may be drawn. Received: p=0.0"),
        (lambda: decoding.get("top_p", p=1.5), ValueError, r"`p` of the 'top_p' strategy must be in \(0, 1\].*Received: p=1.5"),
        (lambda: decoding.get("sample", temperature=0), ValueError, r"`temperature` must be > 0: it divides the logits. For the most likely token at every step \(the limit of temperature -> 0\), use strategy='greedy' instead. Received: temperature=0"),
        (lambda: decoding.get("top_k", temperature=-1.0), ValueError, r"`temperature` must be > 0.*use strategy='greedy' instead. Received: temperature=-1.0"),
        (lambda: decoding.get("top_k", k=0), ValueError, r"`k` must be >= 1. Received: k=0"),
        (lambda: decoding.get("beams"), ValueError, r"Unknown decoding strategy 'beams'. Did you mean 'beam'\? Expected one of \['beam', 'greedy', 'sample', 'top_k', 'top_p'\]. Received: strategy='beams'"),
        (lambda: decoding.get(3), TypeError, r"`strategy` must be a name \(one of .*\), a `Strategy` or a config dict. Received: strategy=3 of type int"),
        (lambda: decoding.get(decoding.Greedy(), k=3), TypeError, r"Keyword arguments configure a strategy given by name; this one is already built \(Greedy\(\)\). Received: \['k'\]"),
    ],
)
def test_strategy_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(inputs=[3, 10]), ValueError, r"The prompt holds token ids outside the vocabulary of this model: ids must be in \[0, 10\) \(0 = padding\). Received: min id 3, max id 10"),
        (dict(inputs=[[3, -1]]), ValueError, r"ids must be in \[0, 10\).*Received: min id -1, max id 3"),
        (dict(inputs=[[3, 4], [0, 0]]), ValueError, r"Every prompt needs at least one real token \(id > 0\) to continue from; prompt row 1 has none"),
        (dict(inputs=None), ValueError, r"A language model continues a prompt: pass at least one token id as `inputs`, or a `start_id` to begin from. Received: inputs=None, start_id=None"),
        (dict(inputs=[1.5, 2.0]), TypeError, r"The prompt must hold integer token ids. Received: inputs of dtype float64"),
        (dict(inputs=np.ones((1, 2, 3), "int32")), ValueError, r"The prompt must be token ids `\(batch, time\)` or one sequence `\(time,\)`. Received: inputs of shape \(1, 2, 3\)"),
        (dict(inputs=[3], start_id=10), ValueError, r"`start_id` must be a token id in \[1, 10\) \(0 is padding\). Received: start_id=10"),
        (dict(inputs=[3], max_new_tokens=0), ValueError, r"`max_new_tokens` must be >= 1. Received: max_new_tokens=0"),
        (dict(inputs=[3], max_new_tokens=None, max_length=0), ValueError, r"`max_length` must be >= 1. Received: max_length=0"),
        (dict(inputs=[3], max_new_tokens=None), TypeError, r"`generate` needs `max_new_tokens` \(or `max_length`\)"),
        (dict(inputs=[3], max_length=4), ValueError, r"Give the number of tokens to generate once: `max_new_tokens` and `max_length` mean the same here. Received: max_new_tokens=3, max_length=4"),
        (dict(inputs=[3], end_id=10), ValueError, r"`end_id` must be a token id in \[0, 10\) for this model. Received: end_id=10"),
        (dict(inputs=[3], end_id=0), ValueError, r"`end_id` cannot be the padding id 0: padding is never generated. Received: end_id=0"),
        (dict(inputs=[3], seed=1.5), TypeError, r"`seed` must be an int or None. Received: seed=1.5"),
        (dict(inputs=[3], strategy=decoding.TopK(k=11)), ValueError, r"`k` of the 'top_k' strategy must be <= the vocabulary size \(10\). Received: k=11"),
        (dict(inputs=[3], strategy="nucleus"), ValueError, r"Unknown decoding strategy 'nucleus'"),
    ],
)
def test_generate_errors(kwargs, error, message):
    args = dict(max_new_tokens=3, **EAGER)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        generate(lm(), **args)


def test_prompt_longer_than_the_model_accepts():
    model = lm(sequence_length=4)
    assert generate(model, [1, 2, 3, 4], 6, **EAGER).tokens.shape == (1, 6)
    with pytest.raises(
        ValueError,
        match=r"The prompt is longer than this model accepts: it was built with sequence_length=4, and the prompt has 5 steps. Pass the last 4 tokens, or rebuild the model with sequence_length=None",
    ):
        generate(model, [1, 2, 3, 4, 5], 2, **EAGER)


def test_generate_refuses_models_it_cannot_drive():
    classifier = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, units=4)
    with pytest.raises(ValueError, match=r"No step model can drive model 'text_classifier': `generate` works on rnn_zoo's generative models"):
        generate(classifier, [3], 2)
    with pytest.raises(TypeError, match=r"`generate` needs a Keras model .* Received: model of type str"):
        generate("language_model", [3], 2)
