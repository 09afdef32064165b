"""Evaluate's parts: the digits behind a cell, the per-digit table, the tabs and the comparison.

The page chooses the model and asks the core for its evaluation once
(:func:`studio.resources.evaluation`); each function here shows one part of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import data, plots
from mnist_core.language import marked
from mnist_core.network import Answer, Evaluation, refusals
from mnist_core.store import StoredModel

from . import keys, resources
from .language import current, percent, t

#: The curves a comparison can show, as the reader names them.
CURVE_NAMES = {
    "val_accuracy": marked("Validation accuracy"),
    "accuracy": marked("Accuracy"),
    "val_loss": marked("Validation loss"),
    "loss": marked("Loss"),
}


def chosen_cell(points: Sequence[dict[str, Any]], picked: tuple[int | None, int | None]) -> tuple[int, int] | None:
    """The (true, read as) cell clicked in the matrix, else the one chosen by keyboard, else none."""
    if points:
        return int(points[0]["y"]), int(points[0]["x"])
    true, said = picked
    return None if true is None or said is None else (int(true), int(said))


def cell_digits(result: Evaluation, mnist: data.Dataset, cell: tuple[int, int] | None) -> None:
    """The test digits behind a cell of the matrix, each with the probability of the model's answer."""
    if cell is None:
        st.info(
            t("Click a cell of the matrix (or choose one under it) to see the test digits behind it."),
            icon=":material/touch_app:",
        )
        return
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


def per_digit_table(result: Evaluation) -> None:
    """Precision, recall and F1 of each digit, with its number of test images."""
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


def digits_with_answers(result: Evaluation, mnist: data.Dataset, indices: np.ndarray, key: str) -> None:
    """Some test digits, each with its true and its predicted digit."""
    labels, predictions = result.test_labels[indices], result.test_predictions[indices]
    st.plotly_chart(plots.digit_grid(mnist.x_test[indices], labels=labels, predictions=predictions), key=key)


def curves(model: StoredModel, by_id: dict[str, StoredModel], active: Sequence[StoredModel]) -> None:
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


def _in_short(reply: Answer) -> str:
    """An answer under a small picture: "not a digit", "not sure", or the digit and how sure."""
    if reply.not_a_digit:
        return t("not a digit")
    if reply.digit is None:
        return t("not sure")
    return f"{reply.digit} · {percent(reply.guesses[0][1])}"


def not_sure(model: StoredModel, result: Evaluation) -> None:
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
    captions = [_in_short(reply) for reply in refused.non_digit_answers[:20]]
    st.plotly_chart(plots.digit_grid(resources.non_digits()[:20], captions=captions), key=keys.EVALUATE_NON_DIGITS)


def comparison(
    model: StoredModel, result: Evaluation, by_id: dict[str, StoredModel], active: Sequence[StoredModel]
) -> None:
    """Two confusion matrices side by side, and their difference (the second model chosen here)."""
    others = [model_id for model_id in by_id if model_id != model.id]
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
