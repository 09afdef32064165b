"""How the pages fit the screen: the width the browser measures, the canvas's side, narrow-screen styles.

On a screen narrower than Streamlit's breakpoint, columns stack in the order the
script writes them, so a page that wants something on a phone's first screen
writes it first. The browser reports the main area's width once (and again when
the screen turns); the Draw canvas takes that width on a phone and stays at its
classic size on a wide screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

#: Below this screen width Streamlit stacks columns: a phone, or a narrow window.
NARROW_SCREEN_PX = 640
#: The canvas's side on a wide screen (and wherever the browser has not said how wide it is).
WIDE_CANVAS_SIDE = 280
#: The canvas's side on a narrow screen stays within these (a small phone, a phone turned sideways).
NARROW_CANVAS_SIDES = (240, 480)
#: The width the browser last reported, and the canvas side chosen from it (this module's session keys).
SCREEN_STATE = "layout.screen"
CANVAS_SIDE_STATE = "layout.canvas_side"

# The script runs in the page itself (components v2: no iframe). It reports the width of the
# block it sits in and the screen's, once, and again only when the screen's width changes: a
# phone's address bar changing its height is not a reason to start a new canvas.
_MEASURE_JS = """
export default function ({ parentElement, setStateValue, data }) {
    const block = parentElement.host ?? parentElement;  // a shadow root's box is its host's
    const report = () => {
        const width = Math.floor(block.getBoundingClientRect().width);
        const screen = window.innerWidth;
        if (width > 0 && (!data || data.width !== width || data.screen !== screen)) {
            setStateValue("size", { width, screen });
        }
    };
    report();
    let screen = window.innerWidth;
    const onResize = () => {
        if (window.innerWidth !== screen) {
            screen = window.innerWidth;
            report();
        }
    };
    window.addEventListener("resize", onResize);
    return () => window.removeEventListener("resize", onResize);
}
"""
_measure = st.components.v2.component("digit_studio.screen_width", js=_MEASURE_JS)

#: The key of the Draw page's answers (a container): its class ``st-key-…`` scopes their styles.
ANSWERS_KEY = "draw-answers"
# Narrow screens only: the page starts right under Streamlit's header (3.75rem) and its title without
# the space above it, so more of it is on a phone's first screen. Two answers side by side get less
# padding, and their bars small labels that may overlap rather than push the last digits out of the card.
NARROW_SCREEN_CSS = f"""
<style>
/* Where the digit comes from: four choices wrap onto a second line rather than scroll out of sight. */
.st-key-draw-source [role="radiogroup"] {{ flex-wrap: wrap; overflow-x: visible; row-gap: 0.25rem; }}
@media (max-width: {NARROW_SCREEN_PX - 0.02}px) {{
    [data-testid="stMainBlockContainer"] {{ padding-top: 3.75rem; }}
    [data-testid="stMainBlockContainer"] h1 {{ padding-top: 0.25rem; }}
    .st-key-{ANSWERS_KEY} .answer {{ padding: 0.5rem !important; }}
    .st-key-{ANSWERS_KEY} .probability-bars > div {{ min-width: 0; }}
    .st-key-{ANSWERS_KEY} .probability-bars > div > div:first-child {{ font-size: 0.55rem !important; }}
}}
</style>
"""


@dataclass(frozen=True)
class Screen:
    """What the browser measured: the width of the block the measure sits in, and of the screen, in CSS px."""

    width: int
    screen: int

    @property
    def narrow(self) -> bool:
        return self.screen < NARROW_SCREEN_PX


class Markup:
    """HTML this app wrote, for ``st.html`` to send as it is.

    ``st.html`` dedents and strips a string, line by line, before sending it; an object's ``_repr_html_``
    it takes unchanged. Our markup has no indentation to remove, and a picture's kilobytes would be scanned
    on every stroke and on every refresh of every viewer of a live run.
    """

    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body = body

    def _repr_html_(self) -> str:
        return self.body


def narrow_screen_styles() -> None:
    """Draw's styles for a narrow screen (a phone): less space above the page, compact answers side by side.

    Nothing changes on a wide screen.
    """
    st.html(NARROW_SCREEN_CSS)


def canvas_side_for(screen: Screen | None) -> int:
    """The canvas's side for a screen: the block's whole width on a narrow screen, the classic size otherwise."""
    if screen is None or not screen.narrow:
        return WIDE_CANVAS_SIDE
    low, high = NARROW_CANVAS_SIDES
    return max(low, min(high, screen.width))


def canvas_side() -> int:
    """The side the canvas has in this session (the classic size until the browser has measured)."""
    return st.session_state.get(CANVAS_SIDE_STATE, WIDE_CANVAS_SIDE)


def measure_screen(*, key: str, on_new_side: Callable[[], None] | None = None) -> None:
    """Ask the browser how wide the page is; when that changes the canvas's side, call ``on_new_side()``.

    Place it where it takes the same width as the canvas's block; it draws nothing.
    """

    def measured() -> None:
        size = st.session_state[key].get("size") or {}
        if not size.get("width") or not size.get("screen"):
            return
        screen = Screen(width=int(size["width"]), screen=int(size["screen"]))
        st.session_state[SCREEN_STATE] = screen
        side = canvas_side_for(screen)
        if side != canvas_side():
            st.session_state[CANVAS_SIDE_STATE] = side
            if on_new_side is not None:
                on_new_side()

    known = st.session_state.get(SCREEN_STATE)
    _measure(
        key=key,
        data=None if known is None else {"width": known.width, "screen": known.screen},
        default={"size": None},
        on_size_change=measured,
    )


def camera_can_open() -> bool:
    """Whether this page's browser lets it open the camera: over HTTPS, or on the computer serving it."""
    url = urlsplit(st.context.url or "")
    return url.scheme == "https" or (url.hostname or "localhost") in ("localhost", "127.0.0.1", "::1")
