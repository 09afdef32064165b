"""Digits on paper: a picture uploaded on Draw is read by the models, a number digit by digit."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mnist_core import data
from mnist_core.images import paper_digits, paper_numbers

pytestmark = pytest.mark.e2e


def _jpeg(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _upload(studio, name: str, payload: bytes) -> None:
    studio.open("/draw")
    studio.page.get_by_role("radio", name="Upload a picture", exact=True).click()
    studio.idle()
    studio.page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": payload}]
    )
    studio.idle()


def test_a_photo_of_a_number_on_paper_is_read_digit_by_digit(studio):
    """A photo of three MNIST test digits written side by side: the page reads a number, one answer per digit."""
    mnist = data.load()
    numbers = paper_numbers(mnist.x_test, mnist.y_test, 1, seed=21, touching_share=0.0)
    _upload(studio, "number.jpg", _jpeg(numbers.images[0]))
    number = studio.page.locator(".answer.number").first
    number.wait_for(timeout=15_000)
    assert "reads a number, left to right" in number.inner_text()
    digits = number.locator(".number-digit")
    assert digits.count() == len(numbers.numbers[0])
    assert studio.page.get_by_role("status").first.inner_text().count("reads") >= 1
    studio.screenshot("draw-photo-number", docs=True)


def test_a_photo_of_one_digit_is_read_like_a_drawing(studio):
    mnist = data.load()
    photo = paper_digits(mnist.x_test[:1], mnist.y_test[:1], seed=22, photo=True)
    _upload(studio, "seven.jpg", _jpeg(photo.images[0]))
    answer = studio.page.locator(".prediction").first
    answer.wait_for(timeout=15_000)
    assert answer.inner_text() == str(mnist.y_test[0])
    assert studio.page.get_by_text("the ink found, light flattened").count() == 1


def test_blank_paper_gets_a_sentence_that_says_what_to_do(studio):
    blank = np.full((300, 400, 3), 225, dtype=np.uint8)
    _upload(studio, "blank.jpg", _jpeg(blank))
    alert = studio.page.get_by_test_id("stAlertContentError")
    alert.wait_for(timeout=15_000)
    assert "write the digit large in dark ink on plain paper" in alert.inner_text()
