"""Digits on paper, through a phone: find the ink in a photo, and the digits in a row of them.

A photo is not a canvas: the light falls off across the page, the paper has a
grain, the phone turns its pictures by a tag rather than by their pixels, and
there are other marks (a ruled line, a shadow, the edge of the sheet). Reading
one:

1. :func:`read_photo` decodes it within the size limits, turns it upright by its
   EXIF orientation and shrinks it to at most :data:`PHOTO_SIDE` a side.
2. :func:`photo_ink` flattens the light (each pixel over the paper's brightness
   around it), takes as ink what is darker than the paper by more than its own
   grain (an adaptive threshold), and keeps only marks that can be part of a
   digit: no specks, nothing that runs along the picture's edge.
3. :func:`digit_groups` gathers the marks into digits, left to right (the two
   strokes of a 4 or a 5 overlap across; two digits stand side by side), and
   splits a mark too wide for one digit where its ink is thinnest. A mark only
   somewhat wide may be one digit or two that touch: :func:`cut_in_two` offers
   the cut, and the reader (:func:`mnist_core.network.read_number`) keeps it
   when the models read the halves with more confidence than the whole.

Each digit then goes through :func:`~mnist_core.images.preprocess.canvas_to_mnist`
as a drawing does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from ..errors import EmptyImageError, InvalidImageError, TooManyMarksError
from .preprocess import LUMA, MIN_INK_PIXELS, _as_float, read_image

__all__ = ["MAX_MARKS", "MAYBE_TWO", "PHOTO_SIDE", "Digit", "cut_in_two", "digit_groups", "photo_ink", "read_photo"]

#: Photos are shrunk to this many pixels along their longer side before reading.
PHOTO_SIDE = 640
#: More marks than this (after specks are dropped) is not a digit or a number.
MAX_MARKS = 16
#: More of the picture than this inked is a texture or a dark photo, not writing.
MAX_INK_SHARE = 0.5
#: A mark with less ink than this share of the largest one is a speck.
SPECK_SHARE = 0.04
#: A mark wider than this times its height is two or more touching digits, whatever a model says
#: (one MNIST test digit in a hundred is wider than 1.4 times its height).
WIDE = 1.6
#: A mark at least this wide (times its height) may be two touching digits: :func:`cut_in_two`
#: offers the cut, and the reader keeps it when the two halves read better than the whole.
MAYBE_TWO = 0.9
#: The width of one digit, as a share of its height, when guessing how many touch.
DIGIT_ASPECT = 0.75

_EIGHT = np.ones((3, 3), dtype=bool)  # marks touching at a corner are one mark


@dataclass(frozen=True, eq=False)
class Digit:
    """One digit found in a picture.

    Attributes:
        ink: its ink amounts 0 to 1, cropped to it with a blank margin (other marks blanked).
        left: its left edge in the picture, in pixels (the reading order).
        split: it was cut from a mark that held several touching digits (the cut may be wrong).
    """

    ink: np.ndarray
    left: int
    split: bool = False


def read_photo(source: str | Path | bytes) -> np.ndarray:
    """A PNG or JPEG photo as an upright RGB array at most :data:`PHOTO_SIDE` a side.

    Raises:
        ImageTooLargeError: the file or the image is over the size limits (nothing is decoded then).
        InvalidImageError: it is not a readable PNG or JPEG.
    """
    return _flatten_alpha(read_image(source, upright=True, fit=PHOTO_SIDE))


def _flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """RGB on white where the picture is transparent (a transparent PNG of dark writing)."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255
    return (rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)


def photo_ink(picture: np.ndarray) -> np.ndarray:
    """The ink of a photo of writing on paper, 0 to 1, with the light flattened and stray marks removed.

    Args:
        picture: ``(h, w)`` gray or ``(h, w, 3)`` RGB, uint8 or floats in [0, 1];
            dark writing on light paper, or light chalk on a dark board.

    Raises:
        EmptyImageError: nothing in it looks like writing.
        TooManyMarksError: so much is marked that no digit can be told from the rest.
    """
    gray = _gray(picture)
    if np.median(gray[::2, ::2]) < 0.5:  # chalk on a board: the board is the paper
        gray = 1.0 - gray
    darkness = 1.0 - np.clip(gray / _paper(gray), 0.0, 1.0)
    # The paper's level and grain from every other row and column: a quarter of the pixels,
    # tens of thousands of them, give nearly the same medians in a quarter of the time.
    sample = darkness[::2, ::2]
    level = float(np.median(sample))
    grain = 1.4826 * float(np.median(np.abs(sample - level)))
    floor = max(0.08, level + 6 * grain)
    inked = darkness > floor
    if inked.sum() < MIN_INK_PIXELS:
        raise EmptyImageError(
            "No writing found in this picture: write the digit large in dark ink on plain paper and take it again."
        )
    if inked.mean() > MAX_INK_SHARE:
        raise TooManyMarksError(
            "This picture is too dark or too marked to find a digit in: photograph the digit on plain, "
            "evenly lit paper, close enough that it fills most of the picture."
        )
    peak = float(np.percentile(darkness[inked], 90))
    amount = np.clip((darkness - floor) / max(peak - floor, 1e-3), 0.0, 1.0)
    return _keep_writing(amount, inked)


def _gray(picture: np.ndarray) -> np.ndarray:
    array = _as_float(picture)
    if array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[..., :3] @ LUMA
    elif array.ndim != 2:
        raise InvalidImageError(
            "A photo has 2 dimensions, or 3 with 3 or 4 channels; this one has shape {shape}.", shape=array.shape
        )
    if min(array.shape) < 8:
        raise InvalidImageError("The picture is too small to hold a digit.")
    return array


def _paper(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness around each pixel: the brightest nearby, smoothed (writing is darker and thinner)."""
    small_side = 96
    scale = small_side / max(gray.shape)
    small = np.asarray(
        Image.fromarray(gray, mode="F").resize(
            (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale))), Image.Resampling.BOX
        )
    )
    # A window of a quarter of the picture: wider than a stroke of any digit that fills it.
    window = max(3, small_side // 4)
    paper = ndimage.uniform_filter(
        ndimage.maximum_filter(small, size=window, mode="nearest"), size=window, mode="nearest"
    )
    full = Image.fromarray(paper.astype(np.float32), mode="F").resize(gray.shape[::-1], Image.Resampling.BILINEAR)
    return np.maximum(np.asarray(full), 1e-3)


def _keep_writing(amount: np.ndarray, inked: np.ndarray) -> np.ndarray:
    """``amount`` with only the marks that can be writing: no specks, nothing along the picture's edge."""
    labels, count = ndimage.label(inked, structure=_EIGHT)
    mass = ndimage.sum_labels(amount, labels, index=np.arange(1, count + 1))
    boxes = ndimage.find_objects(labels)
    height, width = inked.shape
    keep = np.zeros(count + 1, dtype=bool)
    for index, box in enumerate(boxes, start=1):
        rows, cols = box
        along_edge = (rows.start == 0 or rows.stop == height) and cols.stop - cols.start > 0.6 * width
        along_edge |= (cols.start == 0 or cols.stop == width) and rows.stop - rows.start > 0.6 * height
        keep[index] = not along_edge  # the sheet's edge or a shadow across the picture
    if keep.any():
        largest = mass[keep[1:]].max()
        keep[1:] &= mass >= SPECK_SHARE * largest
    if not keep.any():
        raise EmptyImageError(
            "No digit found in this picture, only the paper's edge or shadows: "
            "photograph the digit on plain paper, filling most of the picture."
        )
    if keep.sum() > MAX_MARKS:
        raise TooManyMarksError(
            "This picture has {value} separate marks, too many to find the digits in: photograph one digit or "
            "one number on plain paper.",
            value=int(keep.sum()),
        )
    return np.where(keep[labels], amount, 0.0).astype(np.float32)


def digit_groups(amount: np.ndarray, *, several: bool = False) -> list[Digit]:
    """The digits in ``amount`` (ink 0 to 1), left to right.

    Marks that overlap across (more than half of the narrower one) are one digit;
    marks much shorter than the tallest digit (a dot, a comma) are left out; a
    digit much wider than it is tall is cut where its ink is thinnest. With
    ``several``, one digit gives an empty list, without cutting out its ink (a
    stroke on the canvas asks this of every drawing).

    Raises:
        EmptyImageError: there is no ink.
    """
    inked = amount > 0.1
    if inked.sum() < MIN_INK_PIXELS:
        raise EmptyImageError("The canvas is empty: draw a digit first.")
    if several:
        # A first look at half the resolution (a quarter of the pixels) settles most drawings: one digit.
        rows, cols = inked.shape[0] // 2 * 2, inked.shape[1] // 2 * 2
        pooled = inked[0:rows:2, 0:cols:2] | inked[1:rows:2, 0:cols:2] | inked[0:rows:2, 1:cols:2]
        pooled |= inked[1:rows:2, 1:cols:2]
        coarse = _groups(ndimage.label(pooled, structure=_EIGHT)[0])
        if len(coarse) == 1 and coarse[0][1] - coarse[0][0] <= WIDE * (coarse[0][3] - coarse[0][2]):
            return []
    labels, _ = ndimage.label(inked, structure=_EIGHT)
    groups = _groups(labels)
    digits: list[Digit] = []
    for left, right, top, bottom, members in groups:
        piece = np.where(np.isin(labels[top:bottom, left:right], members), amount[top:bottom, left:right], 0.0)
        digits.extend(_split_if_wide(piece.astype(np.float32), left))
    return digits


def _groups(labels: np.ndarray) -> list[list]:
    """The labelled marks gathered into digits, left to right: ``[left, right, top, bottom, labels]`` each.

    Marks that overlap across by more than half the narrower one are one digit; marks shorter
    than 0.4 of the tallest digit are left out.
    """
    spans = [[box[1].start, box[1].stop, box[0].start, box[0].stop, [index]] for index, box in
             enumerate(ndimage.find_objects(labels), start=1) if box is not None]  # fmt: skip
    spans.sort(key=lambda span: span[0])
    groups: list[list] = []
    for span in spans:
        if groups:
            last = groups[-1]
            overlap = min(last[1], span[1]) - max(last[0], span[0])
            if overlap > 0.5 * min(last[1] - last[0], span[1] - span[0]):
                last[0], last[1] = min(last[0], span[0]), max(last[1], span[1])
                last[2], last[3] = min(last[2], span[2]), max(last[3], span[3])
                last[4] += span[4]
                continue
        groups.append(span)
    tallest = max((group[3] - group[2] for group in groups), default=0)
    return [group for group in groups if group[3] - group[2] >= 0.4 * tallest]


def _split_if_wide(piece: np.ndarray, left: int) -> list[Digit]:
    """``piece`` as one digit, or cut into as many as its width holds where the ink is thinnest."""
    height, width = piece.shape
    if width <= WIDE * height:
        return [Digit(_crop(piece), left)]
    count = max(2, round(width / (DIGIT_ASPECT * height)))
    column_ink = _column_ink(piece)
    cuts, start = [], 0
    for part in range(1, count):
        guess = round(part * width / count)
        reach = max(1, width // (3 * count))
        low, high = max(start + 1, guess - reach), min(width - 1, guess + reach)
        cuts.append(low + int(np.argmin(column_ink[low:high])) if high > low else guess)
        start = cuts[-1]
    edges = [0, *cuts, width]
    return [
        Digit(_crop(piece[:, a:b]), left + a, split=True)
        for a, b in itertools.pairwise(edges)
        if (piece[:, a:b] > 0.1).sum() >= MIN_INK_PIXELS
    ]


def cut_in_two(digit: Digit) -> tuple[Digit, Digit] | None:
    """``digit`` cut where its ink is thinnest between a third and two thirds across, or None when it is narrow.

    Only for a mark at least :data:`MAYBE_TWO` times as wide as it is tall (two digits that touch).
    """
    piece = digit.ink
    height, width = (piece > 0.1).any(axis=1).sum(), (piece > 0.1).any(axis=0).sum()
    if width < MAYBE_TWO * height:
        return None
    column_ink = _column_ink(piece)
    low, high = round(0.3 * piece.shape[1]), round(0.7 * piece.shape[1])
    cut = low + int(np.argmin(column_ink[low:high]))
    left, right = piece[:, :cut], piece[:, cut:]
    if (left > 0.1).sum() < MIN_INK_PIXELS or (right > 0.1).sum() < MIN_INK_PIXELS:
        return None
    return Digit(_crop(left), digit.left, split=True), Digit(_crop(right), digit.left + cut, split=True)


def _column_ink(piece: np.ndarray) -> np.ndarray:
    """The ink in each column, smoothed over a fortieth of the width: where to cut is where it is least."""
    return ndimage.uniform_filter1d(piece.sum(axis=0), size=max(1, piece.shape[1] // 40))


def _crop(piece: np.ndarray) -> np.ndarray:
    """``piece`` cropped to its ink with a blank margin, so that its border reads as the paper."""
    rows, cols = np.flatnonzero(piece.max(axis=1) > 0.1), np.flatnonzero(piece.max(axis=0) > 0.1)
    if len(rows):
        piece = piece[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return np.pad(piece, 2 + max(piece.shape) // 10)
