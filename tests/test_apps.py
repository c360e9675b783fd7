"""Predictive typing, text-line recognition and spelling correction (issue 19):
the library pieces and the recipes' helpers, on tiny generated fixtures."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.apps import Typist, simulate_typing
from rnn_zoo.data import Vocabulary, text_lines, typos
from rnn_zoo.layers.text_line import ColumnFeatures, MaskedConv2D
from rnn_zoo.tasks.text_recognizer import check_text_line_lengths, text_recognizer

RECIPES = pathlib.Path(__file__).resolve().parents[1] / "recipes"
WORDS = ["<eos>", "the", "cat", "car", "sat", "<unk>"]


def recipe(name):
    spec = importlib.util.spec_from_file_location(f"test_recipe_{name}", RECIPES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def typing_model():
    keras.utils.set_random_seed(0)
    vocabulary = Vocabulary(WORDS, split="none")
    model = rnn_zoo.build("language_model", vocabulary_size=vocabulary.size,
                          embedding_dim=4, units=4, num_layers=2, compile=False)
    return model, vocabulary


# Predictive typing.


def test_typist_carries_state_like_the_full_model(typing_model):
    model, vocabulary = typing_model
    typist = Typist(model, vocabulary, k=10)
    typist.type("the cat ")
    ids = [vocabulary.token_id(w) for w in ("<eos>", "the", "cat")]
    full = keras.ops.convert_to_numpy(model(np.array([ids]), training=False))[0, -1]
    suggestible = [i for i, t in enumerate(vocabulary.tokens) if t in ("the", "cat", "car", "sat")]
    expected = full[suggestible] / full[suggestible].sum()
    got = dict(typist.suggestions())
    np.testing.assert_allclose([got[vocabulary.tokens[i]] for i in suggestible], expected,
                               rtol=1e-4)
    assert set(got) == {"the", "cat", "car", "sat"}  # never <eos>, <unk>, [UNK]


def test_typist_completes_the_typed_prefix(typing_model):
    typist = Typist(*typing_model, k=3)
    typist.type("the ca")
    assert sorted(w for w, _ in typist.suggestions()) == ["car", "cat"]
    assert abs(sum(p for _, p in typist.suggestions()) - 1.0) < 1e-6
    typist.type("\b\bs")
    assert [w for w, _ in typist.suggestions()] == ["sat"]
    typist.type("x")
    assert typist.suggestions() == []
    assert typist.history == ["the"]


def test_simulate_typing_counts_keystrokes(typing_model):
    typist = Typist(*typing_model, k=4)  # every suggestible word is always shown
    result = simulate_typing(typist, [["the", "cat"], ["zebra"]])
    # the, cat: accepted at once (1 keystroke each); zebra: 5 letters + space.
    assert result["keystrokes"] == 1 + 1 + 6
    assert result["characters"] == 4 + 4 + 6
    assert result["top4_accuracy"] == 1.0
    assert result["keystroke_savings"] == pytest.approx(1 - 8 / 14)


def test_typist_errors(typing_model):
    model, vocabulary = typing_model
    with pytest.raises(ValueError, match="vocabulary has 5 ids but the model 8"):
        Typist(model, Vocabulary(WORDS[:3], split="none"))
    with pytest.raises(ValueError, match="`start_token` '<s>' is not in the vocabulary"):
        Typist(model, vocabulary, start_token="<s>")
    with pytest.raises(TypeError, match="string of keystrokes"):
        Typist(model, vocabulary).type(3)


# Text-line recognition.


def test_masked_conv2d_ignores_padding_columns():
    layer = MaskedConv2D(3, kernel_size=3, pool_size=(2, 2))
    image = np.random.default_rng(0).uniform(size=(1, 5, 4)).astype("float32")
    padded = np.concatenate([image, np.full((1, 4, 4), -1.0, "float32")], axis=1)
    mask = np.array([[True] * 5 + [False] * 4])
    a = keras.ops.convert_to_numpy(layer(image))
    b = keras.ops.convert_to_numpy(layer(padded, mask=mask))
    np.testing.assert_allclose(b[:, :3], a, atol=1e-6)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer.compute_mask(padded, mask)), [[1, 1, 1, 0, 0]])


def test_masked_conv2d_batch_norm_counts_only_real_columns():
    layer = MaskedConv2D(3, kernel_size=3, pool_size=(2, 2), batch_norm=True)
    image = np.random.default_rng(0).uniform(size=(2, 5, 4)).astype("float32")
    padded = np.concatenate([image, np.full((2, 7, 4), -1.0, "float32")], axis=1)
    mask = np.array([[True] * 5 + [False] * 7] * 2)
    for training in (True, False):  # batch statistics, then moving averages
        a = keras.ops.convert_to_numpy(layer(image, training=training))
        b = keras.ops.convert_to_numpy(layer(padded, mask=mask, training=training))
        np.testing.assert_allclose(b[:, :3], a, atol=1e-5)
        assert np.all(b[:, 3:] == 0)
    # Normalised: each channel's outputs before the ReLU have batch mean 0,
    # so about half of them are cut (no pooling here to hide that).
    flat = MaskedConv2D(3, kernel_size=3, pool_size=(1, 1), batch_norm=True)
    a = keras.ops.convert_to_numpy(flat(image + 5.0, training=True))
    assert 0.25 < np.mean(a > 0) < 0.75
    clone = MaskedConv2D.from_config(layer.get_config())
    assert clone.batch_norm is True
    model = text_recognizer(image_height=8, vocabulary_size=5, units=2, num_layers=1,
                            conv_filters=[2], conv_pool_widths=[1], conv_batch_norm=True)
    assert model.get_layer("frontend_conv_0").norm is not None
    with pytest.raises(TypeError, match="`batch_norm` must be True or False"):
        MaskedConv2D(2, 3, batch_norm=1)
    with pytest.raises(TypeError, match="`conv_batch_norm` must be True or False"):
        text_recognizer(image_height=8, vocabulary_size=5, conv_batch_norm="yes")


def test_text_line_layer_and_builder_errors():
    with pytest.raises(ValueError, match="images read column by column"):
        MaskedConv2D(2, 3)(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="images read column by column"):
        ColumnFeatures()(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match="needs the height and channels known"):
        ColumnFeatures().build((None, None, None, 3))
    with pytest.raises(ValueError, match="one width subsampling per convolution"):
        text_recognizer(image_height=8, vocabulary_size=5, conv_filters=[2, 2],
                        conv_pool_widths=[1])
    with pytest.raises(ValueError, match="`image_height` must be at least 8"):
        text_recognizer(image_height=4, vocabulary_size=5, conv_filters=[2, 2, 2],
                        conv_pool_widths=[1, 1, 1])
    with pytest.raises(TypeError, match="`conv_filters` must be a non-empty list"):
        text_recognizer(image_height=8, vocabulary_size=5, conv_filters=4)


def test_check_text_line_lengths():
    model = text_recognizer(image_height=4, vocabulary_size=5, units=2, num_layers=1,
                            conv_filters=[2], conv_pool_widths=[2])
    check_text_line_lengths(model, [8], [[1, 2, 2]])  # 4 frames: 3 symbols and a blank
    with pytest.raises(ValueError, match=r"Label 1 does not fit its image: 3 symbols with 1"):
        check_text_line_lengths(model, [8, 6], [[1], [1, 2, 2]])
    with pytest.raises(ValueError, match="one label per image"):
        check_text_line_lengths(model, [8], [[1], [2]])


def test_render_text_line_is_deterministic_and_augmented():
    plain = text_lines.render_text_line("abc def", height=16)
    assert plain.shape[1] == 16 and plain.dtype == np.float32 and plain.max() > 0.5
    wide = text_lines.render_text_line("abc def abc def", height=16)
    assert wide.shape[0] > plain.shape[0]
    kwargs = dict(height=16, slant=0.3, noise=0.1, warp=1.0, stroke_width=1)
    a = text_lines.render_text_line("abc", rng=np.random.default_rng(1), **kwargs)
    b = text_lines.render_text_line("abc", rng=np.random.default_rng(1), **kwargs)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[: plain.shape[0] // 2],
                              text_lines.render_text_line("abc", height=16)[: plain.shape[0] // 2])
    with pytest.raises(ValueError, match="pass `rng`"):
        text_lines.render_text_line("abc", noise=0.1)
    with pytest.raises(ValueError, match="one line of text"):
        text_lines.render_text_line("a\nb")
    with pytest.raises(ValueError, match="Cannot open the font"):
        text_lines.render_text_line("abc", font="/no/such/font.ttf")
    with pytest.raises(ValueError, match="`fonts` needs at least one font"):
        text_lines.render_text_lines(["abc"], fonts=[])
    assert text_lines.text_lines("a bb ccc dddd", min_chars=4, max_chars=6) == ["a bb", "dddd"]  # "ccc" too short


def test_read_line_folder(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((20, 40), 255, "uint8")).save(tmp_path / "a.png")
    (tmp_path / "lines.tsv").write_text("# comment\na.png\thello world\n")
    images, texts = text_lines.read_line_folder(tmp_path, tmp_path / "lines.tsv", height=10)
    assert texts == ["hello world"] and images[0].shape == (20, 10)
    assert images[0].max() == 0.0  # light background inverted: no ink
    (tmp_path / "bad.tsv").write_text("a.png hello\n")
    with pytest.raises(ValueError, match="expected `file<TAB>transcript`"):
        text_lines.read_line_folder(tmp_path, tmp_path / "bad.tsv")
    (tmp_path / "missing.tsv").write_text("b.png\thello\n")
    with pytest.raises(ValueError, match="no image"):
        text_lines.read_line_folder(tmp_path, tmp_path / "missing.tsv")


def test_pad_images_rounds_the_width_up():
    images = [np.ones((5, 4), "float32"), np.ones((3, 4), "float32")]
    batch = text_lines.pad_images(images, -1.0, multiple=4)
    assert batch.shape == (2, 8, 4)
    assert np.all(batch[0, 5:] == -1.0) and np.all(batch[1, :3] == 1.0)
    assert text_lines.pad_images(images).shape == (2, 5, 4)
    with pytest.raises(ValueError, match="`multiple` must be >= 1"):
        text_lines.pad_images(images, multiple=0)


def test_text_recognition_transcribes_with_several_strategies_at_once():
    module = recipe("text_recognition")
    keras.utils.set_random_seed(0)
    vocabulary = Vocabulary.adapt(["ab", "ba"], split="character")
    model = text_recognizer(image_height=8, vocabulary_size=vocabulary.size, units=4,
                            num_layers=1, conv_filters=[2], conv_pool_widths=[2])
    rng = np.random.default_rng(0)
    images = [rng.uniform(size=(w, 8)).astype("float32") for w in (9, 70, 30)]
    both = module.transcribe(model, vocabulary, images, strategy=("greedy", "beam"),
                             beam_width=2, batch_size=2)
    assert both["greedy"] == module.transcribe(model, vocabulary, images, batch_size=2)
    assert both["beam"] == module.transcribe(model, vocabulary, images, strategy="beam",
                                             beam_width=2, batch_size=2)
    # Padding to a multiple of 64 columns changes no reading.
    alone = [module.transcribe(model, vocabulary, [image])[0] for image in images]
    assert both["greedy"] == alone and any(both["greedy"])  # not all blank


def test_text_recognition_defaults_fit_narrow_lines():
    module = recipe("text_recognition")
    args = module.parse_args(["--text-file", "x.txt"])
    assert args.conv_batch_norm and not module.parse_args(
        ["--text-file", "x.txt", "--no-conv-batch-norm"]).conv_batch_norm
    model = text_recognizer(image_height=args.height, vocabulary_size=40, units=2,
                            num_layers=1, conv_filters=args.conv_filters,
                            conv_pool_widths=args.conv_pool_widths,
                            conv_batch_norm=args.conv_batch_norm)
    # The narrowest characters at the longest line length, with repeats:
    # every rendered line must leave CTC enough frames at the default height.
    line = "ill. lil, ill; lil: ill, lil. il"[: args.max_chars]
    vocabulary = Vocabulary.adapt([line], split="character")
    for font in text_lines.find_fonts() or [None]:
        image = text_lines.render_text_line(line, height=args.height, font=font)
        check_text_line_lengths(model, [image.shape[0]], [vocabulary.encode(line).numpy()])


def test_text_recognition_recipe_error_rates():
    module = recipe("text_recognition")
    cer, wer = module.error_rates(["ab cd", ""], ["ab ce", "x"])
    assert cer == pytest.approx(1 / 5) and wer == pytest.approx(1 / 2)


# Spelling correction.


def test_typos():
    rng = np.random.default_rng(0)
    text = "the quick brown fox jumps over a lazy dog"
    assert typos.add_typos(text, rate=0.0, rng=rng) == text
    for kind in typos.TYPO_KINDS:
        noisy = typos.add_typos(text, rate=1.0, rng=rng, kinds=[kind])
        assert noisy != text and len(noisy.split()) == len(text.split())
    assert typos.add_typos("a b", rate=1.0, rng=rng, kinds=["delete"]).count(" ") == 1
    assert set(typos.KEYBOARD_NEIGHBOURS["g"]) >= set("fhtybv")
    with pytest.raises(ValueError, match="kinds"):
        typos.add_typos(text, rate=0.1, rng=rng, kinds=["swap"])
    with pytest.raises(ValueError, match="`kinds` needs at least one"):
        typos.add_typos(text, rate=0.1, rng=rng, kinds=[])


def test_spelling_correction_scores():
    module = recipe("spelling_correction")
    scores = module.correction_scores(
        clean=["the cat sat", "a dog"], noisy=["teh cat sat", "a dgo"],
        corrected=["the cat sta", "a dog"])
    assert scores["wer_noisy"] == pytest.approx(2 / 5)
    assert scores["wer_corrected"] == pytest.approx(1 / 5)
    assert scores["words_broken"] == pytest.approx(1 / 3)  # "sat" broken of cat, sat, a
    assert scores["exact_line_accuracy"] == 0.5


# End-to-end smoke runs of the recipes (minutes on 2 shared cores: slow).


@pytest.mark.slow
def test_recipes_smoke(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text(" ".join(["the cat sat on the mat and the dog ran far"] * 40))
    tr = recipe("text_recognition")
    metrics = tr.main(["--text-file", str(text), "--train-lines", "16",
                       "--validation-lines", "4", "--epochs", "1", "--units", "4",
                       "--conv-filters", "2", "2", "--conv-pool-widths", "2", "1",
                       "--fonts", "--run-dir", str(tmp_path / "tr"), "--verbose", "0"])
    assert 0 <= metrics["validation_cer_greedy"] and "validation_wer_beam" in metrics
    sp = recipe("spelling_correction")
    metrics = sp.main(["--text-file", str(text), "--train-lines", "32", "--epochs", "1",
                       "--units", "4", "--embedding-dim", "4",
                       "--run-dir", str(tmp_path / "sp"), "--verbose", "0"])
    assert 0 <= metrics["held_out_words_broken"] <= 1
    from rnn_zoo.training import Run

    assert len(sp.predict(Run.open(tmp_path / "sp"), ["teh cat"])) == 1


def test_spelling_correction_margin_gate(capsys):
    module = recipe("spelling_correction")
    from rnn_zoo.data import toy

    keras.utils.set_random_seed(0)
    vocabulary = toy.CharVocabulary(sorted(set("the cat sat dog")))
    model = rnn_zoo.build("seq2seq_translator", source_vocabulary_size=vocabulary.size,
                          target_vocabulary_size=vocabulary.size, attention="bahdanau",
                          units=4, embedding_dim=4)
    noisy, corrected = ["teh cat", "the cat"], ["the cta", "the cat"]
    scores = module.log_likelihoods(model, vocabulary, noisy, corrected)
    assert scores.shape == (2,) and np.all(scores < 0)
    keep = module.keep_unless_confident
    assert keep(model, vocabulary, noisy, corrected, margin=np.inf) == noisy
    assert keep(model, vocabulary, noisy, corrected, margin=-np.inf) == corrected
    with pytest.raises(SystemExit):
        module.parse_args(["--text-file", "x.txt", "--margin", "nan"])
    assert "expected a number of nats" in capsys.readouterr().err
