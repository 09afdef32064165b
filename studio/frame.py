"""The frame around every page: page config, the navigation over pages/, the sidebar."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from mnist_core.classroom import Lesson
from mnist_core.errors import DatasetUnavailableError
from mnist_core.language import marked
from mnist_core.store import default_active

from . import classroom, keys, language, resources, session
from .language import t

#: Every page: its file, title and icon, in the navigation's order (the first is the default).
PAGES = (
    ("pages/home.py", marked("Home"), ":material/home:"),
    ("pages/train.py", marked("Train"), ":material/model_training:"),
    ("pages/experiments.py", marked("Experiments"), ":material/science:"),
    ("pages/draw.py", marked("Draw"), ":material/draw:"),
    ("pages/inside.py", marked("Inside"), ":material/neurology:"),
    ("pages/evaluate.py", marked("Evaluate"), ":material/grid_on:"),
    ("pages/classroom.py", marked("Class"), ":material/groups:"),
    ("pages/models.py", marked("Models"), ":material/inventory_2:"),
    ("pages/data.py", marked("Data"), ":material/dataset:"),
    ("pages/teacher.py", marked("Teacher"), ":material/school:"),
)
#: The titles of the pages a lesson may show or hide (the Teacher page is always there, to unlock the rest).
STUDENT_PAGES = tuple(title for _, title, _ in PAGES if title != "Teacher")
ROOT = Path(__file__).resolve().parents[1]
#: How often Streamlit looks whether its config.toml files changed (its own default: 5 times a second).
#: Each look is a sleep on a thread that the interpreter joins as it exits, so this also bounds how
#: long Ctrl-C waits for the server to stop.
CONFIG_POLL_SECONDS = 1.0


def _poll_config_rarely() -> None:
    """Streamlit polls its config files for changes 5 times a second, whatever ``server.fileWatcherType`` says
    (two files: 2.6 ms of CPU a second measured here, and ten wake-ups): once a second is enough for a server
    whose settings do not change during a lesson, and still lets it stop within a second. Its module constant
    is read at every poll; where a Streamlit version has none, nothing changes."""
    from streamlit.watcher import polling_path_watcher

    if hasattr(polling_path_watcher, "_POLLING_PERIOD_SECS"):
        polling_path_watcher._POLLING_PERIOD_SECS = CONFIG_POLL_SECONDS


_poll_config_rarely()  # once per server process: this module is imported once


def navigation(lesson: Lesson) -> StreamlitPage:
    """``st.navigation`` over the pages this session may see; returns the page to run.

    A page the lesson hides is not in the navigation at all, so its address opens nothing. Home
    is the exception: it stays the default page, at the app's root address, hidden from the menu,
    and hands over to the lesson's first page. (Streamlit serves its default page at the root
    address only: were the lesson's first page the default, its own address, the one share
    links point to, would open behind a "Page not found" dialog.)
    """
    allowed = () if classroom.is_teacher() else lesson.pages

    def shown(title: str) -> bool:
        return not allowed or title in allowed or title == "Teacher"

    pages = [
        st.Page(
            path, title=t(title), icon=icon, default=index == 0, visibility="visible" if shown(title) else "hidden",
            url_path=Path(path).stem if index else None,
        )
        for index, (path, title, icon) in enumerate(PAGES)
        if index == 0 or shown(title)
    ]  # fmt: skip
    chosen = st.navigation(pages)
    if not shown(english_title(chosen)):
        first = next(page for page in pages if shown(english_title(page)))
        st.switch_page(first, query_params=classroom.address_params())
    return chosen


def english_title(page: StreamlitPage) -> str:
    """A page's title in :data:`PAGES` (the navigation shows it in the browser's language)."""
    return next((title for path, title, _ in PAGES if t(title) == page.title), page.title)


def frame() -> StreamlitPage:
    """Page config, navigation and sidebar, and the nickname form for a visitor: the frame around every page.

    Returns the page to run.
    """
    st.set_page_config(page_title="Digit Studio", page_icon="✍️", layout="wide")
    lesson = classroom.current_lesson()  # one read of the class database per run
    language.settle(lesson.language)
    resources.load_meter().session_seen(session.session_id())
    chosen = navigation(lesson)
    sidebar()
    classroom.notices()
    if english_title(chosen) != "Teacher":  # the teacher gives a password there, not a nickname
        classroom.join_form()
    st.session_state[keys.FRAMED_BY_APP] = True
    return chosen


def page() -> None:
    """The first call of every page: draw the frame if app.py did not, and run the page the frame chose.

    Until ``st.navigation`` has run once in a server process, Streamlit treats a
    folder named ``pages/`` beside the main script as its older multipage layout
    and runs a page opened by URL on its own, without app.py (Streamlit's
    AppTest does so on every run). Drawing the frame here gives that run the
    same navigation and sidebar, and switches the old layout off; a page that
    the lesson hides from this session hands over to the page the navigation
    chose instead of showing itself.
    """
    if st.session_state.pop(keys.FRAMED_BY_APP, False):
        return
    chosen = frame()
    st.session_state.pop(keys.FRAMED_BY_APP, None)
    running = sys._getframe(1).f_globals.get("__file__")
    chosen_path = next(path for path, title, _ in PAGES if title == english_title(chosen))
    if running and Path(running).resolve() != (ROOT / chosen_path).resolve():
        st.switch_page(chosen, query_params=classroom.address_params())


def sidebar() -> None:
    """Who this browser is, data status and the active-model picker, on every page."""
    with st.sidebar:
        if classroom.class_mode():
            who = classroom.actor()
            if who.role == "guest":
                st.caption(":material/badge: " + t("No nickname yet: join the class at the top of the page."))
            else:
                st.caption(":material/badge: " + t("You are **{name}**", name=classroom.plain(who.name)))
        available = resources.models()
        ids = [model.id for model in available]
        labels = {model.id: model.label for model in available}
        chosen = [model_id for model_id in st.session_state.get(keys.ACTIVE_MODELS, []) if model_id in labels]
        st.session_state[keys.ACTIVE_MODELS] = chosen or default_active(available)
        st.multiselect(
            t("Active models"),
            ids,
            key=keys.ACTIVE_MODELS,
            max_selections=2,
            format_func=labels.get,
            help=t("The models the Draw and Evaluate pages use. Pick two to compare them side by side."),
            placeholder=t("Train a model first") if not ids else t("Choose up to two"),
        )
        try:
            mnist = resources.dataset()
        except DatasetUnavailableError:  # Home says what to do about it
            st.caption(":material/error: " + t("MNIST not found: see the Home page"))
        else:
            number = language.current().number
            ready = t("MNIST ready: {train} training, {test} test images", train=number(len(mnist.y_train)),
                      test=number(len(mnist.y_test)))  # fmt: skip
            st.caption(":material/check_circle: " + ready)
        st.caption(t("{count} model(s) in the store", count=len(available)))
        language.picker()
        classroom.keep_in_browser()
