"""The Evaluate page: scores, the confusion matrix, the digits behind a cell, per-digit metrics, comparison."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
from streamlit.util import AttributeDictionary

from mnist_core.store import ModelStore
from studio import keys


def charts(app) -> dict[str, dict]:
    """The Plotly figures on the page by title (those with one)."""
    figures = [json.loads(element.proto.spec) for element in app.get("plotly_chart")]
    return {(figure["layout"].get("title") or {}).get("text"): figure for figure in figures}


def matrix_of(figure: dict) -> np.ndarray:
    """The heatmap values of a figure (Plotly sends NumPy arrays base64-encoded)."""
    z = figure["data"][0]["z"]
    if isinstance(z, dict):
        shape = [int(side) for side in str(z.get("shape", "-1")).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.asarray(z)


def select_cell(app, true_digit: int, predicted_digit: int) -> None:
    """What a click on a confusion-matrix cell puts in session state (AppTest cannot click a chart)."""
    point = {"x": str(predicted_digit), "y": str(true_digit), "curve_number": 1, "point_index": 0}
    selection = AttributeDictionary({"points": [point], "point_indices": [0], "box": [], "lasso": []})
    app.session_state[keys.EVALUATE_CONFUSION] = AttributeDictionary({"selection": selection})
    app.run()


def test_scores_match_the_stored_model(open_app, pretrained_root, pretrained_ids):
    app = open_app(pretrained_root, "evaluate")
    model = ModelStore(pretrained_root).get(pretrained_ids["test-sklearn"])

    assert not app.exception
    assert app.selectbox[0].value == model.id  # the active model comes first
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Test accuracy"] == f"{model.metrics['test_accuracy']:.2%}"
    assert metrics["Train accuracy"] == f"{model.metrics['train_accuracy']:.2%}"
    assert metrics["Test log-loss"] == f"{model.metrics['test_log_loss']:.3f}"
    mistakes = round((1 - model.metrics["test_accuracy"]) * 10000)
    assert metrics["Test mistakes"] == f"{mistakes:,} of 10,000"


def test_confusion_matrix_and_per_digit_table(open_app, pretrained_root):
    app = open_app(pretrained_root, "evaluate")

    counts = matrix_of(charts(app)["Confusion matrix — click a cell"])
    assert counts.shape == (10, 10)
    assert counts.sum() == 10000
    assert (np.diag(counts) > 800).all()
    assert [info.value for info in app.info] == [
        "Click a cell of the matrix (or choose one under it) to see the test digits behind it."
    ]

    table = app.dataframe[0].value
    assert list(table.columns) == ["digit", "precision", "recall", "f1", "test images"]
    assert list(table["digit"]) == list(range(10))
    assert table["test images"].sum() == 10000
    assert table[["precision", "recall", "f1"]].stack().between(0.5, 1).all()


def test_a_selected_cell_shows_its_test_digits(open_app, pretrained_root):
    app = open_app(pretrained_root, "evaluate")
    counts = matrix_of(charts(app)["Confusion matrix — click a cell"])
    mistakes = counts - np.diag(np.diag(counts))
    true_digit, predicted_digit = (int(i) for i in np.unravel_index(mistakes.argmax(), mistakes.shape))
    select_cell(app, true_digit, predicted_digit)

    assert not app.exception
    heading = f"**{counts[true_digit, predicted_digit]} test image(s) of a {true_digit} read as {predicted_digit}**"
    assert heading in [m.value for m in app.markdown]
    assert any(element.proto.id.endswith(f"-{keys.EVALUATE_CELL_DIGITS}") for element in app.get("plotly_chart"))
    assert not app.info  # the "click a cell" hint is gone


def test_a_cell_chosen_by_keyboard_shows_its_test_digits_and_the_matrix_reads_as_a_table(open_app, pretrained_root):
    """Without a mouse: the table holds every count, and two menus choose the cell the click would."""
    app = open_app(pretrained_root, "evaluate")
    counts = matrix_of(charts(app)["Confusion matrix — click a cell"])
    (table,) = [element.proto.body for element in app.get("html") if 'class="confusion"' in element.proto.body]
    cells = [int(cell) for cell in re.findall(r"<td[^>]*>(\d+)</td>", table)]
    assert cells == counts.ravel().tolist()

    app.selectbox(key=keys.EVALUATE_CELL_TRUE).select(4).run()
    assert app.info  # one of the two chosen: still the hint
    app.selectbox(key=keys.EVALUATE_CELL_SAID).select(9).run()

    assert not app.exception
    assert f"**{counts[4, 9]} test image(s) of a 4 read as 9**" in [m.value for m in app.markdown]


def test_row_normalised_matrix(open_app, pretrained_root):
    app = open_app(pretrained_root, "evaluate")
    app.toggle(key=keys.EVALUATE_NORMALISED).set_value(True).run()

    assert not app.exception
    shares = matrix_of(charts(app)["Confusion matrix — click a cell"])
    np.testing.assert_allclose(shares.sum(axis=1), 1)


def test_comparing_two_models(open_app, pretrained_root, pretrained_ids):
    """The comparison is made only once it is opened: two matrices side by side, and their difference."""
    app = open_app(pretrained_root, "evaluate")
    assert not any(s.label == "Second model" for s in app.selectbox)
    app.session_state[keys.EVALUATE_COMPARE] = True  # "Compare with another model" opened
    app.run()

    assert not app.exception
    second = next(s for s in app.selectbox if s.label == "Second model")
    assert second.value == pretrained_ids["test-sklearn-small"]
    figures = charts(app)
    assert {"test-sklearn", "test-sklearn-small", "test-sklearn-small minus test-sklearn"} <= set(figures)
    difference = matrix_of(figures["test-sklearn-small minus test-sklearn"])
    assert difference.sum() == 0  # the same 10 000 test images, moved between cells
    assert difference.any()
    assert any(c.value.startswith("Test accuracy: test-sklearn ") for c in app.caption)


def test_one_model_has_nothing_to_compare(open_app, scratch_store, pretrained_ids):
    ModelStore(scratch_store).delete(pretrained_ids["test-sklearn-small"])
    app = open_app(scratch_store, "evaluate")

    assert not app.exception
    assert "Train a second model to compare the two." in [c.value for c in app.caption]


def test_training_curves_of_several_runs_overlay(open_app, pretrained_root, pretrained_ids):
    """Picking runs on the curves tab draws one line per run of the chosen metric."""
    app = open_app(pretrained_root, "evaluate")
    assert not any(element.proto.id.endswith(keys.EVALUATE_OVERLAY) for element in app.get("plotly_chart"))
    app.session_state[keys.EVALUATE_TAB] = "Training curves"  # only the open tab is made
    app.run()
    app.multiselect(key=keys.EVALUATE_OVERLAY_RUNS).set_value(list(pretrained_ids.values())).run()
    app.radio(key=keys.EVALUATE_OVERLAY_METRIC).set_value("loss").run()

    assert not app.exception
    charts_by_id = {chart.proto.id: json.loads(chart.proto.spec) for chart in app.get("plotly_chart")}
    overlay = next(figure for element_id, figure in charts_by_id.items() if element_id.endswith(keys.EVALUATE_OVERLAY))
    assert sorted(trace["name"] for trace in overlay["data"]) == sorted(pretrained_ids)
    stored = ModelStore(pretrained_root)
    first = next(trace for trace in overlay["data"] if trace["name"] == "test-sklearn")
    assert first["y"] == [event.loss for event in stored.get(pretrained_ids["test-sklearn"]).history]
