"""Small pictures as HTML: a 28 × 28 image sent as it is, and enlarged by the browser with crisp pixels.

A page that redraws on every stroke should send what changed and little else. A
28 × 28 PNG is a few hundred bytes and costs the server a few dozen
microseconds to encode; the same image enlarged eight times on the server is 64
times the pixels, and ``st.image`` would also keep it as a media file the browser
fetches in a request of its own. Written into the page as a data address, the
small one needs neither.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from .language import ENGLISH, Catalogue
from .training.records import EpochEvent

__all__ = [
    "as_uint8",
    "confusion_html",
    "curves_picture_html",
    "curves_svg",
    "diverging_picture",
    "pixels_html",
    "pixels_row_html",
    "png_address",
    "weight_mosaic",
    "weights_html",
]

#: Caption text under a picture (the colour of Streamlit's captions, AA contrast on white).
CAPTION_STYLE = "font-size:0.8rem;color:#4b5563;margin-top:0.2rem;line-height:1.2"


def as_uint8(image: np.ndarray) -> np.ndarray:
    """An image's pixels as uint8: uint8 as it is, floats in [0, 1] scaled to 0–255."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return (np.clip(array.astype(np.float32), 0, 1) * 255).round().astype(np.uint8)


def png_address(picture: np.ndarray | Image.Image, compress_level: int = 6) -> str:
    """``picture`` (uint8 pixels, or a Pillow image) as a PNG in a ``data:`` address, for an ``<img>`` or a figure."""
    buffer = io.BytesIO()
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    image.save(buffer, format="PNG", compress_level=compress_level)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pixels_html(image: np.ndarray, *, width: int, caption: str = "", alt: str = "") -> str:
    """``image`` (gray ``(h, w)`` or RGB ``(h, w, 3)``, uint8 or floats in [0, 1]) shown ``width`` px wide.

    An image smaller than it is shown keeps square pixels (``image-rendering: pixelated``),
    as a 28 × 28 model input should; a larger one is scaled down smoothly.

    Args:
        caption: text under the picture, if any.
        alt: what the picture shows, for a screen reader (the caption when not given).
    """
    pixels = as_uint8(image)
    return _figure_html(pixels, pixels.shape[:2], width=width, caption=caption, alt=alt)


def _figure_html(
    picture: np.ndarray | Image.Image, shape: tuple[int, int], *, width: int, caption: str, alt: str
) -> str:
    rows, columns = shape
    height = max(1, round(width * rows / columns))
    rendering = "pixelated" if columns < width else "auto"
    text = html.escape(alt or caption, quote=True)
    shown = (
        f'<img src="{png_address(picture)}" alt="{text}" width="{width}" height="{height}" '
        f'style="image-rendering:{rendering};display:block;width:{width}px;height:{height}px">'
    )
    below = f'<figcaption style="{CAPTION_STYLE}">{html.escape(caption)}</figcaption>' if caption else ""
    return f'<figure style="margin:0;width:{width}px">{shown}{below}</figure>'


def pixels_row_html(images: Sequence[np.ndarray], captions: Sequence[str], *, width: int) -> str:
    """Pictures side by side, each with its caption, wrapping onto more lines on a narrow screen."""
    figures = "".join(
        pixels_html(image, width=width, caption=caption) for image, caption in zip(images, captions, strict=True)
    )
    return f'<div style="display:flex;flex-wrap:wrap;gap:0.75rem;align-items:flex-start">{figures}</div>'


# -- a training run, live -----------------------------------------------------------

#: Blue, white and red: weights that push a unit down, nothing, and up (Plotly's RdBu reversed, ends and middle).
_DIVERGING = ((33, 102, 172), (247, 247, 247), (178, 24, 43))
#: Shades on each side of white in the weights' picture (31 colours in all, and white for the gaps).
_WEIGHT_SHADES = 15


@functools.cache
def _palette(colours: tuple[tuple[int, int, int], ...], shades: int) -> tuple[list[int], int]:
    """A PNG palette of ``2 × shades + 1`` colours evenly along ``colours`` (evenly spaced stops, low to high),
    then white; and white's index."""
    stops = np.asarray(colours, dtype=np.float32)
    levels = np.linspace(0, 1, 2 * shades + 1)
    at = np.linspace(0, 1, len(stops))
    table = np.stack([np.interp(levels, at, stops[:, channel]) for channel in range(3)], axis=1)
    return [*table.round().astype(np.uint8).ravel().tolist(), 255, 255, 255], len(levels)


def diverging_picture(
    mosaic: np.ndarray,
    limit: float,
    *,
    colours: tuple[tuple[int, int, int], ...] = _DIVERGING,
    shades: int = _WEIGHT_SHADES,
) -> Image.Image:
    """Signed values (NaN in the gaps between tiles) as a palette picture: ``-limit`` the first colour, 0 the
    middle one, ``limit`` the last, ``shades`` steps on each side, the gaps white.

    A palette PNG of it is a few kilobytes where the same numbers in a figure are hundreds.
    """
    palette, white = _palette(colours, shades)
    values = np.asarray(mosaic, dtype=np.float32)
    scaled = np.clip(np.nan_to_num(values, nan=0.0) / (limit or 1.0), -1, 1)  # -1 … 1
    indices = np.rint((scaled + 1) * shades).astype(np.uint8)  # 0 (lowest) … 2 × shades (highest)
    indices[np.isnan(values)] = white
    picture = Image.fromarray(indices)  # gray levels, made palette indices by the palette
    picture.putpalette(palette)
    return picture


#: The colours of training and validation, as in the interactive figures.
_SERIES = {"training": "#2563eb", "validation": "#f97316"}


def weight_mosaic(images: np.ndarray, columns: int) -> tuple[np.ndarray, int]:
    """``(n, 28, 28)`` images tiled ``columns`` wide with a one-pixel gap (NaN), and the number of rows."""
    count = len(images)
    rows = max(1, -(-count // columns))
    tile = 29
    mosaic = np.full((rows * tile - 1, columns * tile - 1), np.nan, dtype=np.float32)
    for index, image in enumerate(np.asarray(images, dtype=np.float32)):
        row, column = divmod(index, columns)
        mosaic[row * tile : row * tile + 28, column * tile : column * tile + 28] = image
    return mosaic, rows


def weights_html(
    images: np.ndarray, *, columns: int = 6, width: int = 360, caption: str = "", words: Catalogue = ENGLISH
) -> str:
    """First-layer weights ``(units, 28, 28)`` as one picture: red pushes a unit up, blue down, one shared scale.

    One palette PNG of the whole grid, about 20 kB for 36 units: a live run sends it to every viewer on each
    refresh, and early weights are noise, which a full-colour PNG cannot compress (four times the bytes, for
    shades the eye does not tell apart).
    """
    images = np.asarray(images, dtype=np.float32)
    count = len(images)
    mosaic, _ = weight_mosaic(images, max(1, min(columns, count or 1)))
    limit = float(np.nanmax(np.abs(images))) if count else 1.0
    picture = diverging_picture(mosaic, limit)
    return _figure_html(
        picture,
        mosaic.shape,
        width=width,
        caption=caption,
        alt=words.text("the incoming weights of {count} first-layer units", count=count),
    )


def _polyline(
    values: Sequence[float | None], xs: Sequence[float], y_of: Callable[[float], float]
) -> list[tuple[float, float]]:
    return [(x, y_of(value)) for x, value in zip(xs, values, strict=True) if value is not None]


def curves_svg(history: Sequence[EpochEvent], *, epochs: int, words: Catalogue = ENGLISH) -> str:
    """Loss and accuracy per epoch, training against validation, as a small SVG (no plotting library).

    The last epoch's figures are the picture's text alternative.
    """
    panel_width, panel_height, pad = 300.0, 170.0, 28.0
    xs_all = [float(event.epoch) for event in history]
    panels = []
    for index, (title, pick) in enumerate(
        (("loss", lambda e: (e.loss, e.val_loss)), ("accuracy", lambda e: (e.accuracy, e.val_accuracy)))
    ):
        series = {
            "training": [pick(event)[0] for event in history],
            "validation": [pick(event)[1] for event in history],
        }
        known = [value for values in series.values() for value in values if value is not None]
        low, high = (min(known), max(known)) if known else (0.0, 1.0)
        if title == "loss":
            low = 0.0
        if high - low < 1e-9:
            low, high = low - 0.05, high + 0.05
        left = index * (panel_width + 20)

        def x_of(epoch: float, left: float = left) -> float:
            return left + pad + (epoch - 0.5) / max(epochs, 1) * (panel_width - pad - 8)

        def y_of(value: float, low: float = low, high: float = high) -> float:
            return 20 + (1 - (value - low) / (high - low)) * (panel_height - 20 - pad)

        parts = [
            f'<text x="{left + pad}" y="13" font-size="12" font-weight="600">{html.escape(words.text(title))}</text>',
            f'<line x1="{left + pad}" y1="{panel_height - pad}" x2="{left + panel_width - 8}" '
            f'y2="{panel_height - pad}" stroke="#9ca3af"/>',
            f'<line x1="{left + pad}" y1="20" x2="{left + pad}" y2="{panel_height - pad}" stroke="#9ca3af"/>',
            f'<text x="{left + pad - 4}" y="24" font-size="10" text-anchor="end">{high:.2f}</text>',
            f'<text x="{left + pad - 4}" y="{panel_height - pad}" font-size="10" text-anchor="end">{low:.2f}</text>',
            f'<text x="{left + pad}" y="{panel_height - pad + 14}" font-size="10">1</text>',
            f'<text x="{left + panel_width - 8}" y="{panel_height - pad + 14}" font-size="10" '
            'text-anchor="end">' + html.escape(words.text("epoch {epochs}", epochs=epochs)) + "</text>",
        ]
        for name, values in series.items():
            points = [(x_of(x), y) for x, y in _polyline(values, xs_all, y_of)]
            if not points:
                continue
            colour = _SERIES[name]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points[-40:]]
        panels.append("".join(parts))
    legend = "".join(
        f'<tspan fill="{colour}">● {html.escape(words.text(name))}</tspan> ' for name, colour in _SERIES.items()
    )
    alt = _curves_alt(history, epochs, words)
    total_width = 2 * panel_width + 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(alt, quote=True)}" '
        f'viewBox="0 0 {total_width:.0f} '
        f'{panel_height + 16:.0f}" style="width:100%;max-width:{total_width:.0f}px;height:auto;font-family:sans-serif">'
        f"<title>{html.escape(alt)}</title>{''.join(panels)}"
        f'<text x="{pad}" y="{panel_height + 12}" font-size="11">{legend}</text></svg>'
    )


def _curves_alt(history: Sequence[EpochEvent], epochs: int, words: Catalogue) -> str:
    """The curves' text alternative: the last epoch's figures."""
    if not history:
        return words.text("training curves, no epoch yet")
    last = history[-1]
    alt = words.text(
        "after epoch {epoch} of {epochs}: loss {loss:.3f}, accuracy {accuracy}",
        epoch=last.epoch, epochs=epochs, loss=last.loss, accuracy=words.percent(last.accuracy, digits=1),
    )  # fmt: skip
    if last.val_accuracy is not None:
        alt += words.text(", validation accuracy {accuracy}", accuracy=words.percent(last.val_accuracy, digits=1))
    return alt


def curves_picture_html(history: Sequence[EpochEvent], *, epochs: int, words: Catalogue = ENGLISH) -> str:
    """:func:`curves_svg` as a picture (an ``<img>`` of a data address) as wide as its box: it goes inside a
    layout of other markup, where Streamlit's HTML element keeps pictures and drops inline SVG."""
    svg = curves_svg(history, epochs=epochs, words=words)
    address = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = html.escape(_curves_alt(history, epochs, words), quote=True)
    return f'<img src="{address}" alt="{alt}" style="display:block;width:100%;max-width:620px;height:auto">'


# -- a confusion matrix, as a table ---------------------------------------------------


def confusion_html(confusion: np.ndarray, *, caption: str, words: Catalogue = ENGLISH) -> str:
    """A confusion matrix (row = true digit, column = answer) as a table that prints and reads aloud.

    The counts are the cells' text, so a screen reader reads the figure itself. Right
    answers are shaded green and bold; mistakes shade orange by how often they happen,
    and the most frequent one also carries a frame, so that the pattern shows when
    printed in black and white too.
    """
    counts = np.asarray(confusion, dtype=np.int64)
    digits = range(len(counts))
    off_diagonal = counts * (1 - np.eye(len(counts), dtype=np.int64))
    worst = int(off_diagonal.max()) if counts.size else 0
    head = "".join(f'<th scope="col">{d}</th>' for d in digits)
    rows = []
    for true in digits:
        cells = []
        for said in digits:
            count = int(counts[true, said])
            if true == said:
                style = "background:#dcfce7;font-weight:600"
            elif count:
                strength = count / max(worst, 1)
                style = f"background:rgba(234,88,12,{0.12 + 0.6 * strength:.2f})"
                style += ";outline:2px solid #111827;outline-offset:-2px" if count == worst else ""
            else:
                style = "color:#6b7280"
            cells.append(f'<td style="{style}">{count}</td>')
        rows.append(f'<tr><th scope="row">{true}</th>{"".join(cells)}</tr>')
    return (
        '<table class="confusion"><caption>' + html.escape(caption) + "</caption>"
        '<thead><tr><th scope="col" style="font-size:0.7rem;white-space:nowrap">'
        + html.escape(words.text("true ↓ said →"))
        + f"</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
