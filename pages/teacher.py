"""Teacher: run the lesson from the front — the address, the students, the lesson, a challenge, the queue."""

import streamlit as st

from studio import classroom, errors, frame, load, resources, teaching
from studio.language import t

frame.page()

st.title(t("Teacher"))
password = classroom.teacher_password()
if password is None:
    st.info(
        t(
            "Teacher mode is off. To turn it on, set `DIGIT_STUDIO_TEACHER_PASSWORD` (or `teacher_password` in "
            "`.streamlit/secrets.toml`) and restart the server."
        ),
        icon=":material/lock_open:",
    )
    load.load_section()
    st.stop()
classroom.teacher_login(password)  # the page goes on only for the teacher
classroom.teacher_acted()  # every click on this page is the teacher's
teacher = classroom.actor()

with errors.shown():
    board = resources.lesson_board()
    drawings = resources.class_drawings()
    roster = resources.roster()
    jobs_table = resources.job_table()
current = board.current()

st.header(t("Students join here"))
teaching.join_here()
st.header(t("Who is who"))
teaching.who_is_who(roster, drawings, jobs_table, teacher)
st.header(t("The lesson"))
current = teaching.lesson_form(board, current, teacher)
st.header(t("A challenge"))
current = teaching.challenge_form(board, current, teacher)
if current.challenge is not None:
    teaching.scoreboard(current.challenge, drawings, jobs_table, roster)
st.header(t("The training queue"))
teaching.training_queue(roster, teacher)
st.header(t("The class's summary"))
classroom.class_summary_button(current, drawings, roster, jobs_table)
st.header(t("Class drawings"))
teaching.class_drawings(drawings, teacher)
