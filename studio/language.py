"""The language this browser reads the studio in, and ``t("…")``: every message the pages show.

Which language: the one this browser chose (the sidebar's menu, or ``?lang=de`` in the address,
kept there so that a reload or a new page keeps it), else the lesson's, else the server's
(``DIGIT_STUDIO_LANGUAGE``), else English.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mnist_core.errors import MnistCoreError
from mnist_core.language import LANGUAGES, Catalogue, catalogue, language_or_default

from . import keys

__all__ = ["LANGUAGE_PARAM", "current", "explained", "percent", "picker", "settle", "t"]

#: The address's parameter that names the language (``?lang=de``).
LANGUAGE_PARAM = "lang"


def settle(lesson_language: str = "") -> str:
    """Decide this run's language (the frame calls this first on every page); returns its code."""
    state = st.session_state
    asked = st.query_params.get(LANGUAGE_PARAM)
    if asked:
        state[keys.LANGUAGE], state[keys.LANGUAGE_CHOSEN] = language_or_default(asked), True
    elif not state.get(keys.LANGUAGE_CHOSEN):
        state[keys.LANGUAGE] = language_or_default(lesson_language)
    if state.get(keys.LANGUAGE_CHOSEN) and st.query_params.get(LANGUAGE_PARAM) != state[keys.LANGUAGE]:
        st.query_params[LANGUAGE_PARAM] = state[keys.LANGUAGE]  # a page switch clears the address
    return str(state[keys.LANGUAGE])


def current() -> Catalogue:
    """This browser's catalogue."""
    return catalogue(st.session_state.get(keys.LANGUAGE) or language_or_default(None))


def t(message: str, **values: Any) -> str:
    """``message`` in this browser's language, its ``{placeholders}`` filled."""
    return current().text(message, **values)


def explained(error: MnistCoreError) -> str:
    """A core error's sentence in this browser's language."""
    return error.in_language(current())


def percent(share: float, *, digits: int = 0) -> str:
    """A share written as this browser's language writes percentages."""
    return current().percent(share, digits=digits)


def _chosen() -> None:
    state = st.session_state
    state[keys.LANGUAGE], state[keys.LANGUAGE_CHOSEN] = state[keys.LANGUAGE_PICK], True
    st.query_params[LANGUAGE_PARAM] = state[keys.LANGUAGE]


def picker() -> None:
    """The sidebar's language menu, each language named in itself."""
    codes = list(LANGUAGES)
    st.session_state[keys.LANGUAGE_PICK] = st.session_state.get(keys.LANGUAGE, codes[0])
    st.selectbox(
        t("Language"), codes, key=keys.LANGUAGE_PICK, format_func=LANGUAGES.get, on_change=_chosen,
    )  # fmt: skip
