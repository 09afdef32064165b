"""Train: choose hyperparameters (or a preset), train with live curves, keep the result."""

import streamlit as st

import controls
import ui

ui.page()


def on_train() -> None:
    """Start training the controls' spec, or keep the reason it is impossible."""
    if (spec := ui.controls_spec()) is not None:
        ui.request_training(spec)


controls.start()
st.title("Train a network")
st.caption("Pick a preset from the reference notebooks or set every hyperparameter yourself, then press **Train**.")
lock = ui.lesson_locks()  # the fields the teacher's lesson fixes
if lock:
    st.info("Your teacher set up this lesson: the greyed controls are fixed.", icon=":material/school:")
controls.render(lock)

train_column, share_column = st.columns([1, 4])
train_column.button("Train", type="primary", icon=":material/play_arrow:", on_click=on_train, disabled=ui.job_active())
if share_column.button("Share these settings", icon=":material/share:") and (shared := ui.controls_spec()) is not None:
    ui.share_link(shared)
ui.spec_error(())
ui.queue_error()

ui.training_outcome(ui.job_progress())
