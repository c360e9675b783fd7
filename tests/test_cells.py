import keras
import pytest

import rnn_zoo
from rnn_zoo import cells


@pytest.mark.parametrize(
    "identifier, expected",
    [
        ("lstm", "lstm"),
        ("LSTM", "lstm"),
        ("gru", "gru"),
        ("GRU", "gru"),
        ("simple_rnn", "simple_rnn"),
        ("SimpleRNN", "simple_rnn"),
        ("simplernn", "simple_rnn"),
    ],
)
def test_get_accepts_keras_names(identifier, expected):
    assert cells.get(identifier) == expected


def test_layer_class_and_states():
    assert cells.layer_class("LSTM") is rnn_zoo.layers.LSTM
    assert issubclass(cells.layer_class("LSTM"), keras.layers.LSTM)
    assert cells.layer_class("gru") is rnn_zoo.layers.GRU
    assert issubclass(cells.layer_class("gru"), keras.layers.GRU)
    assert cells.layer_class("simple_rnn") is rnn_zoo.layers.SimpleRNN
    assert issubclass(cells.layer_class("simple_rnn"), keras.layers.SimpleRNN)
    assert cells.layer_class("simple_rnn") is rnn_zoo.layers.SimpleRNN
    assert issubclass(cells.layer_class("simple_rnn"), keras.layers.SimpleRNN)
    assert cells.num_states("lstm") == 2
    assert cells.num_states("gru") == 1


def test_unknown_cell_suggests():
    with pytest.raises(ValueError, match=r"Unknown cell 'lstn'\. Did you mean 'lstm'\? Expected one of \['gru', 'lstm', 'simple_rnn'\]\. Received: cell='lstn'"):
        cells.get("lstn")


def test_cell_must_be_a_string():
    with pytest.raises(TypeError, match=r"`cell` must be a string, one of \['gru', 'lstm', 'simple_rnn'\]\. Received: cell=<class"):
        cells.get(keras.layers.LSTM)


def test_warn_once():
    message = "a unique message for test_warn_once"
    with pytest.warns(UserWarning, match="a unique message"):
        cells.warn_once(message)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cells.warn_once(message)  # second time: silent
