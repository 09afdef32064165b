"""Home: what Digit Studio is, how a lesson goes, and whether everything is ready."""

import pandas as pd
import streamlit as st

from mnist_core import data
from mnist_core.errors import DatasetUnavailableError
from mnist_core.spec import PRESET_NOTES, PRESETS
from studio import classroom, errors, frame, jobs, keys, resources

frame.page()

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
try:
    mnist = resources.dataset()
except DatasetUnavailableError as missing:
    errors.show_error(missing)
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

store = resources.store()
missing_presets = store.missing_presets(mnist)
st.markdown(
    f"**{len(resources.models())}** model(s) in the store, "
    f"{len(PRESETS) - len(missing_presets)} of {len(PRESETS)} presets ready."
)
for entry in resources.damaged_entries():
    st.warning(
        f"Damaged model folder `{entry.id}`: {entry.reason} (remove it on the Models page)", icon=":material/warning:"
    )

training = None
with errors.shown(stop=False):
    training = resources.training_queue()
queued = [status.job.model_key for status in training.overview()] if training else []
to_train = store.missing_presets(mnist, queued=queued)


if to_train and not classroom.is_teacher():
    st.caption(f"{len(to_train)} preset(s) still to train: the teacher prepares them for the class.")
elif to_train:
    with st.container(border=True):
        st.markdown("**Prepare the presets for class** (or run `make pretrain` before class)")
        chosen = st.multiselect(
            "Presets to train", to_train, default=to_train, key=keys.HOME_PRESETS,
            format_func=lambda name: f"{name} — {PRESET_NOTES[name]}",
        )  # fmt: skip
        st.button(
            "Train the missing presets", type="primary", icon=":material/play_arrow:",
            disabled=not chosen or training is None, on_click=jobs.request_presets, args=(chosen,),
        )  # fmt: skip
jobs.show_refusal()


@st.fragment(run_every=2.0)
def queue_table() -> None:
    """Everything the server trains or will train, live."""
    if training is None:
        return
    st.subheader("Training queue")
    rows = jobs.queue_rows(training)
    if not rows:
        st.caption(f"Nothing is training. {training.engine.description} is ready for the class's jobs.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(f"Trained on {training.engine.description}; the web server itself never trains.")


queue_table()
