"""Teacher: run the lesson from the front — the address, the lesson, a challenge, the queue, the drawings."""

from dataclasses import fields

import streamlit as st

import ui
from mnist_core.classroom import CHALLENGES, Challenge, Lesson, class_address, password_matches, qr_png
from mnist_core.spec import PRESETS, ModelSpec

ui.page()

st.title("Teacher")
password = ui.teacher_password()
if password is None:
    st.info(
        "Teacher mode is off. To turn it on, set `DIGIT_STUDIO_TEACHER_PASSWORD` (or `teacher_password` in "
        "`.streamlit/secrets.toml`) and restart the server.",
        icon=":material/lock_open:",
    )
    st.stop()
if not ui.is_teacher():
    gate = st.empty()
    with gate.form("teacher-login"):
        given = st.text_input("Teacher password", type="password")
        unlocked = st.form_submit_button("Unlock", icon=":material/key:")
    if not (unlocked and password_matches(given, password)):
        if unlocked:
            st.error("That is not the teacher password.", icon=":material/error:")
        st.stop()
    st.session_state[ui.TEACHER_KEY] = True
    gate.empty()

board = ui.lesson_board()
if board is None:
    st.stop()
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
        "Every student's Train page opens with",
        ["their own choice", "the controls on my Train page", *PRESETS],
        help="Applies to sessions that open Train after you push.",
        key="lesson_start",
    )
    locked = st.multiselect(
        "Settings students may not change",
        [field.name for field in fields(ModelSpec)],
        default=current.locked,
        key="lesson_locked",
    )
    titles = [title for _, title, _ in ui.PAGES if title != "Teacher"]
    pages = st.multiselect("Pages students see", titles, default=list(current.pages) or titles, key="lesson_pages")
    pushed = st.button("Push to the class", type="primary", icon=":material/campaign:")
if pushed:
    spec = PRESETS.get(start) or (ui.controls_spec() if start.startswith("the controls") else None)
    if start.startswith("the controls") and spec is None:
        st.error("Open the Train page first and set its controls: they are what is pushed.", icon=":material/error:")
    else:
        shown = () if set(pages) == set(titles) else tuple(pages)
        board.push(Lesson(spec=spec, locked=tuple(locked), pages=shown, challenge=current.challenge))
        st.success("Pushed: students see it on their next click.", icon=":material/check_circle:")
        current = board.current()
if st.button("End the lesson", icon=":material/stop_circle:", disabled=current == Lesson()):
    board.end()
    current = Lesson()

st.subheader("A challenge")
kind = st.radio("Challenge", list(CHALLENGES), format_func=CHALLENGES.get, key="challenge_kind")
target, budget = st.columns(2)
accuracy = target.number_input(
    "Test accuracy at least", 0.5, 1.0, 0.97, 0.005, format="%.3f", disabled=kind != "budget"
)
parameters = budget.number_input("Parameters at most", 1_000, 2_000_000, 50_000, 1_000, disabled=kind != "budget")
set_column, clear_column = st.columns(2)
if set_column.button("Set the challenge", icon=":material/flag:"):
    challenge = Challenge(kind=kind, min_accuracy=accuracy, max_parameters=int(parameters))
    board.push(Lesson(current.spec, current.locked, current.pages, challenge))
    current = board.current()
if clear_column.button("Clear the challenge", disabled=current.challenge is None):
    board.push(Lesson(current.spec, current.locked, current.pages, None))
    current = board.current()


@st.fragment(run_every=5)
def scoreboard(challenge: Challenge) -> None:
    """The challenge's scoreboard, refreshed every few seconds while the class trains."""
    st.markdown(f"**Now:** {challenge.title}")
    rows = challenge.scoreboard(ui.models(), ui.class_drawings())
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption("No model trained since the challenge began meets it yet.")


if current.challenge is not None:
    scoreboard(current.challenge)

st.subheader("The training queue")
queue = ui.training_queue()
jobs = [] if queue is None else [status for status in queue.overview() if status.job.active]
if not jobs:
    st.caption("Nothing is training or waiting.")
for status in jobs:
    line, cancel = st.columns([5, 1])
    line.markdown(f"**{status.job.label}** · {status.job.state} · {len(status.job.sessions)} session(s)")
    if cancel.button("Cancel", key=f"cancel-{status.job.id}") and queue is not None:
        queue.cancel(status.job.id)
        st.rerun()

st.subheader("Class drawings")
drawings = ui.class_drawings()
if drawings is not None:
    st.caption(f"{drawings.count()} drawings kept.")
    sure = st.checkbox("Yes, delete every class drawing", key="confirm_clear")
    if st.button("Delete all class drawings", icon=":material/delete_forever:", disabled=not sure):
        st.success(f"{drawings.clear()} drawings deleted.", icon=":material/check_circle:")
