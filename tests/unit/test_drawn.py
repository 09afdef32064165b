"""The drawn-digit benchmark set: reproducible, canvas-like, and readable as digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnist_core.images import (
    CANVAS,
    NON_DIGIT_KINDS,
    SITUATIONS,
    canvas_to_mnist,
    draw_digits,
    draw_non_digits,
    drawn,
    practice_drawings,
)
from mnist_core.training import TrainedModel


@pytest.mark.slow
def test_the_default_set_has_a_thousand_balanced_drawings() -> None:
    """At least 1 000 drawings, every digit equally often in every situation, each a 280×280 canvas."""
    drawn = draw_digits()
    assert len(drawn.labels) >= 1000
    assert np.bincount(drawn.labels, minlength=10).tolist() == [140] * 10
    assert drawn.images.shape[1:] == (CANVAS, CANVAS) and drawn.images.dtype == np.uint8
    for name in SITUATIONS:
        in_it = np.array(drawn.situations) == name
        assert np.bincount(drawn.labels[in_it], minlength=10).tolist() == [20] * 10, name


def test_drawings_are_reproducible_from_the_seed() -> None:
    """The same seed draws the same images; another seed draws others."""
    np.testing.assert_array_equal(draw_digits(3, seed=5).images, draw_digits(3, seed=5).images)
    assert not np.array_equal(draw_digits(3, seed=5).images, draw_digits(3, seed=6).images)


def test_drawings_look_like_the_canvas() -> None:
    """White anti-aliased ink on black, inside the canvas, with varied size and position."""
    drawn = draw_digits(5, seed=2)
    for image in drawn.images:
        assert image[0].max() == 0 or image[:, 0].max() == 0 or image[-1].max() == 0  # a margin somewhere
        assert image.max() == 255
        assert ((image > 0) & (image < 255)).any()  # anti-aliased edges
    centres = [np.argwhere(image > 128).mean(axis=0) for image in drawn.images]
    assert np.ptp(np.array(centres), axis=0).min() > 20  # not all in one place


def test_a_model_reads_most_drawings(sklearn_model: TrainedModel) -> None:
    """A small MNIST model, with the app's preprocessing, reads most drawings: they are digits."""
    drawn = draw_digits(10, seed=3)
    inputs = np.stack([canvas_to_mnist(image) for image in drawn.images])
    assert (sklearn_model.network.predict(inputs) == drawn.labels).mean() > 0.5


def test_non_digits_cover_every_kind() -> None:
    """Noise, blobs, lines, letters, scribbles, pictures and marks, all labelled -1."""
    others = draw_non_digits(42)
    assert set(others.kinds) == set(NON_DIGIT_KINDS)
    assert (others.labels == -1).all()
    assert all(image.max() > 0 for image in others.images)


def test_each_situation_draws_what_it_says() -> None:
    """Thick pens on small digits, tiny digits in a corner, ink running into the edge, broken strokes."""
    drawn = draw_digits(14, seed=4)
    situations = np.array(drawn.situations)
    thick = situations == "thick pen, small digit"
    assert (drawn.pens[thick] >= 17).all() and (drawn.sizes[thick] <= 170).all()
    tiny = np.flatnonzero(situations == "tiny, in a corner")
    assert (drawn.sizes[tiny] < 80).all()
    for index in tiny:  # the ink's centre is near a corner
        ys, xs = np.nonzero(drawn.images[index] > 127)
        assert min(ys.mean(), CANVAS - ys.mean()) < 60 and min(xs.mean(), CANVAS - xs.mean()) < 60
    for index in np.flatnonzero(situations == "touching the edge"):
        image = drawn.images[index] > 127
        assert image[0].any() or image[-1].any() or image[:, 0].any() or image[:, -1].any()
    slanted = np.flatnonzero(situations == "strong slant")
    assert len(slanted) == 20 and len(set(drawn.kinds[i] for i in slanted)) > 5


def test_practice_drawings_are_balanced_digits_in_range() -> None:
    """Every digit equally often, as 784 pixels in [0, 1], the same for the same seed."""
    x, y = practice_drawings(7, seed=3)
    assert x.shape == (70, 784) and x.dtype == np.float32
    assert np.bincount(y, minlength=10).tolist() == [7] * 10
    assert x.min() >= 0 and x.max() <= 1 and (x.max(axis=1) > 0.5).all()
    np.testing.assert_array_equal(x, practice_drawings(7, seed=3)[0])


def test_a_model_reads_most_practice_drawings(sklearn_model: TrainedModel) -> None:
    """The practice drawings are digits: a small MNIST model already reads most of them."""
    x, y = practice_drawings(10, seed=5)
    assert (sklearn_model.network.predict(x) == y).mean() > 0.5


def test_the_practice_set_is_drawn_once_and_a_damaged_copy_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first call draws and keeps the set; the next reads it; a damaged file is drawn anew."""
    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path))
    monkeypatch.setattr(drawn, "PRACTICE_PER_DIGIT", 2)
    x, y = drawn.cached_practice_drawings()
    assert np.bincount(y).tolist() == [2] * 10
    assert x.shape == (20, 784) and drawn.practice_path().is_file()
    drawn.practice_path().write_bytes(b"not a zip file")
    again, _ = drawn.cached_practice_drawings()
    np.testing.assert_array_equal(again, x)
    with np.load(drawn.practice_path()) as saved:  # written afresh
        np.testing.assert_array_equal(saved["x"], x)
