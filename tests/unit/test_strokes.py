"""Pen width: the centre lines of strokes, their width, and drawings redrawn as wide as MNIST's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mnist_core import data
from mnist_core.images import (
    EVEN_BAND,
    MNIST_STROKE_WIDTH,
    canvas_to_mnist,
    even_strokes,
    preprocess_steps,
    render_digit,
    skeleton,
    stroke_width,
)

# MNIST's own spread of stroke widths (5th and 95th percentiles, measured by stroke_width).
MNIST_WIDTHS = (1.5, 4.4)
PENS = (8, 14, 20, 30, 40)
SIZES = (60, 90, 130, 190, 260)
DIGITS = (0, 2, 3, 4, 5, 7, 8)


def _spread(widths: list[float]) -> float:
    """How far apart the 10th and 90th percentiles of ``widths`` are."""
    low, high = np.percentile(widths, [10, 90])
    return float(high - low)


def test_mnist_strokes_measure_their_documented_width(mnist: data.Dataset) -> None:
    """The median width of MNIST's strokes is the constant the redrawing aims for."""
    widths = [stroke_width(image / 255) for image in mnist.x_train[:3000]]
    assert abs(np.median(widths) - MNIST_STROKE_WIDTH) < 0.15
    low, high = np.percentile(widths, [5, 95])
    assert abs(low - MNIST_WIDTHS[0]) < 0.2 and abs(high - MNIST_WIDTHS[1]) < 0.3


def zhang_suen(mask: np.ndarray) -> np.ndarray:
    """Zhang and Suen's thinning written out as the paper states it, every pixel at once: the reference."""
    grid = np.pad(mask, 1).astype(np.uint8)
    centre = grid[1:-1, 1:-1]
    while True:
        changed = False
        for first_pass in (True, False):
            p2, p3, p4, p5 = grid[:-2, 1:-1], grid[:-2, 2:], grid[1:-1, 2:], grid[2:, 2:]
            p6, p7, p8, p9 = grid[2:, 1:-1], grid[2:, :-2], grid[1:-1, :-2], grid[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            neighbours = sum(ring[:8], np.zeros_like(centre))
            crossings = sum(((a == 0) & (b == 1) for a, b in itertools.pairwise(ring)), np.zeros_like(centre))
            if first_pass:
                keeps_shape = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                keeps_shape = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            peel = (centre == 1) & (neighbours >= 2) & (neighbours <= 6) & (crossings == 1) & keeps_shape
            if peel.any():
                centre[peel] = 0
                changed = True
        if not changed:
            return centre.astype(bool)


def test_the_skeleton_is_zhang_and_suens(mnist: data.Dataset) -> None:
    """The table-driven thinning gives the paper's result pixel for pixel: on enlarged MNIST digits, on
    drawings of every pen, on noise, and on ink that touches the image's edge."""
    rng = np.random.default_rng(0)
    masks = [np.kron(image > 100, np.ones((4, 4), dtype=bool)) for image in mnist.x_train[:40]]
    masks += [render_digit(digit, height=200, pen=pen) > 127 for digit in DIGITS for pen in (8, 40)]
    masks += [rng.random((30, 45)) > threshold for threshold in (0.2, 0.5, 0.8)]
    masks += [np.ones((9, 9), dtype=bool), np.zeros((5, 5), dtype=bool)]
    for mask in masks:
        np.testing.assert_array_equal(skeleton(mask), zhang_suen(mask))


def test_the_skeleton_of_a_thick_bar_is_its_centre_line() -> None:
    """A 9-pixel-thick bar thins to one line along its middle, about as long as the bar, and measures 9 wide."""
    bar = np.zeros((40, 140), dtype=bool)
    bar[16:25, 10:130] = True
    centre = skeleton(bar)
    rows = np.flatnonzero(centre.any(axis=1))
    assert rows.min() >= 19 and rows.max() <= 21
    assert centre.any(axis=0).sum() > 100
    assert stroke_width(bar.astype(np.float32)) == pytest.approx(9, rel=0.1)


@pytest.mark.parametrize("pen", PENS)
def test_every_pen_and_size_comes_out_with_mnist_strokes(pen: int) -> None:
    """Redrawn always, pens of 8 to 40 px on digits 60 to 260 px tall give strokes within MNIST's spread,
    near its median.

    A pen wider than a third of the digit's height fills the loops (a 40 px pen on a 60 px 8
    is a blob, to a person too): there the strokes only have to come out thinner than drawn.
    """
    redrawn, as_drawn = [], []
    for size in SIZES:
        for digit in DIGITS:
            canvas = render_digit(digit, height=size, pen=pen)
            width, width_as_drawn = (
                stroke_width(canvas_to_mnist(canvas, stroke="always")),
                stroke_width(canvas_to_mnist(canvas, stroke=False)),
            )
            if pen <= size / 3:
                redrawn.append(width)
                as_drawn.append(width_as_drawn)
            else:
                assert width < width_as_drawn
    assert MNIST_WIDTHS[0] <= min(redrawn) and max(redrawn) <= MNIST_WIDTHS[1]
    assert abs(np.median(redrawn) - MNIST_STROKE_WIDTH) < 0.4
    # Without the step, the widths spread far wider than that (the middle 80 % of them: the bounds
    # above already hold the extremes).
    assert _spread(as_drawn) > 2 * _spread(redrawn)


@pytest.mark.parametrize("pen", PENS)
def test_by_default_only_strokes_outside_the_band_are_redrawn(pen: int) -> None:
    """The default step leaves strokes within EVEN_BAND exactly as drawn and redraws the others into MNIST's spread."""
    for size in SIZES:
        for digit in DIGITS:
            canvas = render_digit(digit, height=size, pen=pen)
            steps, as_drawn = preprocess_steps(canvas), canvas_to_mnist(canvas, stroke=False)
            inside = EVEN_BAND[0] <= steps.width_as_written <= EVEN_BAND[1]
            assert steps.redrawn is not inside
            if inside:
                np.testing.assert_array_equal(steps.result, as_drawn)
                assert steps.evened is steps.cropped
            elif pen <= size / 3:
                assert MNIST_WIDTHS[0] <= stroke_width(steps.result) <= MNIST_WIDTHS[1]


def test_a_thick_pen_on_a_small_eight_is_thinned() -> None:
    """An 8 70 px tall drawn with a 30 px pen (its loops nearly filled) measures outside the band: redrawn thinner."""
    canvas = render_digit(8, height=70, pen=30, style="two loops")
    blob, steps = canvas_to_mnist(canvas, stroke=False), preprocess_steps(canvas)
    assert steps.width_as_written > EVEN_BAND[1] and steps.redrawn
    assert stroke_width(steps.result) < min(stroke_width(blob), MNIST_WIDTHS[1])


def test_a_hairline_on_a_big_digit_is_redrawn_too() -> None:
    """A thin pen on a digit as big as the canvas: the strokes come out thicker, within MNIST's spread."""
    canvas = render_digit(3, height=270, pen=8)
    steps = preprocess_steps(canvas)
    assert steps.width_as_written < EVEN_BAND[0] and steps.redrawn
    assert MNIST_WIDTHS[0] <= stroke_width(steps.result) <= MNIST_WIDTHS[1]


def test_the_step_can_be_switched_off_or_always_on() -> None:
    """Off, the evened stage is the cropped ink itself; "always" redraws even strokes within the band."""
    canvas = render_digit(3, height=120, pen=20)
    off = preprocess_steps(canvas, stroke=False)
    assert off.evened is off.cropped and not off.redrawn
    default, always = preprocess_steps(canvas), preprocess_steps(canvas, stroke="always")
    assert not default.redrawn and np.array_equal(default.result, off.result)
    assert always.redrawn and always.evened.shape != always.cropped.shape
    assert not np.array_equal(always.result, off.result)


def test_a_dot_is_left_as_it_is() -> None:
    """Ink without a centre line to speak of (a dot) comes back unchanged."""
    dot = np.zeros((9, 9), dtype=np.float32)
    dot[3:6, 3:6] = 1.0
    assert even_strokes(dot, fit=20) is dot
