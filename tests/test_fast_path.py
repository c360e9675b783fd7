import keras
import pytest

import rnn_zoo
from rnn_zoo.fast_path import fast_path_report, format_fast_path_report

TEXT = dict(vocabulary_size=10, num_classes=3, embedding_dim=4, units=4)


def test_defaults_stay_on_the_fast_path_on_tensorflow():
    model = rnn_zoo.build("text_classifier", **TEXT, num_layers=2, bidirectional=True)
    report = fast_path_report(model, backend="tensorflow")
    assert [r.layer for r in report] == [
        "encoder_lstm_0/forward", "encoder_lstm_0/backward",
        "encoder_lstm_1/forward", "encoder_lstm_1/backward",
    ]
    assert all(r.fused for r in report)
    assert all("right-padded" in r.notes[0] for r in report)


def test_reasons_are_named(monkeypatch):
    # The warning is emitted once per process: start from none seen, so an
    # earlier test in the same worker cannot have used it up.
    monkeypatch.setattr(rnn_zoo.cells, "_warned", set())
    with pytest.warns(UserWarning):
        model = rnn_zoo.build("text_classifier", **TEXT, cell="gru", recurrent_dropout=0.1)
    (r,) = fast_path_report(model, backend="tensorflow")
    assert not r.fused and r.reasons == ("recurrent_dropout=0.1 (needs 0)",)
    (r,) = fast_path_report(rnn_zoo.build("text_classifier", **TEXT, cell="simple_rnn"), backend="tensorflow")
    assert r.reasons == ("SimpleRNN has no fused kernel in Keras (only LSTM and GRU do)",)


def test_masks_leave_the_fast_path_on_jax_and_keras_layers_on_torch():
    masked = rnn_zoo.build("sequence_tagger", vocabulary_size=10, num_tags=3, units=4, bidirectional=False)
    (r,) = fast_path_report(masked, backend="jax")
    assert not r.fused and "takes no mask" in r.reasons[0]
    # rnn_zoo's LSTM takes right-padded masks on torch; Keras' own does not.
    (r,) = fast_path_report(masked, backend="torch")
    assert r.fused and "right-padded" in r.notes[0]
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    (r,) = fast_path_report(keras.Model(inputs, keras.layers.LSTM(4)(x)), backend="torch")
    assert not r.fused and "takes no mask" in r.reasons[0]
    unmasked = rnn_zoo.build("sequence_classifier", input_dim=3, num_classes=3, units=4)
    (r,) = fast_path_report(unmasked, backend="jax")
    assert r.fused and not r.notes


def test_table():
    model = rnn_zoo.build("text_classifier", **TEXT, cell="simple_rnn")
    table = format_fast_path_report(fast_path_report(model, backend="tensorflow"))
    assert table.splitlines()[2].startswith("| encoder_simple_rnn_0 | SimpleRNN | no | SimpleRNN has no fused kernel")


def test_unknown_backend():
    model = rnn_zoo.build("text_classifier", **TEXT)
    with pytest.raises(ValueError, match=r"Unknown backend 'pytorch'\.( Did you mean 'torch'\?)? Expected one of \['jax', 'tensorflow', 'torch'\]\. Received: backend='pytorch'"):
        fast_path_report(model, backend="pytorch")
