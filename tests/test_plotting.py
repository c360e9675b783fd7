"""Attention heatmaps."""

import struct

import numpy as np
import pytest

from rnn_zoo.plotting import attention_heatmap


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR width, height


def test_attention_heatmap_writes_labelled_png(tmp_path):
    weights = np.random.default_rng(0).dirichlet(np.ones(6), size=4)  # rows sum to 1
    source = list("abc de")
    target = ["1", "2", "3", "</s>"]
    path = tmp_path / "attention.png"
    fig = attention_heatmap(weights, source, target, path, title="example")
    assert path.exists()
    width, height = png_size(path)
    assert width > height > 100  # wider than tall: 6 columns, 4 rows
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == source
    assert [t.get_text() for t in ax.get_yticklabels()] == target
    np.testing.assert_allclose(ax.images[0].get_array(), weights, rtol=1e-6)
    # More source tokens, a wider picture.
    attention_heatmap(np.full((4, 20), 0.05), list("x" * 20), target, tmp_path / "wide.png")
    assert png_size(tmp_path / "wide.png")[0] > width


def test_attention_heatmap_errors(tmp_path):
    with pytest.raises(ValueError, match=r"`weights` must have one row per target token and one column per source token: shape \(2, 3\)\. Received: weights\.shape=\(3, 2\)"):
        attention_heatmap(np.ones((3, 2)), list("abc"), list("xy"), tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"`weights` must be 2D \(target tokens, source tokens\)"):
        attention_heatmap(np.ones((1, 2, 3)), list("abc"), list("xy"), tmp_path / "a.png")
