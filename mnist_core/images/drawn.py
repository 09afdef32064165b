"""Digits drawn as pen strokes, rendered like the Draw page's canvas: a benchmark that is not MNIST.

MNIST test accuracy says little about digits drawn with a mouse: they are
written by other hands, at other sizes and places, with another pen. This
module writes digits the way people draw them — strokes with varied styles,
slant, size, position and pen width — and renders them exactly as the canvas
does (280×280, white round-capped strokes on black, anti-aliased). It also
draws things that are not digits (noise, blobs, lines, letters, scribbles,
pictures, stray marks), which a model should refuse.

Everything is generated from a seed: nothing is stored.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .. import data
from .preprocess import canvas_to_mnist

__all__ = [
    "CANVAS",
    "NON_DIGIT_KINDS",
    "PRACTICE_PER_DIGIT",
    "SITUATIONS",
    "TEMPLATES",
    "DrawnSet",
    "Situation",
    "cached_practice_drawings",
    "draw_digits",
    "draw_non_digits",
    "practice_drawings",
    "practice_path",
    "render_digit",
]

CANVAS = 280
SUPERSAMPLE = 3  # drawn larger, then shrunk: the canvas's anti-aliasing

Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, points: int = 40) -> Stroke:
    """Points along an elliptical arc; angles in degrees, 0 = right, 90 = down (y grows downwards)."""
    angles = np.deg2rad(np.linspace(start, end, points))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def _line(*points: tuple[float, float]) -> Stroke:
    return list(points)


# Each digit has a few ways of writing it; each way is a list of strokes in a unit box.
TEMPLATES: dict[int, dict[str, list[Stroke]]] = {
    0: {"oval": [_arc(0.5, 0.5, 0.34, 0.47, -90, 280)], "narrow": [_arc(0.5, 0.5, 0.28, 0.47, -100, 265)]},
    1: {
        "stroke": [_line((0.5, 0.03), (0.5, 0.97))],
        "with a flag": [_line((0.28, 0.25), (0.55, 0.03), (0.55, 0.97))],
        "with a flag and a base": [_line((0.3, 0.22), (0.55, 0.03), (0.55, 0.97)), _line((0.3, 0.97), (0.8, 0.97))],
    },
    2: {
        "curved": [
            _arc(0.5, 0.3, 0.33, 0.27, 190, 360) + _arc(0.5, 0.3, 0.33, 0.27, 0, 40) + _line((0.1, 0.97), (0.92, 0.97))
        ],
        "hooked": [_arc(0.5, 0.3, 0.35, 0.27, 180, 380) + _line((0.12, 0.95), (0.9, 0.95))],
    },
    3: {
        "round": [_arc(0.48, 0.27, 0.3, 0.24, 200, 450) + _arc(0.48, 0.73, 0.34, 0.24, 270, 520)],
        "flat top": [_line((0.15, 0.05), (0.85, 0.05), (0.45, 0.42)) + _arc(0.5, 0.7, 0.33, 0.27, 270, 520)],
    },
    4: {
        "closed": [_line((0.62, 0.03), (0.08, 0.66), (0.92, 0.66)), _line((0.66, 0.3), (0.66, 0.97))],
        "open": [_line((0.18, 0.03), (0.14, 0.55), (0.88, 0.55)), _line((0.74, 0.03), (0.74, 0.97))],
    },
    5: {
        "one stroke": [_line((0.82, 0.04), (0.25, 0.04), (0.2, 0.44)) + _arc(0.48, 0.68, 0.33, 0.28, 225, 500)],
        "top bar last": [
            _line((0.22, 0.04), (0.2, 0.44)) + _arc(0.48, 0.68, 0.33, 0.28, 225, 500),
            _line((0.22, 0.04), (0.82, 0.04)),
        ],
    },
    6: {"loop": [_line((0.72, 0.03), (0.38, 0.3)) + _arc(0.48, 0.7, 0.3, 0.27, 200, 560)]},
    7: {
        "plain": [_line((0.1, 0.04), (0.9, 0.04), (0.42, 0.97))],
        "with a bar": [_line((0.1, 0.04), (0.9, 0.04), (0.42, 0.97)), _line((0.4, 0.5), (0.85, 0.5))],
    },
    8: {
        "one stroke": [[(0.5 + 0.3 * np.sin(2 * t), 0.5 - 0.46 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 80)]],
        "two loops": [_arc(0.5, 0.27, 0.24, 0.23, 90, 450), _arc(0.5, 0.72, 0.3, 0.25, -90, 270)],
    },
    9: {
        "straight tail": [_arc(0.45, 0.3, 0.28, 0.26, 0, 370) + _line((0.73, 0.35), (0.66, 0.97))],
        "curved tail": [_arc(0.45, 0.3, 0.28, 0.26, 0, 370) + _arc(0.2, 0.3, 0.53, 0.66, 0, 90)],
    },
}

LETTERS: list[list[Stroke]] = [
    [_line((0.1, 0.97), (0.5, 0.03), (0.9, 0.97)), _line((0.28, 0.6), (0.72, 0.6))],  # A
    [_line((0.1, 0.03), (0.9, 0.97)), _line((0.9, 0.03), (0.1, 0.97))],  # X
    [_line((0.15, 0.03), (0.15, 0.97)), _line((0.85, 0.03), (0.85, 0.97)), _line((0.15, 0.5), (0.85, 0.5))],  # H
    [_line((0.05, 0.05), (0.25, 0.95), (0.5, 0.35), (0.75, 0.95), (0.95, 0.05))],  # W
    [_line((0.85, 0.05), (0.15, 0.05), (0.15, 0.95), (0.85, 0.95)), _line((0.15, 0.5), (0.7, 0.5))],  # E
    [_line((0.2, 0.03), (0.2, 0.97)), _line((0.85, 0.03), (0.2, 0.55), (0.85, 0.97))],  # K
]


@dataclass(frozen=True)
class Situation:
    """How a drawing is made: the digit's height and the pen in canvas pixels, its slant and place."""

    height: tuple[float, float] = (100, 240)
    pen: tuple[float, float] = (10, 32)
    # A pen wider than about a quarter of the digit's height fills its loops: a 0 becomes
    # a disc that nobody can read. The pen is at most this share of the height.
    pen_share: float = 0.25
    slant: tuple[float, float] = (0.0, 0.35)  # shear, either way
    place: str = "anywhere"  # "anywhere", "edge" (touching one side) or "corner"
    broken: bool = False  # the pen lifted for short gaps inside strokes


#: The situations of the benchmark; every digit is drawn equally often in each.
SITUATIONS: dict[str, Situation] = {
    "typical": Situation(),
    "thick pen, small digit": Situation(height=(70, 120), pen=(20, 32)),
    "thin pen, large digit": Situation(height=(200, 260), pen=(8, 10)),
    "touching the edge": Situation(height=(140, 250), place="edge"),
    "strong slant": Situation(slant=(0.45, 0.75)),
    "broken strokes": Situation(broken=True),
    "tiny, in a corner": Situation(height=(36, 60), pen=(8, 14), place="corner"),
}


@dataclass(frozen=True, eq=False)
class DrawnSet:
    """Rendered canvases and what they show.

    Attributes:
        images: ``(n, 280, 280)`` uint8, white ink on black, as the canvas sends it.
        labels: the digit drawn, or -1 for a non-digit.
        kinds: a word for each image: its style ("7 with a bar"), or the kind of non-digit.
        situations: the :data:`SITUATIONS` entry each drawing was made in.
        pens: the pen width of each drawing, in canvas pixels.
        sizes: the longer side of each drawing's ink, in canvas pixels.
    """

    images: np.ndarray
    labels: np.ndarray
    kinds: tuple[str, ...]
    situations: tuple[str, ...] = ()
    pens: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _render(strokes: list[Stroke], pen: float, supersample: int = SUPERSAMPLE) -> np.ndarray:
    side = CANVAS * supersample
    picture = Image.new("L", (side, side), 0)
    pencil = ImageDraw.Draw(picture)
    width = max(1, round(pen * supersample))
    for stroke in strokes:
        points = [(x * supersample, y * supersample) for x, y in stroke]
        pencil.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, as the canvas draws them
            pencil.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    # Each canvas pixel is the share of it that the pen covered, the average of its supersampled
    # block: an antialiased line as the canvas draws it (0.2 ms a canvas, where LANCZOS took 3.5).
    return np.asarray(picture.reduce(supersample))


def _break(strokes: list[Stroke], rng: np.random.Generator) -> list[Stroke]:
    """Each stroke of more than a few points cut once or twice, with a short gap where the pen lifted."""
    pieces: list[Stroke] = []
    for stroke in strokes:
        stroke = _dense(stroke)
        cuts = np.sort(rng.choice(np.arange(8, len(stroke) - 8), size=int(rng.integers(1, 3)), replace=False))
        start = 0
        for cut in cuts:
            gap = int(rng.integers(2, 5))
            pieces.append(stroke[start : max(start + 1, cut - gap // 2)])
            start = cut + (gap + 1) // 2
        pieces.append(stroke[start:])
    return [piece for piece in pieces if len(piece) > 1]


def _dense(stroke: Stroke, points: int = 60) -> Stroke:
    """The same path through ``points`` evenly spaced points, so that gaps can be cut anywhere."""
    path = np.asarray(stroke, dtype=float)
    along = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    at = np.linspace(0, along[-1], points)
    return [(float(np.interp(a, along, path[:, 0])), float(np.interp(a, along, path[:, 1]))) for a in at]


def _place(
    strokes: list[Stroke], rng: np.random.Generator, situation: Situation = SITUATIONS["typical"]
) -> tuple[list[Stroke], float]:
    """Slant, rotate, squeeze, jitter, size and position a template the way people vary."""
    slant = rng.uniform(*situation.slant) * rng.choice((-1, 1))
    angle = np.deg2rad(rng.uniform(-10, 10))
    squeeze = rng.uniform(0.6, 1.1)
    height = rng.uniform(*situation.height)
    pen = min(rng.uniform(*situation.pen), situation.pen_share * height)
    margin = pen / 2 + 2
    moved: list[np.ndarray] = []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=float) + rng.normal(0, 0.012, (len(stroke), 2))
        x = (points[:, 0] - 0.5) * squeeze + slant * (0.5 - points[:, 1])
        y = points[:, 1] - 0.5
        moved.append(np.stack([x * np.cos(angle) - y * np.sin(angle), x * np.sin(angle) + y * np.cos(angle)], 1))
    every = np.concatenate(moved) * height
    low, high = every.min(axis=0), every.max(axis=0)
    room = np.maximum(CANVAS - 2 * margin - (high - low), 0)
    where = rng.uniform(0, 1, 2)
    if situation.place == "corner":
        where = rng.integers(0, 2, 2).astype(np.float64)  # one of the four corners, at the margin
    elif situation.place == "edge":
        side = int(rng.integers(4))
        where[side % 2] = side // 2  # flush with the left, top, right or bottom margin …
        margin -= pen / 2 + 2  # … where the margin is gone: the ink runs into the edge
        room = np.maximum(CANVAS - 2 * margin - (high - low), 0)
    offset = margin - low + where * room
    return [[(float(px), float(py)) for px, py in stroke * height + offset] for stroke in moved], pen


def render_digit(digit: int, *, height: float, pen: float, style: str | None = None) -> np.ndarray:
    """One digit drawn upright in the middle of the canvas: ``height`` tall, with a ``pen`` so wide.

    ``style`` names one of the digit's :data:`TEMPLATES` (the first when omitted).
    """
    styles = TEMPLATES[digit]
    strokes = styles[style or next(iter(styles))]
    offset = (CANVAS - height) / 2
    return _render([[(offset + x * height, offset + y * height) for x, y in stroke] for stroke in strokes], pen)


def draw_digits(per_digit: int = 140, *, seed: int = 0) -> DrawnSet:
    """``per_digit`` drawings of every digit, made in each situation in turn, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    images, labels, kinds, situations, pens, sizes = [], [], [], [], [], []
    names = list(SITUATIONS)
    for digit, styles in TEMPLATES.items():
        for index in range(per_digit):
            name = names[index % len(names)]
            style = list(styles)[int(rng.integers(len(styles)))]
            strokes, pen = _place(styles[style], rng, SITUATIONS[name])
            if SITUATIONS[name].broken:
                strokes = _break(strokes, rng)
            image = _render(strokes, pen)
            rows, cols = np.flatnonzero((image > 127).any(axis=1)), np.flatnonzero((image > 127).any(axis=0))
            images.append(image)
            labels.append(digit)
            kinds.append(f"{digit} {style}")
            situations.append(name)
            pens.append(pen)
            sizes.append(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)
    return DrawnSet(
        np.stack(images), np.array(labels), tuple(kinds), tuple(situations), np.array(pens), np.array(sizes)
    )


#: What the benchmark's non-digits are, drawn in turn; none of their shapes is trained on
#: (the training non-digits are :mod:`mnist_core.images.scribbles`').
NON_DIGIT_KINDS = ("noise", "blob", "lines", "letter", "coil", "picture", "marks")


def _coil(rng: np.random.Generator) -> list[Stroke]:
    """A looping scribble moving across, like cursive e's."""
    t = np.linspace(0, rng.uniform(3, 6) * 2 * np.pi, 160)
    radius, height = rng.uniform(0.12, 0.2), rng.uniform(0.25, 0.45)
    x = 0.15 + 0.7 * t / t[-1] + radius * np.cos(t)
    y = 0.5 + height * np.sin(t)
    return [[(float(a), float(b)) for a, b in zip(x, y, strict=True)]]


def _picture(rng: np.random.Generator) -> list[Stroke]:
    """A little picture: a house, a sun, a circled cross or waves."""
    kind = int(rng.integers(4))
    if kind == 0:
        return [_line((0.15, 0.45), (0.5, 0.05), (0.85, 0.45), (0.85, 0.97), (0.15, 0.97), (0.15, 0.45), (0.85, 0.45))]
    if kind == 1:
        rays = [
            _line((0.5 + 0.3 * np.cos(a), 0.5 + 0.3 * np.sin(a)), (0.5 + 0.48 * np.cos(a), 0.5 + 0.48 * np.sin(a)))
            for a in np.linspace(0, 2 * np.pi, 9)[:-1]
        ]
        return [_arc(0.5, 0.5, 0.2, 0.2, 0, 360), *rays]
    if kind == 2:
        return [_arc(0.5, 0.5, 0.45, 0.45, 0, 360), _line((0.5, 0.05), (0.5, 0.95)), _line((0.05, 0.5), (0.95, 0.5))]
    t = np.linspace(0, 1, 60)
    return [[(float(a), 0.3 + 0.2 * row + 0.06 * float(np.sin(a * 18))) for a in t] for row in range(3)]


def _marks(rng: np.random.Generator) -> list[Stroke]:
    """Stray marks: an equals sign, or a row of dots."""
    if rng.random() < 0.5:
        return [_line((0.1, 0.4), (0.9, 0.4)), _line((0.1, 0.6), (0.9, 0.6))]
    return [_arc(x, 0.5, 0.01, 0.01, 0, 360, points=6) for x in (0.2, 0.5, 0.8)]


def draw_non_digits(count: int = 210, *, seed: int = 1) -> DrawnSet:
    """Things that are not digits, of each of :data:`NON_DIGIT_KINDS` in turn.

    Noise, blobs, straight lines, letters (A X H W E K), looping scribbles, little
    pictures and stray marks.
    """
    rng = np.random.default_rng(seed)
    images, kinds = [], []
    for index in range(count):
        kind = NON_DIGIT_KINDS[index % len(NON_DIGIT_KINDS)]
        if kind == "noise":
            image = ((rng.random((CANVAS, CANVAS)) < rng.uniform(0.05, 0.3)) * 255).astype(np.uint8)
        elif kind == "blob":
            cx, cy, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.3)
            ring = _arc(cx * CANVAS, cy * CANVAS, r * CANVAS / 2, r * CANVAS / 2, 0, 360)
            image = _render([ring], pen=r * CANVAS)
        elif kind == "lines":
            strokes = [[tuple(p) for p in rng.uniform(0, 1, (2, 2))] for _ in range(int(rng.integers(3, 7)))]
            image = _render(*_place(strokes, rng))
        elif kind == "letter":
            image = _render(*_place(LETTERS[int(rng.integers(len(LETTERS)))], rng))
        else:
            shapes = {"coil": _coil, "picture": _picture, "marks": _marks}
            image = _render(*_place(shapes[kind](rng), rng, SITUATIONS["thin pen, large digit"]))
        images.append(image)
        kinds.append(kind)
    return DrawnSet(np.stack(images), np.full(count, -1), tuple(kinds))


# -- practice drawings: canvas-drawn digits to train on ------------------------------------
#
# MNIST was written by American census staff and students: its 1s are single strokes and
# its 7s rarely have a bar, so a model trained on it alone reads a 1 with a flag as a 7.
# These drawings teach the other ways of writing a digit. Their shapes are made here, with
# random proportions, apart from the benchmark's TEMPLATES: the benchmark keeps measuring
# drawings that no model trained on.

#: Practice drawings per digit in the set that ``ModelSpec.drawings`` mixes into training.
PRACTICE_PER_DIGIT = 600
# 2: the pen step redraws only strokes outside EVEN_BAND; 3: its band is 1.5–10; 4: box-averaged pixels.
PRACTICE_VERSION = 4


def _practice_strokes(digit: int, rng: np.random.Generator) -> list[Stroke]:
    """One way of writing ``digit``, with proportions drawn at random."""
    u = rng.uniform
    if digit == 0:
        begin = u(-130, -50)
        return [_arc(0.5, 0.5, u(0.24, 0.42), u(0.42, 0.48), begin, begin + u(345, 390))]
    if digit == 1:
        top, bottom = (u(0.45, 0.6), 0.03), (u(0.4, 0.55), 0.97)
        if rng.random() < 0.45:
            return [_line(top, bottom)]
        flag = u(0.12, 0.32)
        strokes = [_line((top[0] - flag, u(0.12, 0.4)), top, bottom)]
        if rng.random() < 0.4:
            half = u(0.15, 0.3)
            strokes.append(_line((bottom[0] - half, 0.97), (bottom[0] + half, 0.97)))
        return strokes
    if digit == 2:
        rx, ry, foot = u(0.28, 0.38), u(0.2, 0.3), u(0.88, 0.97)
        return [
            _arc(0.5, 0.05 + ry, rx, ry, u(170, 200), u(350, 410)) + _line((u(0.05, 0.15), foot), (u(0.85, 0.97), foot))
        ]
    if digit == 3:
        if rng.random() < 0.3:
            return [
                _line((0.15, 0.04), (0.85, 0.04), (u(0.4, 0.5), u(0.35, 0.45)))
                + _arc(0.5, 0.7, u(0.3, 0.38), 0.26, 270, u(490, 530))
            ]
        split = u(0.42, 0.52)
        upper = _arc(0.5, split / 2, u(0.25, 0.33), split / 2, u(190, 220), 450)
        return [upper + _arc(0.5, (1 + split) / 2, u(0.3, 0.38), (1 - split) / 2, 270, u(500, 530))]
    if digit == 4:
        bar = u(0.52, 0.7)
        if rng.random() < 0.5:  # closed
            stem = u(0.58, 0.72)
            return [
                _line((u(0.5, 0.65), 0.03), (u(0.04, 0.15), bar), (u(0.85, 0.97), bar)),
                _line((stem, u(0.1, 0.4)), (stem, 0.97)),
            ]
        left, stem = u(0.1, 0.25), u(0.65, 0.8)
        return [_line((left, 0.03), (left - u(0, 0.06), bar), (u(0.85, 0.97), bar)), _line((stem, 0.03), (stem, 0.97))]
    if digit == 5:
        corner = (u(0.18, 0.28), u(0.38, 0.48))
        belly = _arc(0.48, 0.5 + corner[1] / 2 + 0.05, u(0.3, 0.38), u(0.22, 0.3), 220, u(480, 520))
        if rng.random() < 0.5:
            return [_line((u(0.75, 0.9), 0.04), (corner[0] + 0.03, 0.04), corner) + belly]
        return [_line((corner[0] + 0.03, 0.04), corner) + belly, _line((corner[0] + 0.03, 0.04), (u(0.75, 0.9), 0.04))]
    if digit == 6:
        ry = u(0.22, 0.3)
        return [_line((u(0.6, 0.8), 0.03), (u(0.3, 0.4), 0.35)) + _arc(0.5, 0.97 - ry, u(0.25, 0.33), ry, 190, 560)]
    if digit == 7:
        corner = (u(0.82, 0.95), u(0.02, 0.08))
        start = (u(0.05, 0.15), u(0.02, 0.12))
        strokes = [_line(start, corner, (u(0.3, 0.55), 0.97))]
        if rng.random() < 0.35:
            strokes[0] = _line((start[0], start[1] + u(0.05, 0.15)), *strokes[0])  # a small hook at the start
        if rng.random() < 0.4:
            middle = u(0.45, 0.55)
            strokes.append(_line((u(0.3, 0.45), middle), (u(0.8, 0.9), middle)))
        return strokes
    if digit == 8:
        if rng.random() < 0.5:
            width = u(0.24, 0.34)
            return [[(0.5 + width * np.sin(2 * t), 0.5 - 0.46 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 80)]]
        waist = u(0.4, 0.5)
        return [
            _arc(0.5, waist / 2 + 0.02, u(0.2, 0.28), waist / 2, 90, 450),
            _arc(0.5, (1 + waist) / 2, u(0.26, 0.34), (1 - waist) / 2 - 0.02, -90, 270),
        ]
    loop = u(0.22, 0.3)
    head = _arc(0.45, loop + 0.03, u(0.24, 0.32), loop, u(-20, 20), 380)
    if rng.random() < 0.6:
        return [head + _line((0.72, loop + 0.05), (u(0.55, 0.75), 0.97))]
    return [head + _arc(0.2, loop + 0.03, 0.53, 0.94 - loop, 0, 90)]


def practice_drawings(per_digit: int = PRACTICE_PER_DIGIT, *, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """``per_digit`` practice drawings of every digit, preprocessed as the Draw page does.

    Each is drawn in one of the :data:`SITUATIONS` in turn, rendered like the
    canvas and sent through :func:`~mnist_core.images.preprocess.canvas_to_mnist`.

    Returns:
        ``(x, y)``: ``(n, 784)`` float32 in [0, 1] and ``(n,)`` int64 labels.
    """
    rng = np.random.default_rng(seed)
    names = list(SITUATIONS)
    images, labels = [], []
    for digit in range(10):
        for index in range(per_digit):
            situation = SITUATIONS[names[index % len(names)]]
            strokes, pen = _place(_practice_strokes(digit, rng), rng, situation)
            if situation.broken:
                strokes = _break(strokes, rng)
            images.append(canvas_to_mnist(_render(strokes, pen, supersample=2)).reshape(-1))
            labels.append(digit)
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.int64)


def practice_path() -> Path:
    """Where the practice set is kept once drawn, beside the MNIST cache."""
    return data.cache_dir() / f"practice-drawings-v{PRACTICE_VERSION}.npz"


def cached_practice_drawings() -> tuple[np.ndarray, np.ndarray]:
    """:func:`practice_drawings` with the defaults, drawn once (about 15 s) and then read from the cache.

    A damaged cache file is drawn again.
    """
    return cached_rows(practice_path(), 10 * PRACTICE_PER_DIGIT, lambda: practice_drawings(PRACTICE_PER_DIGIT))


def cached_rows(
    path: Path, rows: int, make: Callable[[], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of ``rows`` images read from ``path``, or made by ``make`` and kept there (atomically) when the
    file is missing, damaged or of another size."""
    try:
        with np.load(path) as saved:
            x, y = saved["x"], saved["y"]
        if x.shape == (rows, 784) and y.shape == (rows,):
            return x, y
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass
    x, y = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as temporary:
        np.savez_compressed(temporary, x=x, y=y)
    os.replace(temporary.name, path)
    return x, y
