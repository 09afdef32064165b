"""Evaluate: the confusion matrix and the digits behind it, per-class scores, and comparisons."""

import streamlit as st

from mnist_core import plots
from mnist_core.pictures import confusion_html
from studio import errors, evaluation, frame, keys, resources, session
from studio.language import current, percent, t

frame.page()

st.title(t("Evaluate"))
available = resources.models()
mnist = None
with errors.shown(stop=False):
    mnist = resources.dataset()
if not available or mnist is None:
    st.info(t("Nothing to evaluate yet: train a model on the **Train** page."), icon=":material/info:")
    st.stop()

active = session.active_models() or available[:1]
by_id = {model.id: model for model in available}
model = by_id[
    st.selectbox(t("Model"), list(by_id), index=list(by_id).index(active[0].id), format_func=lambda i: by_id[i].label)
]
result = resources.evaluation(model)

cols = st.columns(4)
cols[0].metric(t("Test accuracy"), percent(result.test_accuracy, digits=2))
cols[1].metric(t("Train accuracy"), percent(result.train_accuracy, digits=2))
cols[2].metric(t("Test log-loss"), f"{result.test_log_loss:.3f}")
number = current().number
cols[3].metric(
    t("Test mistakes"),
    t("{count} of {total}", count=number(len(result.wrong_indices)), total=number(len(result.test_labels))),
)

matrix_column, digits_column = st.columns([3, 2])
with matrix_column:
    normalised = st.toggle(t("Show shares of each true digit (row-normalised)"), key=keys.EVALUATE_NORMALISED)
    matrix = result.confusion_normalised if normalised else result.confusion
    event = st.plotly_chart(
        plots.confusion_heatmap(
            matrix, normalised=normalised, title=t("Confusion matrix — click a cell"), words=current()
        ),
        on_select="rerun", selection_mode="points", key=keys.EVALUATE_CONFUSION,
    )  # fmt: skip
    with st.expander(t("The matrix as a table, and a cell chosen by keyboard"), icon=":material/table:"):
        st.html(confusion_html(result.confusion, caption=t("Rows: the true digit. Columns: the model's answer.")))
        pick_true, pick_said = st.columns(2)
        picked = (
            pick_true.selectbox(t("True digit"), range(10), index=None, key=keys.EVALUATE_CELL_TRUE),
            pick_said.selectbox(t("Read as"), range(10), index=None, key=keys.EVALUATE_CELL_SAID),
        )
with digits_column:
    evaluation.cell_digits(result, mnist, evaluation.chosen_cell(event.selection.points if event else [], picked))

st.header(t("Per digit"))
evaluation.per_digit_table(result)

# Only the open tab is made and sent: a page opens in the time its first screen takes.
right_tab, wrong_tab, curves_tab, reject_tab = st.tabs(
    [t("Correct predictions"), t("Wrong predictions"), t("Training curves"), t("When to say 'not sure'")],
    key=keys.EVALUATE_TAB, on_change="rerun",
)  # fmt: skip
if right_tab.open:
    with right_tab:
        evaluation.digits_with_answers(result, mnist, result.correct_indices[:30], keys.EVALUATE_RIGHT)
if wrong_tab.open:
    with wrong_tab:
        st.caption(t("The most confident mistakes first."))
        evaluation.digits_with_answers(result, mnist, result.wrong_indices[:30], keys.EVALUATE_WRONG)
if curves_tab.open:
    with curves_tab:
        evaluation.curves(model, by_id, active)
if reject_tab.open:
    with reject_tab:
        evaluation.not_sure(model, result)

compare = st.expander(t("Compare with another model"), key=keys.EVALUATE_COMPARE, on_change="rerun")
if len(by_id) < 2:
    compare.caption(t("Train a second model to compare the two."))
elif compare.open:
    with compare:
        evaluation.comparison(model, result, by_id, active)
