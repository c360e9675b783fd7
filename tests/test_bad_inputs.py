"""The bad-input catalogue (issue 16): what a user would try, and the clear
error each gets. Every case asserts the exception type and the words of its
message. Models are built once per module, at tiny sizes."""

import functools
import importlib.util
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import decoding
from rnn_zoo.data import conll, files
from rnn_zoo.training import Run, TimeLimit, cli, training_callbacks

T = dict(vocabulary_size=10, embedding_dim=4, units=4, num_classes=3)
LM = dict(vocabulary_size=10, embedding_dim=4, units=4)
NAN, INF = float("nan"), float("inf")


@functools.lru_cache(maxsize=None)
def model(name):
    if name == "text_classifier":
        return rnn_zoo.build(name, **T)
    if name == "language_model":
        return rnn_zoo.build(name, **LM, compile=False)
    return rnn_zoo.build(name, **rnn_zoo.model_info(name).tiny_kwargs)


def build(model_name, /, **kwargs):
    return lambda tmp: rnn_zoo.build(model_name, **kwargs)


BUILD = [
    ("unknown model", build("text_clasifier"), ValueError,
     r"Unknown model 'text_clasifier'\. Did you mean 'text_classifier'\?"),
    ("unknown kwarg", build("text_classifier", **T, hidden_size=4), TypeError,
     r"Unknown argument 'hidden_size' for model 'text_classifier'\. Accepted arguments:"),
    ("units 0", build("text_classifier", **dict(T, units=0)), ValueError,
     r"`units` must be >= 1\. Received: units=0"),
    ("units str", build("text_classifier", **dict(T, units="4")), TypeError,
     r"`units` must be an int\. Received: units='4' of type str"),
    ("units float", build("text_classifier", **dict(T, units=4.0)), TypeError,
     r"`units` must be an int\. Received: units=4\.0 of type float"),
    ("dropout 1", build("text_classifier", **T, dropout=1.0), ValueError,
     r"`dropout` must be in \[0\.0, 1\.0\)\. Received: dropout=1\.0"),
    ("dropout nan", build("text_classifier", **T, dropout=NAN), ValueError,
     r"`dropout` must be a finite number\. Received: dropout=nan"),
    ("recurrent_dropout negative", build("text_classifier", **T, recurrent_dropout=-0.1),
     ValueError, r"`recurrent_dropout` must be in \[0\.0, 1\.0\)\. Received: recurrent_dropout=-0\.1"),
    ("cell typo", build("text_classifier", **T, cell="lstmm"), ValueError,
     r"Unknown cell 'lstmm'\. Did you mean 'lstm'\? Expected one of \['gru', 'lstm', 'simple_rnn'\]"),
    ("pooling typo", build("text_classifier", **T, pooling="maxx"), ValueError,
     r"Unknown pooling 'maxx'\. Did you mean 'max'\?"),
    ("num_layers 0", build("text_classifier", **T, num_layers=0), ValueError,
     r"`num_layers` must be >= 1\. Received: num_layers=0"),
    ("bidirectional str", build("text_classifier", **T, bidirectional="yes"), TypeError,
     r"`bidirectional` must be a bool\. Received: bidirectional='yes' of type str"),
    ("vocabulary 0", build("text_classifier", **dict(T, vocabulary_size=0)), ValueError,
     r"`vocabulary_size` must be >= 2\. Received: vocabulary_size=0"),
    ("one class", build("text_classifier", **dict(T, num_classes=1)), ValueError,
     r"`num_classes` must be >= 2: the head is a softmax over the classes"),
    ("embedding_dim negative", build("text_classifier", **dict(T, embedding_dim=-1)), ValueError,
     r"`embedding_dim` must be >= 1\. Received: embedding_dim=-1"),
    ("learning_rate nan", build("text_classifier", **T, learning_rate=NAN), ValueError,
     r"`learning_rate` must be a finite number\. Received: learning_rate=nan"),
    ("learning_rate inf", build("language_model", **LM, learning_rate=INF), ValueError,
     r"`learning_rate` must be a finite number\. Received: learning_rate=inf"),
    ("learning_rate 0", build("text_classifier", **T, learning_rate=0.0), ValueError,
     r"`learning_rate` must be in \(0\.0, inf\]\. Received: learning_rate=0\.0"),
    ("learning_rate negative", build("text_classifier", **T, learning_rate=-1e-3), ValueError,
     r"`learning_rate` must be in \(0\.0, inf\]\. Received: learning_rate=-0\.001"),
    ("learning_rate bool", build("text_classifier", **T, learning_rate=True), TypeError,
     r"`learning_rate` must be a float\. Received: learning_rate=True of type bool"),
    ("global_clipnorm nan", build("text_classifier", **T, global_clipnorm=NAN), ValueError,
     r"`global_clipnorm` must be a finite number\. Received: global_clipnorm=nan"),
    ("merge_mode without bidirectional", build("text_classifier", **T, merge_mode="sum"),
     ValueError, r"`merge_mode` says how a bidirectional layer combines its two directions, "
     r"so it needs bidirectional=True.*Received: merge_mode='sum', bidirectional=False"),
    ("merge_mode on a model without it",
     build("language_model", **LM, merge_mode="ave"), TypeError,
     r"Unknown argument 'merge_mode' for model 'language_model'"),
    ("merge_mode typo", build("text_classifier", **T, bidirectional=True, merge_mode="avg"),
     ValueError, r"Unknown merge_mode 'avg'\. Did you mean 'ave'\?"),
]


def check(name, x, y=None):
    return lambda tmp: rnn_zoo.check_inputs(model(name), x, y)


IDS = [
    ("id >= vocabulary_size", check("text_classifier", [[1, 2, 12]]), ValueError,
     r"Token ids must be < the model's vocabulary_size=10: the input holds 12"),
    ("id == vocabulary_size", check("text_classifier", np.array([[10, 1]])), ValueError,
     r"Token ids must be < the model's vocabulary_size=10: the input holds 10"),
    ("negative id", check("text_classifier", [[1, -2]]), ValueError,
     r"Token ids must be >= 0 \(0 = padding\): the input holds -2"),
    ("float ids", check("text_classifier", np.array([[1.5, 2.0]])), TypeError,
     r"Token ids must be integers.*Received: the input of dtype float64"),
    ("integral float ids", check("text_classifier", np.array([[1.0, 2.0]], "float32")),
     TypeError, r"Token ids must be integers.*Received: the input of dtype float32"),
    ("3-D ids", check("text_classifier", np.zeros((2, 3, 4), "int32")), ValueError,
     r"The model expects the input as \(batch, time\) token ids: an array of rank 2\. "
     r"Received: an array of rank 3 with shape \(2, 3, 4\)"),
    ("1-D ids", check("text_classifier", np.array([1, 2, 3])), ValueError,
     r"an array of rank 2\. Received: an array of rank 1 with shape \(3,\)"),
    ("empty batch", check("text_classifier", np.zeros((0, 4), "int32")), ValueError,
     r"The batch is empty: the input holds no examples.*Received: the input of shape \(0, 4\)"),
    ("float labels", check("text_classifier", [[1, 2]], np.array([0.5])), TypeError,
     r"Labels must be integer class ids for this model.*Received: labels of dtype float64 "
     r"such as 0\.5"),
    ("label == num_classes", check("text_classifier", [[1, 2]], np.array([3])), ValueError,
     r"Labels must be class ids in \[0, 3\) \(num_classes=3\)\. Received: a label 3"),
    ("negative label", check("text_classifier", [[1, 2]], np.array([-1])), ValueError,
     r"Labels must be class ids in \[0, 3\).*Received: a label -1"),
    ("second input id too large", check(
        "seq2seq_translator", [np.array([[1, 2]]), np.array([[1, 99]])]), ValueError,
     r"Token ids must be < the model's vocabulary_size=\d+: input 'decoder_ids' holds 99"),
]


def load(path_of):
    def call(tmp):
        return rnn_zoo.load_model(path_of(tmp))
    return call


def saved(tmp, damage):
    path = tmp / "m.keras"
    model("text_classifier").save(path)
    data = path.read_bytes()
    path.write_bytes(damage(data))
    return path


LOADING = [
    ("missing file", load(lambda tmp: tmp / "none.keras"), FileNotFoundError,
     r"Cannot load a model from '.*none\.keras': there is no such file"),
    ("a directory", load(lambda tmp: tmp), FileNotFoundError,
     r"Cannot load a model from .*: it is a directory"),
    ("legacy .h5", load(lambda tmp: (tmp / "m.h5").write_bytes(b"x") and tmp / "m.h5"),
     ValueError, r"rnn_zoo models load from `\.keras` files"),
    ("truncated .keras", load(lambda tmp: saved(tmp, lambda d: d[: len(d) // 2])), ValueError,
     r"is not a valid `\.keras` file: it is truncated or corrupt \(\d+ bytes, not a zip"),
    ("corrupt .keras config", load(lambda tmp: saved(tmp, lambda d: d[:40] + b"x" * 60 + d[100:])),
     ValueError, r"is not a valid `\.keras` file: it is truncated or corrupt \(BadZipFile"),
    ("corrupt .keras weights", load(lambda tmp: saved(
        tmp, lambda d: d[: len(d) // 2] + b"x" * 60 + d[len(d) // 2 + 60:])),
     ValueError, r"truncated or corrupt \(BadZipFile: .*model\.weights\.h5"),
    ("empty .keras", load(lambda tmp: (tmp / "e.keras").write_bytes(b"") or tmp / "e.keras"),
     ValueError, r"truncated or corrupt \(0 bytes"),
]


def table(text, name="t.csv", **kwargs):
    def call(tmp):
        path = tmp / name
        path.write_text(text)
        return files.read_table(path, **kwargs)
    return call


READERS = [
    ("empty text cell", table("text,label\ngood film,pos\n,neg\n"), ValueError,
     r"t\.csv:3: the 'text' column is empty\. Every row needs a text and a label"),
    ("blank text cell", table("text,label\n   ,neg\n"), ValueError,
     r"t\.csv:2: the 'text' column is empty"),
    ("empty label cell", table("text,label\ngood film,\n"), ValueError,
     r"t\.csv:2: the 'label' column is empty"),
    ("empty file", table(""), ValueError, r"The table '.*t\.csv' is empty\."),
    ("header only", table("text,label\n"), ValueError, r"has a header but no rows"),
    ("column typo", table("txt,label\na,b\n"), ValueError,
     r"t\.csv:1: no column named 'text'\. Did you mean 'txt'\?"),
    ("too many columns", table("text,label\na,b,c\n"), ValueError,
     r"t\.csv:2: expected 2 columns as in the header, found 3"),
    ("unknown extension", table("text,label\na,b\n", name="t.txt"), ValueError,
     r"extension: name it \.csv or \.tsv, or pass `delimiter`"),
    ("missing table", lambda tmp: files.read_table(tmp / "nope.csv"), FileNotFoundError,
     r"The table '.*nope\.csv' does not exist\."),
]


def gen(**kwargs):
    return lambda tmp: decoding.generate(model("language_model"), jit_compile=False, **kwargs)


DECODING = [
    ("strategy typo", lambda tmp: decoding.get("sampl"), ValueError,
     r"Unknown decoding strategy 'sampl'\. Did you mean 'sample'\?"),
    ("temperature 0", lambda tmp: decoding.get("sample", temperature=0), ValueError,
     r"`temperature` must be > 0: it divides the logits"),
    ("temperature nan", lambda tmp: decoding.get("sample", temperature=NAN), ValueError,
     r"`temperature` must be a finite number\. Received: temperature=nan"),
    ("top_k 0", lambda tmp: decoding.get("top_k", k=0), ValueError,
     r"`k` must be >= 1\. Received: k=0"),
    ("top_p above 1", lambda tmp: decoding.get("top_p", p=1.5), ValueError,
     r"`p` of the 'top_p' strategy must be in \(0, 1\]"),
    ("beam 0", lambda tmp: decoding.get("beam", beam_width=0), ValueError,
     r"`beam_width` must be >= 1\. Received: beam_width=0"),
    ("max_new_tokens 0", gen(inputs=[[1, 2]], max_new_tokens=0), ValueError,
     r"`max_new_tokens` must be >= 1\. Received: max_new_tokens=0"),
    ("prompt id too large", gen(inputs=[[1, 12]], max_new_tokens=2), ValueError,
     r"The prompt holds token ids outside the vocabulary of this model: ids must be in "
     r"\[0, 10\)"),
    ("negative prompt id", gen(inputs=[[-1, 2]], max_new_tokens=2), ValueError,
     r"outside the vocabulary.*Received: min id -1"),
    ("float prompt", gen(inputs=[[1.5, 2]], max_new_tokens=2), TypeError,
     r"The prompt must hold integer token ids\. Received: inputs of dtype float64"),
    ("empty prompt", gen(inputs=[], max_new_tokens=2), ValueError,
     r"Every prompt needs at least one real token"),
    ("strategy typo in generate", gen(inputs=[[1, 2]], max_new_tokens=2, strategy="gredy"),
     ValueError, r"Unknown decoding strategy 'gredy'\. Did you mean 'greedy'\?"),
]


def parse(*argv):
    return lambda tmp: cli.recipe_parser("demo", "demo").parse_args(list(argv))


CLI = [
    ("--learning-rate nan", parse("--learning-rate", "nan"), SystemExit, None),
    ("--learning-rate inf", parse("--learning-rate", "inf"), SystemExit, None),
    ("--learning-rate 0", parse("--learning-rate", "0"), SystemExit, None),
    ("--learning-rate -1", parse("--learning-rate", "-1"), SystemExit, None),
    ("--epochs 0", parse("--epochs", "0"), SystemExit, None),
    ("--time-limit nan", parse("--time-limit", "nan"), SystemExit, None),
]
CLI_MESSAGES = {
    "--learning-rate nan": "argument --learning-rate: expected a number > 0, got 'nan'",
    "--learning-rate inf": "argument --learning-rate: expected a number > 0, got 'inf'",
    "--learning-rate 0": "argument --learning-rate: expected a number > 0, got '0'",
    "--learning-rate -1": "argument --learning-rate: expected a number > 0, got '-1'",
    "--epochs 0": "argument --epochs: expected an integer >= 1, got '0'",
    "--time-limit nan": "argument --time-limit: expected a number > 0, got 'nan'",
}


def new_run_over(tmp):
    Run.start(tmp / "r", recipe="demo", arguments={})
    (tmp / "r" / "model.keras").write_bytes(b"x")
    Run.start(tmp / "r", recipe="demo", arguments={})


def resume_other_recipe(tmp):
    Run.start(tmp / "r", recipe="demo", arguments={})
    Run.start(tmp / "r", recipe="other", arguments={}, resume=True)


RUNS = [
    ("new run over a finished one", new_run_over, FileExistsError,
     r"already holds a run \(or other files\), and a new run never overwrites one"),
    ("resume nothing", lambda tmp: Run.start(tmp / "none", recipe="demo", arguments={},
                                             resume=True), FileNotFoundError,
     r"Nothing to resume in '.*none': it holds no config\.json"),
    ("resume with another recipe", resume_other_recipe, ValueError,
     r"was made by the recipe 'demo', not 'other'"),
    ("open a run without a model", lambda tmp: (Run.start(tmp / "r", recipe="demo",
                                                          arguments={}), Run.open(tmp / "r")),
     FileNotFoundError, r"has no model\.keras yet: its training did not finish"),
    ("time limit nan", lambda tmp: TimeLimit(NAN), ValueError,
     r"`minutes` must be a finite number\. Received: minutes=nan"),
    ("patience negative", lambda tmp: training_callbacks(
        Run.start(tmp / "r", recipe="demo", arguments={}), patience=-1), ValueError,
     r"`patience` must be >= 0\. Received: patience=-1"),
]

def tiny(model_name, /, **kwargs):
    """`build(model_name)` on its tiny kwargs with `kwargs` laid over them."""
    return build(model_name, **dict(rnn_zoo.model_info(model_name).tiny_kwargs, **kwargs),
                 compile=False)


# Every registered model's own arguments (a fresh probe, after the first 143).
BUILDERS = [
    ("image_shape 2-D", tiny("image_captioner", image_shape=(8, 8)), ValueError,
     r"`image_shape` must be \(height, width, channels\), of positive ints\. "
     r"Received: image_shape=\(8, 8\)"),
    ("image_encoder typo", tiny("image_captioner", image_encoder="small_cn"), ValueError,
     r"Unknown image encoder 'small_cn'\. Did you mean 'small_cnn'\?"),
    ("conditioning typo", tiny("image_captioner", conditioning="inti"), ValueError,
     r"Unknown conditioning 'inti'\. Expected one of \['first_input', 'initial_state'\]"),
    ("num_actions 1", tiny("instruction_follower", num_actions=1), ValueError,
     r"`num_actions` must be >= 2: the head is a softmax over the classes"),
    ("observation_shape 0", tiny("instruction_follower", observation_shape=(0, 3, 2)),
     ValueError, r"`observation_shape` must be \(features,\) for a vector or \(height, "
     r"width, channels\) for an image, of positive ints\. Received: observation_shape="),
    ("stateful without batch_size", tiny("language_model", stateful=True), ValueError,
     r"`stateful=True` needs a fixed `batch_size`.*Received: stateful=True, batch_size=None"),
    ("batch_size without stateful", tiny("language_model", batch_size=4), ValueError,
     r"`batch_size` is only used by stateful models.*Received: stateful=False, batch_size=4"),
    ("tie_weights with other widths", tiny("language_model", tie_weights=True, units=8),
     ValueError, r"`tie_weights=True` makes the output layer reuse the embedding matrix.*"
     r"Received: embedding_dim=4, units=8"),
    ("mask_padding str", tiny("language_model", mask_padding="yes"), TypeError,
     r"`mask_padding` must be a bool\. Received: mask_padding='yes' of type str"),
    ("question_length 0", tiny("question_answerer", question_length=0), ValueError,
     r"`question_length` must be >= 1\. Received: question_length=0"),
    ("sampling_probability 1.5", tiny("seq2seq_translator", sampling_probability=1.5),
     ValueError, r"`sampling_probability` must be in \[0\.0, 1\.0\]\. "
     r"Received: sampling_probability=1\.5"),
    ("bridge typo", tiny("seq2seq_translator", bridge="dense_"), ValueError,
     r"Unknown bridge 'dense_'\. Did you mean 'dense'\?"),
    ("attention typo", tiny("seq2seq_translator", attention="luongg"), ValueError,
     r"Unknown attention 'luongg'\. Did you mean 'luong'\?"),
    ("target vocabulary 1", tiny("seq2seq_translator", target_vocabulary_size=1), ValueError,
     r"`target_vocabulary_size` must be >= 2\. Received: target_vocabulary_size=1"),
    ("input_dim 0", tiny("sequence_classifier", input_dim=0), ValueError,
     r"`input_dim` must be >= 1\. Received: input_dim=0"),
    ("mask_value nan", tiny("sequence_classifier", mask_value=NAN), ValueError,
     r"`mask_value` must be a finite number\. Received: mask_value=nan"),
    ("crf str", tiny("sequence_tagger", crf="yes"), TypeError,
     r"`crf` must be a bool\. Received: crf='yes' of type str"),
    ("char vocabulary 1", tiny("sequence_tagger", char_vocabulary_size=1), ValueError,
     r"`char_vocabulary_size` must be >= 2\. Received: char_vocabulary_size=1"),
    ("conv_filters empty", tiny("speech_recognizer", conv_filters=[]), TypeError,
     r"`conv_filters` must be a non-empty list of ints.*Received: conv_filters=\[\]"),
    ("conv_strides 0", tiny("speech_recognizer", conv_strides=0), ValueError,
     r"`conv_strides` must be >= 1\. Received: conv_strides=0"),
    ("frame_length 0", tiny("speech_recognizer", frame_length=0), ValueError,
     r"`frame_length` must be >= 1\. Received: frame_length=0"),
    ("image_height 0", tiny("text_recognizer", image_height=0), ValueError,
     r"`image_height` must be >= 1\. Received: image_height=0"),
    ("conv_pool_widths too long", tiny("text_recognizer", conv_pool_widths=[1, 1]), ValueError,
     r"`conv_pool_widths` needs one width subsampling per convolution in `conv_filters`: "
     r"1 value\(s\)\. Received: conv_filters=\[3\], conv_pool_widths=\[1, 1\]"),
    ("frame_pooling typo", tiny("video_classifier", frame_pooling="mean"), ValueError,
     r"Unknown frame_pooling 'mean'\. Expected one of \['avg', 'flatten', 'max'\]"),
    ("frame_shape 2-D", tiny("video_classifier", frame_shape=(8, 8)), ValueError,
     r"`frame_shape` must be \(height, width, channels\)"),
    ("num_turns 0", tiny("visual_dialog", num_turns=0), ValueError,
     r"`num_turns` must be >= 1\. Received: num_turns=0"),
    ("fusion typo", tiny("visual_dialog", fusion="concatt"), ValueError,
     r"Unknown fusion 'concatt'\. Did you mean 'concat'\?"),
    ("num_answers 1", tiny("visual_question_answerer", num_answers=1), ValueError,
     r"`num_answers` must be >= 2: the head is a softmax over the classes"),
    ("units list too short", tiny("text_classifier", units=[4]), ValueError,
     r"one width per layer \(num_layers=2\); pass num_layers=1 to stack 1 layer\. "
     r"Received: units=\[4\]"),
    ("units empty list", tiny("text_classifier", units=[]), ValueError,
     r"`units` must be an int or a non-empty list with one width per layer "
     r"\(num_layers=2\)\. Received: units=\[\]"),
    ("model name not a str", lambda tmp: rnn_zoo.build(5), TypeError,
     r"Model names are strings\. Received: name=5 of type int"),
    ("dtype_policy typo", build("text_classifier", **T, dtype_policy="float16"), ValueError,
     r"Unknown dtype_policy 'float16'\. Did you mean 'float32'\?"),
    ("name empty", build("text_classifier", **T, name=""), TypeError,
     r"`name` must be a non-empty string\. Received: name=''"),
]


def predict(name, x, **kwargs):
    return lambda tmp: model(name).predict(x, verbose=0, **kwargs)


def fit(x, y, **kwargs):
    return lambda tmp: model("text_classifier").fit(x, y, verbose=0, **kwargs)


def evaluate(x, y):
    return lambda tmp: model("text_classifier").evaluate(x, y, verbose=0)


# Plain Keras use of a built model: `ZooModel` checks before Keras batches.
KERAS = [
    ("predict on 0 rows", predict("text_classifier", np.zeros((0, 4), "int32")), ValueError,
     r"The batch is empty: the input holds no examples.*Received: the input of shape \(0, 4\)"),
    ("predict id >= vocabulary_size", predict("text_classifier", np.array([[1, 12]])),
     ValueError, r"Token ids must be < the model's vocabulary_size=10: the input holds 12"),
    ("predict negative id", predict("text_classifier", np.array([[1, -2]])), ValueError,
     r"Token ids must be >= 0 \(0 = padding\): the input holds -2"),
    ("predict float ids", predict("text_classifier", np.array([[1.5, 2.0]])), TypeError,
     r"Token ids must be integers.*Received: the input of dtype float64"),
    ("predict string ids", predict("text_classifier", np.array([["a", "b"]])), TypeError,
     r"Token ids must be integers.*Received: the input of dtype <U1"),
    ("predict a language model id", predict("language_model", np.array([[1, 11]])),
     ValueError, r"Token ids must be < the model's vocabulary_size=10: the input holds 11"),
    ("predict second input by name", predict("seq2seq_translator", {
        "decoder_ids": np.array([[1, 99]]), "source_ids": np.array([[1, 2]])}), ValueError,
     r"input 'decoder_ids' holds 99"),
    ("fit id >= vocabulary_size", fit(np.array([[1, 12]]), np.array([0])), ValueError,
     r"Token ids must be < the model's vocabulary_size=10: the input holds 12"),
    ("fit negative id", fit(np.array([[-1, 2]]), np.array([0])), ValueError,
     r"Token ids must be >= 0 \(0 = padding\): the input holds -1"),
    ("fit float labels", fit(np.array([[1, 2]]), np.array([0.5])), TypeError,
     r"Labels must be integer class ids for this model"),
    ("fit one-hot labels", fit(np.array([[1, 2], [3, 4]]), np.eye(3, dtype="int32")[[0, 1]]),
     ValueError, r"Labels must be integer class ids, one per example \(an array of rank 1\)"
     r".*These look one-hot: pass `np\.argmax\(y, axis=-1\)`\. Received: labels of shape "
     r"\(2, 3\)"),
    ("fit validation id too large", fit(np.array([[1, 2]]), np.array([0]), validation_data=(
        np.array([[1, 20]]), np.array([0]))), ValueError,
     r"Token ids must be < the model's vocabulary_size=10: the input holds 20"),
    ("evaluate id >= vocabulary_size", evaluate(np.array([[1, 12]]), np.array([0])),
     ValueError, r"Token ids must be < the model's vocabulary_size=10: the input holds 12"),
    ("evaluate label == num_classes", evaluate(np.array([[1, 2]]), np.array([3])), ValueError,
     r"Labels must be class ids in \[0, 3\) \(num_classes=3\)\. Received: a label 3"),
]


def lm_generate(**kwargs):
    return lambda tmp: decoding.generate(model("language_model"), [[1, 2]], 2,
                                         jit_compile=False, **kwargs)


MORE_DECODING = [
    ("misspelt strategy argument", lambda tmp: decoding.get("sample", temperatur=0.5),
     TypeError, r"Unknown argument 'temperatur' for the decoding strategy Sample\. Did you "
     r"mean 'temperature'\? Accepted arguments: \['temperature'\]\. Received: temperatur=0\.5"),
    ("misspelt beam argument", lambda tmp: decoding.get("beam", beam_with=2), TypeError,
     r"Unknown argument 'beam_with' for the decoding strategy BeamSearch\. Did you mean "
     r"'beam_width'\?"),
    ("top_p 0", lambda tmp: decoding.get("top_p", p=0), ValueError,
     r"`p` of the 'top_p' strategy must be in \(0, 1\].*Received: p=0"),
    ("length_penalty nan", lambda tmp: decoding.get("beam", length_penalty=NAN), ValueError,
     r"`length_penalty` must be a finite number\. Received: length_penalty=nan"),
    ("top_k float", lambda tmp: decoding.get("top_k", k=2.5), TypeError,
     r"`k` must be an int\. Received: k=2\.5 of type float"),
    ("top_k above the vocabulary", lm_generate(strategy=decoding.get("top_k", k=50)),
     ValueError, r"`k` of the 'top_k' strategy must be <= the vocabulary size \(10\)\. "
     r"Received: k=50"),
    ("temperature negative", lambda tmp: decoding.get("sample", temperature=-1.0), ValueError,
     r"`temperature` must be > 0: it divides the logits.*Received: temperature=-1\.0"),
    ("max_new_tokens float", lambda tmp: decoding.generate(
        model("language_model"), [[1, 2]], 1.5, jit_compile=False), TypeError,
     r"`max_new_tokens` must be an int\. Received: max_new_tokens=1\.5 of type float"),
    ("seed str", lm_generate(strategy="sample", seed="a"), TypeError,
     r"`seed` must be an int or None\. Received: seed='a' of type str"),
    ("strategy int", lambda tmp: decoding.get(5), TypeError,
     r"`strategy` must be a name \(one of \['beam', 'greedy', 'sample', 'top_k', 'top_p'\]\)"),
    ("generate on a classifier", lambda tmp: decoding.generate(
        model("text_classifier"), [[1, 2]], 2, jit_compile=False), ValueError,
     r"No step model can drive model 'text_classifier': `generate` works on rnn_zoo's "
     r"generative models"),
]


def space(**kwargs):
    def call(tmp):
        from rnn_zoo.tuning import search_space
        return search_space("text_classifier", fixed={"vocabulary_size": 10, "num_classes": 3},
                            **kwargs)
    return call


TUNING = [
    ("space for an unknown model", lambda tmp: __import__(
        "rnn_zoo.tuning", fromlist=["search_space"]).search_space("text_clasifier"),
     ValueError, r"Unknown model 'text_clasifier'\. Did you mean 'text_classifier'\?"),
    ("space name typo", space(space={"unit": [4]}), ValueError,
     r"Unknown hyperparameter 'unit' for model 'text_classifier'\. Did you mean 'units'\?"),
    ("space empty choice", space(space={"units": []}), ValueError,
     r"Empty search range for `units`: a choice needs at least one value"),
    ("space min above max", space(space={"units": {"min_value": 8, "max_value": 4}}),
     ValueError, r"Empty search range for `units`: `min_value` \(8\) is greater than "
     r"`max_value` \(4\)"),
    ("space value the builder refuses", space(space={"dropout": [0.1, 1.5]}), ValueError,
     r"The search space offers dropout=1\.5, which model 'text_classifier' refuses "
     r"\(space=\{'dropout': \[0\.1, 1\.5\]\}\): `dropout` must be in \[0\.0, 1\.0\)"),
    ("space range the builder refuses", space(space={"num_layers": {"min_value": 0,
                                                                    "max_value": 2}}),
     ValueError, r"The search space offers num_layers=0, .*`num_layers` must be >= 1"),
]


def zip_without_config(tmp):
    path = tmp / "z.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return path


RECIPES = pathlib.Path(__file__).resolve().parent.parent / "recipes"


def predict_recipe(*argv):
    def call(tmp):
        spec = importlib.util.spec_from_file_location("recipe_predict", RECIPES / "predict.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main([str(a).replace("TMP", str(tmp)) for a in argv])
    return call


def written(name, text, reader, **kwargs):
    def call(tmp):
        (tmp / name).write_text(text)
        return reader(tmp / name, **kwargs)
    return call


MORE_FILES = [
    ("load_model(None)", lambda tmp: rnn_zoo.load_model(None), TypeError,
     r"`path` must be the path of a `\.keras` file, as a str or a `pathlib\.Path`\. "
     r"Received: path=None of type NoneType"),
    ("a zip that is not a model", load(zip_without_config), ValueError,
     r"is not a valid `\.keras` file: it is truncated or corrupt \(KeyError: .*config\.json"),
    ("predict.py on a missing run dir", predict_recipe("TMP/nope", "hi"), SystemExit,
     None),
    ("predict.py on an unfinished run", lambda tmp: (
        Run.start(tmp / "r", recipe="demo", arguments={}),
        predict_recipe("TMP/r", "hi")(tmp)), SystemExit, None),
    ("CoNLL-U line with 3 fields", written("a.conllu", "1\tThe\tthe\n\n", conll.read_conllu),
     ValueError, r"a\.conllu:1: malformed CoNLL-U line: expected 10 tab-separated fields, "
     r"found 3"),
    ("CoNLL-2003 tag not in the set", written("a.txt", "EU B-FOO\n\n", conll.read_conll2003),
     ValueError, r"a\.txt:1: tag 'B-FOO' is not in the tag set\. Did you mean 'B-ORG'\?"),
    ("parallel files of other lengths", lambda tmp: files.read_parallel(
        written("s.txt", "a\nb\n", lambda p: p)(tmp), written("t.txt", "a\n", lambda p: p)(tmp)),
     ValueError, r"Parallel files must have one line per sentence pair, but '.*s\.txt' has 2 "
     r"lines and '.*t\.txt' has 1"),
    ("empty text file", written("e.txt", "", files.read_lines), ValueError,
     r"The text file '.*e\.txt' is empty\."),
    ("missing label folder", lambda tmp: files.read_label_folders(tmp / "none"),
     FileNotFoundError, r"The folder '.*none' does not exist\."),
    ("label not in the label set", lambda tmp: files.label_ids(
        ["pos", "nuetral"], ["neg", "neutral", "pos"]), ValueError,
     r"Label 'nuetral' in the data is not in the label set\. Did you mean 'neutral'\?"),
    ("--learning-rate nan for gradient_flow", lambda tmp: _gradient_flow_args(
        "--learning-rate", "nan"), SystemExit, None),
    ("--global-clipnorm 0 for gradient_flow", lambda tmp: _gradient_flow_args(
        "--global-clipnorm", "0"), SystemExit, None),
]


def _gradient_flow_args(*argv):
    spec = importlib.util.spec_from_file_location("recipe_gradient_flow",
                                                  RECIPES / "gradient_flow.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.parse_args(list(argv))


CLI_MESSAGES.update({
    "predict.py on a missing run dir": "error: No run in",
    "predict.py on an unfinished run": "has no model.keras yet: its training did not finish",
    "--learning-rate nan for gradient_flow":
        "argument --learning-rate: expected a number > 0, got 'nan'",
    "--global-clipnorm 0 for gradient_flow":
        "argument --global-clipnorm: expected a number > 0, got '0'",
})

CASES = (BUILD + IDS + LOADING + READERS + DECODING + CLI + RUNS + BUILDERS + KERAS
         + MORE_DECODING + TUNING + MORE_FILES)


@pytest.mark.parametrize("case, call, error, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(case, call, error, message, tmp_path, capsys):
    with pytest.raises(error, match=message) as info:
        call(tmp_path)
    if error is SystemExit:
        assert info.value.code == 2
        assert CLI_MESSAGES[case] in capsys.readouterr().err


def test_the_catalogue_holds_at_least_sixty_cases():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)  # one name per case


def test_a_saved_model_names_rnn_zoo_when_loaded_without_it(tmp_path):
    """Plain `keras.saving.load_model` without `import rnn_zoo`: Keras' error
    names the module `rnn_zoo.model` to import; after the import the same
    call loads the file (`safe_mode=True`, Keras' default)."""
    path = tmp_path / "m.keras"
    model("text_classifier").save(path)
    script = textwrap.dedent(f"""
        import keras, sys
        assert "rnn_zoo" not in sys.modules
        try:
            keras.saving.load_model({str(path)!r})
        except TypeError as error:
            print("ERROR", str(error)[:400])
        import rnn_zoo
        model = keras.saving.load_model({str(path)!r}, safe_mode=True)
        print("LOADED", type(model).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ("ERROR Could not locate class 'ZooModel'. Make sure custom classes and "
            "functions are decorated") in done.stdout
    assert "Full object config: {'module': 'rnn_zoo.model', 'class_name': 'ZooModel'" \
        in done.stdout
    assert "LOADED ZooModel" in done.stdout


def test_good_inputs_pass_the_checks():
    rnn_zoo.check_inputs(model("text_classifier"), [[1, 2, 9, 0]], np.array([2]))
    rnn_zoo.check_inputs(model("language_model"), [[1, 2, 3]], np.array([[2, 3, 9]]))
