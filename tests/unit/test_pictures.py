"""Small pictures as HTML: the pixels that arrive are the pixels sent, and the live figures say what they show."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from PIL import Image

from mnist_core.pictures import curves_picture_html, curves_svg, pixels_html, pixels_row_html, weights_html
from mnist_core.training import EpochEvent


def decoded(html: str) -> np.ndarray:
    """The pixels of the first picture in ``html``."""
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    picture = Image.open(io.BytesIO(base64.b64decode(encoded)))
    return np.asarray(picture.convert("RGB") if picture.mode == "P" else picture)


def test_a_model_input_travels_as_its_own_28_by_28_pixels_with_crisp_enlargement(mnist) -> None:
    """The browser gets the 28 × 28 pixels themselves (floats made 0–255) and enlarges them without blurring."""
    image = mnist.x_test[0] / 255
    html = pixels_html(image, width=224, caption="what the models see")
    np.testing.assert_array_equal(decoded(html), mnist.x_test[0])
    assert "image-rendering:pixelated" in html and 'width="224" height="224"' in html
    assert 'alt="what the models see"' in html and "<figcaption" in html
    assert len(html) < 2_000  # a few hundred bytes of PNG, where st.image would send 224 × 224


def test_a_large_picture_is_scaled_down_smoothly_and_a_row_keeps_every_caption() -> None:
    canvas = np.zeros((280, 280), dtype=np.float32)
    html = pixels_html(canvas, width=120)
    assert "image-rendering:auto" in html and "<figcaption" not in html
    row = pixels_row_html([canvas, canvas[:28, :28]], ["the canvas", "fitted"], width=120)
    assert re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", row) == ["the canvas", "fitted"]
    assert "flex-wrap:wrap" in row  # onto more lines on a phone


def test_weights_are_red_where_they_push_up_and_blue_where_they_push_down() -> None:
    weights = np.zeros((2, 28, 28), dtype=np.float32)
    weights[0, :, :] = 1.0
    weights[1, :, :] = -1.0
    grid = decoded(weights_html(weights, columns=2, caption="after epoch 3"))
    assert grid.shape == (28, 57, 3)  # two units and the one-pixel gap between them
    red, gap, blue = grid[14, 5], grid[14, 28], grid[14, 40]
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]
    assert gap.tolist() == [255, 255, 255]


def test_noisy_weights_travel_in_a_few_tens_of_kilobytes_with_their_shades_kept() -> None:
    """Early weights are noise: the picture every viewer of a live run gets on each refresh stays small,
    and each weight keeps its colour to within a shade of the full-colour scale."""
    weights = np.random.default_rng(0).normal(0, 0.05, (36, 28, 28)).astype(np.float32)
    html = weights_html(weights)
    assert len(html) < 40_000  # a full-colour PNG of the same grid is over 100 kB
    grid = decoded(html).astype(np.float32)
    assert grid.shape == (173, 173, 3)
    scaled = np.clip(weights[0] / np.abs(weights).max(), -1, 1)[..., None]
    white, red, blue = np.array([247, 247, 247]), np.array([178, 24, 43]), np.array([33, 102, 172])
    exact = np.where(scaled < 0, white + (blue - white) * -scaled, white + (red - white) * scaled)
    assert np.abs(grid[:28, :28] - exact).max() <= 8  # 31 shades: at most half a step (214 / 30 / 2) off


def test_the_live_curves_draw_both_series_and_say_the_last_epoch() -> None:
    history = [
        EpochEvent(epoch, 5, 1 / epoch, 0.8 + 0.02 * epoch, 1.2 / epoch, 0.78 + 0.02 * epoch, 1.0)
        for epoch in (1, 2, 3)
    ]
    svg = curves_svg(history, epochs=5)
    assert svg.count("<polyline") == 4  # loss and accuracy, training and validation
    assert 'role="img"' in svg and "after epoch 3 of 5: loss 0.333, accuracy 86.0%, validation accuracy 84.0%" in svg

    without_validation = [EpochEvent(1, 5, 0.5, 0.9, None, None, 1.0)]
    assert curves_svg(without_validation, epochs=5).count("<polyline") == 2
    assert "no epoch yet" in curves_svg([], epochs=5)


def test_the_live_curves_travel_as_a_picture_that_says_what_it_shows() -> None:
    """Inside the live run's row of pictures the curves are an ``<img>`` of the same SVG, with its words as alt."""
    history = [EpochEvent(1, 4, 0.5, 0.9, 0.6, 0.88, 1.0), EpochEvent(2, 4, 0.3, 0.93, 0.4, 0.91, 1.0)]
    picture = curves_picture_html(history, epochs=4)
    encoded = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', picture).group(1)
    svg = base64.b64decode(encoded).decode("utf-8")
    assert svg == curves_svg(history, epochs=4) and svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    alt = re.search(r'alt="([^"]+)"', picture).group(1)
    assert alt.startswith("after epoch 2 of 4: loss 0.300, accuracy 93") and "validation accuracy 91" in alt
