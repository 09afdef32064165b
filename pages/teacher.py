"""Teacher: run the lesson from the front — the address, the lesson, a challenge, the queue, the drawings."""

from dataclasses import fields, replace

import streamlit as st

from mnist_core.classroom import (
    CHALLENGES,
    LESSON_STARTS,
    Challenge,
    Lesson,
    build_lesson,
    class_address,
    password_matches,
    qr_png,
)
from mnist_core.classroom.roles import TEACHER
from mnist_core.spec import ModelSpec
from studio import classroom, controls, errors, frame, keys, resources

frame.page()

#: How the lesson's starting points read in the menu (the presets by their names).
START_LABELS = {"free": "their own choice", "controls": "the controls on my Train page"}

st.title("Teacher")
password = classroom.teacher_password()
if password is None:
    st.info(
        "Teacher mode is off. To turn it on, set `DIGIT_STUDIO_TEACHER_PASSWORD` (or `teacher_password` in "
        "`.streamlit/secrets.toml`) and restart the server.",
        icon=":material/lock_open:",
    )
    st.stop()
if not classroom.is_teacher():
    gate = st.empty()
    with gate.form(keys.TEACHER_LOGIN):
        given = st.text_input("Teacher password", type="password")
        unlocked = st.form_submit_button("Unlock", icon=":material/key:")
    if not (unlocked and password_matches(given, password)):
        if unlocked:
            st.error("That is not the teacher password.", icon=":material/error:")
        st.stop()
    classroom.unlock_teacher()
    gate.empty()

with errors.shown():
    board = resources.lesson_board()
    drawings = resources.class_drawings()
current = board.current()

st.subheader("Students join here")
address = class_address(int(st.get_option("server.port")))
code, words = st.columns([1, 3])
code.image(qr_png(address), width=220)
words.markdown(f"## {address}")
words.caption("Students on the same network open this address, or point a phone's camera at the code.")

st.subheader("The lesson")
with st.container(border=True):
    start = st.selectbox(
        "Every student's Train page opens with", LESSON_STARTS, key=keys.LESSON_START,
        format_func=lambda value: START_LABELS.get(value, value),
        help="Applies to sessions that open Train after you push.",
    )  # fmt: skip
    locked = st.multiselect(
        "Settings students may not change", [field.name for field in fields(ModelSpec)], default=current.locked,
        key=keys.LESSON_LOCKED,
    )  # fmt: skip
    titles = frame.STUDENT_PAGES
    pages = st.multiselect("Pages students see", titles, default=list(current.pages) or titles, key=keys.LESSON_PAGES)
    pushed = st.button("Push to the class", type="primary", icon=":material/campaign:")
if pushed:
    # The teacher's own controls are read only when they are what is pushed.
    mine = controls.spec_or_keep_error() if start == "controls" else None
    with errors.shown(stop=False):
        lesson = build_lesson(
            start, controls=mine, locked=locked, pages=pages, every_page=titles, challenge=current.challenge
        )
        board.push(lesson, by=TEACHER)
        st.success("Pushed: students see it on their next click.", icon=":material/check_circle:")
        current = board.current()
if st.button("End the lesson", icon=":material/stop_circle:", disabled=current == Lesson()):
    board.end(by=TEACHER)
    current = Lesson()

st.subheader("A challenge")
kind = st.radio("Challenge", list(CHALLENGES), format_func=CHALLENGES.get, key=keys.CHALLENGE_KIND)
target, budget = st.columns(2)
accuracy = target.number_input(
    "Test accuracy at least", 0.5, 1.0, 0.97, 0.005, format="%.3f", disabled=kind != "budget"
)
parameters = budget.number_input("Parameters at most", 1_000, 2_000_000, 50_000, 1_000, disabled=kind != "budget")
set_column, clear_column = st.columns(2)
if set_column.button("Set the challenge", icon=":material/flag:"):
    challenge = Challenge(kind=kind, min_accuracy=accuracy, max_parameters=int(parameters))
    board.push(replace(current, challenge=challenge), by=TEACHER)
    current = board.current()
if clear_column.button("Clear the challenge", disabled=current.challenge is None):
    board.push(replace(current, challenge=None), by=TEACHER)
    current = board.current()


@st.fragment(run_every=5)
def scoreboard(challenge: Challenge) -> None:
    """The challenge's scoreboard, refreshed every few seconds while the class trains (scored again only on change)."""
    st.markdown(f"**Now:** {challenge.title}")
    rows = challenge.scoreboard(resources.class_scores(drawings))
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption("No model trained since the challenge began meets it yet.")


if current.challenge is not None:
    scoreboard(current.challenge)

st.subheader("The training queue")
queue = None
with errors.shown(stop=False):
    queue = resources.training_queue()
active_jobs = [] if queue is None else [status for status in queue.overview() if status.job.active]
if not active_jobs:
    st.caption("Nothing is training or waiting.")
for status in active_jobs:
    line, cancel = st.columns([5, 1])
    line.markdown(f"**{status.job.label}** · {status.job.state} · {len(status.job.sessions)} session(s)")
    if cancel.button("Cancel", key=keys.cancel_job(status.job.id)) and queue is not None:
        queue.cancel(status.job.id)
        st.rerun()

st.subheader("Class drawings")
st.caption(f"{drawings.count()} drawings kept.")
sure = st.checkbox("Yes, delete every class drawing", key=keys.CONFIRM_CLEAR)
if st.button("Delete all class drawings", icon=":material/delete_forever:", disabled=not sure):
    st.success(f"{drawings.clear(by=TEACHER)} drawings deleted.", icon=":material/check_circle:")
