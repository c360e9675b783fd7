"""Search spaces: hyperparameters named after the builders' keyword arguments.

Every registered model gets a space from its builder's signature: each shared
argument it has (`cell`, `units`, `num_layers`, `bidirectional`, `merge_mode`,
`pooling`, `attention`, `dropout`, `embedding_dim`, `learning_rate`,
`global_clipnorm`) becomes a KerasTuner hyperparameter of the same name whose
default is the builder's default, so the space's defaults build the model the
builder builds by default. Two things keep the space to values the builder
accepts:

- `cell` and `bidirectional` offer the values the zoo-wide test exercises
  (`ModelSpec.test_variants`), plus the builder's default;
- the other choices (`merge_mode`, `pooling`, `attention`, and `cell` or
  `bidirectional` values outside the test variants) are tried once per
  process on the model's tiny test arguments, and a value the builder refuses
  with a `ValueError` or `TypeError` is left out (`language_model` refuses
  `bidirectional=True`, so its space has no `bidirectional`).

`register_space(name, changes)` lays per-model changes over that generic
space, in the same form as the `space=` argument of `hypermodel` and `tune`.

KerasTuner choices cannot hold `None`; the string `"none"` stands for it
(`attention="none"` builds with `attention=None`).
"""

import functools
import numbers

import numpy as np

from keras_tuner.engine import hyperparameters as hp_module

from rnn_zoo import cells, registry
from rnn_zoo._validation import suggest
from rnn_zoo.layers.attention import ATTENTIONS
from rnn_zoo.topologies.many_to_one import POOLINGS
from rnn_zoo.topologies.stacks import MERGE_MODES

NONE = "none"

# Hyperparameters that are not builder arguments: they go to `fit`.
TRAINING_HYPERPARAMETERS = ("batch_size",)

# Builder arguments a sweep cannot vary.
NOT_TUNABLE = ("compile", "name")

# name -> (parent, parent values): `name` only matters for those values.
CONDITIONS = {"merge_mode": ("bidirectional", (True,))}

# The keys a dict in `space` may set, per KerasTuner type.
_FIELDS = {
    "Int": ("min_value", "max_value", "step", "sampling", "default"),
    "Float": ("min_value", "max_value", "step", "sampling", "default"),
    "Choice": ("values", "ordered", "default"),
    "Boolean": ("default",),
    "Fixed": ("value",),
}

_OVERRIDES = {}


def encode(value):
    """Builder value -> hyperparameter value (`None` -> `"none"`)."""
    return NONE if value is None else value


def decode(value):
    """Hyperparameter value -> builder value (`"none"` -> `None`; floats
    rounded to 12 digits, so a step of 0.1 gives 0.3, not 0.30000000000000004)."""
    if value == NONE:
        return None
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def plain(fixed):
    """`fixed` with NumPy scalars made Python numbers (`len(vocabulary)` of
    an array is a NumPy int, which Keras layers and JSON refuse)."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in (fixed or {}).items()}


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _log_int(name, low, high, default):
    """Powers of two from `low` to `high` (`default` kept inside the range)."""
    return hp_module.Int(
        name, min(low, default), max(high, default), step=2, sampling="log",
        default=default,
    )


def _log_float(name, low, high, default):
    return hp_module.Float(
        name, min(low, default), max(high, default), sampling="log", default=default
    )


@functools.lru_cache(maxsize=None)
def _accepted(model, arg, value):
    """Whether the builder accepts `arg=value` on its tiny test arguments."""
    return _refusal(model, arg, value) is None


def _offered(spec, arg, options):
    """The options the builder accepts: its default, the values its test
    variants use, and any other option a tiny build accepts."""
    default = spec.arguments[arg]
    tested = {v[arg] for v in spec.test_variants if arg in v}
    if arg == "cell":
        tested = {cells.get(c) for c in tested}
        default = cells.get(default)
    values = [o for o in options if o == default or o in tested
              or _accepted(spec.name, arg, o)]
    if default not in values:
        values.append(default)
    return values


def _choice(name, values, default):
    values = [encode(v) for v in values]
    return hp_module.Choice(name, values, default=encode(default))


def _generic(spec, arg, default):
    """The generic hyperparameter for builder argument `arg`, or None."""
    if arg == "cell" and isinstance(default, str):
        values = _offered(spec, arg, cells.CELLS)
        return _choice(arg, values, cells.get(default)) if len(values) > 1 else None
    if arg == "bidirectional" and isinstance(default, bool):
        values = _offered(spec, arg, (False, True))
        return hp_module.Boolean(arg, default=default) if len(values) > 1 else None
    if arg in ("units", "embedding_dim") and _is_int(default) and default >= 1:
        return _log_int(arg, 32, 512, default)
    if arg == "num_layers" and _is_int(default) and default >= 1:
        return hp_module.Int(arg, 1, max(3, default), default=default)
    choices = {"merge_mode": MERGE_MODES, "pooling": POOLINGS,
               "attention": (None, *sorted(ATTENTIONS))}
    if arg in choices and (default is None or isinstance(default, str)):
        values = _offered(spec, arg, choices[arg])
        return _choice(arg, values, default) if len(values) > 1 else None
    if arg == "dropout" and _is_real(default) and 0 <= default < 1:
        return hp_module.Float(arg, 0.0, max(0.5, default), step=0.1, default=default)
    if arg == "learning_rate" and _is_real(default) and default > 0:
        return _log_float(arg, 1e-4, 1e-2, default)
    if arg == "global_clipnorm" and _is_real(default) and default > 0:
        return _log_float(arg, 0.1, 10.0, default)
    return None


def _batch_size_hp():
    return _log_int("batch_size", 16, 256, 32)


@functools.lru_cache(maxsize=None)
def _builtin_space(model):
    spec = registry.model_info(model)
    space = {}
    for arg, default in spec.arguments.items():
        hp = _generic(spec, arg, default)
        if hp is not None:
            space[arg] = hp
    return space


def register_space(name, changes):
    """Registers per-model changes to the generic search space of `name`.

    The changes take the form of the `space` argument of `hypermodel`: a list
    (choices), a dict (fields of a range or a choice: `min_value`,
    `max_value`, `step`, `sampling`, `values`, `default`), a KerasTuner
    hyperparameter, or `None` (leave the argument at the builder's default).
    They are checked when the space is first used.

    Args:
        name: str. A registered model name.
        changes: dict. Argument name -> change.

    Raises:
        ValueError: if `name` already has registered changes.
        TypeError: if `changes` is not a dict.

    Example:

    >>> register_space("my_model", {"units": {"max_value": 1024}})
    >>> _ = _OVERRIDES.pop("my_model")
    """
    if not isinstance(changes, dict):
        raise TypeError(
            "`changes` must be a dict of argument name -> change. "
            f"Received: changes={changes!r} of type {type(changes).__name__}"
        )
    if name in _OVERRIDES:
        raise ValueError(
            f"Search space changes for {name!r} are already registered. "
            f"Edit them in one place. Received: name={name!r}"
        )
    _OVERRIDES[name] = dict(changes)


def _check_name(model, name, arg, received):
    spec = registry.model_info(model)
    accepted = [a for a in spec.arguments if a not in NOT_TUNABLE]
    accepted += list(TRAINING_HYPERPARAMETERS)
    if name in NOT_TUNABLE:
        raise ValueError(
            f"`{name}` cannot be tuned: a sweep compiles every model and "
            f"names it itself. Received: {arg}={received!r}"
        )
    if name not in accepted:
        raise ValueError(
            f"Unknown hyperparameter {name!r} for model {model!r}."
            f"{suggest(name, accepted)} Hyperparameters are the builder's "
            f"keyword arguments, plus 'batch_size': {sorted(accepted)}. "
            f"Received: {arg}={received!r}"
        )


def _config(hp):
    """A hyperparameter's fields (no name, no conditions)."""
    config = hp.get_config()
    return {k: v for k, v in config.items() if k in _FIELDS[type(hp).__name__]}


def _make(kind, name, config):
    return getattr(hp_module, kind)(name=name, **config)


def _copy(hp):
    return _make(type(hp).__name__, hp.name, _config(hp))


def _kind_of(name, base, fields, arg, received):
    base_kind = type(base).__name__ if base is not None else None
    if "values" in fields:
        return "Choice"
    if base_kind in ("Int", "Float") or (base_kind and not (
            "min_value" in fields or "max_value" in fields)):
        return base_kind
    if "min_value" in fields and "max_value" in fields:
        bounds = (fields["min_value"], fields["max_value"])
        return "Int" if all(_is_int(b) for b in bounds) else "Float"
    raise ValueError(
        f"Cannot tell which kind of hyperparameter `{name}` is: give "
        "`values` for a choice, or `min_value` and `max_value` for a range. "
        f"Received: {arg}={received!r}"
    )


def _check_range(name, kind, config, arg, received):
    if kind == "Choice" and not config.get("values"):
        raise ValueError(
            f"Empty search range for `{name}`: a choice needs at least one "
            f"value. Received: {arg}={received!r}"
        )
    if kind in ("Int", "Float"):
        low, high = config["min_value"], config["max_value"]
        if low > high:
            raise ValueError(
                f"Empty search range for `{name}`: `min_value` ({low}) is "
                f"greater than `max_value` ({high}). Received: {arg}={received!r}"
            )
        default = config.get("default")
        if default is not None and not low <= default <= high:
            raise ValueError(
                f"The default of `{name}` ({default}) lies outside its range "
                f"[{low}, {high}]. Received: {arg}={received!r}"
            )


def _to_hp(name, change, base, arg, received):
    """One `space` entry -> a KerasTuner hyperparameter (None: removed)."""
    if change is None:
        return None
    if isinstance(change, hp_module.HyperParameter):
        if change.name != name:
            raise ValueError(
                f"The hyperparameter given for `{name}` is named "
                f"{change.name!r}; name it {name!r} (names are builder "
                f"arguments). Received: {arg}={received!r}"
            )
        _check_range(name, type(change).__name__, _config(change), arg, received)
        return _copy(change)
    if isinstance(change, (list, tuple)):
        values = [encode(v) for v in change]
        if isinstance(base, hp_module.Boolean) and sorted(values) == [False, True]:
            return hp_module.Boolean(name, default=base.default)
        change = {"values": values}
    if not isinstance(change, dict):
        raise TypeError(
            f"A search space entry is a list (choices), a dict (a range: "
            f"`min_value`, `max_value`, ...), a KerasTuner hyperparameter or "
            f"None (not tuned). To pin `{name}` to one value, pass "
            f"fixed={{{name!r}: {change!r}}}. Received: {arg}={received!r}"
        )
    fields = {k: ([encode(x) for x in v] if k == "values" else
                  encode(v) if k == "default" else v) for k, v in change.items()}
    kind = _kind_of(name, base, fields, arg, received)
    for key in fields:
        if key not in _FIELDS[kind]:
            raise ValueError(
                f"Unknown field {key!r} for the {kind} hyperparameter `{name}`."
                f"{suggest(key, _FIELDS[kind])} Expected some of "
                f"{list(_FIELDS[kind])}. Received: {arg}={received!r}"
            )
    config = {}
    if base is not None and type(base).__name__ == kind:
        config = _config(base)
    elif base is not None and "default" in _FIELDS[kind]:
        config["default"] = base.default
    config.update(fields)
    if kind == "Int" and not all(_is_int(config[k]) for k in ("min_value", "max_value")):
        kind = "Float"
    # A narrowed space keeps the base default when it still lies inside.
    if "default" not in fields and config.get("default") is not None:
        if kind in ("Int", "Float"):
            low, high = config["min_value"], config["max_value"]
            config["default"] = min(max(config["default"], low), high)
        elif kind == "Choice" and config["default"] not in config.get("values", []):
            config["default"] = None
    _check_range(name, kind, config, arg, received)
    return _make(kind, name, config)


def _refusal(model, arg, value):
    """The builder's message for `arg=value` on its tiny arguments, or None."""
    spec = registry.model_info(model)
    if arg not in spec.arguments:
        return None  # batch_size: not a builder argument
    kwargs = dict(spec.tiny_kwargs, **{arg: value})
    for child, (parent, parent_values) in CONDITIONS.items():
        # A conditional value is probed where it applies (merge_mode with
        # bidirectional=True): elsewhere the tuner never passes it.
        if arg == child and parent in spec.arguments:
            kwargs[parent] = parent_values[0]
    if "compile" in spec.arguments:
        kwargs["compile"] = False
    try:
        spec.builder(**kwargs)
    except (ValueError, TypeError) as error:
        return str(error)
    return None


def _check_values(model, hp, arg, received):
    """Refuses a space whose values the builder refuses (`dropout` of 1.5),
    before any trial: a tuner would only fail its trials one by one."""
    default = registry.model_info(model).arguments.get(hp.name)
    if isinstance(default, bool):
        return  # Choice encodes booleans as 0/1; `_check_fixed` checks them
    if isinstance(hp, hp_module.Choice):
        values = [decode(v) for v in hp.values]
    elif isinstance(hp, (hp_module.Int, hp_module.Float)):
        values = [hp.min_value, hp.max_value]
    else:
        return
    for value in values:
        why = _refusal(model, hp.name, value)
        if why is not None:
            raise ValueError(
                f"The search space offers {hp.name}={value!r}, which model "
                f"{model!r} refuses ({arg}={received!r}): {why}"
            )


def _apply(model, space, changes, arg):
    for name, change in changes.items():
        _check_name(model, name, arg, {name: change})
        hp = _to_hp(name, change, space.get(name), arg, {name: change})
        if hp is None:
            space.pop(name, None)
        else:
            if arg == "space":
                _check_values(model, hp, arg, {name: change})
            space[name] = hp
    return space


def _inside(hp, value):
    if isinstance(hp, hp_module.Fixed):
        return value == hp.value
    if isinstance(hp, hp_module.Boolean):
        return isinstance(value, bool)
    if isinstance(hp, hp_module.Choice):
        return any(type(v) is type(value) and v == value for v in hp.values)
    if isinstance(hp, hp_module.Int):
        return _is_int(value) and hp.min_value <= value <= hp.max_value
    return _is_real(value) and hp.min_value <= value <= hp.max_value


def _describe(hp):
    if isinstance(hp, hp_module.Choice):
        return f"one of {hp.values}"
    if isinstance(hp, hp_module.Boolean):
        return "a bool"
    if isinstance(hp, hp_module.Fixed):
        return f"{hp.value!r}"
    return f"in [{hp.min_value}, {hp.max_value}]"


def _check_fixed(model, space, fixed):
    spec = registry.model_info(model)
    for name, value in fixed.items():
        if name == "compile":
            raise ValueError(
                "A sweep trains every model, so it needs them compiled: leave "
                f"`compile` out of `fixed`. Received: fixed={{'compile': {value!r}}}"
            )
        if name != "name":
            _check_name(model, name, "fixed", {name: value})
        hp = space.get(name)
        if hp is None:
            continue
        key = encode(value)
        if name == "cell" and isinstance(value, str):
            try:
                key = cells.get(value)
            except ValueError:
                pass
        if not _inside(hp, key):
            raise ValueError(
                f"`fixed` pins {name}={value!r}, outside its search space "
                f"({_describe(hp)}). Widen the space (space={{{name!r}: ...}}) "
                f"or take `{name}` out of the search (space={{{name!r}: None}}). "
                f"Received: fixed={{{name!r}: {value!r}}}"
            )
    missing = [a for a in spec.required_arguments if a not in fixed]
    if missing:
        raise ValueError(
            f"Model {model!r} needs the argument(s) {missing}; a sweep does "
            f"not tune them: pass them in `fixed`. Received: fixed={fixed!r}"
        )


def _static_value(model, name, fixed):
    """The value `name` takes when it is not tuned."""
    if name in fixed:
        return fixed[name]
    return registry.model_info(model).arguments.get(name)


def search_space(name, *, fixed=None, space=None, batch_size=False):
    """The search space of a model: a dict of argument name -> hyperparameter.

    The generic space of the model's builder (see the module docstring), then
    the changes registered with `register_space`, then `space`; the names in
    `fixed` are checked against it and taken out.

    Args:
        name: str. A registered model name.
        fixed: dict. Builder arguments pinned for every trial (required ones
            such as `vocabulary_size` included), and optionally `batch_size`.
            A pinned argument that has a hyperparameter must lie inside it.
        space: dict. Changes, argument name -> a list of choices, a dict of
            fields (`min_value`, `max_value`, `step`, `sampling`, `values`,
            `default`) laid over the generic hyperparameter, a KerasTuner
            hyperparameter of that name, or `None` to leave the argument at
            the builder's default.
        batch_size: bool. Whether the generic space includes `batch_size`
            (powers of two from 16 to 256, default 32). `tune` turns it on
            for array data.

    Returns:
        A dict of name -> `keras_tuner` hyperparameter (`Int`, `Float`,
        `Choice`, `Boolean`, `Fixed`), in the builder's argument order.

    Raises:
        ValueError: for a name that is not a builder argument, an empty range,
            a pinned value outside the space, a missing required argument.
        TypeError: for a `space` entry of another kind.

    Example:

    >>> space = search_space("text_classifier",
    ...                      fixed={"vocabulary_size": 100, "num_classes": 3},
    ...                      space={"units": [16, 32], "dropout": None})
    >>> space["units"].values, "dropout" in space, space["cell"].default
    ([16, 32], False, 'lstm')
    """
    fixed = plain(fixed)
    if not isinstance(space or {}, dict):
        raise TypeError(
            f"`space` must be a dict of argument name -> change. "
            f"Received: space={space!r} of type {type(space).__name__}"
        )
    registry.model_info(name)  # unknown model: a clear error first
    result = {k: _copy(hp) for k, hp in _builtin_space(name).items()}
    if batch_size and "batch_size" not in registry.model_info(name).arguments:
        # A builder with its own `batch_size` (a stateful language model's
        # fixed batch) keeps that meaning; the training batch is not searched.
        result["batch_size"] = _batch_size_hp()
    result = _apply(name, result, _OVERRIDES.get(name, {}), f"register_space({name!r})")
    result = _apply(name, result, dict(space or {}), "space")
    _check_fixed(name, result, fixed)
    for key in fixed:
        result.pop(key, None)
    for child, (parent, values) in CONDITIONS.items():
        if child in result and parent not in result:
            if _static_value(name, parent, fixed) not in values:
                result.pop(child)
    order = list(registry.model_info(name).arguments) + list(TRAINING_HYPERPARAMETERS)
    return {k: result[k] for k in sorted(result, key=order.index)}


# Per-model changes. A model whose generic space suits it needs none.
register_space("language_model", {"units": {"min_value": 64, "max_value": 1024}})
