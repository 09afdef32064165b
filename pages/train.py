"""Train: choose hyperparameters (or a preset), train with live curves, keep the result."""

import streamlit as st

from studio import classroom, controls, errors, frame, jobs, resources
from studio.language import t

frame.page()


def on_train() -> None:
    """Start training the controls' spec, or keep the reason it is impossible."""
    if (spec := controls.spec_or_keep_error()) is not None:
        jobs.request_training(spec)


controls.start()
st.title(t("Train a network"))
st.caption(t("Pick a preset from the reference notebooks or set every hyperparameter yourself, then press **Train**."))
training = None
with errors.shown(stop=False):  # the controls stay usable while the engine cannot start
    training = resources.training_queue()
lock = classroom.lesson_locks()  # the fields the teacher's lesson fixes
if lock:
    st.info(t("Your teacher set up this lesson: the greyed controls are fixed."), icon=":material/school:")
controls.render(lock)

visitor = classroom.actor().role == "guest"
train_column, share_column = st.columns([1, 4])
train_column.button(
    t("Train"), type="primary", icon=":material/play_arrow:", on_click=on_train,
    disabled=visitor or (training is not None and jobs.job_active(training)),
    help=t("Join the class at the top of the page first: your models carry your nickname.") if visitor else None,
)  # fmt: skip
share_pressed = share_column.button(t("Share these settings"), icon=":material/share:")
if share_pressed and (spec := controls.spec_or_keep_error()) is not None:
    controls.share_link(spec)
controls.spec_error(())
jobs.show_refusal()

if training is not None:
    jobs.training_outcome(jobs.job_progress(training))
