"""Home: what Digit Studio is, how a lesson goes, and whether everything is ready."""

import streamlit as st

import ui
from mnist_core import data
from mnist_core.errors import DatasetUnavailableError
from mnist_core.spec import PRESET_NOTES, PRESETS

ui.page()

st.title("✍️ Digit Studio")
st.markdown(
    "Digit Studio shows how a neural network learns to read handwriting. "
    "You train small multi-layer perceptrons on MNIST — 70 000 handwritten digits — while watching them learn, "
    "then draw digits for them to read and look at exactly which digits they get wrong."
)
st.markdown(
    "**A lesson in three steps**\n"
    "1. **Train** a network with sliders for its size, learning rate and epochs, and watch the loss fall.\n"
    "2. **Draw** digits on the canvas and see each model's answer and how sure it is — then feed it pure noise.\n"
    "3. **Evaluate**: the confusion matrix shows which digits get mixed up; click a cell to see them."
)

st.subheader("Status")
mnist = ui.dataset()  # shows what is wrong when MNIST cannot be found
if mnist is None:
    if st.button("Download MNIST now", icon=":material/download:"):
        with st.status("Fetching MNIST…", expanded=True) as status:
            try:
                data.load(report=st.write)
            except DatasetUnavailableError as failure:
                status.update(label="MNIST could not be fetched.", state="error")
                st.error(str(failure))
            else:
                status.update(label="MNIST is ready.", state="complete")
                st.rerun()
    st.stop()
st.success(
    f"MNIST is ready: {len(mnist.y_train):,} training and {len(mnist.y_test):,} test images.",
    icon=":material/check_circle:",
)

stored = ui.models()
missing = [name for name, model in ui.store().presets(mnist).items() if model is None]
st.markdown(f"**{len(stored)}** model(s) in the store, {len(PRESETS) - len(missing)} of {len(PRESETS)} presets ready.")
for entry in ui.damaged_entries():
    st.warning(
        f"Damaged model folder `{entry.id}`: {entry.reason} (remove it on the Models page)", icon=":material/warning:"
    )

if missing:
    with st.container(border=True):
        st.markdown("**Prepare the presets for class** (or run `make pretrain` before class)")
        chosen = st.multiselect(
            "Presets to train",
            missing,
            default=missing,
            key="home_presets",
            format_func=lambda n: f"{n} — {PRESET_NOTES[n]}",
        )
        st.button(
            "Train the missing presets",
            type="primary",
            icon=":material/play_arrow:",
            disabled=not chosen or ui.job_running("home_job"),
            on_click=lambda: ui.start_job(
                "home_job", [(name, PRESETS[name]) for name in st.session_state.home_presets]
            ),
        )

job = ui.job_progress("home_job")
if job is not None and not job.error:
    trained = [step.name for step in job.steps if step.result is not None and not step.from_store]
    st.success(f"Ready: {', '.join(trained) or 'nothing needed training'}.", icon=":material/check_circle:")
