"""The model registry: `register_model`, `list_models`, `model_info`, `build`."""

import dataclasses
import fnmatch
import inspect
import itertools
from typing import Callable, Optional

from rnn_zoo._validation import suggest

TOPOLOGIES = ("encoder_decoder", "many_to_many", "many_to_one", "one_to_many")

_REGISTRY = {}


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about one model.

    Attributes:
        name: str. The registered name, passed to `rnn_zoo.build`.
        builder: the function `build` calls (keyword-only arguments).
        task: str. The task family (`"text_classification"`, ...).
        topology: str. One of `"many_to_one"`, `"many_to_many"`,
            `"one_to_many"`, `"encoder_decoder"`.
        tiny_kwargs: dict. Small arguments the zoo-wide test builds with.
        example_data: callable `(kwargs, batch_size, sequence_length, seed)
            -> (inputs, targets)` giving a random batch the model built with
            `kwargs` accepts (token batches are right-padded with 0).
        test_variants: tuple of dicts laid over `tiny_kwargs` by the zoo-wide
            test (every cell, and both directions where allowed).
    """

    name: str
    builder: Callable
    task: str
    topology: str
    tiny_kwargs: dict
    example_data: Callable
    test_variants: tuple

    @property
    def arguments(self):
        """Dict of argument name -> default (`inspect.Parameter.empty` if required)."""
        return {
            p.name: p.default
            for p in inspect.signature(self.builder).parameters.values()
        }

    @property
    def required_arguments(self):
        """Sorted names of the arguments `build` must be given."""
        return sorted(
            k for k, v in self.arguments.items() if v is inspect.Parameter.empty
        )

    @property
    def doc(self):
        """The builder's docstring."""
        return inspect.getdoc(self.builder) or ""

    def __str__(self):
        args = ", ".join(
            k if v is inspect.Parameter.empty else f"{k}={v!r}"
            for k, v in self.arguments.items()
        )
        return (
            f"{self.name} (task={self.task}, topology={self.topology})\n"
            f"build({self.name!r}, {args})\n\n{self.doc}"
        )


def _default_variants(builder):
    from rnn_zoo.cells import CELLS

    params = inspect.signature(builder).parameters
    directions = [False, True] if "bidirectional" in params else [None]
    variants = []
    for cell, bidirectional in itertools.product(CELLS, directions):
        variant = {"cell": cell}
        if bidirectional is not None:
            variant["bidirectional"] = bidirectional
        variants.append(variant)
    return tuple(variants)


def register_model(
    *, task, topology, tiny_kwargs, example_data, test_variants=None, name=None
):
    """Registers a model builder under its function name (or `name`).

    Args:
        task: str. Task family, used by `list_models(task=...)`.
        topology: str. `"many_to_one"`, `"many_to_many"`, `"one_to_many"` or
            `"encoder_decoder"`.
        tiny_kwargs: dict. Tiny arguments for the zoo-wide test (batch 2,
            time 5, vocabulary 10, units 4, `num_layers=2`, 3 classes).
        example_data: callable making a random batch; see `ModelSpec`.
        test_variants: optional list of kwargs dicts the zoo-wide test lays
            over `tiny_kwargs`. Defaults to every cell, and both directions
            when the builder has `bidirectional`.
        name: str. Registered name; defaults to the builder's `__name__`.

    Returns:
        A decorator that records the builder and returns it unchanged.

    Raises:
        ValueError: if the name is taken, the topology is unknown, or the
            builder's arguments are not all keyword-only.
    """
    if topology not in TOPOLOGIES:
        raise ValueError(
            f"Unknown topology {topology!r}.{suggest(topology, TOPOLOGIES)} "
            f"Expected one of {list(TOPOLOGIES)}. Received: topology={topology!r}"
        )

    def decorator(builder):
        model_name = name or builder.__name__
        if model_name in _REGISTRY:
            raise ValueError(
                f"A model named {model_name!r} is already registered (by "
                f"{_REGISTRY[model_name].builder.__module__}). Pick another "
                f"name. Received: name={model_name!r}"
            )
        params = inspect.signature(builder).parameters.values()
        positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY]
        if positional:
            raise ValueError(
                "Model builders take keyword-only arguments (declare them after "
                f"`*`), so that `build` can check every name. Received: "
                f"{model_name} with non-keyword-only arguments {positional}"
            )
        variants = test_variants if test_variants is not None else _default_variants(builder)
        _REGISTRY[model_name] = ModelSpec(
            name=model_name,
            builder=builder,
            task=task,
            topology=topology,
            tiny_kwargs=dict(tiny_kwargs),
            example_data=example_data,
            test_variants=tuple(dict(v) for v in variants),
        )
        return builder

    return decorator


def list_models(pattern="*", *, task=None, topology=None):
    """Returns the sorted names of registered models.

    Args:
        pattern: str. Shell-style wildcard on the name (`"*classifier"`).
        task: optional str. Keep models of this task only.
        topology: optional str. Keep models of this topology only.

    Example:

    >>> "text_classifier" in list_models("text_*")
    True
    >>> list_models(topology="many_to_one") == sorted(list_models(topology="many_to_one"))
    True
    """
    return sorted(
        name
        for name, spec in _REGISTRY.items()
        if fnmatch.fnmatchcase(name, pattern)
        and (task is None or spec.task == task)
        and (topology is None or spec.topology == topology)
    )


def model_info(name, /):
    """Returns the `ModelSpec` of a registered model: its arguments with their
    defaults, docstring, task and topology. `print(model_info(name))` shows them.

    Raises:
        ValueError: if no model has that name.

    Example:

    >>> model_info("text_classifier").arguments["pooling"]
    'last'
    """
    if not isinstance(name, str):
        raise TypeError(
            f"Model names are strings. Received: name={name!r} of type "
            f"{type(name).__name__}"
        )
    if name not in _REGISTRY:
        available = sorted(_REGISTRY)
        raise ValueError(
            f"Unknown model {name!r}.{suggest(name, available)} "
            f"Available: {available}. Received: name={name!r}"
        )
    return _REGISTRY[name]


def build(name, /, **kwargs):
    """Builds a registered model: `rnn_zoo.build(name, **kwargs) -> keras.Model`.

    The keyword arguments are checked against the builder's signature before
    anything is built; see `model_info(name)` for them. Task models come back
    compiled with their loss and metrics unless `compile=False`.

    Args:
        name: str. A name from `list_models()`.
        **kwargs: the builder's arguments, and optionally `dtype_policy`
            (`"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`): the
            Keras dtype policy the layers are made under. Defaults to Keras'
            global policy.

    Returns:
        A `keras.Model` (Functional).

    Raises:
        ValueError: for an unknown model name, or a bad argument value.
        TypeError: for an unknown or missing keyword argument, or a bad type.

    Example:

    >>> model = build("text_classifier", vocabulary_size=10, num_classes=3,
    ...               embedding_dim=4, units=4)
    >>> tuple(model.output.shape)
    (None, 3)
    """
    spec = model_info(name)
    dtype_policy = kwargs.pop("dtype_policy", None)
    accepted = spec.arguments
    for key in sorted(kwargs):
        if key not in accepted:
            raise TypeError(
                f"Unknown argument {key!r} for model {name!r}."
                f"{suggest(key, accepted)} Accepted arguments: {sorted(accepted)}. "
                f"Received: {key}={kwargs[key]!r}"
            )
    missing = [k for k in spec.required_arguments if k not in kwargs]
    if missing:
        raise TypeError(
            f"Model {name!r} needs the argument(s) {missing}. "
            f"Received: {sorted(kwargs)}"
        )
    # NumPy scalars (`y.max() + 1`, a tuner's values) become Python numbers:
    # Keras layers refuse some of them, and configs must stay JSON-friendly.
    kwargs = {k: v.item() if hasattr(v, "item") and getattr(v, "ndim", None) == 0 else v
              for k, v in kwargs.items()}
    if dtype_policy is None:
        return spec.builder(**kwargs)
    return _build_under_policy(spec, dtype_policy, kwargs)


DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")


def _build_under_policy(spec, dtype_policy, kwargs):
    """Builds with Keras' global dtype policy set, then puts it back: the
    layers keep the policy they were made under (variables float32, compute
    in 16 bits for the mixed ones), and `compile` wraps the optimizer in a
    `LossScaleOptimizer` under `mixed_float16`."""
    import keras

    if not isinstance(dtype_policy, str) or dtype_policy not in DTYPE_POLICIES:
        raise ValueError(
            f"Unknown dtype_policy {dtype_policy!r}."
            f"{suggest(str(dtype_policy), DTYPE_POLICIES)} Expected one of "
            f"{list(DTYPE_POLICIES)}. Received: dtype_policy={dtype_policy!r}"
        )
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype_policy)
    try:
        return spec.builder(**kwargs)
    finally:
        keras.config.set_dtype_policy(previous)
