"""The figures and pictures the pages show: `mnist_core.plots`, checked for what a user sees on screen."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mnist_core import EpochEvent, data, plots

GREEN = np.array([0x16, 0xA3, 0x4A], dtype=np.uint8)  # plots.RIGHT
RED = np.array([0xDC, 0x26, 0x26], dtype=np.uint8)  # plots.WRONG
DIGIT_NAMES = [str(d) for d in range(10)]
BAR = re.compile(r"height:([0-9.]+)px;background:(#[0-9a-f]{6})")
SHARE = re.compile(r">(-?[0-9]+)%</div>")  # the percentage written above each bar


def _picture(source: str) -> Image.Image:
    """The picture a figure's image trace carries as a PNG address."""
    assert source.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))


def _mosaic(figure: go.Figure) -> np.ndarray:
    """The RGB picture of a digit grid."""
    (image,) = [trace for trace in figure.data if isinstance(trace, go.Image)]
    return np.asarray(_picture(image.source).convert("RGB"))


def _shows(mosaic: np.ndarray, digit: np.ndarray) -> bool:
    """Whether the 28×28 uint8 ``digit`` appears in ``mosaic``, pixel for pixel and in gray."""
    red, green, blue = (mosaic[..., channel].astype(np.int16) for channel in range(3))
    gray = np.where((red == green) & (green == blue), red, -1)  # coloured pixels match nothing
    windows = np.lib.stride_tricks.sliding_window_view(gray, digit.shape)
    return bool((windows == digit).all(axis=(2, 3)).any())


def _has_colour(mosaic: np.ndarray, column: float, colour: np.ndarray) -> bool:
    """Whether any pixel in the mosaic column through ``column`` has ``colour``."""
    return bool((mosaic[:, int(column)] == colour).all(axis=-1).any())


def _event(epoch: int, epochs: int = 5, *, validation: bool = True) -> EpochEvent:
    return EpochEvent(
        epoch=epoch,
        epochs=epochs,
        loss=1.0 / epoch,
        accuracy=0.8 + 0.02 * epoch,
        val_loss=1.2 / epoch if validation else None,
        val_accuracy=0.78 + 0.02 * epoch if validation else None,
        seconds=0.5,
    )


def _confusion() -> np.ndarray:
    """A plausible test-set confusion matrix: about 98 % on the diagonal, a few mistakes."""
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 8, size=(10, 10))
    np.fill_diagonal(matrix, rng.integers(950, 1100, size=10))
    return matrix


# -- enlarge -------------------------------------------------------------------


def test_enlarge_makes_crisp_uint8_blocks() -> None:
    """Every pixel becomes a solid scale×scale uint8 block of its own gray level: no blurring."""
    image = np.random.default_rng(1).random((28, 28))
    big = plots.enlarge(image, scale=5)
    assert big.shape == (140, 140) and big.dtype == np.uint8
    blocks = big.reshape(28, 5, 28, 5)
    assert (blocks == blocks[:, :1, :, :1]).all()  # each block is one colour
    np.testing.assert_array_equal(blocks[:, 0, :, 0], (image * 255).astype(np.uint8))
    assert plots.enlarge(image).shape == (224, 224)  # 8 times by default


def test_enlarge_clips_values_outside_zero_to_one() -> None:
    """Values below 0 show black and above 1 show white instead of wrapping around in uint8."""
    image = np.zeros((28, 28))
    image[0, 0], image[0, 1], image[0, 2] = -0.5, 1.7, 1.0
    big = plots.enlarge(image, scale=2)
    assert big[0, 0] == 0
    assert big[0, 2] == 255 and big[0, 4] == 255
    assert big.min() == 0 and big.max() == 255


def test_enlarge_keeps_uint8_gray_levels() -> None:
    """A uint8 image (as MNIST stores digits) keeps its gray levels instead of turning black and white."""
    image = np.array([[0, 128, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(plots.enlarge(image, scale=1), image)


# -- digit_grid ----------------------------------------------------------------


def test_digit_grid_frames_right_digits_green_and_wrong_ones_red(mnist: data.Dataset) -> None:
    """With predictions, a right answer is framed green and a wrong one red, around the right image."""
    images = mnist.x_test[:3]
    labels = [int(y) for y in mnist.y_test[:3]]
    predictions = [labels[0], (labels[1] + 1) % 10, labels[2]]
    figure = plots.digit_grid(images, labels=labels, predictions=predictions)
    mosaic = _mosaic(figure)
    centres = [annotation.x for annotation in figure.layout.annotations]
    assert len(centres) == 3
    assert _has_colour(mosaic, centres[0], GREEN) and not _has_colour(mosaic, centres[0], RED)
    assert _has_colour(mosaic, centres[1], RED) and not _has_colour(mosaic, centres[1], GREEN)
    assert _has_colour(mosaic, centres[2], GREEN) and not _has_colour(mosaic, centres[2], RED)
    assert all(_shows(mosaic, image) for image in images)


def test_digit_grid_has_no_green_or_red_without_predictions(mnist: data.Dataset) -> None:
    """Without predictions nothing is judged: frames are neutral and captions give the label alone."""
    labels = [int(y) for y in mnist.y_test[:4]]
    figure = plots.digit_grid(mnist.x_test[:4], labels=labels)
    mosaic = _mosaic(figure)
    assert not (mosaic == GREEN).all(axis=-1).any()
    assert not (mosaic == RED).all(axis=-1).any()
    assert [annotation.text for annotation in figure.layout.annotations] == [str(label) for label in labels]


def test_digit_grid_has_one_caption_per_image(mnist: data.Dataset) -> None:
    """Each image gets exactly one caption: given ones verbatim, else "label→prediction", else none; judged
    digits are marked ✓ or ✗ as well as framed in colour, so that right and wrong do not rest on colour alone."""
    images = mnist.x_test[:12]
    labels = [int(y) for y in mnist.y_test[:12]]
    predictions = [(label + 1) % 10 if i % 3 == 0 else label for i, label in enumerate(labels)]

    judged = plots.digit_grid(images, labels=labels, predictions=predictions, columns=5)
    marks = ["✓" if y == p else "✗" for y, p in zip(labels, predictions, strict=True)]
    expected = [f"{m} {y}→{p}" for m, y, p in zip(marks, labels, predictions, strict=True)]
    assert [a.text for a in judged.layout.annotations] == expected
    sure = plots.digit_grid(images, labels=labels, predictions=predictions, captions=[f"{i}%" for i in range(12)])
    assert [a.text for a in sure.layout.annotations] == [f"{m} {i}%" for i, m in enumerate(marks)]

    captions = [f"#{i}" for i in range(12)]
    given = plots.digit_grid(images, labels=labels, captions=captions)
    assert [a.text for a in given.layout.annotations] == captions

    bare = plots.digit_grid(images)
    assert len(bare.layout.annotations) == 0


def test_digit_grid_wraps_rows_and_shows_every_image(mnist: data.Dataset) -> None:
    """Twelve images in rows of five take three rows, all of them drawn as they are."""
    images = mnist.x_test[:12]
    one_row = _mosaic(plots.digit_grid(images[:5], labels=list(range(5)), columns=5))
    three_rows = plots.digit_grid(images, labels=list(range(12)), columns=5)
    mosaic = _mosaic(three_rows)
    assert mosaic.shape[1] == one_row.shape[1]
    assert mosaic.shape[0] == 3 * one_row.shape[0]
    assert list(three_rows.layout.yaxis.range) == [mosaic.shape[0], 0]  # top row at the top
    assert all(_shows(mosaic, image) for image in images)


def test_digit_grid_takes_float_images_in_zero_to_one(mnist: data.Dataset) -> None:
    """Float images in [0, 1] (like model inputs) are shown at the same gray levels as the uint8 digit."""
    digit = mnist.x_test[0]
    figure = plots.digit_grid(digit[None].astype(np.float32) / 255)
    expected = (digit.astype(np.float32) / 255 * 255).astype(np.uint8)
    assert _shows(_mosaic(figure), expected)
    assert np.abs(expected.astype(int) - digit).max() <= 1


def test_digit_grid_handles_no_images_and_one_image(mnist: data.Dataset) -> None:
    """An empty grid is a blank picture, not an error; a single image is not padded out to ten columns."""
    empty = plots.digit_grid(np.zeros((0, 28, 28), dtype=np.uint8), labels=[], predictions=[])
    blank = _mosaic(empty)
    assert blank.size > 0 and (blank == 255).all()
    assert len(empty.layout.annotations) == 0

    one = plots.digit_grid(mnist.x_test[:1], labels=[7], predictions=[7])
    two = plots.digit_grid(mnist.x_test[:2], labels=[7, 2], predictions=[7, 2])
    assert 2 * _mosaic(one).shape[1] == _mosaic(two).shape[1]
    assert [a.text for a in one.layout.annotations] == ["✓ 7→7"]
    assert _shows(_mosaic(one), mnist.x_test[0])


def test_digit_grid_shows_its_title() -> None:
    """A title, when given, is on the figure and leaves room above the grid."""
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    titled = plots.digit_grid(images, title="Mistakes")
    assert titled.layout.title.text == "Mistakes"
    assert titled.layout.margin.t > plots.digit_grid(images).layout.margin.t


# -- weights ---------------------------------------------------------------------
DARKEST_RED, MIDDLE, DARKEST_BLUE, GAP = (103, 0, 31), (247, 247, 247), (5, 48, 97), (255, 255, 255)


def test_a_weight_grid_is_a_picture_on_one_scale_with_click_targets_on_its_units() -> None:
    """Red pushes a unit up, blue holds it back, white is nothing (and the gaps); a click target sits on each unit."""
    images = np.zeros((2, 28, 28), dtype=np.float32)
    images[0, 0, 0], images[0, 5, 5], images[1, 27, 27] = 2.0, 1.0, -2.0
    figure = plots.weight_grid(images, columns=2, clickable=True)
    (image,) = [trace for trace in figure.data if isinstance(trace, go.Image)]
    picture = np.asarray(_picture(image.source).convert("RGB")).astype(int)
    assert picture.shape == (28, 57, 3)
    assert tuple(picture[0, 0]) == DARKEST_RED and tuple(picture[27, 29 + 27]) == DARKEST_BLUE
    assert tuple(picture[1, 1]) == MIDDLE and tuple(picture[0, 28]) == GAP
    half = picture[5, 5]  # half the strongest weight: between white and red
    assert MIDDLE[0] > half[0] > DARKEST_RED[0] and half[2] < MIDDLE[2]
    (targets,) = [trace for trace in figure.data if isinstance(trace, go.Scatter)]
    assert list(targets.x) == [13.5, 29 + 13.5] and list(targets.customdata) == [0, 1]


def test_the_weight_animation_is_a_picture_per_epoch_on_one_scale() -> None:
    """Every epoch is a frame, all on the strongest weight's scale (early weights pale), sent as pictures."""
    rng = np.random.default_rng(0)
    frames = [rng.normal(0, 0.05 * (1 + epoch), (36, 28, 28)) for epoch in range(3)]
    figure = plots.weight_animation([1, 2, 3], frames)
    assert [frame.name for frame in figure.frames] == ["1", "2", "3"]
    pictures = [np.asarray(_picture(frame.data[0].source).convert("RGB")).astype(int) for frame in figure.frames]
    strength = [np.abs(picture - 247).mean() for picture in pictures]
    assert strength[0] < strength[1] < strength[2]
    # 3 × 36 units of noise, the hardest weights to compress: still a few tens of kilobytes, where a heatmap
    # wrote every one of the 85 000 weights out as a number.
    assert len(figure.to_json()) < 120_000


# -- confusion_heatmap ----------------------------------------------------------


def test_confusion_heatmap_has_a_clickable_marker_on_every_cell() -> None:
    """An invisible square marker sits at the centre of each of the 100 cells, so a click selects a cell."""
    figure = plots.confusion_heatmap(_confusion())
    (cells,) = [trace for trace in figure.data if isinstance(trace, go.Scatter)]
    assert len(cells.x) == len(cells.y) == 100
    assert {(x, y) for x, y in zip(cells.x, cells.y, strict=True)} == {(x, y) for x in DIGIT_NAMES for y in DIGIT_NAMES}
    assert cells.marker.symbol == "square"
    assert cells.marker.opacity == 0
    assert cells.showlegend is False
    assert "select" in figure.layout.clickmode


def test_confusion_heatmap_puts_true_digits_in_rows_and_predictions_in_columns() -> None:
    """Rows are true digits top to bottom and columns predicted digits, with the counts written in."""
    matrix = _confusion()
    figure = plots.confusion_heatmap(matrix, title="quick")
    (heatmap,) = [trace for trace in figure.data if isinstance(trace, go.Heatmap)]
    np.testing.assert_array_equal(np.asarray(heatmap.z), matrix)
    assert list(heatmap.x) == list(heatmap.y) == DIGIT_NAMES
    assert figure.layout.yaxis.autorange == "reversed"  # 0 at the top, like a table
    assert "true" in figure.layout.yaxis.title.text and "predicted" in figure.layout.xaxis.title.text
    assert np.asarray(heatmap.text)[3, 5] == str(matrix[3, 5])
    assert figure.layout.title.text == "quick"


def test_confusion_heatmap_scale_lets_the_mistakes_show() -> None:
    """The colour scale is set by the off-diagonal mistakes, not washed out by the large diagonal."""
    matrix = _confusion()
    (heatmap,) = [trace for trace in plots.confusion_heatmap(matrix).data if isinstance(trace, go.Heatmap)]
    mistakes = matrix[~np.eye(10, dtype=bool)]
    assert heatmap.zmin == 0
    assert mistakes.max() <= heatmap.zmax < np.diag(matrix).min()


def test_confusion_heatmap_normalised_text_shows_percentages() -> None:
    """A normalised matrix is labelled in percent with one decimal, e.g. 97.5 %."""
    matrix = _confusion()
    shares = matrix / matrix.sum(axis=1, keepdims=True)
    (heatmap,) = [t for t in plots.confusion_heatmap(shares, normalised=True).data if isinstance(t, go.Heatmap)]
    text = np.asarray(heatmap.text)
    assert all(cell.endswith("%") for cell in text.ravel())
    assert text[4, 4] == f"{shares[4, 4] * 100:.1f}%"


def test_confusion_heatmap_diverging_is_symmetric_around_zero() -> None:
    """A difference of two matrices gets a red–blue scale centred on 0, as far below as above."""
    difference = _confusion() - _confusion().T
    difference[2, 7] = -40  # one model much worse on 2 → 7
    (heatmap,) = [t for t in plots.confusion_heatmap(difference, diverging=True).data if isinstance(t, go.Heatmap)]
    assert heatmap.zmid == 0
    assert heatmap.zmin == -heatmap.zmax == -40
    assert np.asarray(heatmap.text)[2, 7] == "-40"

    (flat,) = [t for t in plots.confusion_heatmap(np.zeros((10, 10)), diverging=True).data if isinstance(t, go.Heatmap)]
    assert flat.zmin < 0 < flat.zmax  # all zeros still gives a usable scale


# -- training_curves ------------------------------------------------------------


def test_training_curves_plot_training_and_validation_loss_and_accuracy() -> None:
    """With validation figures there are four lines, and each series appears once in the legend."""
    history = [_event(epoch) for epoch in (1, 2, 3)]
    figure = plots.training_curves(history)
    assert sorted(trace.name for trace in figure.data) == ["training", "training", "validation", "validation"]
    assert all(list(trace.x) == [1, 2, 3] for trace in figure.data)
    validation_loss = next(t for t in figure.data if t.name == "validation" and t.xaxis == "x")
    assert list(validation_loss.y) == [event.val_loss for event in history]
    assert sorted(t.name for t in figure.data if t.showlegend) == ["training", "validation"]


def test_training_curves_skip_validation_when_there_is_none() -> None:
    """A run without a validation split draws only the training lines, no empty validation ones."""
    figure = plots.training_curves([_event(epoch, validation=False) for epoch in (1, 2)])
    assert [trace.name for trace in figure.data] == ["training", "training"]
    assert {trace.xaxis for trace in figure.data} == {"x", "x2"}  # loss and accuracy


def test_training_curves_x_axis_covers_every_planned_epoch() -> None:
    """While training runs, the x axis already spans all planned epochs, so the curve grows into it."""
    figure = plots.training_curves([_event(1, epochs=20), _event(2, epochs=20)], epochs=20)
    for axis in (figure.layout.xaxis, figure.layout.xaxis2):
        low, high = axis.range
        assert low < 1 and high > 20

    finished = plots.training_curves([_event(epoch) for epoch in range(1, 8)])
    low, high = finished.layout.xaxis.range
    assert low < 1 and 7 < high < 8


def test_training_curves_before_the_first_epoch() -> None:
    """With no epoch finished yet the chart is empty but drawn, its axis spanning the planned epochs."""
    figure = plots.training_curves([], epochs=5)
    assert len(figure.data) == 0
    low, high = figure.layout.xaxis.range
    assert low < 1 and high > 5


# -- probability_bars_html --------------------------------------------------------


def test_probability_bars_have_ten_bars_and_highlight_the_winner() -> None:
    """One bar per digit, as tall as its probability; only the most probable digit is highlighted."""
    probabilities = np.array([0.01, 0.02, 0.05, 0.70, 0.02, 0.1, 0.03, 0.03, 0.02, 0.02])
    html = plots.probability_bars_html(probabilities[None])  # predict_proba's (1, 10) works too
    bars = BAR.findall(html)
    assert len(bars) == 10
    heights = [float(height) for height, _ in bars]
    colours = [colour for _, colour in bars]
    assert int(np.argmax(heights)) == 3
    assert heights[3] == pytest.approx(70.0)
    assert colours[3] != colours[0] and colours.count(colours[3]) == 1
    assert SHARE.findall(html) == ["1", "2", "5", "70", "2", "10", "3", "3", "2", "2"]
    for digit in range(10):
        assert f">{digit}</div>" in html


def test_probability_bars_are_safe_for_all_zero_input() -> None:
    """All-zero probabilities (nothing drawn yet) still give ten visible bars and no NaN or error."""
    html = plots.probability_bars_html(np.zeros(10))
    bars = BAR.findall(html)
    assert len(bars) == 10
    assert all(float(height) >= 1 for height, _ in bars)
    assert "nan" not in html.lower()
    assert SHARE.findall(html) == ["0"] * 10


def test_probability_bars_are_labelled_for_screen_readers() -> None:
    """The bars are one image with a text alternative, so a screen reader can announce them."""
    html = plots.probability_bars_html(np.full(10, 0.1))
    assert 'role="img"' in html and "aria-label=" in html


# -- coverage_curve ---------------------------------------------------------------


def test_coverage_curve_marks_the_chosen_threshold() -> None:
    """Both curves are drawn against the threshold, and a dashed line labelled in percent marks the chosen one."""
    thresholds = np.linspace(0.1, 0.99, 20)
    coverage = np.linspace(1.0, 0.6, 20)
    accuracy = np.linspace(0.95, 0.999, 20)
    figure = plots.coverage_curve(thresholds, coverage, accuracy, chosen=0.83)
    names = [trace.name for trace in figure.data]
    assert len(names) == 2 and "share answered" in names
    np.testing.assert_allclose(figure.data[0].x, thresholds)
    (line,) = figure.layout.shapes
    assert line.x0 == line.x1 == 0.83
    assert line.line.dash == "dash"
    assert any(annotation.text == "threshold 83%" for annotation in figure.layout.annotations)
    assert figure.layout.xaxis.tickformat == figure.layout.yaxis.tickformat == ".0%"


# -- class_balance ------------------------------------------------------------------


def test_class_balance_compares_training_and_test_counts_of_each_digit(mnist: data.Dataset) -> None:
    """Two groups of bars, training and test, each with one bar per digit at the real MNIST counts."""
    train_counts = np.bincount(mnist.y_train, minlength=10)
    test_counts = np.bincount(mnist.y_test, minlength=10)
    figure = plots.class_balance(train_counts, test_counts)
    assert [trace.type for trace in figure.data] == ["bar", "bar"]
    assert [trace.name for trace in figure.data] == ["training", "test"]
    for trace, counts in zip(figure.data, (train_counts, test_counts), strict=True):
        assert list(trace.x) == DIGIT_NAMES
        assert list(trace.y) == counts.tolist()
    assert figure.layout.barmode == "group"
    assert sum(figure.data[0].y) == 60000 and sum(figure.data[1].y) == 10000
