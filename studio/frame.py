"""The frame around every page: page config, the navigation over pages/, the sidebar."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from mnist_core.errors import DatasetUnavailableError
from mnist_core.store import default_active

from . import classroom, keys, resources

#: Every page: its file, title and icon, in the navigation's order (the first is the default).
PAGES = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/experiments.py", "Experiments", ":material/science:"),
    ("pages/draw.py", "Draw", ":material/draw:"),
    ("pages/inside.py", "Inside", ":material/neurology:"),
    ("pages/evaluate.py", "Evaluate", ":material/grid_on:"),
    ("pages/classroom.py", "Class", ":material/groups:"),
    ("pages/models.py", "Models", ":material/inventory_2:"),
    ("pages/data.py", "Data", ":material/dataset:"),
    ("pages/teacher.py", "Teacher", ":material/school:"),
)
#: The titles of the pages a lesson may show or hide (the Teacher page is always there, to unlock the rest).
STUDENT_PAGES = tuple(title for _, title, _ in PAGES if title != "Teacher")


def navigation() -> StreamlitPage:
    """``st.navigation`` over the pages this session may see; returns the page to run."""
    allowed = () if classroom.is_teacher() else classroom.current_lesson().pages
    visible = [page for page in PAGES if not allowed or page[1] in allowed or page[1] == "Teacher"]
    return st.navigation(
        [st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(visible)]
    )


def frame() -> StreamlitPage:
    """Page config, navigation and sidebar: the frame around every page. Returns the page to run."""
    st.set_page_config(page_title="Digit Studio", page_icon="✍️", layout="wide")
    chosen = navigation()
    sidebar()
    st.session_state[keys.FRAMED_BY_APP] = True
    return chosen


def page() -> None:
    """The first call of every page: draw the frame if app.py did not.

    Until ``st.navigation`` has run once in a server process, Streamlit treats a
    folder named ``pages/`` beside the main script as its older multipage layout
    and runs a page opened by URL on its own, without app.py (Streamlit's
    AppTest does so on every run). Drawing the frame here gives that run the
    same navigation and sidebar, and switches the old layout off.
    """
    if not st.session_state.pop(keys.FRAMED_BY_APP, False):
        frame()
        st.session_state.pop(keys.FRAMED_BY_APP, None)


def sidebar() -> None:
    """Data status and the active-model picker, on every page."""
    with st.sidebar:
        available = resources.models()
        ids = [model.id for model in available]
        labels = {model.id: model.label for model in available}
        chosen = [model_id for model_id in st.session_state.get(keys.ACTIVE_MODELS, []) if model_id in labels]
        st.session_state[keys.ACTIVE_MODELS] = chosen or default_active(available)
        st.multiselect(
            "Active models",
            ids,
            key=keys.ACTIVE_MODELS,
            max_selections=2,
            format_func=labels.get,
            help="The models the Draw and Evaluate pages use. Pick two to compare them side by side.",
            placeholder="Train a model first" if not ids else "Choose up to two",
        )
        try:
            mnist = resources.dataset()
        except DatasetUnavailableError:  # Home says what to do about it
            st.caption(":material/error: MNIST not found: see the Home page")
        else:
            st.caption(
                f":material/check_circle: MNIST ready: {len(mnist.y_train):,} training, "
                f"{len(mnist.y_test):,} test images"
            )
        st.caption(f"{len(available)} model(s) in the store")
