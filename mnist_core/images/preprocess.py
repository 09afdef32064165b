"""Turn a drawing (or any image of one digit) into the 28×28 input MNIST models expect.

MNIST digits were made by fitting each digit into a 20×20 box, keeping its
aspect ratio, with anti-aliasing, and then moving its centre of mass to the
centre of a 28×28 field. A drawing only looks like MNIST to a model after the
same steps, so :func:`canvas_to_mnist` repeats them. MNIST's strokes are about
2.5 pixels wide whoever wrote them, so where a digit's strokes, once fitted, come out
far thinner or thicker than MNIST's (a thick pen on a small digit, a hairline on a
large one) it also redraws them at that width (:mod:`mnist_core.images.strokes`).
Strokes already as wide as MNIST's are left as written: redrawing them would only
lose what the writer's pen did.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from ..errors import EmptyImageError, ImageTooLargeError, InvalidImageError
from ..language import marked
from .strokes import even_strokes, stroke_width

__all__ = [
    "BOX",
    "EVEN_BAND",
    "FIELD",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "Steps",
    "canvas_to_mnist",
    "ink",
    "noise_image",
    "preprocess_steps",
    "read_image",
]

FIELD = 28  # MNIST image side
BOX = 20  # side of the box a digit is fitted into
INK_THRESHOLD = 0.1  # brighter than this counts as ink
MIN_INK_PIXELS = 3  # fewer inked pixels than this is a speck, not a digit
#: Strokes this wide (in pixels of the 28 × 28 field, once fitted) are left as written; thinner or
#: thicker ones are redrawn. MNIST's training digits measure 1.5 to 4.4 from their 5th to their 95th
#: percentile, but real handwriting written with a soft or broad pen often measures 4 to 10: redrawing
#: those loses what the writer's pen did (``best`` read 87.0 % of scikit-learn's 43 writers redrawn
#: always, 96.4 % as written). Redrawing only beyond 10 costs no preset more than 0.3 points against
#: the step off on any real-handwriting set and gains up to 1.5 on the writers; an upper edge of 8
#: cost ``best`` 1.0 point there, one of 12 left ``quick`` under 90 % (benchmarks.handwriting --bands).
EVEN_BAND = (1.5, 10.0)
# MNIST's centre of mass sits at pixel (14, 14) in array coordinates (measured
# over the training set: mean 14.00 in both directions).
CENTRE = 14.0
# A canvas is 280 × 280 and a phone photo about 4000 × 3000 (12 megapixels), so these
# leave room for any real picture of a digit, while bigger images cost seconds and
# gigabytes to decode (a 12,000 × 12,000 PNG took 13.9 s and 5.1 GB) for a 28 × 28 result.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 10_000
# A 12-megapixel photo is well under this even as a PNG; a file is read whole into
# memory before its header can be looked at.
MAX_IMAGE_BYTES = 50_000_000
#: What an image's messages call it when it came as bytes (an upload, a photo) rather than a file.
THE_IMAGE = marked("The image")
#: How much each of red, green and blue counts towards a pixel's brightness (ITU-R BT.601).
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _as_float(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype == bool:
        return array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.number):
        raise InvalidImageError("The image is not an array of numbers.")
    array = array.astype(np.float32)
    if array.size and array.max() > 1.0:
        array /= 255.0
    return np.clip(array, 0.0, 1.0)


def ink(image: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, 0 (background) to 1, whatever the colours.

    Accepts grayscale ``(h, w)``, RGB ``(h, w, 3)`` or RGBA ``(h, w, 4)``,
    uint8 or float; light ink on dark, dark ink on light, or ink drawn on a
    transparent canvas (then the alpha channel is the ink).
    """
    pixels = np.asarray(image)
    colours = pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] in (3, 4)
    # (A uint8 image that holds only 0 and 1 is read as amounts 0 to 1, below.)
    if colours and min(pixels.shape[:2]) >= 2 and pixels.max() > 1:
        return _ink_of_colours(pixels)
    array = _as_float(pixels)
    if array.ndim == 3 and array.shape[2] == 4 and np.median(_border(array[..., 3])) < 0.5:
        return array[..., 3]  # on a transparent canvas, whatever is opaque is ink
    if array.ndim == 3 and array.shape[2] in (3, 4):
        gray = array[..., :3] @ LUMA
    elif array.ndim == 2:
        gray = array
    else:
        raise InvalidImageError(
            "An image has 2 dimensions, or 3 with 3 or 4 channels; this one has shape {shape}.", shape=array.shape
        )
    if min(gray.shape) < 2:
        raise InvalidImageError("The image is too small to hold a digit.")
    return _against_background(gray)


def _ink_of_colours(pixels: np.ndarray) -> np.ndarray:
    """:func:`ink` of a uint8 RGB or RGBA image (a canvas, a photo), one colour plane at a time.

    The same amounts as converting the whole image to floats first, without the
    float copy of every channel that a canvas's 280 × 280 × 4 bytes would make.
    """
    if pixels.shape[2] == 4 and np.median(_border(pixels[..., 3])) < 127.5:
        return pixels[..., 3] * np.float32(1 / 255)  # on a transparent canvas, whatever is opaque is ink
    weights = LUMA / np.float32(255)
    gray = pixels[..., 0] * weights[0]
    gray += pixels[..., 1] * weights[1]
    gray += pixels[..., 2] * weights[2]
    return _against_background(gray)


def _against_background(gray: np.ndarray) -> np.ndarray:
    """Ink amounts from gray levels in [0, 1]: the border's median is the paper, the other side the ink."""
    background = float(np.median(_border(gray)))
    if background > 0.5:  # dark ink on a light background
        gray, background = 1.0 - gray, 1.0 - background
    return np.clip((gray - background) / max(1.0 - background, 1e-6), 0.0, 1.0)


def _border(plane: np.ndarray) -> np.ndarray:
    return np.concatenate([plane[0], plane[-1], plane[:, 0], plane[:, -1]])


@dataclass(frozen=True, eq=False)
class Steps:
    """Each stage of :func:`canvas_to_mnist`, for showing students what happens.

    Attributes:
        ink: the whole canvas as ink amounts, 0 to 1.
        cropped: the ink's bounding box (the whole canvas when cropping is off).
        evened: the cropped ink redrawn with a pen as wide as MNIST's (see
            :func:`~mnist_core.images.strokes.even_strokes`); the cropped ink itself when that
            step is off or the strokes were already as wide as MNIST's.
        placed: the 28×28 field before centring: the crop fitted into 20×20 and
            set in the middle, or the whole canvas shrunk when cropping is off.
        result: what the models receive.
        width_as_written: the strokes' width once fitted into the field, before any redrawing
            (pixels of 28; 0 when the step is off).
        redrawn: whether the strokes were redrawn (their width was outside :data:`EVEN_BAND`).
    """

    ink: np.ndarray
    cropped: np.ndarray
    evened: np.ndarray
    placed: np.ndarray
    result: np.ndarray
    width_as_written: float = 0.0
    redrawn: bool = False


def preprocess_steps(image: np.ndarray, *, crop: bool = True, centre: bool = True, stroke: bool | str = True) -> Steps:
    """Run :func:`canvas_to_mnist` and keep every intermediate image.

    Raises:
        EmptyImageError: there is no ink to classify.
        InvalidImageError: the array is not an image.
    """
    amount = ink(image)
    mask = amount > INK_THRESHOLD
    if mask.sum() < MIN_INK_PIXELS:
        raise EmptyImageError("The canvas is empty: draw a digit first.")
    if crop:
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        digit = amount[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        fit = BOX
    else:
        digit, fit = amount, FIELD
    placed = _placed(digit, crop)
    evened, width, redrawn = digit, 0.0, False
    if stroke:
        width = stroke_width(placed)
        redrawn = stroke == "always" or not EVEN_BAND[0] <= width <= EVEN_BAND[1]
        if redrawn:
            evened = even_strokes(digit, fit=fit, cropped=crop)
            placed = _placed(evened, crop)
    result = _centre_of_mass_to_middle(placed) if centre else placed
    return Steps(amount, digit, evened, placed, result, width_as_written=width, redrawn=redrawn)


def _placed(digit: np.ndarray, crop: bool) -> np.ndarray:
    """The 28×28 field: a cropped digit fitted into 20×20 in the middle, or a whole canvas shrunk."""
    if not crop:
        return _resize(digit, FIELD, FIELD)
    height, width = digit.shape
    scale = BOX / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    placed = np.zeros((FIELD, FIELD), dtype=np.float32)
    top, left = (FIELD - new_h) // 2, (FIELD - new_w) // 2
    placed[top : top + new_h, left : left + new_w] = _resize(digit, new_h, new_w)
    return placed


def canvas_to_mnist(
    image: np.ndarray, *, crop: bool = True, centre: bool = True, stroke: bool | str = True
) -> np.ndarray:
    """A drawing as a 28×28 float32 image in [0, 1], white digit on black, like MNIST.

    Args:
        image: the canvas or photo, any size (see :func:`ink` for colours).
        crop: cut the image to the ink and fit it into 20×20 keeping the aspect
            ratio; off, the whole image is shrunk to 28×28 as it is.
        centre: move the centre of mass to the middle of the field.
        stroke: redraw the strokes as wide as MNIST's where, once fitted, they are
            far thinner or thicker (outside :data:`EVEN_BAND`); ``"always"`` redraws
            every digit; off, a thick pen on a small digit stays a blob.

    Raises:
        EmptyImageError: there is no ink to classify.
        InvalidImageError: the array is not an image.
    """
    return preprocess_steps(image, crop=crop, centre=centre, stroke=stroke).result


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    if image.shape == (height, width):
        return image.astype(np.float32)
    # LANCZOS widens its kernel when shrinking, which is the anti-aliasing MNIST had.
    resized = Image.fromarray(image.astype(np.float32), mode="F").resize((width, height), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _centre_of_mass_to_middle(field: np.ndarray) -> np.ndarray:
    total = field.sum()
    ys, xs = np.indices(field.shape)
    shift_y = round(CENTRE - float((ys * field).sum() / total))
    shift_x = round(CENTRE - float((xs * field).sum() / total))
    moved = np.zeros_like(field)
    src_y = slice(max(0, -shift_y), FIELD - max(0, shift_y))
    dst_y = slice(max(0, shift_y), FIELD - max(0, -shift_y))
    src_x = slice(max(0, -shift_x), FIELD - max(0, shift_x))
    dst_x = slice(max(0, shift_x), FIELD - max(0, -shift_x))
    moved[dst_y, dst_x] = field[src_y, src_x]
    return moved


def read_image(
    source: str | Path | bytes, *, upright: bool = False, fit: int | None = None, gray: bool = False
) -> np.ndarray:
    """Read a PNG or JPEG (path or bytes) as an RGBA array (or, with ``gray``, one plane of gray levels).

    Args:
        upright: turn it by its EXIF orientation, as a phone means its photos to be seen.
        fit: shrink it to at most this many pixels a side (a JPEG is decoded at a
            fraction of its size already, which a phone's 12-megapixel photo needs).
        gray: an opaque image comes as one plane of gray levels (Pillow's luma, the
            weights :func:`ink` gives colours), which spares :func:`ink` the arithmetic
            of three colour planes on every stroke; a transparent one stays RGBA.

    Raises:
        ImageTooLargeError: the file is over MAX_IMAGE_BYTES, or the image is over
            MAX_IMAGE_SIDE a side or MAX_IMAGE_PIXELS in all; nothing is decoded then.
        InvalidImageError: the file is missing or is not a PNG or JPEG image.
    """
    name = THE_IMAGE if isinstance(source, bytes) else str(source)
    try:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise ImageTooLargeError(
                "{name} is {size} MB, but an image file can be at most {most} MB: shrink it or crop it to the digit.",
                name=name,
                size=_millions(size),
                most=_millions(MAX_IMAGE_BYTES),
            )
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        try:
            with warnings.catch_warnings():
                # Pillow warns from far above our own limits, which are checked just below.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                picture = Image.open(io.BytesIO(raw))
        except Image.DecompressionBombError:
            raise _too_large(name, _size_past_pillow_limit(raw)) from None
        with picture:
            if picture.format not in ("PNG", "JPEG"):
                raise InvalidImageError("Only PNG and JPEG images are read, not {format}.", format=picture.format)
            width, height = picture.size
            if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                raise _too_large(name, picture.size)
            if fit is not None and picture.format == "JPEG":
                picture.draft("RGB", (fit, fit))  # decodes at 1/2, 1/4 or 1/8 of the size, no smaller than fit
            image: Image.Image = ImageOps.exif_transpose(picture) if upright else picture
            if fit is not None:
                image.thumbnail((fit, fit), Image.Resampling.LANCZOS)  # only ever shrinks
            if gray and not _see_through(image):
                return np.asarray(image.convert("L"))
            return np.asarray(image.convert("RGBA"))
    except FileNotFoundError:
        raise InvalidImageError("There is no file {source}.", source=str(source)) from None
    except UnidentifiedImageError:
        name = THE_IMAGE if isinstance(source, bytes) else str(source)
        raise InvalidImageError("{name} is not a readable PNG or JPEG image.", name=name) from None
    except OSError as error:
        name = THE_IMAGE if isinstance(source, bytes) else str(source)
        raise InvalidImageError(
            "{name} is not a readable PNG or JPEG image ({error}).", name=name, error=error
        ) from None


def _see_through(image: Image.Image) -> bool:
    """Whether any pixel of ``image`` is less than opaque (only an alpha band or a transparent colour can make one)."""
    return image.has_transparency_data and image.convert("RGBA").getchannel("A").getextrema()[0] != 255


def _too_large(name: str, size: tuple[int, int] | None) -> ImageTooLargeError:
    if size is None:
        return ImageTooLargeError(
            "{name} has far more than {most} megapixels, the most an image can have: shrink it or crop it to the "
            "digit.",
            name=name,
            most=_millions(MAX_IMAGE_PIXELS),
        )
    width, height = size
    return ImageTooLargeError(
        "{name} is {width:,} × {height:,} pixels ({megapixels} megapixels), but an image can be at most {side:,} "
        "pixels a side and {most} megapixels: shrink it or crop it to the digit.",
        name=name,
        width=width,
        height=height,
        megapixels=_millions(width * height),
        side=MAX_IMAGE_SIDE,
        most=_millions(MAX_IMAGE_PIXELS),
    )


def _size_past_pillow_limit(raw: bytes) -> tuple[int, int] | None:
    # Image.open refuses such an image without saying its size; the format's own
    # reader stops after the header, so asking it costs nothing.
    readers: tuple[tuple[bytes, type[ImageFile.ImageFile]], ...] = (
        (b"\x89PNG\r\n\x1a\n", PngImagePlugin.PngImageFile),
        (b"\xff\xd8\xff", JpegImagePlugin.JpegImageFile),
    )
    for signature, reader in readers:
        if raw.startswith(signature):
            try:
                with reader(io.BytesIO(raw)) as picture:
                    return picture.size
            except (SyntaxError, OSError):
                return None
    return None


def _millions(count: int) -> str:
    # Rounded up, so that anything over a limit never reads as equal to it.
    return f"{math.ceil(count / 100_000) / 10:,.1f}".removesuffix(".0")


def noise_image(seed: int, *, kind: str = "uniform") -> np.ndarray:
    """A 28×28 image of pure noise: a classifier still names a digit for it.

    Args:
        seed: makes the noise repeatable.
        kind: ``uniform`` (every pixel random) or ``sparse`` (random specks).
    """
    rng = np.random.default_rng(seed)
    if kind == "sparse":
        return (rng.random((FIELD, FIELD)) < 0.15).astype(np.float32) * rng.random((FIELD, FIELD), dtype=np.float32)
    return rng.random((FIELD, FIELD), dtype=np.float32)
