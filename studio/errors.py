"""How a page shows an error from the core: the core's own sentence in the reader's language, with an icon."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from mnist_core.errors import DatasetUnavailableError, MnistCoreError

from .language import explained


def show_error(error: MnistCoreError) -> None:
    """An error from the core, as the user should read it."""
    icon = ":material/database_off:" if isinstance(error, DatasetUnavailableError) else ":material/error:"
    st.error(explained(error), icon=icon)


@contextmanager
def shown(*, stop: bool = True) -> Iterator[None]:
    """Show a core error raised inside the block; then stop the page, or with ``stop=False`` go on after the block.

    A page uses it around what it cannot do without (``with shown(): mnist = resources.dataset()``),
    or, with ``stop=False``, around a part it can leave out.
    """
    try:
        yield
    except MnistCoreError as error:
        show_error(error)
        if stop:
            st.stop()
