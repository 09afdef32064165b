"""Models: the store as a table; inspect, download or delete a model."""

import pandas as pd
import streamlit as st

from mnist_core.classroom import delete_model
from mnist_core.training import script_name, training_script
from studio import classroom, errors, frame, keys, report, resources
from studio.language import t

frame.page()


def delete(model_id: str) -> None:
    """Delete a model or a damaged folder, if this browser may (the teacher, or the student who trained it)."""
    with errors.shown(stop=False):
        delete_model(store, resources.job_table(), model_id, by=classroom.actor())
        classroom.teacher_acted()
        st.toast(t("Deleted {model}.", model=model_id))
        st.rerun()


st.title(t("Models in the store"))
store = resources.store()
st.markdown(t("Stored in `{folder}` (set `DIGIT_STUDIO_MODELS` to use another folder).", folder=store.root))

available = resources.models()
for entry in resources.damaged_entries():
    with st.container(border=True):
        st.warning(
            t("**{model}** is damaged: {reason}", model=entry.id, reason=entry.reason), icon=":material/warning:"
        )
        if classroom.is_teacher() and st.button(t("Remove this folder"), key=keys.remove_damaged(entry.id)):
            delete(entry.id)

if not available:
    st.info(
        t("The store is empty: train a model on the **Train** page or run `make pretrain`."), icon=":material/info:"
    )
    st.stop()

table = pd.DataFrame([model.summary() for model in available])
table["created"] = pd.to_datetime(table["created"])
st.dataframe(
    table,
    hide_index=True,
    column_order=[
        "name",
        "framework",
        "architecture",
        "test_accuracy",
        "train_accuracy",
        "train_seconds",
        "epochs_run",
        "created",
        "id",
    ],
    column_config={
        "name": t("name"),
        "framework": t("framework"),
        "architecture": t("layers"),
        "test_accuracy": st.column_config.NumberColumn(t("test accuracy"), format="%.4f"),
        "train_accuracy": st.column_config.NumberColumn(t("train accuracy"), format="%.4f"),
        "train_seconds": st.column_config.NumberColumn(t("seconds"), format="%.1f"),
        "epochs_run": t("epochs"),
        "created": st.column_config.DatetimeColumn(t("created"), format="YYYY-MM-DD HH:mm"),
        "id": t("id"),
    },
)

by_id = {model.id: model for model in available}
chosen = by_id[st.selectbox(t("Inspect"), list(by_id), format_func=lambda i: by_id[i].label)]
with st.expander(t("Spec and library versions")):
    st.json({"spec": chosen.spec.to_dict(), "versions": chosen.versions, "dataset": chosen.dataset})
st.download_button(
    t("Training script (Python)"), lambda: training_script(chosen.spec, model_id=chosen.id),
    file_name=script_name(chosen.spec), mime="text/x-python", icon=":material/code:", on_click="ignore",
    help=t("A standalone script that trains this network with plain scikit-learn or Keras code: read it, run it."),
)  # fmt: skip
report.model_report(chosen)

with st.popover(t("Delete this model"), icon=":material/delete:"):
    st.markdown(t("Delete **{model}**? This cannot be undone.", model=chosen.label))
    if not classroom.is_teacher():
        st.caption(t("You may delete the models you trained; the class's shared models are the teacher's."))
    confirmed = st.button(t("Yes, delete it"), type="primary", key=keys.MODELS_CONFIRM_DELETE)
if confirmed:  # out of the popover, so that a refusal stays in sight
    delete(chosen.id)
