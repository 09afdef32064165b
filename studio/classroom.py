"""The class in the app: the teacher's session and password, the lesson every student opens with, kept drawings."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core import classroom
from mnist_core.classroom import Lesson
from mnist_core.errors import MnistCoreError

from . import keys, resources, session


def is_teacher() -> bool:
    """Whether this session has given the teacher password."""
    return bool(st.session_state.get(keys.TEACHER))


def unlock_teacher() -> None:
    """Make this session the teacher's (after the password was given)."""
    st.session_state[keys.TEACHER] = True


def teacher_password() -> str | None:
    """The configured teacher password (environment or Streamlit secrets), or None: teacher mode off."""
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # no secrets file at all
        secrets = {}
    return classroom.teacher_password(secrets)


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

    Raises:
        DatabaseError: the class drawings cannot be read or written.
        InvalidImageError, EmptyImageError: the drawing cannot be kept.
    """
    drawings = resources.class_drawings()
    drawings.add(canvas, label, session.session_id(), model_input=model_input, answers=answers)
    return drawings.count()
