"""`generate`: one entry point for every model with a registered step model."""

import dataclasses
import weakref
from typing import Optional

import keras
import numpy as np

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.decoding import strategies
from rnn_zoo.decoding.base import step_model_classes


@dataclasses.dataclass
class Generation:
    """What `generate` returns; every array is NumPy, batch first.

    Attributes:
        tokens: int32 `(batch, steps)`. The generated ids only (no prompt, no
            start token), 0 after a row's `end_id` (which is included).
            `steps <= max_new_tokens`: generation stops early once every row
            has ended.
        scores: float32 `(batch,)`. The sum of `log_probs` (for beam search,
            the ranking score: that sum divided by `length **
            length_penalty`).
        log_probs: float32 `(batch, steps)`. Log-probability of each chosen
            token under the model (padding id excluded, temperature 1, before
            any top-k/top-p truncation); 0 after the end.
        lengths: int32 `(batch,)`. Number of generated tokens, `end_id`
            included.
        extras: dict of `(batch, steps, ...)` arrays the step model recorded
            at each step (for example `"attention"`); empty for language
            models. Zero after a row's end.
        beam_tokens: int32 `(batch, beam_width, steps)` for beam search (best
            first), else None.
        beam_scores: float32 `(batch, beam_width)` for beam search, else
            None; `-inf` for slots the search could not fill.
    """

    tokens: np.ndarray
    scores: np.ndarray
    log_probs: np.ndarray
    lengths: np.ndarray
    extras: dict
    beam_tokens: Optional[np.ndarray] = None
    beam_scores: Optional[np.ndarray] = None

    @property
    def attention(self):
        """`extras["attention"]`, or None when the model records none."""
        return self.extras.get("attention")


_STEP_MODELS = weakref.WeakKeyDictionary()


def step_model_for(model):
    """Returns the (cached) `StepModel` that drives `model`.

    Raises:
        TypeError: if `model` is not a Keras model.
        ValueError: if no registered step model recognises it.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "`generate` needs a Keras model (for example from "
            "`rnn_zoo.build('language_model', ...)` or `keras.saving."
            f"load_model`). Received: model of type {type(model).__name__}"
        )
    cached = _STEP_MODELS.get(model)
    if cached is not None:
        return cached
    for cls in step_model_classes():
        if cls.matches(model):
            step_model = cls(model)
            _STEP_MODELS[model] = step_model
            return step_model
    known = sorted(cls.__name__ for cls in step_model_classes())
    raise ValueError(
        f"No step model can drive model {model.name!r}: `generate` works on "
        "rnn_zoo's generative models (`language_model`, and those with a "
        "registered `StepModel`), found by their layer names. Registered step "
        f"models: {known}. Received: model with layers "
        f"{[layer.name for layer in model.layers]}"
    )


def _compile(fn, step_model, jit_compile):
    """Compiles `fn(inputs, seed)` as one function for the backend."""
    backend = keras.backend.backend()
    if not jit_compile or backend not in ("tensorflow", "jax"):
        return fn
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True, reduce_retracing=True)
    import jax

    variables = step_model.variables

    @jax.jit
    def stateless(values, inputs, seed):
        # The variables' values come in as arguments, so the compiled loop
        # reads the weights the model has now, not those of the first call.
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return fn(inputs, seed)

    return lambda inputs, seed: stateless([v.value for v in variables], inputs, seed)


def generate(
    model,
    inputs=None,
    max_new_tokens=None,
    *,
    strategy="greedy",
    start_id=None,
    end_id=None,
    seed=None,
    max_length=None,
    jit_compile=True,
):
    """Generates token ids from a trained model, carrying its recurrent state.

    The model's input (a prompt, a source sentence, an image...) is encoded
    once, then the model advances one token per step from the states of all
    its layers, so each new token costs the same however long the text gets.
    The whole search (encoding, the step loop, the strategy) runs as one
    compiled function: `tf.function` with XLA on TensorFlow, `jax.jit` on
    JAX; other backends run it eagerly. Compiled functions are cached per
    model, strategy and length.

    Works on any model a registered `StepModel` recognises (see
    `rnn_zoo.decoding.base`), found by its layer names, so also on a model
    freshly loaded from `.keras`.

    Args:
        model: a `keras.Model`, e.g. from `rnn_zoo.build("language_model",
            ...)`.
        inputs: what the model reads. For a language model, the prompt: int
            ids `(batch, time)` (0 = padding; each row continues from its own
            last real token), one prompt `(time,)`, or a list of unequal
            lists. For an encoder-decoder, the source ids.
        max_new_tokens: int >= 1. The most tokens to generate per row.
        strategy: a name (`"greedy"`, `"sample"`, `"top_k"`, `"top_p"`,
            `"beam"`), a strategy object (`decoding.get("beam",
            beam_width=8)`, `decoding.TopK(k=10)`) or a config dict.
            Defaults to `"greedy"`.
        start_id: int or None. The token to begin from: required by
            encoder-decoders; for a language model it is put in front of the
            prompt (and alone is the prompt when `inputs` is None).
        end_id: int or None. A row stops after emitting it; generation stops
            when every row has. `None` generates `max_new_tokens` tokens.
        seed: int or None. Seeds the random draws of the sampling strategies:
            the same seed gives the same tokens. `None` draws a seed from
            NumPy's global generator (so `keras.utils.set_random_seed`
            makes it repeatable too).
        max_length: int or None. Same as `max_new_tokens` (the length of the
            generated sequence, the name seq2seq code uses); give one of the
            two.
        jit_compile: bool. Compile the loop (default). `False` runs it
            eagerly, step by step, which is slow but easy to debug.

    Returns:
        A `Generation`: `tokens`, `scores`, `log_probs`, `lengths`, `extras`
        (per-step records such as attention weights), and `beam_tokens`,
        `beam_scores` for beam search.

    Raises:
        ValueError: for a model no step model drives, bad ids or prompt
            length (checked by the step model), unknown strategy names, or
            bad argument values.
        TypeError: for arguments of the wrong type.

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("language_model", vocabulary_size=10,
    ...                       embedding_dim=4, units=4)
    >>> out = generate(model, [3, 4, 5], 6, strategy="top_k", seed=1)
    >>> out.tokens.shape
    (1, 6)
    >>> bool((generate(model, [3, 4, 5], 6, strategy="top_k", seed=1).tokens
    ...       == out.tokens).all())
    True
    """
    step_model = step_model_for(model)
    strategy = strategies.get(strategy)
    if max_new_tokens is not None and max_length is not None:
        raise ValueError(
            "Give the number of tokens to generate once: `max_new_tokens` and "
            "`max_length` mean the same here. Received: "
            f"max_new_tokens={max_new_tokens!r}, max_length={max_length!r}"
        )
    if max_new_tokens is None and max_length is None:
        raise TypeError(
            "`generate` needs `max_new_tokens` (or `max_length`): the most "
            "tokens to generate. Received: neither"
        )
    arg = "max_new_tokens" if max_new_tokens is not None else "max_length"
    num_steps = check_int(arg, max_new_tokens if max_length is None else max_length, minimum=1)
    vocab = step_model.vocabulary_size
    check_int("end_id", end_id, minimum=0, allow_none=True)
    if end_id is not None and end_id >= vocab:
        raise ValueError(
            f"`end_id` must be a token id in [0, {vocab}) for this model. "
            f"Received: end_id={end_id}"
        )
    if end_id is not None and end_id == step_model.pad_id:
        raise ValueError(
            f"`end_id` cannot be the padding id {step_model.pad_id}: padding "
            f"is never generated. Received: end_id={end_id}"
        )
    check_int("seed", seed, allow_none=True)
    check_bool("jit_compile", jit_compile)
    strategy.check(step_model)
    prepared = step_model.prepare(inputs, start_id=start_id)
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    seed = np.asarray(seed % (2**31 - 1), "int32")

    cache = step_model.__dict__.setdefault("_compiled", {})
    key = (strategy.key, num_steps, end_id, jit_compile, keras.backend.backend())
    if key not in cache:

        def run(inputs, seed):
            return strategy.search(
                step_model, inputs, num_steps=num_steps, end_id=end_id, seed=seed
            )

        cache[key] = _compile(run, step_model, jit_compile)
    prepared = keras.tree.map_structure(keras.ops.convert_to_tensor, prepared)
    out = keras.tree.map_structure(keras.ops.convert_to_numpy, cache[key](prepared, seed))
    steps = int(out["steps"])  # fewer than num_steps when every row ended
    return Generation(
        tokens=out["tokens"][:, :steps],
        scores=out["scores"],
        log_probs=out["log_probs"][:, :steps],
        lengths=out["lengths"],
        extras={k: v[:, :steps] for k, v in out["extras"].items()},
        beam_tokens=out["beam_tokens"][:, :, :steps] if "beam_tokens" in out else None,
        beam_scores=out.get("beam_scores"),
    )
