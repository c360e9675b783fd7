"""Search strategies: greedy, sampling (temperature, top-k, top-p) and beam.

A strategy drives a `StepModel` (see `base.py`) and nothing else: it calls
`start` once, then `step` once per generated token, and keeps its own
bookkeeping (chosen tokens, scores, finished rows). Every loop is written
with `keras.ops` (`while_loop`, `slice_update`, `take`), so `generate` can
compile the whole search as one function on TensorFlow and JAX.

Randomness is stateless: the draw of step `t` depends only on `(seed, t)`,
so a seed reproduces a sample exactly, inside or outside compiled code.
"""

import math

from keras import ops

from rnn_zoo._validation import check_float, check_int, suggest

# A finite "minus infinity": masked logits and impossible beams get it, so
# sums and divisions never produce NaN.
NEG = -1e9


class Strategy:
    """Base class of the search strategies.

    Subclasses set `name` (the identifier `get` knows them by), keep one
    attribute per constructor argument, and implement `search`.
    """

    name = None

    def get_config(self):
        """Returns the constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def check(self, step_model):
        """Checks the strategy against a model before compiling (no-op)."""

    def search(self, step_model, inputs, *, num_steps, end_id, seed):
        """Runs the whole search; traced inside the compiled function.

        Args:
            step_model: a `StepModel`.
            inputs: what `step_model.prepare` returned, as tensors.
            num_steps: int. The maximum number of tokens to generate.
            end_id: int or None. A row stops after emitting it.
            seed: int32 scalar tensor for the random draws.

        Returns:
            A dict of tensors: `steps` (how many steps ran),
            `tokens (batch, num_steps)` int32 (0 after a
            row's end), `log_probs (batch, num_steps)`, `scores (batch,)`,
            `lengths (batch,)` and `extras` (a dict of `(batch, num_steps,
            ...)` tensors); beam search adds `beam_tokens` and `beam_scores`.
        """
        raise NotImplementedError

    @property
    def key(self):
        """Hashable identity of the configuration (caches compiled loops)."""
        return (type(self).__name__,) + tuple(sorted(self.get_config().items()))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return isinstance(other, Strategy) and self.key == other.key

    def __hash__(self):
        return hash(self.key)


# Helpers shared by the loops.


def masked_logits(logits, pad_id):
    """Float32 logits with the padding id pushed to `NEG`, and their
    log-softmax (the model's distribution over the other ids)."""
    logits = ops.cast(logits, "float32")
    if pad_id is not None:
        vocab = ops.shape(logits)[-1]
        is_pad = ops.expand_dims(ops.arange(vocab) == pad_id, 0)  # (1, vocab)
        logits = ops.where(is_pad, NEG, logits)
    return logits, ops.log_softmax(logits, axis=-1)


def _mix(x):
    """A 32-bit integer hash (the "lowbias32" finaliser by C. Wellons)."""
    x = ops.bitwise_xor(x, ops.right_shift(x, 16))
    x = ops.multiply(x, ops.convert_to_tensor(0x7FEB352D, "uint32"))
    x = ops.bitwise_xor(x, ops.right_shift(x, 15))
    x = ops.multiply(x, ops.convert_to_tensor(0x846CA68B, "uint32"))
    return ops.bitwise_xor(x, ops.right_shift(x, 16))


def uniform(shape, seed, step):
    """Uniform draws in (0, 1) that depend only on `(seed, step)`.

    A counter-based generator: element `i` of step `t` is a hash of
    `(seed, t, i)`. Unlike `keras.random` with a `SeedGenerator`, it needs no
    state threaded through the loop, and it gives the same numbers eagerly,
    under `tf.function` with XLA (whose stateless RNG differs from TF's
    eager one) and under `jax.jit`, so a seed reproduces a sample whatever
    the backend or compile mode. Resolution 2**-24: a token less likely
    than about 6e-8 is practically never drawn.
    """
    golden = ops.convert_to_tensor(0x9E3779B9, "uint32")
    # The hash maps 0 to 0, so each input gets an odd constant added first:
    # without it seed 0, step 0, row 0 always drew u ~ 0, the first token.
    key = _mix(ops.cast(ops.cast(seed, "int32"), "uint32") + golden)
    key = _mix(ops.bitwise_xor(key, ops.cast(ops.cast(step, "int32"), "uint32") * golden)
               + ops.convert_to_tensor(0x632BE5AB, "uint32"))
    size = 1
    for n in shape:
        size = size * n
    counter = ops.cast(ops.arange(size, dtype="int32"), "uint32")
    bits = _mix(ops.bitwise_xor(counter * ops.convert_to_tensor(0x85EBCA6B, "uint32"), key)
                + ops.convert_to_tensor(0x2C1B3C6D, "uint32"))
    u = (ops.cast(ops.right_shift(bits, 8), "float32") + 0.5) * (1.0 / 2**24)
    return ops.reshape(u, shape)


def sample_categorical(logits, seed, step):
    """One sample per row of `softmax(logits)`, by inverting the cumulative
    distribution at one uniform draw per row."""
    probs = ops.softmax(ops.cast(logits, "float32"), axis=-1)
    cdf = ops.cumsum(probs, axis=-1)  # (batch, n)
    # Scaling by the total keeps the draw inside the last real token's
    # interval when rounding leaves the sum a little under 1; tokens of
    # probability 0 have empty intervals and are never drawn.
    u = uniform((ops.shape(logits)[0], 1), seed, step) * cdf[:, -1:]
    return ops.cast(ops.sum(ops.cast(cdf < u, "int32"), axis=-1), "int32")


def _take_rows(values, index):
    """`values[b, index[b]]` for `values (batch, n)`, `index (batch,)`."""
    return ops.take_along_axis(values, ops.expand_dims(index, -1), axis=1)[:, 0]


def _write(buffer, t, value):
    """Writes `value (batch, ...)` at time `t` of `buffer (batch, time, ...)`."""
    value = ops.expand_dims(ops.cast(value, buffer.dtype), 1)
    start = [0, t] + [0] * (len(buffer.shape) - 2)
    return ops.slice_update(buffer, start, value)


def _buffer(first, num_steps):
    """A zero buffer `(batch, num_steps, ...)` holding `first` at time 0."""
    # `ops.shape`, not `.shape`: a traced axis (the source time of attention
    # records after a retrace) is `None` statically but known at run time.
    shape = (ops.shape(first)[0], num_steps) + tuple(ops.shape(first)[1:])
    return _write(ops.zeros(shape, first.dtype), 0, first)


def _broadcast_rows(flag, value):
    """`flag (batch,)` reshaped to broadcast against `value (batch, ...)`."""
    return ops.reshape(flag, (-1,) + (1,) * (len(value.shape) - 1))


class Sampler(Strategy):
    """Token-by-token strategies: one token per row and step.

    Subclasses implement `select(logits, seed, step) -> ids (batch,)`.
    """

    def select(self, logits, seed, step):
        raise NotImplementedError

    def search(self, step_model, inputs, *, num_steps, end_id, seed):
        pad_id = step_model.pad_id
        state, ids = step_model.start(inputs)
        ids = ops.cast(ids, "int32")

        def advance(t, ids, state, finished):
            logits, state, extras = step_model.step(ids, state)
            logits, log_probs = masked_logits(logits, pad_id)
            token = ops.where(finished, 0, self.select(logits, seed, t))
            log_prob = ops.where(finished, 0.0, _take_rows(log_probs, token))
            extras = {
                k: ops.where(_broadcast_rows(finished, v), ops.zeros_like(v), v)
                for k, v in extras.items()
            }
            if end_id is not None:
                finished = ops.logical_or(finished, token == end_id)
            return token, log_prob, state, extras, finished

        # The first step runs outside the loop: it tells the buffers the
        # shapes and dtypes of the per-step extras.
        finished = ops.zeros(ops.shape(ids), "bool")
        token, log_prob, state, extras, finished = advance(0, ids, state, finished)
        tokens = _buffer(token, num_steps)
        log_probs = _buffer(log_prob, num_steps)
        records = {k: _buffer(v, num_steps) for k, v in extras.items()}
        lengths = ops.ones(ops.shape(ids), "int32")
        steps = 1

        def cond(t, ids, state, finished, lengths, tokens, log_probs, records):
            if end_id is None:
                return t < num_steps
            return ops.logical_and(t < num_steps, ops.logical_not(ops.all(finished)))

        def body(t, ids, state, finished, lengths, tokens, log_probs, records):
            lengths = lengths + ops.cast(ops.logical_not(finished), "int32")
            token, log_prob, state, extras, finished = advance(t, ids, state, finished)
            tokens = _write(tokens, t, token)
            log_probs = _write(log_probs, t, log_prob)
            records = {k: _write(records[k], t, v) for k, v in extras.items()}
            return t + 1, token, state, finished, lengths, tokens, log_probs, records

        if num_steps > 1:
            loop = ops.while_loop(
                cond,
                body,
                (1, token, state, finished, lengths, tokens, log_probs, records),
                maximum_iterations=num_steps - 1,
            )
            steps, lengths, tokens, log_probs, records = loop[0], *loop[4:]
        return dict(
            steps=steps,
            tokens=tokens,
            log_probs=log_probs,
            scores=ops.sum(log_probs, axis=1),
            lengths=lengths,
            extras=records,
        )


def _check_temperature(temperature):
    temperature = check_float("temperature", temperature)
    if not temperature > 0:
        raise ValueError(
            "`temperature` must be > 0: it divides the logits. For the most "
            "likely token at every step (the limit of temperature -> 0), use "
            f"strategy='greedy' instead. Received: temperature={temperature!r}"
        )
    if math.isinf(temperature):
        raise ValueError(f"`temperature` must be finite. Received: temperature={temperature!r}")
    return temperature


class Greedy(Sampler):
    """Picks the most likely token at every step (deterministic).

    Example:

    >>> get("greedy")
    Greedy()
    """

    name = "greedy"

    def select(self, logits, seed, step):
        return ops.cast(ops.argmax(logits, axis=-1), "int32")


class Sample(Sampler):
    """Samples each token from `softmax(logits / temperature)`.

    Args:
        temperature: float > 0. Below 1 sharpens the distribution (safer,
            more repetitive text), above 1 flattens it (more varied, more
            errors). Defaults to 1.0 (the model's own distribution).

    Example:

    >>> get("sample", temperature=0.7)
    Sample(temperature=0.7)
    """

    name = "sample"

    def __init__(self, temperature=1.0):
        self.temperature = _check_temperature(temperature)

    def get_config(self):
        return {"temperature": self.temperature}

    def select(self, logits, seed, step):
        return sample_categorical(logits / self.temperature, seed, step)


class TopK(Sampler):
    """Samples among the `k` most likely tokens only (Fan et al. 2018).

    Args:
        k: int >= 1. How many of the most likely tokens may be drawn; `k=1`
            is greedy. Defaults to 5.
        temperature: float > 0. Applied to the logits before sampling.
            Defaults to 1.0.

    Example:

    >>> get("top_k", k=3)
    TopK(k=3, temperature=1.0)
    """

    name = "top_k"

    def __init__(self, k=5, temperature=1.0):
        self.k = check_int("k", k, minimum=1)
        self.temperature = _check_temperature(temperature)

    def get_config(self):
        return {"k": self.k, "temperature": self.temperature}

    def check(self, step_model):
        vocab = step_model.vocabulary_size
        if self.k > vocab:
            raise ValueError(
                f"`k` of the 'top_k' strategy must be <= the vocabulary size "
                f"({vocab}). Received: k={self.k}"
            )

    def select(self, logits, seed, step):
        values, indices = ops.top_k(logits / self.temperature, self.k)
        choice = sample_categorical(values, seed, step)  # position among the k
        return ops.cast(_take_rows(indices, choice), "int32")


class TopP(Sampler):
    """Nucleus sampling: draws from the smallest set of most likely tokens
    whose probabilities sum to at least `p` (Holtzman et al. 2020).

    Args:
        p: float in (0, 1]. The probability mass to keep; the most likely
            token is always kept; `p=1` samples from the whole
            distribution. Defaults to 0.9.
        temperature: float > 0. Applied to the logits before the nucleus is
            chosen. Defaults to 1.0.

    Example:

    >>> get("top_p", p=0.8)
    TopP(p=0.8, temperature=1.0)
    """

    name = "top_p"

    def __init__(self, p=0.9, temperature=1.0):
        p = check_float("p", p)
        if not 0.0 < p <= 1.0:
            raise ValueError(
                "`p` of the 'top_p' strategy must be in (0, 1]: it is the "
                "probability mass of the tokens that may be drawn. "
                f"Received: p={p!r}"
            )
        self.p = p
        self.temperature = _check_temperature(temperature)

    def get_config(self):
        return {"p": self.p, "temperature": self.temperature}

    def select(self, logits, seed, step):
        scaled = logits / self.temperature
        if self.p < 1.0:
            vocab = scaled.shape[-1]
            values, indices = ops.top_k(scaled, vocab)  # sorted, descending
            probs = ops.softmax(values, axis=-1)
            before = ops.cumsum(probs, axis=-1) - probs  # mass of better tokens
            values = ops.where(before < self.p, values, NEG)
            choice = sample_categorical(values, seed, step)
            return ops.cast(_take_rows(indices, choice), "int32")
        return sample_categorical(scaled, seed, step)


class BeamSearch(Strategy):
    """Keeps the `beam_width` best partial sequences at every step.

    Finished hypotheses (those that emitted `end_id`) stay in the beam with
    their score frozen; the search stops when every kept hypothesis has
    finished or after `num_steps` tokens. Hypotheses are ranked by
    `sum(log p) / length ** length_penalty`; all live hypotheses have the
    same length at a step, so the penalty only arbitrates between finished
    hypotheses of different lengths. Each batch row gets its own beams.

    Args:
        beam_width: int >= 1. Hypotheses kept per batch row; 1 is greedy.
            Defaults to 4.
        length_penalty: float. The exponent `alpha` above: 0 ranks by total
            log-probability (favours short outputs), 1 by the mean per
            token. Defaults to 0.0.

    Example:

    >>> get("beam", beam_width=3)
    BeamSearch(beam_width=3, length_penalty=0.0)
    """

    name = "beam"

    def __init__(self, beam_width=4, length_penalty=0.0):
        self.beam_width = check_int("beam_width", beam_width, minimum=1)
        length_penalty = check_float("length_penalty", length_penalty)
        if not math.isfinite(length_penalty):
            raise ValueError(
                "`length_penalty` must be finite. "
                f"Received: length_penalty={length_penalty!r}"
            )
        self.length_penalty = length_penalty

    def get_config(self):
        return {"beam_width": self.beam_width, "length_penalty": self.length_penalty}

    def _rank(self, scores, lengths):
        if self.length_penalty == 0:
            return scores
        lengths = ops.cast(ops.maximum(lengths, 1), "float32")
        return scores / ops.power(lengths, self.length_penalty)

    def search(self, step_model, inputs, *, num_steps, end_id, seed):
        width, pad_id = self.beam_width, step_model.pad_id
        state, ids = step_model.start(inputs)
        batch = ops.shape(ids)[0]
        # Row b * width + j holds beam j of batch row b.
        state = [ops.repeat(s, width, axis=0) for s in state]
        ids = ops.repeat(ops.cast(ids, "int32"), width, axis=0)  # (batch*width,)
        # Only beam 0 is real at the start; the others would duplicate it.
        scores = ops.cast(ops.where(ops.arange(width) == 0, 0.0, NEG), "float32")
        scores = ops.tile(ops.expand_dims(scores, 0), (batch, 1))  # (batch, width)
        finished = ops.zeros((batch, width), "bool")
        lengths = ops.zeros((batch, width), "int32")
        offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * width, 1)

        def advance(ids, state, scores, finished, lengths):
            logits, new_state, extras = step_model.step(ids, state)
            _, log_probs = masked_logits(logits, pad_id)
            vocab = log_probs.shape[-1]
            log_probs = ops.reshape(log_probs, (batch, width, vocab))
            # A finished hypothesis has one continuation: padding, for free.
            frozen = ops.cast(ops.where(ops.arange(vocab) == 0, 0.0, NEG), "float32")
            log_probs = ops.where(ops.expand_dims(finished, -1), frozen, log_probs)
            totals = ops.expand_dims(scores, -1) + log_probs  # (batch, width, vocab)
            grown = lengths + ops.cast(ops.logical_not(finished), "int32")
            rank = self._rank(totals, ops.expand_dims(grown, -1))
            _, best = ops.top_k(ops.reshape(rank, (batch, width * vocab)), width)
            parent = best // vocab  # (batch, width): beam each winner extends
            token = ops.cast(best % vocab, "int32")
            flat_totals = ops.reshape(totals, (batch, width * vocab))
            scores = ops.take_along_axis(flat_totals, best, axis=1)
            flat_log_probs = ops.reshape(log_probs, (batch, width * vocab))
            step_log_prob = ops.take_along_axis(flat_log_probs, best, axis=1)
            was_finished = ops.take_along_axis(finished, parent, axis=1)
            lengths = ops.take_along_axis(grown, parent, axis=1)
            token = ops.where(was_finished, 0, token)
            finished = was_finished
            if end_id is not None:
                finished = ops.logical_or(finished, token == end_id)
            rows = ops.reshape(offsets + ops.cast(parent, "int32"), (-1,))
            state = [ops.take(s, rows, axis=0) for s in new_state]
            # Each winner's record is its parent's; none after the end.
            stopped = ops.reshape(was_finished, (-1,))
            extras = {
                k: ops.where(_broadcast_rows(stopped, v), 0, ops.take(v, rows, axis=0))
                for k, v in extras.items()
            }
            flat = lambda x: ops.reshape(x, (-1,))  # noqa: E731
            record = dict(
                token=flat(token), parent=rows, log_prob=flat(step_log_prob)
            )
            return flat(token), state, scores, finished, lengths, record, extras

        ids, state, scores, finished, lengths, record, extras = advance(
            ids, state, scores, finished, lengths
        )
        history = {k: _buffer(v, num_steps) for k, v in record.items()}
        records = {k: _buffer(v, num_steps) for k, v in extras.items()}

        def done(scores, finished):
            # Impossible hypotheses (score ~ NEG) never finish; ignore them.
            return ops.all(ops.logical_or(finished, scores < NEG / 2))

        def cond(t, ids, state, scores, finished, lengths, history, records):
            if end_id is None:
                return t < num_steps
            return ops.logical_and(t < num_steps, ops.logical_not(done(scores, finished)))

        def body(t, ids, state, scores, finished, lengths, history, records):
            ids, state, scores, finished, lengths, record, extras = advance(
                ids, state, scores, finished, lengths
            )
            history = {k: _write(history[k], t, v) for k, v in record.items()}
            records = {k: _write(records[k], t, v) for k, v in extras.items()}
            return t + 1, ids, state, scores, finished, lengths, history, records

        steps = 1
        if num_steps > 1:
            loop = ops.while_loop(
                cond,
                body,
                (1, ids, state, scores, finished, lengths, history, records),
                maximum_iterations=num_steps - 1,
            )
            steps, scores, finished, lengths, history, records = (
                loop[0], loop[3], loop[4], loop[5], loop[6], loop[7]
            )

        # Follow the parent pointers back from the final beams: O(1) work per
        # step during the search, one pass over the history at the end.
        def backtrack(i, carry):
            rows, tokens, log_probs, out = carry
            t = steps - 1 - i
            def at(buffer):  # buffer[rows, t]
                return ops.take(ops.take(buffer, t, axis=1), rows, axis=0)

            tokens = _write(tokens, t, at(history["token"]))
            log_probs = _write(log_probs, t, at(history["log_prob"]))
            out = {k: _write(out[k], t, at(v)) for k, v in records.items()}
            rows = at(history["parent"])
            return rows, tokens, log_probs, out

        rows = ops.arange(batch * width, dtype="int32")
        _, tokens, log_probs, records = ops.fori_loop(
            0,
            steps,
            backtrack,
            (
                rows,
                ops.zeros_like(history["token"]),
                ops.zeros_like(history["log_prob"]),
                {k: ops.zeros_like(v) for k, v in records.items()},
            ),
        )
        ranked = self._rank(scores, lengths)  # (batch, width), best first
        ranked = ops.where(scores < NEG / 2, float("-inf"), ranked)

        def per_beam(x):
            return ops.reshape(x, (batch, width) + tuple(ops.shape(x)[1:]))

        def best(x):
            return per_beam(x)[:, 0]

        return dict(
            steps=steps,
            tokens=best(tokens),
            log_probs=best(log_probs),
            scores=ranked[:, 0],
            lengths=lengths[:, 0],
            extras={k: best(v) for k, v in records.items()},
            beam_tokens=per_beam(tokens),
            beam_scores=ranked,
        )


STRATEGIES = {cls.name: cls for cls in (Greedy, Sample, TopK, TopP, BeamSearch)}


def _normalize(name):
    return name.strip().lower().replace("-", "_")


def _check_arguments(cls, kwargs):
    """Names a misspelt argument (`temperatur=`) instead of Python's bare
    "unexpected keyword argument"."""
    import inspect

    accepted = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.kind is not p.VAR_KEYWORD]
    for key in sorted(kwargs):
        if key not in accepted:
            raise TypeError(
                f"Unknown argument {key!r} for the decoding strategy "
                f"{cls.__name__}.{suggest(key, accepted)} Accepted arguments: "
                f"{sorted(accepted)}. Received: {key}={kwargs[key]!r}"
            )


def get(identifier, **kwargs):
    """Returns a strategy object from a name, a config or an instance.

    Args:
        identifier: a `Strategy` instance (returned as is), a name
            (`"greedy"`, `"sample"`, `"top_k"`, `"top_p"`, `"beam"`), a
            `Strategy` subclass, or a dict `{"class_name": name, "config":
            {...}}` as `serialize` writes it.
        **kwargs: constructor arguments for a name or a class
            (`get("beam", beam_width=8)`).

    Returns:
        A `Strategy` instance.

    Raises:
        ValueError: for an unknown name (with a "did you mean"), or a bad
            argument value.
        TypeError: for an identifier of another type, or keyword arguments
            given with an instance.

    Example:

    >>> get("beam", beam_width=8)
    BeamSearch(beam_width=8, length_penalty=0.0)
    >>> get("top-k", k=2)
    TopK(k=2, temperature=1.0)
    """
    if isinstance(identifier, Strategy):
        if kwargs:
            raise TypeError(
                "Keyword arguments configure a strategy given by name; this "
                f"one is already built ({identifier!r}). Received: "
                f"{sorted(kwargs)}"
            )
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Strategy):
        _check_arguments(identifier, kwargs)
        return identifier(**kwargs)
    if isinstance(identifier, dict):
        config = dict(identifier.get("config", {}), **kwargs)
        return get(identifier.get("class_name"), **config)
    if isinstance(identifier, str):
        key = _normalize(identifier)
        if key not in STRATEGIES:
            names = sorted(STRATEGIES)
            raise ValueError(
                f"Unknown decoding strategy {identifier!r}."
                f"{suggest(key, names)} Expected one of {names}. "
                f"Received: strategy={identifier!r}"
            )
        _check_arguments(STRATEGIES[key], kwargs)
        return STRATEGIES[key](**kwargs)
    raise TypeError(
        "`strategy` must be a name (one of "
        f"{sorted(STRATEGIES)}), a `Strategy` or a config dict. "
        f"Received: strategy={identifier!r} of type {type(identifier).__name__}"
    )


def serialize(strategy):
    """Returns `{"class_name": name, "config": {...}}` for `get` to rebuild.

    Example:

    >>> serialize(get("top_p", p=0.5))
    {'class_name': 'top_p', 'config': {'p': 0.5, 'temperature': 1.0}}
    """
    return {"class_name": strategy.name, "config": strategy.get_config()}
