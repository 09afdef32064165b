"""The class in the app: who this browser is, the teacher's password and unlock, the lesson, kept drawings,
and the teacher's one-page summary of the class.

Without a teacher password the app is one person's ("personal mode"): every session is its teacher and
nobody is asked for a name. With one ("class mode") a browser is a visitor until it gives a nickname, then a
student, and the teacher's once the password is given. A student's token is kept in the address
(``?student=…``) and in a cookie, never only in the session, so that a reload, a new tab or a phone that slept
past Streamlit's session timeout is the same student again.
"""

from __future__ import annotations

import re
import time

import numpy as np
import streamlit as st

from mnist_core import classroom
from mnist_core.classroom import (
    NICKNAME_LIMITS,
    TEACHER,
    Actor,
    ClassDrawings,
    Lesson,
    Roster,
    Student,
    still_unlocked,
)
from mnist_core.engine import JobTable
from mnist_core.errors import LimitError, MnistCoreError, NotAllowedError
from mnist_core.handouts import class_summary_html, summary_for

from . import keys, resources, session
from .language import current, explained, t

#: The query parameter and the cookie that keep a student's token.
STUDENT_PARAM = "student"
STUDENT_COOKIE = "digit_studio_student"
#: How long a browser remembers its student: a fortnight of lessons.
COOKIE_SECONDS = 14 * 24 * 3600
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:'\"])")


def plain(text: str) -> str:
    """``text`` escaped for Streamlit's markdown, so that a nickname reads as written (never as formatting)."""
    return _MARKDOWN.sub(r"\\\1", text)


# -- who this browser is -------------------------------------------------------------


def teacher_password() -> str | None:
    """The configured teacher password (environment or Streamlit secrets), or None: teacher mode off."""
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # no secrets file at all
        secrets = {}
    return classroom.teacher_password(secrets)


def class_mode() -> bool:
    """Whether a teacher password is set: students give nicknames, the teacher unlocks with the password."""
    return teacher_password() is not None


def actor() -> Actor:
    """Who this session is: the teacher, a student, or a visitor without a nickname (in personal mode, the teacher)."""
    if not class_mode():
        return Actor("teacher", session.session_id(), "the teacher")
    if _teacher_unlocked():
        return TEACHER
    student = _student()
    return Actor.guest(session.session_id()) if student is None else student.actor


def is_teacher() -> bool:
    """Whether this session may do what changes what everyone sees."""
    return actor().is_teacher


def _teacher_unlocked() -> bool:
    last = st.session_state.get(keys.TEACHER)
    if last is None:
        return False
    if still_unlocked(last):
        return True
    del st.session_state[keys.TEACHER]
    st.session_state[keys.TEACHER_ENDED] = True
    return False


def _student() -> Student | None:
    """The student this browser's address, session or cookie names, if the roster still knows them."""
    candidates = [
        st.query_params.get(STUDENT_PARAM),
        st.session_state.get(keys.STUDENT_TOKEN),
        _cookie(),
    ]
    tokens = list(dict.fromkeys(token for token in candidates if token))
    if not tokens:
        return None
    try:
        roster = resources.roster()
        found = next((student for token in tokens if (student := roster.student(token)) is not None), None)
    except MnistCoreError:  # a damaged class database: a visitor here, the join form says what is wrong
        return None
    if found is None:
        st.session_state.pop(keys.STUDENT_TOKEN, None)
        if STUDENT_PARAM in st.query_params:
            del st.query_params[STUDENT_PARAM]
        st.session_state[keys.STUDENT_ENDED] = True
        return None
    st.session_state[keys.STUDENT_TOKEN] = found.token
    st.session_state.pop(keys.STUDENT_ENDED, None)
    return found


def _cookie() -> str | None:
    """The student token this browser's cookie held when the session began (cookies come with the connection)."""
    value = st.context.cookies.get(STUDENT_COOKIE)
    return value if isinstance(value, str) else None  # a stand-in runtime (AppTest's) has no real cookies


def address_params() -> dict[str, str]:
    """What the address keeps on every page: the student's token, if this browser is a student."""
    token = st.session_state.get(keys.STUDENT_TOKEN)
    return {STUDENT_PARAM: token} if class_mode() and token and not is_teacher() else {}


def keep_in_browser() -> None:
    """Put the student's token back in the address (a page switch clears it) and in a cookie (for new tabs)."""
    who = actor()
    if who.role != "student":
        return
    token = who.session.removeprefix("student:")
    if st.query_params.get(STUDENT_PARAM) != token:
        st.query_params[STUDENT_PARAM] = token
    if _cookie() != token:
        # The token is the roster's own (URL-safe characters only), never what an address said.
        st.html(
            f"<script>document.cookie = '{STUDENT_COOKIE}={token}; path=/; max-age={COOKIE_SECONDS}; "
            "SameSite=Lax';</script>",
            unsafe_allow_javascript=True,
        )


def _on_join() -> None:
    typed = st.session_state.get(keys.JOIN_NICKNAME) or ""
    picked = st.session_state.get(keys.JOIN_OFFERED) or ""
    try:
        student = resources.roster().join(typed.strip() or picked)
    except MnistCoreError as error:
        st.session_state[keys.JOIN_REFUSAL] = explained(error)
        return
    st.session_state[keys.STUDENT_TOKEN] = student.token
    st.session_state.pop(keys.STUDENT_ENDED, None)
    st.query_params[STUDENT_PARAM] = student.token


def join_form() -> None:
    """For a visitor in class mode: the small form that gives this browser a nickname (or one the teacher offers)."""
    if actor().role != "guest":
        return
    offered: list[str] = []
    with st.container(border=True):
        try:
            offered = resources.roster().offered()
        except MnistCoreError as error:
            st.error(explained(error), icon=":material/database_off:")
        if st.session_state.pop(keys.STUDENT_ENDED, False):
            st.info(
                t("The nickname this browser had is no longer in the class: give one again."), icon=":material/badge:"
            )
        with st.form(keys.JOIN_FORM, border=False, enter_to_submit=True):
            st.markdown(
                t("**Join the class** to train models and keep drawings; you can look and draw without a name.")
            )
            picked, typed, join = st.columns([2, 2, 1], vertical_alignment="bottom")
            if offered:
                picked.selectbox(
                    t("Your name from the teacher's list"), offered, index=None, key=keys.JOIN_OFFERED,
                    placeholder=t("Pick your name"),
                )  # fmt: skip
            typed.text_input(
                t("Or a nickname") if offered else t("Nickname"), key=keys.JOIN_NICKNAME,
                max_chars=NICKNAME_LIMITS[1],
                help=t("2 to 20 letters, digits, spaces or - _ . ' — the class sees it beside your models and "
                       "drawings."),
            )  # fmt: skip
            join.form_submit_button(t("Join"), type="primary", icon=":material/login:", on_click=_on_join)
        if refusal := st.session_state.pop(keys.JOIN_REFUSAL, None):
            st.error(plain(refusal), icon=":material/error:")


# -- the teacher ----------------------------------------------------------------------


def unlock_teacher(given: str, password: str) -> bool:
    """Whether ``given`` is the password; if so this session is the teacher's until it is idle too long.

    Raises:
        LimitError: this browser gave too many wrong passwords in the last minute (the sentence says how
            long to wait; it never holds the password).
    """
    address = st.context.ip_address  # None on this machine's own browser
    who = address if isinstance(address, str) else st.session_state.get(keys.STUDENT_TOKEN) or session.session_id()
    if not resources.password_gate().unlock(f"browser:{who}", given, password):
        return False
    st.session_state[keys.TEACHER] = time.time()
    st.session_state.pop(keys.TEACHER_ENDED, None)
    return True


def teacher_login(password: str) -> None:
    """The teacher's password form; the page stops here until the right password is given.

    A wrong one says so, and too many wrong ones say how long to wait (:func:`unlock_teacher`).
    """
    if is_teacher():
        return
    gate = st.empty()
    with gate.form(keys.TEACHER_LOGIN, clear_on_submit=True):  # the password does not stay in the box
        given = st.text_input(t("Teacher password"), type="password", key=keys.TEACHER_PASSWORD)
        unlocked = st.form_submit_button(t("Unlock"), icon=":material/key:")
    if not unlocked:
        st.stop()
    try:
        if not unlock_teacher(given, password):
            st.error(t("That is not the teacher password."), icon=":material/error:")
            st.stop()
    except LimitError as wait:
        st.error(explained(wait), icon=":material/timer:")
        st.stop()
    gate.empty()


def class_summary_button(lesson: Lesson, drawings: ClassDrawings, roster: Roster, jobs: JobTable) -> None:
    """The teacher's download of the class's summary, made only when it is pressed."""
    st.caption(
        t(
            "One page to keep: the lesson, each student's best model on MNIST and on the class's drawings, the "
            "challenge's scoreboard, the class's confusion matrix and the drawings the models found hardest."
        )
    )
    stored, words = resources.models(), current()
    st.download_button(
        t("Class summary: one page to print"),
        data=lambda: class_summary_html(
            summary_for(stored, resources.network, lesson=lesson, drawings=drawings, roster=roster, jobs=jobs),
            words=words,
        ),
        file_name=f"class-summary-{time.strftime('%Y-%m-%d')}.html",
        mime="text/html",
        icon=":material/description:",
        on_click="ignore",
        key=keys.CLASS_SUMMARY,
    )


def teacher_acted() -> None:
    """Count a teacher's action: the unlock holds for another :data:`~mnist_core.classroom.TEACHER_IDLE_SECONDS`."""
    if class_mode() and actor().is_teacher:
        st.session_state[keys.TEACHER] = time.time()


def notices() -> None:
    """Say once that this session's teacher unlock ran out."""
    if st.session_state.pop(keys.TEACHER_ENDED, False):
        minutes = classroom.TEACHER_IDLE_SECONDS // 60
        st.info(
            t(
                "The teacher's unlock ended: {minutes} minutes passed without a teacher's action. "
                "Give the password on the **Teacher** page to go on.",
                minutes=minutes,
            ),
            icon=":material/lock_clock:",
        )


# -- the lesson, and drawings kept ------------------------------------------------------


def current_lesson() -> Lesson:
    """The lesson the teacher pushed; an empty one when none was, or when it cannot be read.

    Every page's navigation and the Train controls read it: a damaged class database
    must not keep a student from the app, so it counts as no lesson here (the Class and
    Teacher pages say what is wrong with it).
    """
    try:
        return resources.lesson_board().current()
    except MnistCoreError:
        return Lesson()


def lesson_locks() -> frozenset[str]:
    """The spec fields the lesson fixes for students (their controls are disabled); none for the teacher."""
    return frozenset() if is_teacher() else frozenset(current_lesson().locked)


def keep_for_class(canvas: np.ndarray, model_input: np.ndarray, label: int, answers: dict[str, int]) -> int:
    """Keep this session's drawing for the class, with what the models answered; returns how many the class has.

    The drawing carries who kept it (a student's session), and each student keeps only so many a minute.

    Raises:
        NotAllowedError: this browser has no nickname yet.
        LimitError: this student kept too many drawings in the last minute.
        DatabaseError: the class drawings cannot be read or written.
        InvalidImageError, EmptyImageError: the drawing cannot be kept.
    """
    who = actor()
    if who.role == "guest":
        raise NotAllowedError("Give yourself a nickname first (at the top of the page): your drawings will carry it.")
    drawings = resources.class_drawings()
    drawings.add(canvas, label, who.session, model_input=model_input, answers=answers)
    return drawings.count()
