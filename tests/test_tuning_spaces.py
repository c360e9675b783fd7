"""Search spaces of every registered model, and how `fixed` and `space` change
them (in the manner of KerasTuner's own tests of its applications)."""

import keras
import keras_tuner
import numpy as np
import pytest
from keras_tuner.engine import hyperparameters as hp_module

import rnn_zoo
from rnn_zoo import registry
from rnn_zoo.tuning import hypermodel, register_space, search_space, spaces

MODELS = rnn_zoo.list_models()


def required(name):
    """The tiny kwargs a sweep has to pin: the builder's required ones, and
    the image encoder (its default downloads ImageNet weights; tests are
    offline)."""
    spec = rnn_zoo.model_info(name)
    return {
        k: v
        for k, v in spec.tiny_kwargs.items()
        if k in spec.required_arguments or k in OFFLINE_INPUTS
    }


OFFLINE_INPUTS = ("image_encoder", "image_encoder_weights", "image_shape", "frame_shape")


def probe_values(hp):
    """Every choice; the ends of a range (a width above 64 tried at 64: the
    builders take any width, and big ones only cost time)."""
    if isinstance(hp, hp_module.Boolean):
        return [False, True]
    if isinstance(hp, hp_module.Choice):
        return list(hp.values)
    if isinstance(hp, hp_module.Fixed):
        return [hp.value]
    top = min(hp.max_value, 64) if isinstance(hp, hp_module.Int) and hp.min_value <= 64 else hp.max_value
    return [hp.min_value, top]


@pytest.mark.parametrize("name", MODELS)
def test_every_model_has_a_space_of_builder_arguments(name):
    spec = rnn_zoo.model_info(name)
    space = search_space(name, fixed=required(name), batch_size=True)
    # The training batch is searched unless the builder has its own
    # `batch_size` (a stateful language model's fixed batch).
    assert ("batch_size" in space) != ("batch_size" in spec.arguments)
    # The shared numeric arguments are always searched (a per-layer list of
    # widths as the default is not).
    for key in ("units", "num_layers", "learning_rate"):
        if key in spec.arguments and not isinstance(spec.arguments[key], (list, tuple)):
            assert key in space, key
    for key, hp in space.items():
        assert hp.name == key
        assert key in spec.arguments or key == "batch_size"
        if key in spec.arguments:
            # The space's defaults are the builder's defaults.
            assert key != "batch_size"
            assert spaces.decode(hp.default) == spec.arguments[key], key


@pytest.mark.parametrize("name", MODELS)
def test_space_defaults_build_the_default_model(name):
    spec = rnn_zoo.model_info(name)
    hm = hypermodel(name, fixed=required(name))
    hp = keras_tuner.HyperParameters()
    model = hm.build(hp)
    assert isinstance(model, keras.Model) and model.compiled
    # Every hyperparameter was registered, at its default.
    active = {k for k in hm.space if hp.is_active(k)}
    assert active <= set(hp.values)
    for key in active:
        assert spaces.decode(hp.values[key]) == spec.arguments[key]
    reference = rnn_zoo.build(name, **required(name))
    assert model.count_params() == reference.count_params()


@pytest.mark.parametrize("name", MODELS)
def test_fixed_and_space_changes_for_every_model(name):
    space = search_space(name, fixed=required(name))
    # Pin the first choice to its last value; narrow the width and the depth.
    choice = next(k for k, hp in space.items() if isinstance(hp, hp_module.Choice))
    pinned = spaces.decode(space[choice].values[-1])
    hm = hypermodel(name, fixed={**required(name), choice: pinned},
                    space={"units": [4], "num_layers": {"max_value": 2, "default": 2}})
    assert choice not in hm.space
    assert hm.space["units"].values == [4]
    assert (hm.space["num_layers"].min_value, hm.space["num_layers"].max_value) == (1, 2)
    hp = keras_tuner.HyperParameters()
    model = hm.build(hp)
    assert choice not in hp.values
    assert hp.values["units"] == 4 and hp.values["num_layers"] == 2
    expected = rnn_zoo.build(name, **required(name), **{choice: pinned},
                             units=4, num_layers=2)
    assert model.count_params() == expected.count_params()


@pytest.mark.parametrize("name", MODELS)
def test_every_value_of_the_space_builds(name):
    # One tiny build per value (`spaces._accepted` builds the tiny kwargs with
    # that one value, compile=False; its cache spares the builds the space
    # already made). A failure names the value to leave out of the model's
    # space with `register_space` in rnn_zoo/tuning/spaces.py.
    space = search_space(name, fixed=required(name))
    refused = [
        (key, value) for key, hp in space.items() for value in probe_values(hp)
        if not spaces._accepted(name, key, spaces.decode(value))
    ]
    assert not refused, f"{name} refuses {refused}"


def test_language_model_space_leaves_out_what_it_refuses():
    space = search_space("language_model", fixed={"vocabulary_size": 10})
    assert "bidirectional" not in space
    assert "merge_mode" not in space
    # Its registered change: wider layers than the generic space.
    assert (space["units"].min_value, space["units"].max_value) == (64, 1024)
    with pytest.raises(ValueError, match="cannot be bidirectional"):
        rnn_zoo.build("language_model", vocabulary_size=10, bidirectional=True)


def test_merge_mode_depends_on_bidirectional():
    hm = hypermodel("text_classifier", fixed={"vocabulary_size": 10, "num_classes": 3})
    hp = keras_tuner.HyperParameters()
    hm.build(hp)
    assert hp.get_config()["space"]  # registered
    merge = [h for h in hp.space if h.name == "merge_mode"][0]
    assert [c.get_config() for c in merge.conditions] == [
        {"name": "bidirectional", "values": [True]}]
    assert not hp.is_active("merge_mode")  # bidirectional defaults to False
    hp.values["bidirectional"] = True
    assert hp.is_active("merge_mode")
    # Pinned bidirectional: merge_mode searched only when it is True.
    fixed = {"vocabulary_size": 10, "num_classes": 3}
    assert "merge_mode" not in search_space(
        "text_classifier", fixed={**fixed, "bidirectional": False})
    assert "merge_mode" in search_space(
        "text_classifier", fixed={**fixed, "bidirectional": True})


@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_depth_is_tuned_and_return_sequences_follows(num_layers):
    hm = hypermodel("text_classifier",
                    fixed={"vocabulary_size": 10, "num_classes": 3},
                    space={"units": [4], "embedding_dim": [4]})
    hp = keras_tuner.HyperParameters()
    hp.Fixed("num_layers", num_layers)  # as a tuner's trial sets it
    model = hm.build(hp)
    layers = [layer for layer in model.layers if layer.name.startswith("encoder_lstm_")]
    assert len(layers) == num_layers
    # Every layer but the last returns its sequence (pooling="last").
    assert [layer.return_sequences for layer in layers] == (
        [True] * (num_layers - 1) + [False])
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], "int32")
    assert tuple(model(x).shape) == (2, 3)


def test_hyperparameter_existence_and_defaults():
    hm = hypermodel("sequence_tagger", fixed={"vocabulary_size": 10, "num_tags": 3})
    hp = keras_tuner.HyperParameters()
    hm.build(hp)
    assert hp.values["cell"] == "lstm"
    assert hp.values["units"] == 128
    assert hp.values["num_layers"] == 1
    assert hp.values["bidirectional"] is True
    assert hp.values["merge_mode"] == "concat"
    assert hp.values["learning_rate"] == 1e-3
    assert "pooling" not in hp.values  # the tagger has no pooling


def test_hyperparameter_override_through_keras_tuner():
    # KerasTuner's own way: a HyperParameters with entries set beforehand.
    hm = hypermodel("text_classifier", fixed={"vocabulary_size": 10, "num_classes": 3})
    def overrides():
        hp = keras_tuner.HyperParameters()
        hp.Choice("cell", ["gru"])
        hp.Fixed("units", 6)
        return hp

    model = hm.build(overrides())
    assert model.get_layer("encoder_gru_0").units == 6
    hp = overrides()
    tuner = keras_tuner.RandomSearch(
        hm, hyperparameters=hp, tune_new_entries=False, objective="loss",
        max_trials=1, directory=None, overwrite=True,
        project_name="override_test",
    )
    try:
        names = {h.name for h in tuner.oracle.get_space().space}
        assert names == {"cell", "units"}
    finally:
        import shutil

        shutil.rmtree(tuner.project_dir, ignore_errors=True)


def test_space_changes():
    fixed = {"vocabulary_size": 10, "num_classes": 3}
    space = search_space("text_classifier", fixed=fixed, space={
        "units": {"max_value": 64},                       # narrowed range
        "num_layers": [1, 2],                             # a list: a choice
        "cell": ["gru", "lstm"],
        "pooling": None,                                  # not searched
        "bidirectional": [True, False],                   # still a Boolean
        "learning_rate": hp_module.Float("learning_rate", 0.01, 0.1),
        "recurrent_dropout": {"min_value": 0.0, "max_value": 0.3},  # new
    })
    assert (space["units"].min_value, space["units"].max_value) == (32, 64)
    assert space["units"].default == 64  # the builder default 128, clamped
    assert space["num_layers"].values == [1, 2]
    assert space["cell"].values == ["gru", "lstm"] and space["cell"].default == "lstm"
    assert "pooling" not in space
    assert isinstance(space["bidirectional"], hp_module.Boolean)
    assert space["learning_rate"].min_value == 0.01
    assert isinstance(space["recurrent_dropout"], hp_module.Float)
    hm = hypermodel("text_classifier", fixed=fixed, space={"pooling": None})
    model = hm.build(keras_tuner.HyperParameters())
    assert model.get_layer("encoder_lstm_0").return_sequences is False


def test_fixed_values_are_pinned_and_left_out_of_the_search():
    fixed = {"vocabulary_size": 10, "num_classes": 3, "cell": "GRU", "units": 64,
             "batch_size": 64}
    hm = hypermodel("text_classifier", fixed=fixed, batch_size=True)
    assert not {"cell", "units", "batch_size"} & set(hm.space)
    hp = keras_tuner.HyperParameters()
    model = hm.build(hp)
    assert model.get_layer("encoder_gru_0").units == 64
    assert hm.batch_size(hp) == 64


def test_batch_size_is_a_training_hyperparameter():
    fixed = {"vocabulary_size": 10, "num_classes": 3}
    assert "batch_size" not in search_space("text_classifier", fixed=fixed)
    assert search_space("text_classifier", fixed=fixed, batch_size=True)[
        "batch_size"].default == 32
    hm = hypermodel("text_classifier", fixed=fixed, space={"batch_size": [4, 8]})
    hp = keras_tuner.HyperParameters()
    kwargs = hm.build_kwargs(hp)
    assert "batch_size" not in kwargs and hm.batch_size(hp) == 4
    hm = hypermodel("text_classifier", fixed=fixed)
    assert hm.batch_size(keras_tuner.HyperParameters()) is None


@pytest.fixture
def picky_model():
    """A model whose builder refuses some values the generic space offers."""

    def picky_classifier(*, vocabulary_size, num_classes, units=16, pooling="mean",
                         attention=None, learning_rate=1e-3, compile=True):
        if pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last'. Received: pooling={pooling!r}")
        if attention not in (None, "luong"):
            raise ValueError(f"attention must be None or 'luong'. Received: {attention!r}")
        picky_classifier.calls.append(attention)
        return rnn_zoo.build("text_classifier", vocabulary_size=vocabulary_size,
                             num_classes=num_classes, units=units, pooling=pooling,
                             embedding_dim=4, learning_rate=learning_rate, compile=compile)

    picky_classifier.calls = []
    spec = rnn_zoo.model_info("text_classifier")
    registry.register_model(
        task="test", topology="many_to_one", name="picky_classifier",
        tiny_kwargs=dict(vocabulary_size=10, num_classes=3, units=4),
        example_data=spec.example_data, test_variants=[{}],
    )(picky_classifier)
    yield "picky_classifier"
    registry._REGISTRY.pop("picky_classifier")
    spaces._builtin_space.cache_clear()


def test_values_a_builder_refuses_are_left_out(picky_model):
    fixed = {"vocabulary_size": 10, "num_classes": 3}
    space = search_space(picky_model, fixed=fixed)
    assert set(space) == {"units", "pooling", "attention", "learning_rate"}
    assert sorted(space["pooling"].values) == ["last", "mean"]
    assert space["pooling"].default == "mean"
    # KerasTuner choices hold no None: "none" stands for it.
    assert space["attention"].values == ["none", "luong"]
    assert space["attention"].default == "none"
    builder = registry.model_info(picky_model).builder
    builder.calls.clear()
    hypermodel(picky_model, fixed=fixed).build(keras_tuner.HyperParameters())
    assert builder.calls == [None]
    assert spaces.decode(spaces.encode(None)) is None
    assert spaces.decode(0.1 * 3) == 0.3 and spaces.decode(3) == 3


def test_register_space():
    register_space("text_classifier_test_only", {"units": [8]})
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_space("text_classifier_test_only", {"units": [16]})
    finally:
        spaces._OVERRIDES.pop("text_classifier_test_only")
    with pytest.raises(TypeError, match="must be a dict of argument name"):
        register_space("text_classifier", [("units", [8])])
