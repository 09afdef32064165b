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
import html
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = ["as_uint8", "pixels_html", "pixels_row_html"]

#: Caption text under a picture (the colour of Streamlit's captions, AA contrast on white).
CAPTION_STYLE = "font-size:0.8rem;color:#4b5563;margin-top:0.2rem;line-height:1.2"


def as_uint8(image: np.ndarray) -> np.ndarray:
    """An image's pixels as uint8: uint8 as it is, floats in [0, 1] scaled to 0–255."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return (np.clip(array.astype(np.float32), 0, 1) * 255).round().astype(np.uint8)


def _png_address(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
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
    rows, columns = pixels.shape[:2]
    height = max(1, round(width * rows / columns))
    rendering = "pixelated" if columns < width else "auto"
    text = html.escape(alt or caption, quote=True)
    picture = (
        f'<img src="{_png_address(pixels)}" alt="{text}" width="{width}" height="{height}" '
        f'style="image-rendering:{rendering};display:block;width:{width}px;height:{height}px">'
    )
    below = f'<figcaption style="{CAPTION_STYLE}">{html.escape(caption)}</figcaption>' if caption else ""
    return f'<figure style="margin:0;width:{width}px">{picture}{below}</figure>'


def pixels_row_html(images: Sequence[np.ndarray], captions: Sequence[str], *, width: int) -> str:
    """Pictures side by side, each with its caption, wrapping onto more lines on a narrow screen."""
    figures = "".join(
        pixels_html(image, width=width, caption=caption) for image, caption in zip(images, captions, strict=True)
    )
    return f'<div style="display:flex;flex-wrap:wrap;gap:0.75rem;align-items:flex-start">{figures}</div>'
