"""The Teacher page's sections: the address to join, who is who, the lesson, a challenge, the queue, the drawings.

Each section reads and changes the class through :mod:`mnist_core.classroom` as the
teacher (``teacher``), and says what it did; the page puts them in order.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

import streamlit as st

from mnist_core.classroom import (
    CHALLENGES,
    DEFAULT_BUDGET_SECONDS,
    LESSON_STARTS,
    Actor,
    Challenge,
    ClassDrawings,
    Lesson,
    LessonBoard,
    Roster,
    build_lesson,
    cancel_job,
    class_address,
    qr_png,
    roll_call,
    trained_by,
)
from mnist_core.engine import JobTable
from mnist_core.errors import MnistCoreError
from mnist_core.language import LANGUAGES, marked, server_language
from mnist_core.spec import ModelSpec

from . import classroom, controls, errors, frame, keys, language, load, resources
from .language import t

#: How the lesson's starting points read in the menu (the presets by their names).
START_LABELS = {"free": marked("their own choice"), "controls": marked("the controls on my Train page")}


def join_here() -> None:
    """The address students open, as text and as a code for a phone's camera, and the server's load."""
    address = class_address(int(st.get_option("server.port")))
    code, words = st.columns([1, 3])
    code.image(qr_png(address), width=220)
    words.markdown(f"**{address}**")
    words.caption(t("Students on the same network open this address, or point a phone's camera at the code."))
    load.load_section()


def who_is_who(roster: Roster, drawings: ClassDrawings, jobs_table: JobTable, teacher: Actor) -> None:
    """The students with their jobs and drawings; rename one or end their session; names to offer."""
    entries = roll_call(roster, drawings, jobs_table)
    if entries:
        st.dataframe(
            [
                {
                    "nickname": entry.student.nickname,
                    "joined": datetime.fromtimestamp(entry.student.joined),
                    "jobs": entry.jobs,
                    "training now": entry.active_job or "",
                    "drawings": entry.drawings,
                    "session": t("ended") if entry.student.ended else t("on"),
                }
                for entry in entries
            ],
            hide_index=True,
            column_config={
                "nickname": t("nickname"),
                "joined": st.column_config.DatetimeColumn(t("joined"), format="HH:mm"),
                "jobs": t("jobs"),
                "training now": t("training now"),
                "drawings": t("drawings"),
                "session": t("session"),
            },
        )
        present = {entry.student.token: entry.student.nickname for entry in entries if not entry.student.ended}
        if present:
            pick, new_name, rename, end = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
            token = pick.selectbox(t("Student"), list(present), format_func=present.get, key=keys.ROSTER_STUDENT)
            nickname = new_name.text_input(t("New nickname"), key=keys.ROSTER_NICKNAME)
            renamed = rename.button(t("Rename"), icon=":material/edit:")
            ended = end.button(
                t("End session"), icon=":material/logout:", help=t("Their browser must give a nickname again.")
            )
            try:
                if renamed:
                    student = roster.rename(token, nickname, by=teacher)
                    st.success(
                        t("Renamed to {nickname}.", nickname=classroom.plain(student.nickname)),
                        icon=":material/check_circle:",
                    )
                if ended:
                    roster.end(token, by=teacher)
                    st.success(
                        t("{nickname}'s session ended.", nickname=classroom.plain(present[token])),
                        icon=":material/logout:",
                    )
            except MnistCoreError as error:  # the sentence may hold a nickname: shown as written
                st.error(classroom.plain(language.explained(error)), icon=":material/error:")
    else:
        st.caption(t("No student has joined yet: they give a nickname at the top of any page."))
    with st.expander(t("Names to offer the class (one a line): students pick theirs instead of typing one")):
        offered = st.text_area(t("Names"), "\n".join(roster.offered()), key=keys.ROSTER_OFFERED, height=150)
        if st.button(t("Offer these names"), icon=":material/list:"):
            with errors.shown(stop=False):
                names = roster.offer(offered.splitlines(), by=teacher)
                st.success(t("{count} name(s) offered.", count=len(names)), icon=":material/check_circle:")


def lesson_form(board: LessonBoard, current: Lesson, teacher: Actor) -> Lesson:
    """What every student's studio opens with, pushed or ended here; returns the lesson now."""
    with st.container(border=True):
        start = st.selectbox(
            t("Every student's Train page opens with"), LESSON_STARTS, key=keys.LESSON_START,
            format_func=lambda value: t(START_LABELS.get(value, value)),
            help=t("Applies to sessions that open Train after you push."),
        )  # fmt: skip
        locked = st.multiselect(
            t("Settings students may not change"), [field.name for field in fields(ModelSpec)], default=current.locked,
            key=keys.LESSON_LOCKED,
        )  # fmt: skip
        titles = frame.STUDENT_PAGES
        pages = st.multiselect(
            t("Pages students see"), titles, format_func=t, default=list(current.pages) or titles, key=keys.LESSON_PAGES
        )
        budget = st.number_input(
            t("Longest training a student's job may take (seconds, as estimated on this server)"), 10, 3600,
            int(current.budget_seconds), 10, key=keys.LESSON_BUDGET,
            help=t("The server refuses a student's spec estimated to train longer. Default {seconds:.0f} s.",
                   seconds=DEFAULT_BUDGET_SECONDS),
        )  # fmt: skip
        spoken = ["", *LANGUAGES]
        class_language = st.selectbox(
            t("The class's language"), spoken, index=spoken.index(current.language), key=keys.LESSON_LANGUAGE,
            format_func=lambda code: LANGUAGES.get(code) or t("the server's ({language})",
                                                              language=LANGUAGES[server_language()]),
            help=t("Every student's studio opens in it; each student may still pick another in the sidebar."),
        )  # fmt: skip
        pushed = st.button(t("Push to the class"), type="primary", icon=":material/campaign:")
    if pushed:
        # The teacher's own controls are read only when they are what is pushed.
        mine = controls.spec_or_keep_error() if start == "controls" else None
        with errors.shown(stop=False):
            lesson = build_lesson(
                start, controls=mine, locked=locked, pages=pages, every_page=titles, challenge=current.challenge,
                budget_seconds=float(budget), language=class_language,
            )  # fmt: skip
            board.push(lesson, by=teacher)
            st.success(t("Pushed: students see it on their next click."), icon=":material/check_circle:")
            current = board.current()
    if st.button(t("End the lesson"), icon=":material/stop_circle:", disabled=current == Lesson()):
        board.end(by=teacher)
        current = Lesson()
    return current


def challenge_form(board: LessonBoard, current: Lesson, teacher: Actor) -> Lesson:
    """Set or clear the class's challenge; returns the lesson now."""
    kind = st.radio(
        t("Challenge"), list(CHALLENGES), format_func=lambda kind: t(CHALLENGES[kind]), key=keys.CHALLENGE_KIND
    )
    target, most = st.columns(2)
    accuracy = target.number_input(
        t("Test accuracy at least"), 0.5, 1.0, 0.97, 0.005, format="%.3f", disabled=kind != "budget"
    )
    parameters = most.number_input(t("Parameters at most"), 1_000, 2_000_000, 50_000, 1_000, disabled=kind != "budget")
    set_column, clear_column = st.columns(2)
    if set_column.button(t("Set the challenge"), icon=":material/flag:"):
        challenge = Challenge(kind=kind, min_accuracy=accuracy, max_parameters=int(parameters))
        board.push(replace(current, challenge=challenge), by=teacher)
        current = board.current()
    if clear_column.button(t("Clear the challenge"), disabled=current.challenge is None):
        board.push(replace(current, challenge=None), by=teacher)
        current = board.current()
    return current


@st.fragment(run_every=5)
def scoreboard(challenge: Challenge, drawings: ClassDrawings, jobs_table: JobTable, roster: Roster) -> None:
    """The challenge's scoreboard, refreshed every few seconds while the class trains (scored again only on change)."""
    words = language.current()
    st.markdown(t("**Now:** {challenge}", challenge=challenge.title(words)))
    scores = resources.class_scores(drawings)
    rows = challenge.scoreboard(scores, trained_by(jobs_table, roster, [score.id for score in scores]))
    if rows:  # the core's column names and "the class", in the reader's words
        st.dataframe([{t(name): words.shown(value) for name, value in row.items()} for row in rows], hide_index=True)
    else:
        st.caption(t("No model trained since the challenge began meets it yet."))


def training_queue(roster: Roster, teacher: Actor) -> None:
    """What trains or waits, for whom, each with a Cancel button."""
    queue = None
    with errors.shown(stop=False):
        queue = resources.training_queue()
    active_jobs = [] if queue is None else [status for status in queue.overview() if status.job.active]
    if not active_jobs:
        st.caption(t("Nothing is training or waiting."))
    for status in active_jobs:
        line, cancel = st.columns([5, 1])
        askers = [
            roster.nickname(session) or (t("the teacher") if session.startswith("teacher") else t("the class"))
            for session in status.job.sessions
        ]
        line.markdown(
            t(
                "**{job}** · {state} · for {askers}",
                job=status.job.label,
                state=t(status.job.state),
                askers=classroom.plain(", ".join(askers)),
            )
        )
        if cancel.button(t("Cancel"), key=keys.cancel_job(status.job.id)) and queue is not None:
            with errors.shown(stop=False):
                cancel_job(queue, status.job.id, by=teacher)
                st.rerun()


def class_drawings(drawings: ClassDrawings, teacher: Actor) -> None:
    """How many drawings the class kept, and deleting them all (after a confirmation)."""
    st.caption(t("{count} drawings kept. Remove or relabel one on the **Class** page.", count=drawings.count()))
    sure = st.checkbox(t("Yes, delete every class drawing"), key=keys.CONFIRM_CLEAR)
    if st.button(t("Delete all class drawings"), icon=":material/delete_forever:", disabled=not sure):
        st.success(t("{count} drawings deleted.", count=drawings.clear(by=teacher)), icon=":material/check_circle:")
