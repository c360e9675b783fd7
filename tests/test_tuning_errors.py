"""Bad input to the tuning API: a clear error before any trial runs."""

import argparse
import os

import numpy as np
import pytest
import tensorflow as tf
from keras_tuner.engine import hyperparameters as hp_module

from rnn_zoo import tuning
from rnn_zoo.tuning import distributed, results, search_space, tune

FIXED = {"vocabulary_size": 10, "num_classes": 3}
X = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], "int32")
Y = np.array([0, 2], "int32")


def space_error(error, match, **kwargs):
    with pytest.raises(error, match=match):
        search_space("text_classifier", **{"fixed": FIXED, **kwargs})


def test_unknown_hyperparameter_name_gets_a_suggestion():
    space_error(ValueError, r"Unknown hyperparameter 'unit' for model "
                r"'text_classifier'\. Did you mean 'units'\?.*'batch_size'.*"
                r"Received: space=\{'unit': \[8\]\}", space={"unit": [8]})
    space_error(ValueError, r"Unknown hyperparameter 'num_layer'.*Did you mean "
                r"'num_layers'\?.*Received: fixed=", fixed={**FIXED, "num_layer": 2})


def test_compile_and_name_are_not_tuned():
    space_error(ValueError, r"`compile` cannot be tuned", space={"compile": [True]})
    space_error(ValueError, r"`name` cannot be tuned", space={"name": ["a", "b"]})
    space_error(ValueError, r"leave `compile` out of `fixed`",
                fixed={**FIXED, "compile": False})


def test_empty_ranges():
    space_error(ValueError, r"Empty search range for `units`: a choice needs at "
                r"least one value\. Received: space=\{'units': \[\]\}", space={"units": []})
    space_error(ValueError, r"Empty search range for `units`: `min_value` \(64\) is "
                r"greater than `max_value` \(32\)",
                space={"units": {"min_value": 64, "max_value": 32}})
    space_error(ValueError, r"Empty search range for `dropout`",
                space={"dropout": {"values": []}})


def test_default_outside_its_range():
    space_error(ValueError, r"The default of `units` \(1000\) lies outside its "
                r"range \[32, 512\]", space={"units": {"default": 1000}})


def test_bad_space_entries():
    space_error(TypeError, r"To pin `units` to one value, pass fixed=\{'units': 64\}",
                space={"units": 64})
    space_error(ValueError, r"Unknown field 'max_val' for the Int hyperparameter "
                r"`units`\. Did you mean 'max_value'\?", space={"units": {"max_val": 64}})
    space_error(ValueError, r"The hyperparameter given for `units` is named 'width'",
                space={"units": hp_module.Int("width", 4, 8)})
    space_error(ValueError, r"Cannot tell which kind of hyperparameter "
                r"`recurrent_dropout` is", space={"recurrent_dropout": {"step": 0.1}})
    space_error(TypeError, r"`space` must be a dict", space=[("units", [4])])


def test_fixed_value_outside_the_space():
    space_error(ValueError, r"`fixed` pins units=1024, outside its search space "
                r"\(in \[32, 512\]\)\. Widen the space .* or take `units` out of "
                r"the search \(space=\{'units': None\}\)",
                fixed={**FIXED, "units": 1024})
    space_error(ValueError, r"`fixed` pins cell='transformer', outside its search "
                r"space \(one of \['gru', 'lstm', 'simple_rnn'\]\)",
                fixed={**FIXED, "cell": "transformer"})
    space_error(ValueError, r"`fixed` pins pooling='max', outside",
                fixed={**FIXED, "pooling": "max"}, space={"pooling": ["last", "mean"]})
    # Inside the space, or taken out of it: fine.
    assert "units" not in search_space(
        "text_classifier", fixed={**FIXED, "units": 1024}, space={"units": None})
    with pytest.raises(ValueError, match=r"`fixed` pins bidirectional=True, outside"):
        search_space("language_model", fixed={"vocabulary_size": 10, "bidirectional": True},
                     space={"bidirectional": [False]})


def test_missing_required_arguments():
    with pytest.raises(ValueError, match=r"Model 'text_classifier' needs the "
                       r"argument\(s\) \['num_classes'\]; .* pass them in `fixed`"):
        search_space("text_classifier", fixed={"vocabulary_size": 10})


def sweep_error(error, match, train_data=(X, Y), validation_data=None, **kwargs):
    options = dict(fixed=FIXED, directory="/nonexistent/never/written", verbose=0)
    options.update(kwargs)
    with pytest.raises(error, match=match):
        tune("text_classifier", train_data, validation_data, **options)
    assert not os.path.exists("/nonexistent/never/written")


def test_objective_the_model_does_not_log():
    sweep_error(ValueError, r"Model 'text_classifier' does not log 'val_auc', so it "
                r"cannot be the objective\. It logs: \['accuracy', 'loss', "
                r"'val_accuracy', 'val_loss'\]\. Received: objective='val_auc'",
                validation_data=(X, Y), objective="val_auc")
    sweep_error(ValueError, r"does not log 'val_accuracy'.* Validation metrics "
                r"need `validation_data`\. It logs: \['accuracy', 'loss'\]",
                objective="val_accuracy")
    sweep_error(TypeError, r"`objective` must be a metric name",
                objective=3)


def test_bad_tuner_arguments():
    sweep_error(ValueError, r"Unknown tuner 'randm'\. Did you mean 'random'\?",
                tuner="randm")
    sweep_error(ValueError, r"Hyperband sets its number of trials itself.*"
                r"Received: tuner='hyperband', max_trials=5",
                tuner="hyperband", max_trials=5)
    sweep_error(ValueError, r"`max_trials` must be >= 1", max_trials=0)
    sweep_error(ValueError, r"`train_data` must be `\(x, y\)` or",
                train_data=(X, Y, None, None))


def test_batch_size_needs_array_data():
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(2)
    sweep_error(ValueError, r"`batch_size` applies to array data only.*Received: "
                r"space=\{'batch_size': \[8, 16\]\} with train_data of type",
                train_data=dataset, space={"batch_size": [8, 16]})
    sweep_error(ValueError, r"`batch_size` applies to array data only.*"
                r"Received: fixed=\{'batch_size': 8\}",
                train_data=dataset, fixed={**FIXED, "batch_size": 8})


def test_results_of_a_folder_without_a_sweep(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No sweep in .*: expected sweep\.json"):
        results.write_results(str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"`best` must be a SweepResult"):
        tuning.retrain_best(str(tmp_path), (X, Y), run_dir=str(tmp_path / "run"))


def test_launch_arguments():
    with pytest.raises(ValueError, match=r"Nothing to start"):
        distributed.launch(["true"], num_workers=0, chief=False)
    with pytest.raises(ValueError, match=r"Workers of a chief on another machine "
                       r"need its `port`"):
        distributed.launch(["true"], num_workers=2, chief=False)


def test_tune_arguments_are_type_checked(capsys):
    parser = argparse.ArgumentParser()
    tuning.add_tune_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--max-trials", "0"])
    assert "must be >= 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--tune-space", "{units: 4}"])
    assert "not JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--tune-space", "[4]"])
    assert "must be a JSON object" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--tuner", "grid"])
    assert "invalid choice" in capsys.readouterr().err


def test_results_json_takes_numpy_scalars_only():
    assert results.to_json(np.int64(3)) == 3 and type(results.to_json(np.float32(0.5))) is float
    with pytest.raises(TypeError, match=r"Not JSON serializable: .* of type object"):
        results.to_json(object())
