"""The bad-input catalogue (issue 16): what a user would try, and the clear
error each gets. Every case asserts the exception type and the words of its
message. Models are built once per module, at tiny sizes."""

import functools

import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import decoding
from rnn_zoo.data import files
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


def build(name, **kwargs):
    return lambda tmp: rnn_zoo.build(name, **kwargs)


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
    ("missing file", lambda tmp: files.read_table(tmp / "nope.csv"), FileNotFoundError,
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

CASES = BUILD + IDS + LOADING + READERS + DECODING + CLI + RUNS


@pytest.mark.parametrize("case, call, error, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(case, call, error, message, tmp_path, capsys):
    with pytest.raises(error, match=message) as info:
        call(tmp_path)
    if error is SystemExit:
        assert info.value.code == 2
        assert CLI_MESSAGES[case] in capsys.readouterr().err


def test_the_catalogue_holds_at_least_sixty_cases():
    assert len(CASES) >= 60


def test_good_inputs_pass_the_checks():
    rnn_zoo.check_inputs(model("text_classifier"), [[1, 2, 9, 0]], np.array([2]))
    rnn_zoo.check_inputs(model("language_model"), [[1, 2, 3]], np.array([[2, 3, 9]]))
