import inspect

import pytest

import rnn_zoo
from rnn_zoo import registry


def _example(kwargs, batch_size, sequence_length, seed):
    return None, None


def test_list_models_filters():
    names = rnn_zoo.list_models()
    assert names == sorted(names)
    assert {"language_model", "sequence_classifier", "sequence_tagger", "text_classifier"} <= set(names)
    classifiers = rnn_zoo.list_models("*classifier")
    assert {"sequence_classifier", "text_classifier"} <= set(classifiers)
    assert all(name.endswith("classifier") for name in classifiers)
    assert "language_model" not in classifiers
    assert rnn_zoo.list_models(task="sequence_tagging") == ["sequence_tagger"]
    assert "sequence_tagger" in rnn_zoo.list_models(topology="many_to_many")
    assert "sequence_tagger" not in rnn_zoo.list_models(topology="many_to_one")
    assert rnn_zoo.list_models("nothing_*") == []


def test_model_info_arguments_defaults_doc():
    spec = rnn_zoo.model_info("text_classifier")
    assert spec.arguments["pooling"] == "last"
    assert spec.arguments["units"] == 128
    assert spec.required_arguments == ["num_classes", "vocabulary_size"]
    assert "Classifies a token sequence" in spec.doc
    # The shared argument docs were filled in.
    assert "{stack_args}" not in spec.doc and "merge_mode: str." in spec.doc
    text = str(spec)
    assert "build('text_classifier'" in text and "pooling='last'" in text


def test_unknown_model_suggests_and_lists():
    with pytest.raises(ValueError, match=r"Unknown model 'text_clasifier'\. Did you mean 'text_classifier'\? Available: \[.*\]\. Received: name='text_clasifier'"):
        rnn_zoo.build("text_clasifier")


def test_model_name_must_be_a_string():
    with pytest.raises(TypeError, match=r"Model names are strings\. Received: name=3 of type int"):
        rnn_zoo.model_info(3)


def test_unknown_keyword_suggests():
    with pytest.raises(TypeError, match=r"Unknown argument 'num_layer' for model 'text_classifier'\. Did you mean 'num_layers'\? Accepted arguments: \[.*\]\. Received: num_layer=2"):
        rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, num_layer=2)


def test_synonyms_are_refused():
    with pytest.raises(TypeError, match=r"Unknown argument 'hidden_size'.*Received: hidden_size=8"):
        rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, hidden_size=8)


def test_missing_required_argument():
    with pytest.raises(TypeError, match=r"Model 'text_classifier' needs the argument\(s\) \['num_classes'\]\. Received: \['vocabulary_size'\]"):
        rnn_zoo.build("text_classifier", vocabulary_size=10)




def test_register_rejects_duplicates_and_bad_builders(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    deco = rnn_zoo.register_model(
        task="toy", topology="many_to_one", tiny_kwargs={"units": 4}, example_data=_example
    )

    def toy_model(*, units=4, cell="lstm", bidirectional=False):
        """Toy."""

    deco(toy_model)
    spec = rnn_zoo.model_info("toy_model")
    assert spec.task == "toy" and spec.topology == "many_to_one"
    # Default variants: every cell, both directions.
    assert len(spec.test_variants) == 6
    with pytest.raises(ValueError, match=r"A model named 'toy_model' is already registered"):
        deco(toy_model)

    def positional(units=4):
        """Toy."""

    with pytest.raises(ValueError, match=r"Model builders take keyword-only arguments.*\['units'\]"):
        deco(positional)


def test_register_unknown_topology():
    with pytest.raises(ValueError, match=r"Unknown topology 'many_to_onee'\. Did you mean 'many_to_one'\?"):
        rnn_zoo.register_model(
            task="x", topology="many_to_onee", tiny_kwargs={}, example_data=_example
        )


def test_every_builder_is_keyword_only_and_compiles_optionally():
    for name in rnn_zoo.list_models():
        spec = rnn_zoo.model_info(name)
        params = inspect.signature(spec.builder).parameters.values()
        assert all(p.kind is p.KEYWORD_ONLY for p in params)
        assert spec.arguments["compile"] is True
        model = rnn_zoo.build(name, **dict(spec.tiny_kwargs, compile=False))
        assert not model.compiled


def test_build_passes_the_model_name_through():
    model = rnn_zoo.build("text_classifier", vocabulary_size=10, num_classes=3, units=4, name="mine")
    assert model.name == "mine"
