"""Digits drawn as pen strokes, rendered like the Draw page's canvas: a benchmark that is not MNIST.

MNIST test accuracy says little about digits drawn with a mouse: they are
written by other hands, at other sizes and places, with another pen. This
module writes digits the way people draw them — strokes with varied styles,
slant, size, position and pen width — and renders them exactly as the canvas
does (280×280, white round-capped strokes on black, anti-aliased). It also
draws things that are not digits (noise, blobs, lines, letters), which a model
should answer with "not sure".

Everything is generated from a seed: nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["CANVAS", "DrawnSet", "draw_digits", "draw_non_digits"]

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
TEMPLATES: dict[int, list[list[Stroke]]] = {
    0: [[_arc(0.5, 0.5, 0.34, 0.47, -90, 280)], [_arc(0.5, 0.5, 0.28, 0.47, -100, 265)]],
    1: [
        [_line((0.5, 0.03), (0.5, 0.97))],
        [_line((0.28, 0.25), (0.55, 0.03), (0.55, 0.97))],
        [_line((0.3, 0.22), (0.55, 0.03), (0.55, 0.97)), _line((0.3, 0.97), (0.8, 0.97))],
    ],
    2: [
        [_arc(0.5, 0.3, 0.33, 0.27, 190, 360) + _arc(0.5, 0.3, 0.33, 0.27, 0, 40) + _line((0.1, 0.97), (0.92, 0.97))],
        [_arc(0.5, 0.3, 0.35, 0.27, 180, 380) + _line((0.12, 0.95), (0.9, 0.95))],
    ],
    3: [
        [_arc(0.48, 0.27, 0.3, 0.24, 200, 450) + _arc(0.48, 0.73, 0.34, 0.24, 270, 520)],
        [_line((0.15, 0.05), (0.85, 0.05), (0.45, 0.42)) + _arc(0.5, 0.7, 0.33, 0.27, 270, 520)],
    ],
    4: [
        [_line((0.62, 0.03), (0.08, 0.66), (0.92, 0.66)), _line((0.66, 0.3), (0.66, 0.97))],
        [_line((0.18, 0.03), (0.14, 0.55), (0.88, 0.55)), _line((0.74, 0.03), (0.74, 0.97))],
    ],
    5: [
        [_line((0.82, 0.04), (0.25, 0.04), (0.2, 0.44)) + _arc(0.48, 0.68, 0.33, 0.28, 225, 500)],
        [_line((0.22, 0.04), (0.2, 0.44)) + _arc(0.48, 0.68, 0.33, 0.28, 225, 500), _line((0.22, 0.04), (0.82, 0.04))],
    ],
    6: [[_line((0.72, 0.03), (0.38, 0.3)) + _arc(0.48, 0.7, 0.3, 0.27, 200, 560)]],
    7: [
        [_line((0.1, 0.04), (0.9, 0.04), (0.42, 0.97))],
        [_line((0.1, 0.04), (0.9, 0.04), (0.42, 0.97)), _line((0.4, 0.5), (0.85, 0.5))],
    ],
    8: [
        [[(0.5 + 0.3 * np.sin(2 * t), 0.5 - 0.46 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 80)]],
        [_arc(0.5, 0.27, 0.24, 0.23, 90, 450), _arc(0.5, 0.72, 0.3, 0.25, -90, 270)],
    ],
    9: [
        [_arc(0.45, 0.3, 0.28, 0.26, 0, 370) + _line((0.73, 0.35), (0.66, 0.97))],
        [_arc(0.45, 0.3, 0.28, 0.26, 0, 370) + _arc(0.2, 0.3, 0.53, 0.66, 0, 90)],
    ],
}

LETTERS: list[list[Stroke]] = [
    [_line((0.1, 0.97), (0.5, 0.03), (0.9, 0.97)), _line((0.28, 0.6), (0.72, 0.6))],  # A
    [_line((0.1, 0.03), (0.9, 0.97)), _line((0.9, 0.03), (0.1, 0.97))],  # X
    [_line((0.15, 0.03), (0.15, 0.97)), _line((0.85, 0.03), (0.85, 0.97)), _line((0.15, 0.5), (0.85, 0.5))],  # H
    [_line((0.05, 0.05), (0.25, 0.95), (0.5, 0.35), (0.75, 0.95), (0.95, 0.05))],  # W
    [_line((0.85, 0.05), (0.15, 0.05), (0.15, 0.95), (0.85, 0.95)), _line((0.15, 0.5), (0.7, 0.5))],  # E
    [_line((0.2, 0.03), (0.2, 0.97)), _line((0.85, 0.03), (0.2, 0.55), (0.85, 0.97))],  # K
]


@dataclass(frozen=True, eq=False)
class DrawnSet:
    """Rendered canvases and what they show.

    Attributes:
        images: ``(n, 280, 280)`` uint8, white ink on black, as the canvas sends it.
        labels: the digit drawn, or -1 for a non-digit.
        kinds: a word for each image: its style, or the kind of non-digit.
    """

    images: np.ndarray
    labels: np.ndarray
    kinds: tuple[str, ...]


def _render(strokes: list[Stroke], pen: float) -> np.ndarray:
    side = CANVAS * SUPERSAMPLE
    picture = Image.new("L", (side, side), 0)
    pencil = ImageDraw.Draw(picture)
    width = max(1, round(pen * SUPERSAMPLE))
    for stroke in strokes:
        points = [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in stroke]
        pencil.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, as the canvas draws them
            pencil.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(picture.resize((CANVAS, CANVAS), Image.Resampling.LANCZOS))


def _place(strokes: list[Stroke], rng: np.random.Generator) -> tuple[list[Stroke], float]:
    """Slant, rotate, squeeze, jitter, size and position a template the way people vary."""
    slant = rng.uniform(-0.35, 0.35)
    angle = np.deg2rad(rng.uniform(-10, 10))
    squeeze = rng.uniform(0.6, 1.1)
    height = rng.uniform(0.35, 0.85) * CANVAS
    pen = rng.uniform(10, 32)
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
    offset = margin - low + rng.uniform(0, 1, 2) * room
    return [[(float(px), float(py)) for px, py in stroke * height + offset] for stroke in moved], pen


def draw_digits(per_digit: int = 120, *, seed: int = 0) -> DrawnSet:
    """``per_digit`` drawings of every digit, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    images, labels, kinds = [], [], []
    for digit, styles in TEMPLATES.items():
        for _ in range(per_digit):
            style = int(rng.integers(len(styles)))
            strokes, pen = _place(styles[style], rng)
            images.append(_render(strokes, pen))
            labels.append(digit)
            kinds.append(f"{digit}-style{style}")
    return DrawnSet(np.stack(images), np.array(labels), tuple(kinds))


def draw_non_digits(count: int = 200, *, seed: int = 1) -> DrawnSet:
    """Things that are not digits: noise, blobs, scribbled lines and letters."""
    rng = np.random.default_rng(seed)
    images, kinds = [], []
    for index in range(count):
        kind = ("noise", "blob", "lines", "letter")[index % 4]
        if kind == "noise":
            image = ((rng.random((CANVAS, CANVAS)) < rng.uniform(0.05, 0.3)) * 255).astype(np.uint8)
        elif kind == "blob":
            cx, cy, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.3)
            ring = _arc(cx * CANVAS, cy * CANVAS, r * CANVAS / 2, r * CANVAS / 2, 0, 360)
            image = _render([ring], pen=r * CANVAS)
        elif kind == "lines":
            strokes = [[tuple(p) for p in rng.uniform(0, 1, (2, 2))] for _ in range(int(rng.integers(3, 7)))]
            placed, pen = _place(strokes, rng)
            image = _render(placed, pen)
        else:
            placed, pen = _place(LETTERS[int(rng.integers(len(LETTERS)))], rng)
            image = _render(placed, pen)
        images.append(image)
        kinds.append(kind)
    return DrawnSet(np.stack(images), np.full(count, -1), tuple(kinds))
