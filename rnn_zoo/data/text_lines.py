"""Text-line images: rendered from any text (offline data for `text_recognizer`)
or read from an image folder with a `file<TAB>transcript` TSV (the IAM lines
layout).

Images come out read column by column, `(width, height)` float32, ink near 1
on a background near 0, as `text_recognizer` takes them. Rendering uses
Pillow with a TrueType font (DejaVu Sans where the machine has it, else
Pillow's own bundled font), so the same text, seed and font give the same
image everywhere.
"""

import pathlib

import numpy as np

from rnn_zoo._validation import check_float, check_int

_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts",
              "C:/Windows/Fonts")
_DEFAULT_FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf")


def find_fonts(names=_DEFAULT_FONTS):
    """Paths of the TrueType fonts among `names` found on this machine (sorted)."""
    found = []
    for root in _FONT_DIRS:
        root = pathlib.Path(root)
        if root.is_dir():
            for name in names:
                found += [str(p) for p in root.rglob(name)]
    return sorted(set(found))


def _font(font, size):
    from PIL import ImageFont

    if font is None:
        return ImageFont.load_default(size=size)  # Pillow's bundled font
    try:
        return ImageFont.truetype(str(font), size)
    except OSError as error:
        raise ValueError(
            f"Cannot open the font {font!r}: {error}. Give a TrueType/OpenType "
            "file path, or None for Pillow's bundled font. "
            f"Received: font={font!r}"
        ) from None


def render_text_line(text, *, height=32, font=None, rng=None, slant=0.0, noise=0.0,
                     warp=0.0, stroke_width=0):
    """Renders one line of text as a grey image read column by column.

    Args:
        text: str. The line (a single line, no newline).
        height: int. Pixel rows of the image. Defaults to 32.
        font: path of a TrueType/OpenType font, or None for Pillow's bundled
            font. Defaults to None.
        rng: a `np.random.Generator` for the augmentations (needed when any
            is on).
        slant: float. Largest horizontal shear (a shear of `s` moves the top
            row `s * height` pixels); each line draws one in `[-slant,
            slant]`. Defaults to 0.
        noise: float. Standard deviation of Gaussian pixel noise. Defaults
            to 0.
        warp: float. Largest displacement, in pixels, of a smooth random
            (elastic) distortion of the rows and columns. Defaults to 0.
        stroke_width: int. Largest extra stroke width; each line draws one in
            `[0, stroke_width]`. Defaults to 0.

    Returns:
        float32 `(width, height)`, values in [0, 1], ink high.

    Example:

    >>> image = render_text_line("hello", height=16)
    >>> image.shape[1], image.dtype.name, float(image.max()) > 0.5
    (16, 'float32', True)
    """
    from PIL import Image, ImageDraw

    if not isinstance(text, str) or "\n" in text:
        raise ValueError(f"`text` must be one line of text. Received: text={text!r}")
    check_int("height", height, minimum=8)
    check_float("slant", slant, low=0.0)
    check_float("noise", noise, low=0.0)
    check_float("warp", warp, low=0.0)
    check_int("stroke_width", stroke_width, minimum=0)
    if rng is None and (slant or noise or warp or stroke_width):
        raise ValueError(
            "Augmentations draw random values: pass `rng` (a "
            "`np.random.default_rng(seed)`). Received: rng=None with "
            f"slant={slant}, noise={noise}, warp={warp}, stroke_width={stroke_width}"
        )
    size = max(6, round(height * 0.7))
    face = _font(font, size)
    stroke = int(rng.integers(0, stroke_width + 1)) if stroke_width else 0
    left, top, right, bottom = face.getbbox(text or " ", stroke_width=stroke)
    margin = max(2, height // 8)
    width = max(1, right - min(left, 0)) + 2 * margin
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    # Centre the font's full ascent-descent box, so letters keep their
    # vertical position whatever the line holds.
    ascent, descent = face.getmetrics()
    y = (height - ascent - descent) // 2
    draw.text((margin - min(left, 0), y), text, fill=255, font=face, stroke_width=stroke,
              stroke_fill=255)
    if slant:
        shear = float(rng.uniform(-slant, slant))
        extra = int(np.ceil(abs(shear) * height))
        canvas = canvas.transform(
            (width + extra, height), Image.Transform.AFFINE,
            (1, shear, -extra if shear > 0 else 0, 0, 1, 0), resample=Image.BILINEAR,
        )
    image = np.asarray(canvas, "float32").T / 255.0  # (width, height)
    if warp:
        image = _elastic(image, warp, rng)
    if noise:
        image = image + rng.normal(0.0, noise, image.shape).astype("float32")
    return np.clip(image, 0.0, 1.0).astype("float32")


def _smooth_field(rng, n, scale):
    """A smooth random 1D displacement of `n` values, at most `scale`."""
    knots = rng.uniform(-scale, scale, size=max(2, n // 12 + 2))
    return np.interp(np.linspace(0, len(knots) - 1, n), np.arange(len(knots)), knots)


def _elastic(image, scale, rng):
    """Shifts each column vertically and each row horizontally by smooth
    random amounts (a cheap elastic distortion, bilinear resampling)."""
    width, height = image.shape
    dy = _smooth_field(rng, width, scale)  # per column
    dx = _smooth_field(rng, height, scale)  # per row
    cols, rows = np.meshgrid(np.arange(width), np.arange(height), indexing="ij")
    src_c = np.clip(cols + dx[None, :], 0, width - 1)
    src_r = np.clip(rows + dy[:, None], 0, height - 1)
    c0, r0 = np.floor(src_c).astype(int), np.floor(src_r).astype(int)
    c1, r1 = np.minimum(c0 + 1, width - 1), np.minimum(r0 + 1, height - 1)
    fc, fr = src_c - c0, src_r - r0
    return ((1 - fc) * (1 - fr) * image[c0, r0] + fc * (1 - fr) * image[c1, r0]
            + (1 - fc) * fr * image[c0, r1] + fc * fr * image[c1, r1])


def text_lines(text, *, min_chars=8, max_chars=40):
    """Cuts text into lines of whole words, `min_chars` to `max_chars` long.

    Example:

    >>> text_lines("the quick brown fox jumps over the lazy dog", min_chars=5,
    ...            max_chars=16)
    ['the quick brown', 'fox jumps over', 'the lazy dog']
    """
    check_int("min_chars", min_chars, minimum=1)
    check_int("max_chars", max_chars, minimum=min_chars)
    lines, current = [], ""
    for word in text.split():
        if len(word) > max_chars:
            continue
        candidate = f"{current} {word}" if current else word
        if len(candidate) > max_chars:
            if len(current) >= min_chars:
                lines.append(current)
            current = word
        else:
            current = candidate
    if len(current) >= min_chars:
        lines.append(current)
    return lines


def render_text_lines(lines, *, height=32, fonts=(None,), seed=0, slant=0.0, noise=0.0,
                      warp=0.0, stroke_width=0):
    """Renders each line with a font drawn from `fonts` and its own
    augmentations (seeded: the same arguments give the same images).

    Returns:
        A list of float32 `(width, height)` images, one per line.
    """
    fonts = list(fonts)
    if not fonts:
        raise ValueError("`fonts` needs at least one font (a path, or None for "
                         "Pillow's bundled font). Received: fonts=[]")
    rng = np.random.default_rng(seed)
    return [
        render_text_line(line, height=height, font=fonts[rng.integers(len(fonts))],
                         rng=rng, slant=slant, noise=noise, warp=warp,
                         stroke_width=stroke_width)
        for line in lines
    ]


def load_line_image(path, *, height=32):
    """Reads an image file as a text line: grey, scaled to `height` rows
    (keeping the aspect ratio), ink high (dark-on-light scans are inverted)."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("L")
        width = max(1, round(image.width * height / image.height))
        image = image.resize((width, height), Image.BILINEAR)
        pixels = np.asarray(image, "float32") / 255.0  # (height, width)
    if pixels.mean() > 0.5:  # light background: make ink high
        pixels = 1.0 - pixels
    return pixels.T.copy()


def read_line_folder(image_dir, transcripts, *, height=32):
    """Reads `file<TAB>transcript` rows (IAM lines layout) and their images.

    Args:
        image_dir: folder holding the image files.
        transcripts: TSV file, one `relative/path.png<TAB>transcript` a line
            (blank lines and lines starting with `#` skipped).
        height: int. Rows each image is scaled to.

    Returns:
        `(images, texts)`: lists of `(width, height)` arrays and strings.

    Raises:
        ValueError: for a line without a tab, or a missing image file.
    """
    image_dir = pathlib.Path(image_dir)
    images, texts = [], []
    rows = pathlib.Path(transcripts).read_text(encoding="utf-8").splitlines()
    for number, row in enumerate(rows, 1):
        if not row.strip() or row.startswith("#"):
            continue
        if "\t" not in row:
            raise ValueError(
                f"{transcripts}, line {number}: expected `file<TAB>transcript`. "
                f"Received: {row[:80]!r}"
            )
        name, text = row.split("\t", 1)
        path = image_dir / name
        if not path.is_file():
            raise ValueError(
                f"{transcripts}, line {number}: no image {path}. File names are "
                f"relative to --image-dir {image_dir}. Received: {name!r}"
            )
        images.append(load_line_image(path, height=height))
        texts.append(text.strip())
    return images, texts


def pad_images(images, mask_value=-1.0, *, multiple=1):
    """Stacks `(width, height)` images into `(batch, width, height)`,
    right-padded with `mask_value` to the widest image's width rounded up to
    a multiple of `multiple` (so that batches come in few shapes)."""
    check_int("multiple", multiple, minimum=1)
    width = max(image.shape[0] for image in images)
    width = -(-width // multiple) * multiple
    batch = np.full((len(images), width, images[0].shape[1]), mask_value, "float32")
    for i, image in enumerate(images):
        batch[i, : image.shape[0]] = image
    return batch
