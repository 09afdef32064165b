"""Home: what Digit Studio is, how a lesson goes, and whether everything is ready."""

import pandas as pd
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

training = ui.training_queue()
queued = {status.job.model_key for status in training.overview()} if training else set()
to_train = [name for name in missing if PRESETS[name].key(mnist.fingerprint) not in queued]


def train_presets() -> None:
    for name in st.session_state.home_presets:
        ui.request_training(PRESETS[name], name=name, session=f"{ui.session_id()}/preset/{name}")


if to_train:
    with st.container(border=True):
        st.markdown("**Prepare the presets for class** (or run `make pretrain` before class)")
        chosen = st.multiselect(
            "Presets to train",
            to_train,
            default=to_train,
            key="home_presets",
            format_func=lambda n: f"{n} — {PRESET_NOTES[n]}",
        )
        st.button(
            "Train the missing presets",
            type="primary",
            icon=":material/play_arrow:",
            disabled=not chosen or training is None,
            on_click=train_presets,
        )
ui.queue_error()


@st.fragment(run_every=2.0)
def queue_table() -> None:
    """Everything the server trains or will train, live."""
    if training is None:
        return
    st.subheader("Training queue")
    rows = ui.queue_rows(training)
    if not rows:
        st.caption(f"Nothing is training. {training.engine.description} is ready for the class's jobs.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(f"Trained on {training.engine.description}; the web server itself never trains.")


queue_table()
