"""Things that are not digits, drawn to train on: a model's eleventh answer, "not a digit".

A model that knows only ten answers gives one of them to anything: a smiley,
a name, a crossed-out mess. Trained on these scribbles, letters, shapes and
stray marks beside the digits, with the label :data:`NOT_A_DIGIT`, it learns
to say that a drawing is none of them.

They are made here, with their own shapes and random proportions, apart from
the benchmark's :func:`~mnist_core.images.drawn.draw_non_digits`: its letters
(A, X, H, W, E, K), its coiled scribbles and its shapes are never trained on,
so the benchmark measures things no model has seen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import data
from ..errors import EmptyImageError
from .drawn import SITUATIONS, Stroke, _arc, _line, _place, _render, cached_rows
from .preprocess import canvas_to_mnist

__all__ = [
    "KINDS",
    "NOT_A_DIGIT",
    "PRACTICE_NON_DIGITS",
    "cached_practice_non_digits",
    "practice_non_digits",
    "practice_non_digits_path",
]

#: The label of "not a digit": the output after the ten digits.
NOT_A_DIGIT = 10
#: Non-digits in the set that ``ModelSpec.non_digits`` mixes into training.
PRACTICE_NON_DIGITS = 6000
PRACTICE_NON_DIGITS_VERSION = 3  # 2: preprocessed with the pen step's band 1.5–10; 3: box-averaged pixels

# Letters that no one reads as a digit, in a unit box; never the benchmark's A X H W E K.
_LETTERS: dict[str, list[Stroke]] = {
    "M": [_line((0.1, 0.97), (0.15, 0.03), (0.5, 0.6), (0.85, 0.03), (0.9, 0.97))],
    "N": [_line((0.15, 0.97), (0.15, 0.03), (0.85, 0.97), (0.85, 0.03))],
    "V": [_line((0.1, 0.03), (0.5, 0.97), (0.9, 0.03))],
    "Y": [_line((0.1, 0.03), (0.5, 0.5), (0.9, 0.03)), _line((0.5, 0.5), (0.5, 0.97))],
    "F": [_line((0.85, 0.03), (0.2, 0.03), (0.2, 0.97)), _line((0.2, 0.5), (0.7, 0.5))],
    "P": [_line((0.2, 0.97), (0.2, 0.03)) + _arc(0.45, 0.27, 0.3, 0.24, -90, 90) + _line((0.2, 0.51))],
    "R": [_line((0.2, 0.97), (0.2, 0.03)) + _arc(0.45, 0.27, 0.3, 0.24, -90, 90) + _line((0.2, 0.51), (0.85, 0.97))],
    "C": [_arc(0.55, 0.5, 0.4, 0.47, 45, 315)],
    "U": [_line((0.15, 0.03), (0.15, 0.6)) + _arc(0.5, 0.6, 0.35, 0.37, 180, 0) + _line((0.85, 0.6), (0.85, 0.03))],
    "T": [_line((0.05, 0.05), (0.95, 0.05)), _line((0.5, 0.05), (0.5, 0.97))],
    "m": [_line((0.1, 0.97), (0.1, 0.35)) + _arc(0.3, 0.55, 0.2, 0.2, 180, 360) + _arc(0.7, 0.55, 0.2, 0.2, 180, 360)],
    "e": [_line((0.12, 0.5), (0.88, 0.5)) + _arc(0.5, 0.5, 0.38, 0.45, 0, -300)],
    "r": [_line((0.3, 0.97), (0.3, 0.3)) + _arc(0.6, 0.45, 0.3, 0.2, 180, 300)],
    "w": [_line((0.05, 0.2), (0.28, 0.95), (0.5, 0.4), (0.72, 0.95), (0.95, 0.2))],
}


def _scribble(rng: np.random.Generator) -> list[Stroke]:
    """One to three random, smoothly turning walks that fill a squarish box: a scribble.

    A short or straight walk would be a 1 or a 7; such walks are drawn again.
    """
    strokes: list[Stroke] = []
    while not strokes:
        walk = np.zeros((0, 2))
        for _ in range(int(rng.integers(1, 4))):
            turns = np.cumsum(rng.normal(0, rng.uniform(0.4, 1.0), int(rng.integers(40, 100))))
            steps = np.stack([np.cos(turns), np.sin(turns)], axis=1) * rng.uniform(0.03, 0.06)
            points = rng.uniform(0.3, 0.7, 2) + np.cumsum(steps, axis=0)
            strokes.append([(float(x), float(y)) for x, y in points])
            walk = np.concatenate([walk, points])
        extent = walk.max(axis=0) - walk.min(axis=0)
        if extent.min() < 0.5 * extent.max():
            strokes = []
    return strokes


def _hatching(rng: np.random.Generator) -> list[Stroke]:
    """A zigzag, or parallel lines side by side (a crossed-out mess)."""
    count = int(rng.integers(4, 11))
    if rng.random() < 0.5:
        xs = np.linspace(0, 1, count)
        return [[(float(x), float(i % 2 + rng.normal(0, 0.05))) for i, x in enumerate(xs)]]
    slope = rng.uniform(-0.6, 0.6)
    return [_line((x, 0.0), (x + slope, 1.0)) for x in np.linspace(0, 1, count)]


def _shape(rng: np.random.Generator) -> list[Stroke]:
    """A polygon, star, spiral, heart, grid, arrow or face."""
    kind = int(rng.integers(7))
    if kind == 0:  # a triangle or a square, closed (with more sides it is a 0)
        sides = int(rng.integers(3, 5))
        angles = rng.uniform(0, 2 * np.pi) + np.linspace(0, 2 * np.pi, sides + 1)
        return [[(0.5 + 0.45 * float(np.cos(a)), 0.5 + 0.45 * float(np.sin(a))) for a in angles]]
    if kind == 1:  # a star
        points = int(rng.integers(5, 8))
        angles = np.linspace(0, 2 * np.pi, 2 * points + 1) + rng.uniform(0, np.pi)
        radii = np.where(np.arange(2 * points + 1) % 2, rng.uniform(0.15, 0.3), 0.47)
        return [[(0.5 + r * float(np.cos(a)), 0.5 + r * float(np.sin(a))) for r, a in zip(radii, angles, strict=True)]]
    if kind == 2:  # a spiral of two or more turns
        t = np.linspace(0, rng.uniform(4, 7) * np.pi, 120)
        r = 0.47 * t / t[-1]
        return [[(0.5 + float(ri * np.cos(ti)), 0.5 + float(ri * np.sin(ti))) for ri, ti in zip(r, t, strict=True)]]
    if kind == 3:  # a heart
        t = np.linspace(0, 2 * np.pi, 80)
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [[(0.5 + float(a) / 34, 0.45 + float(b) / 34) for a, b in zip(x, y, strict=True)]]
    if kind == 4:  # a grid: #, or a noughts-and-crosses board
        a, b = rng.uniform(0.25, 0.4), rng.uniform(0.6, 0.75)
        return [_line((a, 0), (a, 1)), _line((b, 0), (b, 1)), _line((0, a), (1, a)), _line((0, b), (1, b))]
    if kind == 5:  # an arrow
        head = rng.uniform(0.15, 0.3)
        return [_line((0.0, 0.5), (1.0, 0.5)), _line((1 - head, 0.5 - head), (1.0, 0.5), (1 - head, 0.5 + head))]
    return [  # a face: a round head, two eyes, a smile
        _arc(0.5, 0.5, 0.47, 0.47, 0, 360),
        _arc(0.35, 0.38, 0.03, 0.03, 0, 360, points=8),
        _arc(0.65, 0.38, 0.03, 0.03, 0, 360, points=8),
        _arc(0.5, 0.55, 0.25, rng.uniform(0.1, 0.2), 20, 160),
    ]


def _letter(rng: np.random.Generator) -> list[Stroke]:
    return list(_LETTERS.values())[int(rng.integers(len(_LETTERS)))]


def _letters(rng: np.random.Generator) -> list[Stroke]:
    """Two or three letters side by side, squeezed into one box: a word."""
    count = int(rng.integers(2, 4))
    word = []
    for index in range(count):
        for stroke in _letter(rng):
            word.append([((index + x * 0.85) / count, 0.3 + 0.4 * y) for x, y in stroke])
    return word


def _mark(rng: np.random.Generator) -> list[Stroke]:
    """A stray mark: a dot, a flat dash, a tick or a short curl."""
    kind = int(rng.integers(4))
    if kind == 0:
        return [_arc(0.5, 0.5, 0.02, 0.02, 0, 360, points=8)]
    if kind == 1:
        return [_line((0.0, 0.5), (1.0, 0.5 + rng.uniform(-0.1, 0.1)))]
    if kind == 2:
        return [_line((0.0, 0.55), (0.35, 0.9), (1.0, 0.1))]
    return [_arc(0.5, 0.5, 0.5, 0.2, 0, rng.uniform(120, 200))]


#: What the training non-digits are made of, each drawn equally often.
KINDS: dict[str, Callable[[np.random.Generator], list[Stroke]]] = {
    "scribble": _scribble,
    "hatching": _hatching,
    "shape": _shape,
    "letter": _letter,
    "letters": _letters,
    "mark": _mark,
}


def practice_non_digits(count: int = PRACTICE_NON_DIGITS, *, seed: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """``count`` non-digits of every kind in turn, preprocessed as the Draw page does.

    Each is placed like a practice drawing (size, slant, pen; now and then only
    dots dabbed all over), rendered like the canvas and sent through
    :func:`~mnist_core.images.preprocess.canvas_to_mnist`.

    Returns:
        ``(x, y)``: ``(count, 784)`` float32 in [0, 1], and labels all :data:`NOT_A_DIGIT`.
    """
    rng = np.random.default_rng(seed)
    situations, makers = list(SITUATIONS.values()), list(KINDS.values())
    images: list[np.ndarray] = []
    while len(images) < count:
        index = len(images)
        if index % 25 == 24:  # speckles: dots dabbed all over
            shape = [[(x, y), (x + 0.01, y)] for x, y in rng.uniform(0, 1, (int(rng.integers(8, 60)), 2))]
        else:
            shape = makers[index % len(makers)](rng)
        strokes, pen = _place(shape, rng, situations[index % len(situations)])
        try:
            images.append(canvas_to_mnist(_render(strokes, pen, supersample=2)).reshape(-1))
        except EmptyImageError:  # a mark that fell off the canvas: draw another
            continue
    return np.stack(images).astype(np.float32), np.full(count, NOT_A_DIGIT, dtype=np.int64)


def practice_non_digits_path() -> Path:
    """Where the non-digits are kept once drawn, beside the MNIST cache."""
    return data.cache_dir() / f"practice-non-digits-v{PRACTICE_NON_DIGITS_VERSION}.npz"


def cached_practice_non_digits() -> tuple[np.ndarray, np.ndarray]:
    """:func:`practice_non_digits` with the defaults, drawn once and then read from the cache.

    A damaged cache file is drawn again.
    """
    return cached_rows(practice_non_digits_path(), PRACTICE_NON_DIGITS, practice_non_digits)
