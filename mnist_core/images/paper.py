"""Real handwriting as paper and phones show it: benchmarks that our canvas renderer never drew.

Two sets of digits written by people, shown the way a scan or a phone shows them:

- :func:`writers_digits`: the 1 797 digits by 43 writers that come with
  scikit-learn (UCI's optdigits), scanned at 8 × 8 and enlarged, so their strokes
  are thick and soft; each placed anywhere on a 280 × 280 canvas, half of them
  dark on light. No model here ever trained on these writers.
- :func:`paper_digits`: MNIST's test digits (real handwriting the models never
  trained on) enlarged and soft, written with thick and thin pens, dark on light
  paper, tilted and off-centre. With ``photo=True`` the paper also has a texture
  and uneven light, and the picture is JPEG-compressed, as a phone sends it.

Everything is made from a seed: nothing is stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from .drawn import CANVAS

__all__ = ["PAPER", "PENS", "HandwritingSet", "NumberSet", "paper_digits", "paper_numbers", "writers_digits"]

#: The side of a page in :func:`paper_digits`, in pixels.
PAPER = 320
#: The pens :func:`paper_digits` writes with, in turn: how much thinner or thicker than the writer's.
PENS = ("as written", "thin", "thick")


@dataclass(frozen=True, eq=False)
class HandwritingSet:
    """Pictures of handwritten digits with their labels.

    Attributes:
        images: ``(n, h, w)`` grayscale or ``(n, h, w, 3)`` RGB, uint8.
        labels: ``(n,)`` the digit written.
        kinds: one word per picture saying how it was shown (``dark on light``, ``thick``, …).
    """

    images: np.ndarray
    labels: np.ndarray
    kinds: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class NumberSet:
    """Photos of numbers written digit by digit, with what they say.

    Attributes:
        images: ``(n, h, w, 3)`` RGB, uint8.
        numbers: what each says, left to right (``"2026"``).
        touching: whether two of its digits touch.
    """

    images: np.ndarray
    numbers: tuple[str, ...]
    touching: np.ndarray


def writers_digits(*, seed: int = 0) -> HandwritingSet:
    """scikit-learn's 1 797 digits by 43 writers, enlarged to 100–220 pixels and placed anywhere on the canvas.

    Their 8 × 8 scans hold 0 to 16 of ink a cell; enlarged with a cubic filter they
    become soft, thick strokes. Every second one is dark on light.
    """
    from sklearn.datasets import load_digits  # ships with scikit-learn: no download

    scans = load_digits()
    rng = np.random.default_rng(seed)
    images, kinds = [], []
    for index, scan in enumerate(scans.images):
        side = int(rng.integers(100, 221))
        cells = Image.fromarray((scan * (255 / 16)).astype(np.float32), mode="F")
        digit = np.clip(np.asarray(cells.resize((side, side), Image.Resampling.BICUBIC)), 0, 255)
        canvas = np.zeros((CANVAS, CANVAS), dtype=np.float32)
        top, left = (int(rng.integers(0, CANVAS - side + 1)) for _ in range(2))
        canvas[top : top + side, left : left + side] = digit
        dark = index % 2 == 1
        images.append((255 - canvas if dark else canvas).astype(np.uint8))
        kinds.append("dark on light" if dark else "light on dark")
    return HandwritingSet(np.stack(images), scans.target.astype(np.int64), tuple(kinds))


def paper_digits(images: np.ndarray, labels: np.ndarray, *, seed: int = 0, photo: bool = False) -> HandwritingSet:
    """MNIST digits (``(n, 28, 28)`` or ``(n, 784)``, ink 0 to 1 or 0 to 255) written on paper, one a page.

    Each is enlarged to 60–230 pixels with a soft filter, written with the writer's
    pen or a thinner or thicker one (in turn), tilted by up to 15°, placed anywhere
    on a :data:`PAPER`-sided page in dark ink. With ``photo``, the page has a grain
    and light that falls off across it, and the picture is a JPEG of quality 40–90.

    Returns:
        RGB pictures, ``(n, PAPER, PAPER, 3)`` uint8.
    """
    rng = np.random.default_rng(seed)
    digits = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    if digits.max() > 1.0:  # MNIST's own uint8 levels
        digits = digits / 255.0
    pages, kinds = [], []
    for index, digit in enumerate(digits):
        pen = PENS[index % len(PENS)]
        ink = _written(digit, rng, pen)
        page = _page(ink, rng, photo)
        if photo:
            page = _jpeg(page, int(rng.integers(40, 91)))
        pages.append(page)
        kinds.append(pen)
    return HandwritingSet(np.stack(pages), np.asarray(labels, dtype=np.int64), tuple(kinds))


def paper_numbers(
    images: np.ndarray, labels: np.ndarray, count: int, *, seed: int = 0, touching_share: float = 0.2
) -> NumberSet:
    """``count`` numbers of two to four MNIST digits written side by side, photographed.

    Each digit is one of ``images`` (picked at random), written as in :func:`paper_digits`
    (pens in turn, a smaller tilt) at one height per number; the gaps between them vary,
    and in ``touching_share`` of the numbers two neighbours touch.
    """
    rng = np.random.default_rng(seed)
    digits = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    if digits.max() > 1.0:
        digits = digits / 255.0
    width, height = 2 * PAPER, PAPER
    pages, numbers, touching = [], [], []
    for index in range(count):
        picks = rng.choice(len(digits), size=int(rng.integers(2, 5)), replace=False)
        size = float(rng.uniform(60, 110))
        touch = rng.random() < touching_share
        inks = [_written(digits[i], rng, PENS[index % len(PENS)], height=size, tilt=6) for i in picks]
        row = np.zeros((max(ink.shape[0] for ink in inks), 0), dtype=np.float32)
        for position, ink in enumerate(inks):
            if position == 0:
                row = _beside(row, ink, 0)
                continue
            gap = _touching_gap(row, ink) if touch and position == 1 else round(rng.uniform(0.12, 0.35) * size)
            row = _beside(row, ink, gap)
        if row.shape[1] > width - 16:
            scale = (width - 16) / row.shape[1]
            shape = (width - 16, max(1, round(row.shape[0] * scale)))
            row = np.asarray(Image.fromarray(row, mode="F").resize(shape, Image.Resampling.BILINEAR))
        pages.append(_jpeg(_page(row, rng, True, shape=(height, width)), int(rng.integers(50, 91))))
        numbers.append("".join(str(int(labels[i])) for i in picks))
        touching.append(touch)
    return NumberSet(np.stack(pages), tuple(numbers), np.array(touching))


def _touching_gap(row: np.ndarray, ink: np.ndarray, overlap: int = 3) -> int:
    """The gap (negative) that puts ``ink`` against ``row`` so that their strokes overlap by ``overlap`` pixels.

    Bottoms aligned as :func:`_beside` sets them: on each line where both have ink, the
    distance from the row's last inked pixel to the digit's first. The line where they come
    closest touches first.
    """
    height = max(row.shape[0], ink.shape[0])
    left_ink, right_ink = np.zeros((height, row.shape[1]), bool), np.zeros((height, ink.shape[1]), bool)
    left_ink[height - row.shape[0] :] = row > 0.3
    right_ink[height - ink.shape[0] :] = ink > 0.3
    both = left_ink.any(axis=1) & right_ink.any(axis=1)
    if not both.any():
        return -overlap
    last = row.shape[1] - 1 - np.argmax(left_ink[both][:, ::-1], axis=1)  # the row's rightmost ink on each line
    first = np.argmax(right_ink[both], axis=1)  # the digit's leftmost ink on each line
    # With gap g the digit's pixel x lands at row.shape[1] + g + x: touching where that equals ``last``.
    return int((last - first).max()) - row.shape[1] - overlap + 1


def _beside(row: np.ndarray, ink: np.ndarray, gap: int) -> np.ndarray:
    """``ink`` written ``gap`` pixels to the right of ``row`` (overlapping when negative), bottoms aligned."""
    height = max(row.shape[0], ink.shape[0])
    width = max(row.shape[1], row.shape[1] + gap + ink.shape[1])
    out = np.zeros((height, width), dtype=np.float32)
    out[height - row.shape[0] :, : row.shape[1]] = row
    left = max(0, row.shape[1] + gap)
    region = out[height - ink.shape[0] :, left : left + ink.shape[1]]
    np.maximum(region, ink[:, : region.shape[1]], out=region)
    return out


def _written(
    digit: np.ndarray, rng: np.random.Generator, pen: str, *, height: float | None = None, tilt: float = 15
) -> np.ndarray:
    """The digit's ink enlarged (to ``height``, or 60–230 pixels), softened, re-inked with ``pen`` and tilted."""
    rows, cols = np.flatnonzero(digit.max(axis=1) > 0.05), np.flatnonzero(digit.max(axis=0) > 0.05)
    digit = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] if len(rows) else digit
    height = float(rng.uniform(60, 230)) if height is None else height
    scale = height / max(digit.shape)
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    ink = np.asarray(Image.fromarray(np.pad(digit, 2), mode="F").resize(
        (size[0] + round(4 * scale), size[1] + round(4 * scale)), Image.Resampling.BICUBIC
    ))  # fmt: skip
    ink = np.clip(ink, 0.0, 1.0)
    if pen == "thin":  # a fine pen: only the stroke's core inks the paper
        ink = np.clip((ink - 0.55) / 0.3, 0.0, 1.0)
    elif pen == "thick":  # a marker: the stroke spreads by about a third of its width
        ink = ndimage.grey_dilation(ink, size=(max(2, round(scale * 0.9)),) * 2)
    angle = float(rng.uniform(-tilt, tilt))
    tilted = Image.fromarray(ink.astype(np.float32), mode="F").rotate(angle, Image.Resampling.BILINEAR, expand=True)
    return np.clip(np.asarray(tilted), 0.0, 1.0)


def _page(
    ink: np.ndarray, rng: np.random.Generator, photo: bool, *, shape: tuple[int, int] = (PAPER, PAPER)
) -> np.ndarray:
    """``ink`` in dark blue-black on a light page of ``shape``, placed anywhere on it."""
    rows, cols = shape
    if ink.shape[0] > rows - 8 or ink.shape[1] > cols - 8:
        fit = min((rows - 8) / ink.shape[0], (cols - 8) / ink.shape[1])
        size = (max(1, int(ink.shape[1] * fit)), max(1, int(ink.shape[0] * fit)))
        ink = np.asarray(Image.fromarray(ink, mode="F").resize(size, Image.Resampling.BILINEAR))
    field = np.zeros(shape, dtype=np.float32)
    top = int(rng.integers(4, rows - ink.shape[0] - 3))
    left = int(rng.integers(4, cols - ink.shape[1] - 3))
    field[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    paper = np.full(shape, rng.uniform(0.82, 0.96), dtype=np.float32)
    if photo:
        grain = ndimage.gaussian_filter(rng.normal(0, 1, shape).astype(np.float32), 1.5)
        paper += grain * float(rng.uniform(0.01, 0.03)) / max(float(grain.std()), 1e-6)
        # A column and a row: their sum below spans the page.
        ys, xs = np.arange(rows)[:, None] / max(shape), np.arange(cols)[None, :] / max(shape)
        direction = rng.uniform(0, 2 * np.pi)
        slope = np.cos(direction) * (xs - 0.5) + np.sin(direction) * (ys - 0.5)
        paper *= 1.0 - float(rng.uniform(0.15, 0.4)) * (slope + 0.5)  # a lamp to one side
    strength = float(rng.uniform(0.65, 0.9))
    tint = np.array([0.85, 0.9, 1.0], dtype=np.float32) if rng.random() < 0.5 else np.ones(3, dtype=np.float32)
    gray = paper * (1.0 - strength * field)
    rgb = np.clip(gray[..., None] * np.where(field[..., None] > 0.05, tint, 1.0), 0.0, 1.0)
    return (rgb * 255).astype(np.uint8)


def _jpeg(page: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
