"""Home: what Digit Studio is, how a lesson goes, and whether everything is ready."""

import pandas as pd
import streamlit as st

from mnist_core import data
from mnist_core.errors import DatasetUnavailableError
from mnist_core.spec import PRESET_NOTES, PRESETS
from studio import classroom, errors, frame, jobs, keys, resources
from studio.language import current, t

frame.page()

st.title(t("✍️ Digit Studio"))
st.markdown(
    t("Digit Studio shows how a neural network learns to read handwriting. "
      "You train small multi-layer perceptrons on MNIST — 70 000 handwritten digits — while watching them learn, "
      "then draw digits for them to read and look at exactly which digits they get wrong.")
)  # fmt: skip
st.markdown(
    "**" + t("A lesson in three steps") + "**\n"
    "1. " + t("**Train** a network with sliders for its size, learning rate and epochs, and watch the loss fall.")
    + "\n2. " + t("**Draw** digits on the canvas and see each model's answer and how sure it is — then feed it pure "
                  "noise.")
    + "\n3. " + t("**Evaluate**: the confusion matrix shows which digits get mixed up; click a cell to see them.")
)  # fmt: skip

st.header(t("Status"))
try:
    mnist = resources.dataset()
except DatasetUnavailableError as missing:
    errors.show_error(missing)
    if st.button(t("Download MNIST now"), icon=":material/download:"):
        with st.status(t("Fetching MNIST…"), expanded=True) as status:
            try:
                data.load(report=st.write)
            except DatasetUnavailableError as failure:
                status.update(label=t("MNIST could not be fetched."), state="error")
                st.error(str(failure))
            else:
                status.update(label=t("MNIST is ready."), state="complete")
                st.rerun()
    st.stop()
number = current().number
st.success(
    t(
        "MNIST is ready: {train} training and {test} test images.",
        train=number(len(mnist.y_train)),
        test=number(len(mnist.y_test)),
    ),
    icon=":material/check_circle:",
)

store = resources.store()
missing_presets = store.missing_presets(mnist)
st.markdown(
    t("**{count}** model(s) in the store, {ready} of {presets} presets ready.", count=len(resources.models()),
      ready=len(PRESETS) - len(missing_presets), presets=len(PRESETS))
)  # fmt: skip
for entry in resources.damaged_entries():
    st.warning(
        t("Damaged model folder `{id}`: {reason} (remove it on the Models page)", id=entry.id, reason=entry.reason),
        icon=":material/warning:",
    )

training = None
with errors.shown(stop=False):
    training = resources.training_queue()
queued = [status.job.model_key for status in training.overview()] if training else []
to_train = store.missing_presets(mnist, queued=queued)


if to_train and not classroom.is_teacher():
    st.caption(t("{count} preset(s) still to train: the teacher prepares them for the class.", count=len(to_train)))
elif to_train:
    with st.container(border=True):
        st.markdown(t("**Prepare the presets for class** (or run `make pretrain` before class)"))
        chosen = st.multiselect(
            t("Presets to train"), to_train, default=to_train, key=keys.HOME_PRESETS,
            format_func=lambda name: t("{preset} — {note}", preset=name, note=PRESET_NOTES[name]),
        )  # fmt: skip
        st.button(
            t("Train the missing presets"), type="primary", icon=":material/play_arrow:",
            disabled=not chosen or training is None, on_click=jobs.request_presets, args=(chosen,),
        )  # fmt: skip
jobs.show_refusal()


@st.fragment(run_every=2.0)
def queue_table() -> None:
    """Everything the server trains or will train, live."""
    if training is None:
        return
    st.header(t("Training queue"))
    rows = jobs.queue_rows(training)
    where = training.engine.description_in(current())
    if not rows:
        st.caption(
            t("Nothing is training. {engine} is ready for the class's jobs.", engine=where[:1].upper() + where[1:])
        )
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=jobs.queue_columns())
    st.caption(t("Trained on {engine}; the web server itself never trains.", engine=where))


queue_table()
