"""Preprocessing as the Draw page shows it: each step of `preprocess_steps`, and pens of other widths."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mnist_core import TrainedModel, data
from mnist_core.images import canvas_to_mnist, preprocess_steps

from .conftest import opaque_rgba, paint

DIGITS = range(40)
# Mean absolute pixel difference to the processed original: a different image of the same
# digit measures about 0.1; a pen a few canvas pixels thicker or thinner stays well below.
THICKNESS_CLOSE = 0.06


def _pen(digit: np.ndarray, change: int) -> np.ndarray:
    canvas = paint(digit)
    if change > 0:
        return opaque_rgba(ndimage.grey_dilation(canvas, size=(change, change)))
    return opaque_rgba(ndimage.grey_erosion(canvas, size=(-change, -change)))


@pytest.mark.parametrize("change", [7, -5], ids=["thicker", "thinner"])
def test_a_thicker_or_thinner_pen_stays_close(mnist: data.Dataset, sklearn_model: TrainedModel, change: int) -> None:
    """A digit drawn with a thicker or thinner pen comes out close to the digit itself, and is still read."""
    originals = np.stack([canvas_to_mnist(mnist.x_test[i]) for i in DIGITS])
    penned = np.stack([canvas_to_mnist(_pen(mnist.x_test[i], change)) for i in DIGITS])
    distance = np.abs(penned - originals).mean(axis=(1, 2))
    assert np.median(distance) < THICKNESS_CLOSE
    agree = sklearn_model.network.predict(penned) == sklearn_model.network.predict(originals)
    assert agree.mean() >= 0.85


def test_steps_show_each_stage_and_switch_off(mnist: data.Dataset) -> None:
    """The steps keep every stage; switching cropping or centring off changes the model input."""
    canvas = opaque_rgba(paint(mnist.x_test[0], scale=4, top=0, left=0))  # small, in a corner
    steps = preprocess_steps(canvas)
    assert steps.ink.shape == (280, 280)
    assert steps.cropped.shape[0] < 120 and steps.cropped.shape[1] < 120
    assert steps.placed.shape == steps.result.shape == (28, 28)
    np.testing.assert_array_equal(steps.result, canvas_to_mnist(canvas))

    uncropped = preprocess_steps(canvas, crop=False, centre=False).result
    ys, xs = np.nonzero(uncropped > 0.1)
    assert ys.max() < 14 and xs.max() < 14  # left small in its corner, as drawn
    assert np.abs(uncropped - steps.result).mean() > 0.05
