"""The frame every handout shares: one self-contained HTML page, readable on screen, one A4 sheet in print."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np

from ..language import ENGLISH, Catalogue
from ..pictures import pixels_html

__all__ = ["MAX_BYTES", "PICTURE_WIDTH", "figures", "heading", "page", "paragraph", "table"]

#: A handout is at most this big: static pictures, no scripts or interactive figures.
MAX_BYTES = 1_000_000

# Dark text on white (contrast above WCAG AA); print keeps the colours of the shaded cells and
# fits one A4 sheet. No script, no font or picture fetched from elsewhere: the file is the handout.
_STYLE = """
:root { color: #111827; background: #ffffff; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { max-width: 200mm; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.05rem; margin: 1rem 0 0.4rem; border-bottom: 1px solid #d1d5db; }
p, ul { margin: 0.3rem 0; }
.meta { color: #374151; }
.grid { display: grid; grid-template-columns: auto 1fr; gap: 0 1.5rem; }
@media (max-width: 640px) { .grid { grid-template-columns: 1fr; } }
.figures { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.figures figure { margin: 0; font-size: 0.8rem; color: #374151; text-align: center; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #d1d5db; padding: 0.15rem 0.4rem; text-align: right; }
th { background: #f3f4f6; }
caption { text-align: left; font-size: 0.8rem; color: #374151; padding-bottom: 0.2rem; }
table.confusion td, table.confusion th { min-width: 1.6rem; text-align: center; }
.findings li { margin-bottom: 0.2rem; }
footer { margin-top: 1rem; font-size: 0.75rem; color: #4b5563; }
@page { size: A4; margin: 12mm; }
@media print {
  :root { font-size: 11px; }
  body { margin: 0; max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, table, figure, svg, li { break-inside: avoid; }
}
"""


def page(title: str, body: str, *, subtitle: str = "", words: Catalogue = ENGLISH) -> str:
    """A whole HTML document in ``words``' language: ``body`` (HTML) under ``title``, with the date it was made
    in the footer."""
    made = words.text("Made with Digit Studio on {date}.", date=datetime.now().strftime("%Y-%m-%d %H:%M"))
    heading = f"<h1>{html.escape(title)}</h1>" + (f'<p class="meta">{html.escape(subtitle)}</p>' if subtitle else "")
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(words.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{heading}{body}</main>"
        f"<footer>{html.escape(made)}</footer></body></html>\n"
    )


def heading(text: str) -> str:
    """A section's heading, escaped."""
    return f"<h2>{html.escape(text, quote=False)}</h2>"


def paragraph(text: str, *, meta: bool = False) -> str:
    """A paragraph of plain text, escaped; ``meta`` for a grey note under a heading."""
    shown = html.escape(text, quote=False)
    return f'<p class="meta">{shown}</p>' if meta else f"<p>{shown}</p>"


#: A digit's picture on a handout (px): two of its 28 pixels to each of the picture's.
PICTURE_WIDTH = 56


def figures(pictures: Iterable[tuple[np.ndarray, str, str]]) -> str:
    """A row of small digits that wraps: each ``(pixels, caption, alt)``, the alt for a screen reader."""
    row = "".join(pixels_html(image, width=PICTURE_WIDTH, caption=caption, alt=alt) for image, caption, alt in pictures)
    return f'<div class="figures">{row}</div>'


def table(header: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str = "") -> str:
    """A plain table: the header row, then one row per item (every value escaped)."""
    head = "".join(f'<th scope="col">{html.escape(str(name))}</th>' for name in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>" for row in rows)
    shown = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{shown}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
