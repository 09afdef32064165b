"""Digits on paper through a phone: the light flattened, the ink found, upright, and numbers read left to right."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mnist_core import data
from mnist_core.errors import EmptyImageError, ImageTooLargeError, InvalidImageError, TooManyMarksError
from mnist_core.images import (
    PHOTO_SIDE,
    canvas_to_mnist,
    digit_groups,
    paper_digits,
    paper_numbers,
    photo_ink,
    read_photo,
    writers_digits,
)
from mnist_core.network import Reading, read_drawing, read_photo_of_writing
from mnist_core.training.records import TrainedModel

#: Picks of MNIST test digits, the same every run.
PICKS = np.random.default_rng(5).permutation(10_000)[:200]


def _jpeg(picture: np.ndarray, **extra: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=85, **extra)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photos(mnist: data.Dataset):
    """200 MNIST test digits written on paper and photographed (grain, a lamp to one side, JPEG)."""
    return paper_digits(mnist.x_test[PICKS], mnist.y_test[PICKS], seed=4, photo=True)


@pytest.fixture(scope="module")
def a_few_photos(mnist: data.Dataset):
    """The first 20 of :func:`photos`, for tests of one photo at a time."""
    return paper_digits(mnist.x_test[PICKS[:20]], mnist.y_test[PICKS[:20]], seed=4, photo=True)


@pytest.mark.slow  # a measurement over many photographed digits
def test_photographed_test_digits_are_read_as_well_as_nearly_as_the_digits_themselves(
    photos, mnist: data.Dataset, sklearn_model: TrainedModel
) -> None:
    """Through the photo path, the model reads the photos within a few points of the MNIST digits themselves."""
    network = sklearn_model.network
    inputs = np.stack([canvas_to_mnist(photo_ink(picture)) for picture in photos.images])
    on_photos = (network.predict(inputs) == photos.labels).mean()
    on_digits = (network.predict(data.to_features(mnist.x_test[PICKS])) == mnist.y_test[PICKS]).mean()
    assert on_photos >= on_digits - 0.06, (on_photos, on_digits)


def test_the_light_is_flattened_so_the_dim_side_is_not_ink(a_few_photos) -> None:
    """Uneven light leaves no ink on the paper: what is found lies on the written digit only."""
    for picture in a_few_photos.images:
        found = photo_ink(picture) > 0.1
        darkness = 1.0 - picture.mean(axis=2) / 255.0
        # Every pixel taken as ink is darker than the paper around it by a clear margin.
        paper_level = np.median(darkness[~found])
        assert np.percentile(darkness[found], 10) > paper_level + 0.15


def test_chalk_on_a_board_is_read_too(mnist: data.Dataset, sklearn_model: TrainedModel) -> None:
    """Light writing on a dark board (the picture inverted) reads the same digits."""
    photos = paper_digits(mnist.x_test[:40], mnist.y_test[:40], seed=8, photo=True)
    inputs = np.stack([canvas_to_mnist(photo_ink(255 - picture)) for picture in photos.images])
    assert (sklearn_model.network.predict(inputs) == photos.labels).mean() >= 0.85


def test_a_photo_is_turned_upright_by_its_exif_orientation(a_few_photos) -> None:
    """A phone stores a portrait photo sideways with an orientation tag: it is read the way it was taken."""
    upright = a_few_photos.images[0]
    sideways = np.ascontiguousarray(np.rot90(upright, k=1))  # what the sensor stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to view"
    read = read_photo(_jpeg(sideways, exif=exif.tobytes()))
    assert read.shape == upright.shape
    assert np.abs(read.astype(int) - upright.astype(int)).mean() < 6


def test_a_big_photo_is_shrunk_before_it_is_read(a_few_photos) -> None:
    """A 12-megapixel photo is read at PHOTO_SIDE a side, in well under a second."""
    big = np.asarray(Image.fromarray(a_few_photos.images[1]).resize((4000, 3000), Image.Resampling.NEAREST))
    picture = read_photo(_jpeg(big))
    assert max(picture.shape[:2]) == PHOTO_SIDE
    assert photo_ink(picture).any()


def test_blank_paper_and_a_marked_page_get_a_sentence_that_says_what_to_do() -> None:
    """No writing: say how to photograph a digit. Marks everywhere: say so, and what to do instead."""
    rng = np.random.default_rng(0)
    blank = np.clip(rng.normal(220, 3, (300, 300, 3)), 0, 255).astype(np.uint8)
    with pytest.raises(EmptyImageError, match="dark ink on plain paper"):
        photo_ink(blank)
    speckled = blank.copy()
    for _ in range(60):
        y, x = rng.integers(10, 290, 2)
        speckled[y - 3 : y + 3, x - 3 : x + 3] = 30
    with pytest.raises(TooManyMarksError, match="too many"):
        photo_ink(speckled)
    dark = np.clip(rng.normal(60, 40, (300, 300, 3)), 0, 255).astype(np.uint8)
    with pytest.raises((TooManyMarksError, EmptyImageError)):
        photo_ink(dark)


def test_the_edge_of_the_sheet_and_a_stray_speck_are_not_the_digit(a_few_photos) -> None:
    """A dark band along the picture's edge (the table past the sheet) and a speck are left out."""
    picture = a_few_photos.images[2].copy()
    clean = photo_ink(picture) > 0.1
    picture[:, :12] = 40  # the table beside the sheet
    picture[150:152, 300:302] = 40  # a speck
    found = photo_ink(picture) > 0.1
    assert not found[:, :12].any()
    assert not found[150:152, 300:302].any()
    assert (found == clean).mean() > 0.99


def test_not_an_image_and_too_large_are_refused_before_decoding() -> None:
    with pytest.raises(InvalidImageError):
        read_photo(b"not a picture")
    buffer = io.BytesIO()
    Image.new("L", (12_000, 10)).save(buffer, format="PNG")
    with pytest.raises(ImageTooLargeError):
        read_photo(buffer.getvalue())


def _said(reading: Reading) -> str:
    number = reading.number
    if number is None:
        return str(reading.answers["m"].top_digit)
    return "".join(str(reply.top_digit) for reply in number.answers["m"])


@pytest.mark.slow  # a measurement over many photographed digits
def test_numbers_are_read_left_to_right_digit_by_digit(mnist: data.Dataset, sklearn_model: TrainedModel) -> None:
    """Numbers of two to four real MNIST test digits, photographed: the digits are found and read in order."""
    numbers = paper_numbers(mnist.x_test, mnist.y_test, 40, seed=9, touching_share=0.0)
    networks = {"m": sklearn_model.network}
    found, exact = 0, 0
    for picture, number in zip(numbers.images, numbers.numbers, strict=True):
        assert len(digit_groups(photo_ink(picture))) <= len(number) + 1
        said = _said(read_drawing(photo_ink(picture), networks))
        found += len(said) == len(number)
        exact += said == number
    assert found >= 0.95 * len(numbers.numbers)
    assert exact >= 0.7 * len(numbers.numbers)


def test_touching_digits_are_cut_apart_where_the_ink_is_thinnest(
    mnist: data.Dataset, sklearn_model: TrainedModel
) -> None:
    """Two digits whose strokes touch are one mark: cut in two when the halves read far better than the whole,
    and marked as cut (the cut may be wrong)."""
    numbers = paper_numbers(mnist.x_test, mnist.y_test, 30, seed=10, touching_share=1.0)
    networks = {"m": sklearn_model.network}
    counted, marked = 0, 0
    for picture, number in zip(numbers.images, numbers.numbers, strict=True):
        reading = read_drawing(photo_ink(picture), networks)
        counted += len(_said(reading)) == len(number)
        marked += reading.number is not None and reading.number.unsure_split
    assert counted >= 0.3 * len(numbers.numbers)
    assert marked >= counted * 0.9


@pytest.mark.slow  # a measurement over many photographed digits
def test_a_single_digit_is_rarely_taken_for_two(photos, sklearn_model: TrainedModel) -> None:
    """A wide single digit (a sprawling 2 or 5) is cut in two only when it reads far better so: rarely."""
    networks = {"m": sklearn_model.network}
    as_numbers = sum(read_drawing(photo_ink(picture), networks).number is not None for picture in photos.images)
    assert as_numbers <= 0.04 * len(photos.images)


def test_a_photo_of_a_number_is_read_by_the_models_in_one_call(
    mnist: data.Dataset, sklearn_model: TrainedModel
) -> None:
    """The Draw page's photo use case: the photo's steps and each model's answer to each digit."""
    numbers = paper_numbers(mnist.x_test, mnist.y_test, 12, seed=11, touching_share=0.0)
    networks = {"m": sklearn_model.network}
    digits_right = 0
    for picture, number in zip(numbers.images, numbers.numbers, strict=True):
        shown, reading = read_photo_of_writing(_jpeg(picture), networks)
        assert shown.shape == picture.shape
        assert reading.number is not None
        assert reading.number.inputs.shape == (len(number), 28, 28)
        assert len(reading.number.text("m")) == len(number)
        digits_right += sum(a == b for a, b in zip(_said(reading), number, strict=True))
    assert digits_right >= 0.8 * sum(len(number) for number in numbers.numbers)


def test_one_digit_on_paper_is_read_as_one_digit(a_few_photos, sklearn_model: TrainedModel) -> None:
    _, reading = read_photo_of_writing(_jpeg(a_few_photos.images[3]), {"m": sklearn_model.network})
    assert reading.number is None
    assert reading.answers["m"].top_digit == a_few_photos.labels[3]


def test_the_writers_set_is_the_43_writers_digits_half_dark_on_light() -> None:
    writers = writers_digits()
    assert writers.images.shape == (1797, 280, 280)
    assert np.bincount(writers.labels).min() >= 170
    assert writers.kinds.count("dark on light") == 898
    dark = writers.images[1]
    assert np.median(dark[0]) == 255 and dark.min() < 60
