"""Pen width: measure a digit's strokes and redraw them as wide as MNIST's.

MNIST's strokes are about two and a half pixels wide out of 28, whoever wrote
the digit and with whatever pen. On the canvas the pen is 8 to 40 pixels wide
and the digit anything from 30 to 280 pixels tall, so after fitting into 20×20
a thick pen on a small digit becomes a blob five or six pixels wide, and a thin
pen on a large digit a faint hairline. :func:`even_strokes` thins the ink to its
centre line (a skeleton) and draws that line again with a round pen sized so
that, once the digit is fitted into the model's field, its strokes are as wide
as MNIST's.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image
from scipy import ndimage

__all__ = ["MNIST_STROKE_WIDTH", "PEN_WIDTH", "even_strokes", "skeleton", "stroke_width"]

#: The median stroke width of MNIST's training digits in pixels of the 28×28 field,
#: as :func:`stroke_width` measures it (every third digit: quartiles 2.1 and 3.1,
#: 5th and 95th percentiles 1.5 and 4.4).
MNIST_STROKE_WIDTH = 2.5
#: The pen :func:`even_strokes` redraws with: after anti-aliasing and shrinking, strokes
#: drawn with it measure MNIST_STROKE_WIDTH.
PEN_WIDTH = 2.4
#: Ink above this share of a pixel counts when finding a stroke's centre line.
SOLID = 0.5
#: The digit is redrawn at this many pixels along its longer side: fine enough
#: for a thin pen, small enough to thin in a few milliseconds.
WORK_SIDE = 112
#: A centre line shorter than this (in working pixels) is a dot, not a stroke: left as drawn.
MIN_SKELETON_SPAN = 4


def _peel_table(first_pass: bool) -> np.ndarray:
    """Which of the 256 neighbourhoods make a pixel peel off in one of Zhang and Suen's two passes.

    A neighbourhood is coded by its eight neighbours clockwise from north (P2 … P9 in
    the paper), P2 the lowest bit.
    """
    table = np.zeros(256, dtype=bool)
    for code in range(256):
        p2, p3, p4, p5, p6, p7, p8, p9 = ((code >> bit) & 1 for bit in range(8))
        ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
        neighbours = sum(ring[:8])
        crossings = sum(a == 0 and b == 1 for a, b in itertools.pairwise(ring))
        # The first pass peels south-east borders and north-west corners, the second the opposite ones.
        sides = ((p2, p4, p6), (p4, p6, p8)) if first_pass else ((p2, p4, p8), (p2, p6, p8))
        keeps_shape = all(a * b * c == 0 for a, b, c in sides)
        table[code] = 2 <= neighbours <= 6 and crossings == 1 and keeps_shape
    return table


#: The two passes' tables (see :func:`_peel_table`).
_PEEL = (_peel_table(True), _peel_table(False))


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide centre lines of a binary image (Zhang and Suen's thinning, 1984).

    Each pass peels off the border pixels whose removal keeps every stroke in
    one piece and keeps the ends of strokes, alternately from the south-east and
    the north-west, until nothing changes. Only inked pixels are looked at: each
    pass codes their neighbourhoods from eight gathers and looks up in a table of
    all 256 which of them peel.
    """
    grid = np.pad(np.asarray(mask, dtype=bool), 1).astype(np.uint8)
    flat = grid.ravel()  # a view: peeling a pixel here peels it in grid
    row = grid.shape[1]
    neighbours = (-row, -row + 1, 1, row + 1, row, row - 1, -1, -row - 1)  # P2 … P9, clockwise from north
    inked = np.flatnonzero(flat)
    while True:
        changed = False
        for table in _PEEL:
            codes = flat[inked + neighbours[0]]  # a fresh array: fancy indexing copies
            for bit, offset in enumerate(neighbours[1:], start=1):
                codes |= flat[inked + offset] << bit
            peel = table[codes]
            if peel.any():
                flat[inked[peel]] = 0
                inked = inked[~peel]
                changed = True
        if not changed:
            return grid[1:-1, 1:-1].astype(bool)


def stroke_width(image: np.ndarray) -> float:
    """The mean width of the strokes in ``image`` (ink 0 to 1), in its own pixels.

    The ink's area divided by the length of its centre line: a stroke of width
    ``w`` and length ``l`` holds ``w × l`` of ink. 0 for an image without ink.
    """
    amount = np.asarray(image, dtype=np.float32)
    centre = skeleton(amount > SOLID)
    length = _length(centre)
    return float(amount.sum() / length) if length else 0.0


def _length(centre: np.ndarray) -> float:
    """The length of one-pixel-wide lines: 1 per step to a side neighbour, √2 per diagonal step.

    A diagonal step counts only where no side neighbour already joins the two
    pixels (a staircase corner is two side steps, not three). A pixel alone counts as 1.
    """
    c = np.asarray(centre, dtype=bool)
    side = (c[:, 1:] & c[:, :-1]).sum() + (c[1:, :] & c[:-1, :]).sum()
    down_right = c[1:, 1:] & c[:-1, :-1] & ~c[:-1, 1:] & ~c[1:, :-1]
    down_left = c[1:, :-1] & c[:-1, 1:] & ~c[:-1, :-1] & ~c[1:, 1:]
    steps = side + np.sqrt(2) * (down_right.sum() + down_left.sum())
    return float(max(steps, c.sum() > 0))


def even_strokes(digit: np.ndarray, *, fit: int, cropped: bool = True, width: float = PEN_WIDTH) -> np.ndarray:
    """``digit`` redrawn along its centre lines with a pen ``width`` pixels wide once fitted into ``fit``.

    Args:
        digit: ink amounts 0 to 1: cropped to the ink, or a whole canvas.
        fit: the side, in pixels of the model's field, that the longer side of
            the result is shrunk to (20 for a cropped digit, 28 for a canvas).
        cropped: whether ``digit`` is cropped to its ink. Then the new pen also
            changes the box the digit is fitted by, which the pen's size allows
            for, and the result is cropped to its ink again.
        width: the stroke width wanted in the model's field.

    Returns:
        The redrawn ink at a working resolution (longer side about ``WORK_SIDE``).
        A dot, or ink with no centre line, comes back unchanged.
    """
    height, breadth = digit.shape
    scale = WORK_SIDE / max(height, breadth)
    size = (max(1, round(breadth * scale)), max(1, round(height * scale)))
    # BOX averaging keeps a hairline that other filters would fade below SOLID.
    work = np.asarray(Image.fromarray(digit.astype(np.float32), mode="F").resize(size, Image.Resampling.BOX))
    centre = skeleton(work > min(SOLID, 0.5 * float(work.max())))
    rows, cols = np.flatnonzero(centre.any(axis=1)), np.flatnonzero(centre.any(axis=0))
    if not len(rows) or max(rows[-1] - rows[0], cols[-1] - cols[0]) < MIN_SKELETON_SPAN:
        return digit
    radius = width / 2
    if cropped:
        # Fitted by the box of the centre line plus the new pen: span + 2 r_w work
        # pixels become ``fit``, and r_w of them must become ``radius``.
        span = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
        pen = radius * span / (fit - 2 * radius)
        margin = int(np.ceil(pen)) + 1
        centre = np.pad(centre[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], margin)
    else:
        pen = radius * max(size) / fit
    distance = ndimage.distance_transform_edt(~centre)
    redrawn = np.clip(pen + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    if cropped:
        rows, cols = np.flatnonzero(redrawn.any(axis=1)), np.flatnonzero(redrawn.any(axis=0))
        redrawn = redrawn[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return redrawn
