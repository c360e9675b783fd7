"""Linear-chain conditional random field: layer, loss, metric and decoding.

A Keras 3 replacement for TensorFlow Addons' retired CRF, in `keras.ops` only
(TensorFlow and JAX). `CRF` turns per-step tag scores into the CRF's
posterior; `CRFLoss` is its exact negative log-likelihood; `CRFAccuracy`
scores Viterbi paths; `crf_decode` gives the Viterbi tag ids of a `CRF`
output (for example `model.predict(x)`).
"""

import keras
import numpy as np  # noqa: F401  (used in the docstring examples)
from keras import ops

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.metrics import TokenMeanMetricWrapper

# Floor for probabilities before a log: a float32 softmax can underflow to 0.
_TINY = 1e-30


def _time_major(x):
    return ops.moveaxis(x, 1, 0)  # (batch, time, ...) -> (time, batch, ...)


def _bool_mask(mask, scores):
    """The `(batch, time)` bool mask, all True when `mask` is None."""
    if mask is None:
        return ops.ones(ops.shape(scores)[:2], dtype="bool")
    return ops.cast(mask, "bool")


def _scan_steps(step, init, xs, reverse=False):
    """`ops.scan` over the time steps of the time-major tensors `xs`.

    Scans over the step indices and reads every tensor at its step inside
    the loop: Keras' TensorFlow `scan` fails on several `xs` whose length is
    unknown when tracing (batches padded per batch), one `xs` it takes.
    """

    def indexed(carry, t):
        return step(carry, tuple(ops.take(x, t, axis=0) for x in xs))

    return ops.scan(indexed, init, ops.arange(ops.shape(xs[0])[0]), reverse=reverse)


def _first_step(scores):
    """`(time,)` bool, True at step 0 only."""
    return ops.equal(ops.arange(ops.shape(scores)[1]), 0)


def _forward(emissions, transitions, start, mask):
    """Forward algorithm: `alpha[b, t, j]` = log-sum of the scores of every
    path over steps 0..t ending in tag j. Padded steps carry the last real
    step's values, so the final carry is each sequence's last real alpha.

    Returns `(alphas (batch, time, K), final alpha (batch, K))`.
    """

    def step(alpha, x):
        e, m, first = x
        moved = ops.logsumexp(alpha[:, :, None] + transitions[None], axis=1) + e
        new = ops.where(first, start[None] + e, ops.where(m[:, None], moved, alpha))
        return new, new

    xs = (_time_major(emissions), _time_major(mask), _first_step(emissions))
    final, alphas = _scan_steps(step, ops.zeros_like(emissions[:, 0]), xs)
    return _time_major(alphas), final


def _backward(emissions, transitions, end, mask):
    """Backward algorithm: `beta[b, t, i]` = log-sum of the scores of every
    continuation after step t from tag i, end transition included; `end` at
    the last real step (and on padding, where it is unused)."""
    # Step t reads the emissions and mask of step t + 1; nothing follows the end.
    next_e = ops.concatenate([emissions[:, 1:], ops.zeros_like(emissions[:, :1])], 1)
    next_m = ops.concatenate([mask[:, 1:], ops.zeros_like(mask[:, :1])], 1)
    end = ops.zeros_like(emissions[:, 0]) + end[None]  # (batch, K)

    def step(beta, x):
        e, m = x
        moved = ops.logsumexp(transitions[None] + (e + beta)[:, None, :], axis=2)
        new = ops.where(m[:, None], moved, end)
        return new, new

    xs = (_time_major(next_e), _time_major(next_m))
    _, betas = _scan_steps(step, end, xs, reverse=True)
    return _time_major(betas)


def _viterbi(first, pairwise, last, mask):
    """Best path of a chain: score = first[y_0] + sum_t pairwise[t, y_{t-1},
    y_t] + last[y_T], over the real steps. Padded steps get tag 0.

    Args: first (batch, K); pairwise (batch, time, K, K) (step 0 unused);
    last (batch, K); mask (batch, time) bool.
    """
    num_tags = pairwise.shape[-1]
    identity = ops.zeros_like(first, dtype="int32") + ops.arange(num_tags, dtype="int32")

    def step(carry, x):
        delta, _ = carry
        pw, m, is_first = x
        candidates = delta[:, :, None] + pw  # (batch, from, to)
        best = ops.max(candidates, axis=1)
        pointer = ops.cast(ops.argmax(candidates, axis=1), "int32")
        real = m[:, None]
        new_delta = ops.where(is_first, first, ops.where(real, best, delta))
        new_pointer = ops.where(ops.logical_and(real, ops.logical_not(is_first)), pointer, identity)
        return (new_delta, new_pointer), (new_delta, new_pointer)

    xs = (_time_major(pairwise), _time_major(mask), _first_step(pairwise))
    (delta, _), (_, pointers) = _scan_steps(step, (first, identity), xs)
    last_tag = ops.cast(ops.argmax(delta + last, axis=-1), "int32")  # (batch,)

    # Backtrack: the tag at t is pointers[t + 1][tag at t + 1]; the identity
    # appended at the end hands the last tag itself to step T - 1.
    shifted = ops.concatenate([pointers[1:], identity[None]], axis=0)

    def back(tag, pointer):
        previous = ops.take_along_axis(pointer, tag[:, None], axis=1)[:, 0]
        return previous, previous

    _, tags = ops.scan(back, last_tag, shifted, reverse=True)
    return ops.where(mask, _time_major(tags), 0)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CRF(keras.layers.Layer):
    """Linear-chain conditional random field over per-step tag scores.

    Scores a tag path `y` of a sequence with emissions `e` (the input, one
    score per step and tag) as
    `start[y_0] + sum_t e[t, y_t] + sum_{t>0} transitions[y_{t-1}, y_t] +
    end[y_last]`, and normalises over every path (Lafferty et al. 2001; on a
    BiLSTM, Huang et al. 2015 and Lample et al. 2016). The layer learns
    `transitions (num_tags, num_tags)` and, with
    `use_boundary_transitions=True`, `start` and `end (num_tags,)`.

    **Output.** The CRF's posterior over tag paths, as a table of
    distributions `(batch, time, num_tags + 1, num_tags)`:

    - `output[b, t, i, j] = p(y_t = j | y_{t-1} = i, x)` for `i < num_tags`;
    - `output[b, t, num_tags, j] = p(y_t = j | x)`, the per-tag marginal
      (forward-backward). `output[..., -1, :]` is what to read for
      per-token tag probabilities;
    - at step 0 every row holds the marginal; padded steps hold uniform rows.

    `crf_decode(output)` gives the Viterbi tag ids (the single best path),
    from a tensor or from `model.predict(x)`, so `predict()` serves both
    readings. `viterbi_decode` and `log_likelihood` work on emissions.

    **How the loss is wired, and why.** A CRF loss needs the emissions and
    the transitions, a Keras loss sees only `y_true` and `y_pred`, and the
    model must stay a plain Functional model that saves, loads with
    `safe_mode=True` and trains on after loading. `add_loss` in the layer
    would need the labels as a model input (so `fit(x, y)`, `evaluate` and
    `predict` all change shape); a subclassed model overriding `train_step`
    (TF Addons' `CRFModelWrapper`) is not Functional and is backend-specific;
    packing emissions and transitions into the output for a loss that
    reruns the forward algorithm works, but then `predict()` returns raw
    potentials. This layer uses a fact of linear-chain CRFs instead: the
    posterior is a Markov chain, `p(y | x) = p(y_0 | x) prod_t p(y_t |
    y_{t-1}, x)`, and its conditionals come from one backward pass
    (`p(y_t = j | y_{t-1} = i, x) = softmax_j(transitions[i, j] + e[t, j] +
    beta[t, j])`). So the output is at once a usable prediction and all the
    loss needs: `CRFLoss` picks, at every step, the row of the gold previous
    tag and takes the cross-entropy of the gold tag, which sums to exactly
    `-log p(y | x)` with the CRF's exact gradient (like Keras' cross-entropy
    on probabilities, it clips each step's probability at
    `keras.config.epsilon()`: a gold step below 1e-7 adds a capped loss and
    no gradient). Loss and metric are registered objects, so the compiled
    state is saved and restored, and `fit`, `evaluate` and `predict` keep
    their usual shapes. The price: `(num_tags + 1) * num_tags` outputs per
    token instead of `num_tags`, which is small for tag sets of a few
    dozen (CoNLL NER: 9 tags, 90 floats per token).

    Args:
        num_tags: int >= 2. Number of tags; the input's last axis must match.
        use_boundary_transitions: bool. Learn `start` and `end` scores for
            the first and last tag of a sequence. Defaults to `True`.
        transitions_initializer: initializer of the transition scores (also
            used for start and end). Defaults to `"zeros"`.
        transitions_regularizer: optional regularizer of the same weights.

    Masks: takes the `(batch, time)` mask of its input (right-padded, as
    `Embedding(mask_zero=True)` gives). Padded steps are outside every path:
    they change neither the posterior nor the loss of the real steps, and
    the last real step takes the end transition. The output carries the
    input's mask, so losses and metrics skip padded steps.

    Example:

    >>> crf = CRF(3)
    >>> emissions = keras.random.normal((2, 5, 3), seed=0)
    >>> probabilities = crf(emissions)
    >>> tuple(probabilities.shape)
    (2, 5, 4, 3)
    >>> tuple(crf_decode(probabilities).shape)
    (2, 5)
    """

    def __init__(
        self,
        num_tags,
        use_boundary_transitions=True,
        transitions_initializer="zeros",
        transitions_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_tags = check_int("num_tags", num_tags, minimum=2)
        self.use_boundary_transitions = check_bool(
            "use_boundary_transitions", use_boundary_transitions
        )
        self.transitions_initializer = keras.initializers.get(transitions_initializer)
        self.transitions_regularizer = keras.regularizers.get(transitions_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] != self.num_tags:
            raise ValueError(
                f"A CRF with num_tags={self.num_tags} needs emissions shaped "
                f"(batch, time, {self.num_tags}): one score per step and tag "
                "(a `Dense(num_tags)` before it). Check that the tag counts "
                "agree. Received: input shape="
                f"{tuple(input_shape)}"
            )
        k = self.num_tags
        weight = dict(
            initializer=self.transitions_initializer,
            regularizer=self.transitions_regularizer,
        )
        self.transitions = self.add_weight(shape=(k, k), name="transitions", **weight)
        if self.use_boundary_transitions:
            self.start = self.add_weight(shape=(k,), name="start_transitions", **weight)
            self.end = self.add_weight(shape=(k,), name="end_transitions", **weight)

    def _boundaries(self):
        if self.use_boundary_transitions:
            return ops.convert_to_tensor(self.start), ops.convert_to_tensor(self.end)
        zeros = ops.zeros((self.num_tags,), self.compute_dtype)
        return zeros, zeros

    def _prepare(self, emissions, mask):
        emissions = ops.cast(emissions, self.compute_dtype)
        return emissions, _bool_mask(mask, emissions)

    def call(self, inputs, mask=None):
        e, mask = self._prepare(inputs, mask)  # (batch, time, K)
        transitions = ops.convert_to_tensor(self.transitions)
        start, end = self._boundaries()
        alphas, _ = _forward(e, transitions, start, mask)  # (batch, time, K)
        betas = _backward(e, transitions, end, mask)  # (batch, time, K)
        # Conditional rows: transitions[i, j] + e[t, j] + beta[t, j].
        conditional = transitions[None, None] + (e + betas)[:, :, None, :]
        marginal = (alphas + betas)[:, :, None, :]  # (batch, time, 1, K)
        first = _first_step(e)[None, :, None, None]
        conditional = ops.where(first, marginal, conditional)
        logits = ops.concatenate([conditional, marginal], axis=2)  # (.., K + 1, K)
        logits = ops.where(mask[:, :, None, None], logits, 0.0)
        return ops.softmax(logits, axis=-1)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_tags + 1, self.num_tags)

    def log_likelihood(self, emissions, tags, mask=None):
        """Log-probability of each tag path under the CRF (forward algorithm).

        Args:
            emissions: float `(batch, time, num_tags)`.
            tags: int `(batch, time)`, ids in `[0, num_tags)`.
            mask: optional bool `(batch, time)`, right-padded.

        Returns:
            Float `(batch,)`: `log p(tags | emissions)` over the real steps;
            0 for a sequence with no real step.
        """
        if not self.built:
            self.build(tuple(emissions.shape))
        e, mask = self._prepare(emissions, mask)
        tags = ops.cast(tags, "int32")
        transitions = ops.convert_to_tensor(self.transitions)
        start, end = self._boundaries()
        _, final = _forward(e, transitions, start, mask)
        log_z = ops.logsumexp(final + end[None], axis=-1)  # (batch,)

        real = ops.cast(mask, e.dtype)
        unary = ops.take_along_axis(e, tags[:, :, None], axis=2)[:, :, 0]
        flat = ops.reshape(transitions, (-1,))
        pairs = ops.take(flat, tags[:, :-1] * self.num_tags + tags[:, 1:])
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
        last = ops.maximum(lengths - 1, 0)
        last_tag = ops.take_along_axis(tags, last[:, None], axis=1)[:, 0]
        score = (
            ops.sum(unary * real, axis=1)
            + ops.sum(pairs * real[:, 1:], axis=1)
            + ops.take(start, tags[:, 0])
            + ops.take(end, last_tag)
        )
        return ops.where(lengths > 0, score - log_z, 0.0)

    def viterbi_decode(self, emissions, mask=None):
        """Best tag path for each sequence (Viterbi), int32 `(batch, time)`;
        padded steps get tag 0."""
        if not self.built:
            self.build(tuple(emissions.shape))
        e, mask = self._prepare(emissions, mask)
        transitions = ops.convert_to_tensor(self.transitions)
        start, end = self._boundaries()
        pairwise = transitions[None, None] + e[:, :, None, :]
        last = ops.zeros_like(e[:, 0]) + end[None]
        return _viterbi(start[None] + e[:, 0], pairwise, last, mask)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_tags=self.num_tags,
            use_boundary_transitions=self.use_boundary_transitions,
            transitions_initializer=keras.initializers.serialize(
                self.transitions_initializer
            ),
            transitions_regularizer=keras.regularizers.serialize(
                self.transitions_regularizer
            ),
        )
        return config


def _check_crf_output(y_pred, arg="probabilities"):
    """Returns num_tags of a `CRF` output, or raises a clear error."""
    shape = tuple(y_pred.shape)
    if len(shape) != 4 or shape[-1] is None or shape[-2] != shape[-1] + 1:
        raise ValueError(
            f"`{arg}` must be the output of a `CRF` layer, shaped (batch, "
            "time, num_tags + 1, num_tags). A softmax tagger's (batch, time, "
            "num_tags) output needs a per-token loss instead. "
            f"Received: {arg}.shape={shape}"
        )
    return shape[-1]


def _concrete(x):
    """`x` as a NumPy array when its values are known (eager), else None."""
    try:
        return ops.convert_to_numpy(x)
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return None  # a traced or symbolic tensor (compiled `fit`)


def _check_tags(y_true, y_pred):
    """Integer tags `(batch, time)` agreeing with a CRF output; out-of-range
    ids raise when known (eager), else they give a NaN loss."""
    num_tags = _check_crf_output(y_pred, "y_pred")
    if len(y_true.shape) == 3 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if len(y_true.shape) != 2 or (
        None not in (y_true.shape[1], y_pred.shape[1])
        and y_true.shape[1] != y_pred.shape[1]
    ):
        raise ValueError(
            "CRF labels must be tag ids shaped (batch, time), one per step of "
            f"the CRF output. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    values = _concrete(y_true)
    if values is not None and values.size and (values.min() < 0 or values.max() >= num_tags):
        raise ValueError(
            f"Tag ids must be in [0, {num_tags}) for a CRF with "
            f"num_tags={num_tags}, padded steps included (pad labels with 0). "
            "Check that the model's `num_tags` counts every tag. Received: "
            f"y_true with ids from {values.min():g} to {values.max():g}"
        )
    return ops.cast(y_true, "int32"), num_tags


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CRFLoss(keras.losses.Loss):
    """Negative log-likelihood of the gold tag path, from a `CRF` output.

    Per step t: `-log output[t, y_{t-1}, y_t]` (with the marginal row at
    t = 0). These sum to exactly `-log p(y | x)`, the CRF's loss; Keras
    averages them over the real (unmasked) steps, so the reported loss is
    the negative log-likelihood per token. See `CRF` for why the loss is
    wired this way.

    Labels: int tag ids `(batch, time)` in `[0, num_tags)`, padded steps
    included (pad labels with 0). An id out of range raises a `ValueError`
    when the loss runs eagerly and makes the loss NaN in a compiled step.

    Example:

    >>> probabilities = CRF(3)(keras.random.normal((2, 4, 3), seed=0))
    >>> loss = CRFLoss()(np.array([[0, 1, 2, 1], [2, 2, 0, 0]]), probabilities)
    >>> bool(loss > 0)
    True
    """

    def __init__(self, name="crf_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        tags, num_tags = _check_tags(y_true, y_pred)
        valid = ops.logical_and(tags >= 0, tags < num_tags)
        tags = ops.where(valid, tags, 0)
        start_row = ops.full_like(tags[:, :1], num_tags)
        previous = ops.concatenate([start_row, tags[:, :-1]], axis=1)
        rows = ops.take_along_axis(y_pred, previous[:, :, None, None], axis=2)[:, :, 0]
        p = ops.take_along_axis(rows, tags[:, :, None], axis=2)[:, :, 0]
        epsilon = keras.config.epsilon()
        nll = -ops.log(ops.clip(p, epsilon, 1.0))  # (batch, time)
        bad = ops.any(ops.logical_not(valid), axis=1, keepdims=True)
        return ops.where(bad, float("nan"), nll)


def crf_decode(probabilities, mask=None):
    """Viterbi tag ids from a `CRF` output (a tensor or `model.predict(x)`).

    The CRF posterior is a Markov chain, so its most probable path is the
    best path through the output's conditional rows; it equals the Viterbi
    path of the emissions.

    Args:
        probabilities: `(batch, time, num_tags + 1, num_tags)`, a `CRF`
            output.
        mask: optional bool `(batch, time)`. Not needed for a `CRF` output:
            its padded steps are uniform and decode to tag 0 anyway.

    Returns:
        int32 tensor `(batch, time)`.

    Example:

    >>> probabilities = CRF(3)(keras.random.normal((2, 4, 3), seed=0))
    >>> tags = keras.ops.convert_to_numpy(crf_decode(probabilities))
    >>> tags.shape, bool(((0 <= tags) & (tags < 3)).all())
    ((2, 4), True)
    """
    probabilities = ops.convert_to_tensor(probabilities)
    num_tags = _check_crf_output(probabilities)
    log_p = ops.log(ops.maximum(ops.cast(probabilities, "float32"), _TINY))
    mask = _bool_mask(mask, log_p)
    first = log_p[:, 0, num_tags]  # (batch, K): p(y_0 | x)
    return _viterbi(first, log_p[:, :, :num_tags], ops.zeros_like(first), mask)


@keras.saving.register_keras_serializable(package="rnn_zoo")
def crf_accuracy(y_true, y_pred):
    """Per-step 1.0 where the Viterbi path of a `CRF` output is right."""
    tags, _ = _check_tags(y_true, y_pred)
    return ops.cast(ops.equal(crf_decode(y_pred), tags), "float32")


@keras.saving.register_keras_serializable(package="rnn_zoo")
class CRFAccuracy(TokenMeanMetricWrapper):
    """Per-token accuracy of the Viterbi path of a `CRF` output.

    Padded steps (the output's mask) are not counted, and every real token
    weighs the same across batches of different lengths
    (`rnn_zoo.metrics.TokenMeanMetricWrapper`).

    Args:
        name: str. Defaults to `"accuracy"`.
        dtype: optional dtype of the result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=crf_accuracy, name=name, dtype=dtype)
        # Higher is better: callbacks monitoring `val_accuracy` (early
        # stopping, ReduceLROnPlateau) read this to pick mode "max".
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
