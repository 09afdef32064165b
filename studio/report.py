"""What the app shows about one model: its full report, and its answer for one image in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import plots
from mnist_core.errors import MnistCoreError
from mnist_core.handouts import handout_for, model_handout_html
from mnist_core.language import marked
from mnist_core.network import NOT_A_DIGIT_FROM, Answer
from mnist_core.store import StoredModel

from . import errors, keys, resources
from .language import current, percent, t

#: The test digits a report shows with the model's answers.
REPORT_DIGITS = 40


#: The columns of a model's layer table (its keys stay English) and their headings.
LAYER_COLUMNS = {
    "layer": marked("layer"), "kind": marked("kind"), "output_shape": marked("output shape"),
    "parameters": marked("parameters"),
}  # fmt: skip

#: The big answer of a model that says the drawing is not a digit.
NOT_A_DIGIT_MARK = "✗"


def verdict(reply: Answer) -> tuple[str, str]:
    """The big answer and a caption: the digit, "not a digit", or "not sure" with the top two guesses."""
    (top, p_top), (second, p_second) = reply.guesses
    if reply.not_a_digit:
        caption = t(
            "not a digit: {share} (from {least} it refuses); else a {top} ({top_share})",
            share=percent(reply.non_digit), least=percent(NOT_A_DIGIT_FROM), top=top, top_share=percent(p_top),
        )  # fmt: skip
        return NOT_A_DIGIT_MARK, caption
    if reply.digit is None:
        return "?", t("not sure: {top} ({top_share}) or {second} ({second_share})", top=top,
                      top_share=percent(p_top), second=second, second_share=percent(p_second))  # fmt: skip
    return str(reply.digit), t("{share} sure", share=percent(p_top, digits=1))


def output_name(output: int) -> str:
    """An output unit as a student reads it: its digit, or "not a digit" for the eleventh."""
    return str(output) if output < 10 else t("not a digit")


def model_report(model: StoredModel) -> None:
    """Everything about one stored model: figures, layers, curves, test digits, download.

    A part that cannot be read (a damaged weight history, MNIST missing) says why; the rest is shown.
    """
    cols = st.columns(5)
    cols[0].metric(t("Test accuracy"), percent(model.metrics["test_accuracy"], digits=2))
    cols[1].metric(t("Train accuracy"), percent(model.metrics["train_accuracy"], digits=2))
    cols[2].metric(t("Training time"), t("{seconds} s", seconds=current().decimal(model.train_seconds, digits=1)))
    cols[3].metric(t("Epochs"), f"{model.epochs_run} / {model.spec.epochs}")
    cols[4].metric(t("Parameters"), current().number(model.parameters))
    if model.stopped_early:
        st.caption(t("Early stopping ended training and restored the best epoch's weights."))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(t("**Training curves**"))
        st.plotly_chart(
            plots.training_curves(model.history, epochs=model.spec.epochs, words=current()),
            key=keys.report_part(model.id, "curves"),
        )
    with right:
        st.markdown(t("**Layers** (like Keras's `model.summary()`)"))
        st.dataframe(
            pd.DataFrame(model.layers),
            hide_index=True,
            column_config={key: t(label) for key, label in LAYER_COLUMNS.items()},
        )
    with errors.shown(stop=False):
        _weights_epoch_by_epoch(model)
    with errors.shown(stop=False):
        _test_digits(model)
    with errors.shown(stop=False):
        _handout_button(model)
    st.download_button(
        t("Download the saved model (.zip)"),
        data=lambda: resources.store().archive(model.id),
        file_name=f"{model.id}.zip",
        mime="application/zip",
        icon=":material/download:",
        key=keys.report_part(model.id, "download"),
    )


def _handout_button(model: StoredModel) -> None:
    network, result, mnist = resources.network(model), resources.evaluation(model), resources.dataset()
    try:  # the class's part of the handout; without its files the rest still prints
        drawings, roster, jobs = resources.class_drawings(), resources.roster(), resources.job_table()
    except MnistCoreError:
        drawings = roster = jobs = None

    words = current()

    def handout() -> str:
        made = handout_for(model, network, mnist, evaluation=result, drawings=drawings, roster=roster, jobs=jobs)
        return model_handout_html(made, words=words)

    st.download_button(
        t("Handout: one page to print"),
        data=handout,
        file_name=f"handout-{model.id}.html",
        mime="text/html",
        icon=":material/description:",
        on_click="ignore",
        key=keys.report_part(model.id, "handout"),
        help=t(
            "This model on one page: the network in words, its curves, its confusion matrix, a dozen of its "
            "mistakes and what its numbers say. Open the file and print it, or save it as a PDF."
        ),
    )


def _weights_epoch_by_epoch(model: StoredModel) -> None:
    history = resources.weight_history(model)
    if history is None or len(history) <= 1:
        return
    with st.expander(t("Watch the first layer learn: its weights epoch by epoch"), icon=":material/animation:"):
        st.caption(
            t(
                "Each square is one unit of the first hidden layer: the 784 weights it gives the pixels, "
                "red where ink raises its output and blue where ink lowers it. Press Play or move the slider."
            )
        )
        st.plotly_chart(
            plots.weight_animation(history.epochs, history.frames, words=current()),
            key=keys.report_part(model.id, "weights"),
        )


def _test_digits(model: StoredModel) -> None:
    mnist = resources.dataset()
    result = resources.evaluation(model)
    first = np.arange(REPORT_DIGITS)
    st.plotly_chart(
        plots.digit_grid(
            mnist.x_test[first],
            labels=result.test_labels[first],
            predictions=result.test_predictions[first],
            title=t(
                "The first {count} test digits: true → predicted (✓ green: right, ✗ red: wrong)", count=REPORT_DIGITS
            ),
        ),
        key=keys.report_part(model.id, "grid"),
    )
