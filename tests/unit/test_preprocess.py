"""canvas_to_mnist on real MNIST digits painted the ways a browser or a file delivers them."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_core import data
from mnist_core.errors import EmptyImageError, ImageTooLargeError, InvalidImageError
from mnist_core.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    canvas_to_mnist,
    ink,
    noise_image,
    read_image,
)
from mnist_core.language import catalogue
from mnist_core.training import TrainedModel

from .conftest import ink_bbox, opaque_rgba, paint

# The first test images: every digit appears, written by many hands.
DIGITS = range(60)
# Mean absolute pixel difference (pixels in [0, 1]) allowed between a painted canvas and the
# digit itself after the same processing. Painted canvases measure about 0.008 (at most
# 0.013); two different images of the same digit measure about 0.1.
CLOSE = 0.02


def _variants() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Ways to put a 28×28 MNIST digit on a 280×280 canvas, as the app and users do."""

    def shifted(digit: np.ndarray) -> np.ndarray:
        cut = np.kron(ink_bbox(digit), np.ones((10, 10), dtype=np.uint8))
        return opaque_rgba(paint(ink_bbox(digit), top=280 - cut.shape[0], left=0))

    return {
        "rgba-opaque": lambda digit: opaque_rgba(paint(digit)),
        "shifted-to-a-corner": shifted,
        "small-in-a-corner": lambda digit: opaque_rgba(paint(digit, scale=3, top=0, left=280 - 84)),
        "inverted": lambda digit: opaque_rgba(255 - paint(digit)),
        "alpha-ink": lambda digit: np.dstack([np.zeros((280, 280, 3), np.uint8), paint(digit)]),
        "grayscale": lambda digit: paint(digit),
        "rgb": lambda digit: np.dstack([paint(digit)] * 3),
        "float-gray": lambda digit: paint(digit).astype(np.float32) / 255,
    }


VARIANTS = _variants()


@pytest.fixture(scope="module")
def processed(mnist: data.Dataset) -> dict[str, np.ndarray]:
    """canvas_to_mnist of every variant of the chosen test digits, plus of the digits themselves.

    The pen-width step is off: these check that cropping, fitting and centring repeat
    how MNIST was made, which redrawing the strokes would blur (it has its own tests).
    """
    results = {"original": np.stack([canvas_to_mnist(mnist.x_test[i], stroke=False) for i in DIGITS])}
    for name, make in VARIANTS.items():
        results[name] = np.stack([canvas_to_mnist(make(mnist.x_test[i]), stroke=False) for i in DIGITS])
    return results


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_painted_digit_comes_back_as_the_digit(processed: dict[str, np.ndarray], variant: str) -> None:
    """A digit painted on a 280×280 canvas comes back within a small distance of the digit itself."""
    result = processed[variant]
    assert result.shape == (len(DIGITS), 28, 28)
    assert result.dtype == np.float32
    assert result.min() >= 0 and result.max() <= 1
    distance = np.abs(result - processed["original"]).mean(axis=(1, 2))
    assert distance.max() < CLOSE, f"worst digit {DIGITS[int(distance.argmax())]}: {distance.max():.4f}"


def test_distance_threshold_separates_different_digits(processed: dict[str, np.ndarray]) -> None:
    """The closeness threshold is meaningful: different test digits are much further apart than CLOSE."""
    original = processed["original"]
    apart = np.abs(original[:-1] - original[1:]).mean(axis=(1, 2))
    assert apart.min() > 3 * CLOSE


def test_colours_and_channels_do_not_change_the_result(processed: dict[str, np.ndarray]) -> None:
    """Gray, RGB, opaque RGBA, inverted and alpha-channel ink of one drawing give the same 28×28 image."""
    reference = processed["rgba-opaque"]
    for name in ("inverted", "alpha-ink", "grayscale", "rgb", "float-gray"):
        np.testing.assert_allclose(processed[name], reference, atol=1e-5, err_msg=name)


def test_processed_digit_is_centred_like_mnist(processed: dict[str, np.ndarray]) -> None:
    """The result's centre of mass is at the middle of the field and its ink fits the 20×20 box."""
    for image in processed["small-in-a-corner"]:
        ys, xs = np.indices(image.shape)
        centre = ((ys * image).sum() / image.sum(), (xs * image).sum() / image.sum())
        assert np.abs(np.array(centre) - 14).max() <= 1
        rows, cols = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22


def test_model_still_reads_painted_digits(
    processed: dict[str, np.ndarray], sklearn_model: TrainedModel, mnist: data.Dataset
) -> None:
    """A quickly trained model classifies painted digits about as well as the originals."""
    labels = mnist.y_test[list(DIGITS)]
    original_accuracy = (sklearn_model.network.predict(mnist.x_test[list(DIGITS)]) == labels).mean()
    assert original_accuracy >= 0.9
    for name in VARIANTS:
        accuracy = (sklearn_model.network.predict(processed[name]) == labels).mean()
        assert accuracy >= 0.9, f"{name}: {accuracy:.2f}"
        assert accuracy >= original_accuracy - 0.05, name
    # With MNIST's own strokes redrawn at MNIST's typical width, too.
    for name, make in VARIANTS.items():
        evened = np.stack([canvas_to_mnist(make(mnist.x_test[i])) for i in DIGITS])
        accuracy = (sklearn_model.network.predict(evened) == labels).mean()
        assert accuracy >= original_accuracy - 0.1, f"{name} with strokes evened: {accuracy:.2f}"


def test_crop_off_shrinks_the_whole_canvas(mnist: data.Dataset) -> None:
    """crop=False shrinks the whole canvas to 28×28, so a full-canvas painting comes back as the original."""
    result = canvas_to_mnist(opaque_rgba(paint(mnist.x_test[0])), crop=False, stroke=False)
    assert result.shape == (28, 28)
    assert np.abs(result - mnist.x_test[0] / 255).mean() < CLOSE


@pytest.mark.parametrize(
    "canvas",
    [
        opaque_rgba(np.zeros((280, 280), np.uint8)),
        opaque_rgba(np.full((280, 280), 255, np.uint8)),
        np.zeros((280, 280, 4), np.uint8),
        np.zeros((28, 28), np.float32),
        np.full((50, 80, 3), 128, np.uint8),
    ],
    ids=["black", "white", "transparent", "float-zeros", "flat-gray"],
)
def test_empty_canvas_is_reported(canvas: np.ndarray) -> None:
    """A canvas with no ink raises EmptyImageError instead of guessing a digit."""
    with pytest.raises(EmptyImageError, match="empty"):
        canvas_to_mnist(canvas)


@pytest.mark.parametrize("pixels", [1, 2])
def test_a_speck_is_empty(pixels: int) -> None:
    """One or two stray pixels of ink count as an empty canvas."""
    canvas = np.zeros((280, 280), np.uint8)
    canvas[100, 100 : 100 + pixels] = 255
    with pytest.raises(EmptyImageError):
        canvas_to_mnist(opaque_rgba(canvas))


@pytest.mark.parametrize(
    "array",
    [np.zeros((28, 28, 2)), np.zeros((4, 28, 28, 1)), np.zeros((1, 28)), np.array([["a", "b"], ["c", "d"]])],
    ids=["two-channels", "four-dimensions", "one-row", "strings"],
)
def test_arrays_that_are_not_images_are_invalid(array: np.ndarray) -> None:
    """Arrays of the wrong shape or type raise InvalidImageError."""
    with pytest.raises(InvalidImageError):
        ink(array)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_read_image_reads_png_and_jpeg(mnist: data.Dataset, tmp_path: Path) -> None:
    """PNG and JPEG files (or bytes) read as RGBA arrays that process like the digit itself."""
    canvas = paint(mnist.x_test[0])
    path = tmp_path / "digit.png"
    path.write_bytes(_png(canvas))
    from_file, from_bytes = read_image(path), read_image(path.read_bytes())
    assert from_file.shape == (280, 280, 4) and from_file.dtype == np.uint8
    np.testing.assert_array_equal(from_file, from_bytes)
    np.testing.assert_array_equal(from_file[..., 0], canvas)

    jpeg = io.BytesIO()
    Image.fromarray(canvas).save(jpeg, format="JPEG", quality=95)
    from_jpeg = canvas_to_mnist(read_image(jpeg.getvalue()))
    assert np.abs(from_jpeg - canvas_to_mnist(mnist.x_test[0])).mean() < CLOSE


def test_read_image_gives_an_opaque_canvas_as_its_gray_levels_and_keeps_a_transparent_one(
    mnist: data.Dataset,
) -> None:
    """``gray=True`` (what Draw asks for each stroke): the same ink and model input, read from one plane."""
    digit = paint(mnist.x_test[0])
    colourful = opaque_rgba(digit).copy()
    colourful[..., 0] //= 2  # a tinted pen, so that the colours differ and the luma weights matter
    for canvas in (opaque_rgba(digit), colourful):
        gray = read_image(_png(canvas), gray=True)
        assert gray.shape == (280, 280) and gray.dtype == np.uint8
        assert np.abs(ink(gray) - ink(canvas)).max() <= 1 / 255 + 1e-6
        assert np.abs(canvas_to_mnist(gray) - canvas_to_mnist(canvas)).max() < 0.02

    on_glass = np.dstack([np.full((280, 280, 3), 255, np.uint8), digit])  # white ink on a transparent canvas
    kept = read_image(_png(on_glass), gray=True)
    assert kept.shape == (280, 280, 4)
    np.testing.assert_allclose(ink(kept), digit / 255, atol=1e-6)


def test_read_image_refuses_what_is_not_an_image(tmp_path: Path) -> None:
    """A text file, a missing file and a GIF raise InvalidImageError naming the problem."""
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    with pytest.raises(InvalidImageError, match="not a readable PNG or JPEG"):
        read_image(text)
    with pytest.raises(InvalidImageError, match="no file"):
        read_image(tmp_path / "missing.png")
    gif = io.BytesIO()
    Image.new("L", (10, 10)).save(gif, format="GIF")
    with pytest.raises(InvalidImageError, match="not GIF"):
        read_image(gif.getvalue())
    with pytest.raises(InvalidImageError):
        read_image(b"\x89PNG\r\n\x1a\n truncated")


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height but holds one row: real for Pillow's header, cheap to make."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    one_row = zlib.compress(b"\0" * (width // 8 + 2))  # 1-bit gray: a filter byte and width / 8 bytes
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", one_row) + chunk(b"IEND", b"")


def _jpeg_header(width: int, height: int) -> bytes:
    """A JPEG that claims width × height (one gray component) and holds no picture data."""
    frame = struct.pack(">BHHB", 8, height, width, 1) + bytes([1, 0x11, 0])
    scan = bytes([1, 1, 0, 0, 63, 0])
    return (
        b"\xff\xd8"
        + b"\xff\xc0"
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xda"
        + struct.pack(">H", len(scan) + 2)
        + scan
        + b"\xff\xd9"
    )


def _source(data: bytes, as_bytes: bool, path: Path) -> Path | bytes:
    if as_bytes:
        return data
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("as_bytes", [False, True], ids=["file", "bytes"])
def test_read_image_refuses_a_30000_pixel_png_from_its_header(as_bytes: bool, tmp_path: Path) -> None:
    """A 30,000 × 30,000 PNG (past Pillow's own bomb limit) is refused as too large, naming its size."""
    with pytest.raises(ImageTooLargeError) as refused:
        read_image(_source(_png_header(30_000, 30_000), as_bytes, tmp_path / "huge.png"))
    message = str(refused.value)
    assert "30,000 × 30,000 pixels" in message and "40 megapixels" in message
    assert "shrink it or crop it to the digit" in message
    assert isinstance(refused.value, InvalidImageError)  # the app and CLI already report these
    german = refused.value.in_language(catalogue("de"))
    assert "30,000 × 30,000 Pixel" in german and "schneide es auf die Ziffer zu" in german
    assert german.startswith("Das Bild hat" if as_bytes else f"{tmp_path / 'huge.png'} hat")


@pytest.mark.parametrize("as_bytes", [False, True], ids=["file", "bytes"])
def test_read_image_refuses_a_12000_pixel_png_without_pillow_warning(as_bytes: bool, tmp_path: Path) -> None:
    """A 12,000 × 12,000 PNG (where Pillow only warns, an error under pytest) is refused by its size."""
    with pytest.raises(ImageTooLargeError, match="12,000 × 12,000 pixels"):
        read_image(_source(_png_header(12_000, 12_000), as_bytes, tmp_path / "big.png"))


@pytest.mark.parametrize(
    ("width", "height"),
    [(MAX_IMAGE_SIDE + 1, 1), (1, MAX_IMAGE_SIDE + 1), (6_400, MAX_IMAGE_PIXELS // 6_400 + 1)],
    ids=["too-wide", "too-tall", "too-many-pixels"],
)
def test_read_image_enforces_each_limit_on_its_own(width: int, height: int) -> None:
    """Going past the side limit alone, or the pixel limit alone with sides in range, is refused."""
    with pytest.raises(ImageTooLargeError, match=f"{width:,} × {height:,} pixels"):
        read_image(_png_header(width, height))


def test_read_image_reads_an_image_at_the_side_limit() -> None:
    """An image exactly MAX_IMAGE_SIDE wide is still read."""
    assert read_image(_png_header(MAX_IMAGE_SIDE, 1)).shape == (1, MAX_IMAGE_SIDE, 4)


def test_read_image_refuses_a_huge_jpeg_by_its_size() -> None:
    """A 30,000 × 30,000 JPEG, past Pillow's bomb limit, is refused naming its size too."""
    with pytest.raises(ImageTooLargeError, match="30,000 × 30,000 pixels"):
        read_image(_jpeg_header(30_000, 30_000))


def test_read_image_refuses_a_huge_gif_as_too_large() -> None:
    """A GIF past Pillow's bomb limit is refused as too large, never with Pillow's own error."""
    gif = io.BytesIO()
    Image.new("L", (4, 4)).save(gif, format="GIF")
    data = bytearray(gif.getvalue())
    data[6:10] = struct.pack("<HH", 65_535, 65_535)  # the GIF's screen size
    with pytest.raises(ImageTooLargeError, match="far more than 40 megapixels"):
        read_image(bytes(data))


def test_read_image_refuses_a_file_over_the_byte_limit_before_reading_it(tmp_path: Path) -> None:
    """A 1 GB file (sparse: a small PNG, then zeros) is refused from its size on disk alone."""
    path = tmp_path / "padded.png"
    with path.open("wb") as file:
        file.write(_png(np.zeros((28, 28), np.uint8)))  # readable if the byte limit were not checked
        file.truncate(20 * MAX_IMAGE_BYTES)
    with pytest.raises(ImageTooLargeError, match="is 1,000 MB, but an image file can be at most 50 MB"):
        read_image(path)


def test_read_image_refuses_bytes_over_the_byte_limit() -> None:
    """Bytes longer than MAX_IMAGE_BYTES are refused, even when they start with a readable PNG."""
    data = _png(np.zeros((28, 28), np.uint8)) + bytes(MAX_IMAGE_BYTES)
    with pytest.raises(ImageTooLargeError, match="at most 50 MB"):
        read_image(data)


def test_read_image_still_reads_a_phone_photo_sized_image(tmp_path: Path) -> None:
    """A 4000 × 3000 image, the size of a phone photo, is read whole."""
    photo = Image.new("L", (4000, 3000))
    photo.paste(255, (1000, 1000, 2000, 2000))
    path = tmp_path / "photo.png"
    photo.save(path)
    image = read_image(path)
    assert image.shape == (3000, 4000, 4) and image.dtype == np.uint8
    assert image[1500, 1500, 0] == 255 and image[0, 0, 0] == 0


@pytest.mark.parametrize("kind", ["uniform", "sparse"])
def test_noise_image_is_repeatable(kind: str) -> None:
    """noise_image gives the same 28×28 noise for the same seed and other noise for another."""
    first, again, other = noise_image(3, kind=kind), noise_image(3, kind=kind), noise_image(4, kind=kind)
    assert first.shape == (28, 28) and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_sparse_noise_is_mostly_background() -> None:
    """Sparse noise leaves most pixels dark; uniform noise fills the image."""
    assert (noise_image(0, kind="sparse") == 0).mean() > 0.7
    assert (noise_image(0) > 0).mean() > 0.99
