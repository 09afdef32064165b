"""Evaluate: the confusion matrix and the digits behind it, per-class scores, and comparisons."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import plots
from mnist_core.language import marked
from mnist_core.network import refusals
from mnist_core.pictures import confusion_html
from studio import errors, frame, keys, resources, session
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
    points = event.selection.points if event else []
    cell = (int(points[0]["y"]), int(points[0]["x"])) if points else None
    if cell is None and None not in picked:
        cell = (int(picked[0]), int(picked[1]))
    if cell is not None:
        true_digit, predicted_digit = cell
        indices = result.cell_indices(true_digit, predicted_digit)
        st.markdown("**" + t("{count} test image(s) of a {true} read as {said}", count=len(indices), true=true_digit,
                             said=predicted_digit) + "**")  # fmt: skip
        first = indices[:40]
        if len(first):
            confidence = result.test_probabilities[first, predicted_digit]
            st.plotly_chart(
                plots.digit_grid(
                    mnist.x_test[first], labels=[true_digit] * len(first), predictions=[predicted_digit] * len(first),
                    captions=[f"{p:.0%}" for p in confidence], columns=5,
                ),
                key=keys.EVALUATE_CELL_DIGITS,
            )  # fmt: skip
            st.caption(t("Under each digit: the probability the model gave to its (wrong or right) answer."))
    else:
        st.info(
            t("Click a cell of the matrix (or choose one under it) to see the test digits behind it."),
            icon=":material/touch_app:",
        )

st.header(t("Per digit"))
per_digit = {"digit": range(10), "precision": result.precision, "recall": result.recall, "f1": result.f1}
st.dataframe(
    pd.DataFrame({**per_digit, "test images": result.confusion.sum(axis=1)}),
    hide_index=True,
    column_config={
        "digit": st.column_config.Column(t("digit")),
        "test images": st.column_config.Column(t("test images")),
        "precision": st.column_config.ProgressColumn(t("precision"), min_value=0, max_value=1, format="%.3f"),
        "recall": st.column_config.ProgressColumn(t("recall"), min_value=0, max_value=1, format="%.3f"),
        "f1": st.column_config.ProgressColumn("F1", min_value=0, max_value=1, format="%.3f"),
    },
)

# Only the open tab is made and sent: a page opens in the time its first screen takes.
right_tab, wrong_tab, curves_tab, reject_tab = st.tabs(
    [t("Correct predictions"), t("Wrong predictions"), t("Training curves"), t("When to say 'not sure'")],
    key=keys.EVALUATE_TAB, on_change="rerun",
)  # fmt: skip


def show_test_digits(indices: np.ndarray, key: str) -> None:
    """Some test digits, each with its true and its predicted digit."""
    labels, predictions = result.test_labels[indices], result.test_predictions[indices]
    st.plotly_chart(plots.digit_grid(mnist.x_test[indices], labels=labels, predictions=predictions), key=key)


if right_tab.open:
    with right_tab:
        show_test_digits(result.correct_indices[:30], keys.EVALUATE_RIGHT)
if wrong_tab.open:
    with wrong_tab:
        st.caption(t("The most confident mistakes first."))
        show_test_digits(result.wrong_indices[:30], keys.EVALUATE_WRONG)


#: The curves a comparison can show, as the reader names them.
CURVE_NAMES = {
    "val_accuracy": marked("Validation accuracy"),
    "accuracy": marked("Accuracy"),
    "val_loss": marked("Validation loss"),
    "loss": marked("Loss"),
}


def show_curves() -> None:
    """The model's training curves, and any stored runs' curves in one chart."""
    st.plotly_chart(
        plots.training_curves(model.history, epochs=model.spec.epochs, words=current()),
        key=keys.EVALUATE_CURVES,
    )
    st.markdown(t("**Compare runs**: any stored models' curves in one chart"))
    compared = st.multiselect(
        t("Runs"), list(by_id), default=list(dict.fromkeys([model.id, *(m.id for m in active)])),
        format_func=lambda i: by_id[i].label, key=keys.EVALUATE_OVERLAY_RUNS,
    )  # fmt: skip
    metric = st.radio(
        t("Curve"), list(CURVE_NAMES), horizontal=True, format_func=lambda name: t(CURVE_NAMES[name]),
        key=keys.EVALUATE_OVERLAY_METRIC,
    )  # fmt: skip
    runs = [(by_id[i].name, by_id[i].history) for i in compared]
    st.plotly_chart(plots.curves_overlay(runs, metric=metric, words=current()), key=keys.EVALUATE_OVERLAY)
    if metric.startswith("val_") and any(all(e.val_loss is None for e in by_id[i].history) for i in compared):
        st.caption(t("Runs trained without a validation split have no validation curve."))


def show_refusals() -> None:
    """How often the model says "not sure" at each threshold, and what it does with things that are not digits."""
    refused = refusals(result, model.reject_threshold, resources.network(model).predict_proba(resources.non_digits()))
    st.plotly_chart(
        plots.coverage_curve(
            refused.thresholds, refused.coverage, refused.accuracy, chosen=refused.threshold, words=current()
        ),
        key=keys.EVALUATE_COVERAGE,
    )
    st.caption(
        t(
            "At its threshold of {threshold} the model answers {answered} of the test digits, {right} of them right, "
            "and says 'not sure' about the rest.",
            threshold=percent(refused.threshold),
            answered=percent(refused.answered_share, digits=1),
            right=percent(refused.answered_accuracy, digits=2),
        )
    )
    st.markdown(
        t(
            "**Things that are not digits** — noise, blobs, lines, letters: the model refuses {refused} of them "
            "and names a digit for the rest.",
            refused=percent(refused.non_digits_refused),
        )
    )
    captions = [
        t("not sure") if reply.digit is None else f"{reply.digit} · {percent(reply.guesses[0][1])}"
        for reply in refused.non_digit_answers[:20]
    ]
    st.plotly_chart(plots.digit_grid(resources.non_digits()[:20], captions=captions), key=keys.EVALUATE_NON_DIGITS)


def show_comparison(others: list[str]) -> None:
    """Two confusion matrices side by side, and their difference."""
    default = next((m.id for m in active if m.id != model.id), others[0])
    other = by_id[
        st.selectbox(t("Second model"), others, index=others.index(default), format_func=lambda i: by_id[i].label)
    ]
    other_result = resources.evaluation(other)
    a, b, difference = st.columns(3)
    a.plotly_chart(
        plots.confusion_heatmap(result.confusion, title=model.name, words=current()),
        key=keys.EVALUATE_COMPARE_FIRST,
    )
    b.plotly_chart(
        plots.confusion_heatmap(other_result.confusion, title=other.name, words=current()),
        key=keys.EVALUATE_COMPARE_SECOND,
    )
    difference.plotly_chart(
        plots.confusion_heatmap(
            other_result.confusion - result.confusion,
            diverging=True,
            title=t("{second} minus {first}", second=other.name, first=model.name),
            words=current(),
        ),
        key=keys.EVALUATE_COMPARE_DIFFERENCE,
    )
    st.caption(
        t(
            "Test accuracy: {first} {first_accuracy}, {second} {second_accuracy}. In the difference, blue cells "
            "gained images and red cells lost them.",
            first=model.name,
            first_accuracy=percent(result.test_accuracy, digits=2),
            second=other.name,
            second_accuracy=percent(other_result.test_accuracy, digits=2),
        )
    )


if curves_tab.open:
    with curves_tab:
        show_curves()
if reject_tab.open:
    with reject_tab:
        show_refusals()

compare = st.expander(t("Compare with another model"), key=keys.EVALUATE_COMPARE, on_change="rerun")
others = [model_id for model_id in by_id if model_id != model.id]
if not others:
    compare.caption(t("Train a second model to compare the two."))
elif compare.open:
    with compare:
        show_comparison(others)
