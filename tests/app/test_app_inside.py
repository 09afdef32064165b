"""The Inside page: first-layer images, a unit's favourite digits, a drawing's path, knock-outs; saliency on Draw."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.util import AttributeDictionary

from mnist_core.network import inside
from mnist_core.store import ModelStore
from studio import keys
from tests.app.test_app_draw import EASY_TEST_DIGITS, draw


def click_unit(app, key: str, unit: int) -> None:
    """What a click on a unit of the weight grid puts in session state (AppTest cannot click a chart)."""
    point = {"x": 13.5, "y": 13.5, "customdata": unit, "curve_number": 1, "point_index": unit}
    selection = AttributeDictionary({"points": [point], "point_indices": [unit], "box": [], "lasso": []})
    app.session_state[key] = AttributeDictionary({"selection": selection})
    app.run()


def figures(app) -> list[dict]:
    """The page's Plotly figures, in order."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def chosen_model(app) -> str:
    return next(box for box in app.selectbox if box.label == "Model").value


def test_a_clicked_unit_shows_its_weights_and_favourite_digits(open_app, pretrained_root, mnist):
    """Every first-layer unit is a clickable square; a clicked unit shows its weights and its 9 favourite digits."""
    app = open_app(pretrained_root, "inside")
    model_id = chosen_model(app)
    network = ModelStore(pretrained_root).load_network(model_id)
    (clickable,) = [trace for trace in figures(app)[0]["data"] if trace.get("name") == "units"]
    assert clickable["marker"]["opacity"] == 0
    assert any("Click a unit" in info.value for info in app.info)

    click_unit(app, keys.inside_units(model_id, 1), 5)
    assert not app.exception
    assert "**Unit 5** of hidden layer 1" in [m.value for m in app.markdown]
    favourites = inside.unit_favourites(network, 1, 5, mnist.x_test)
    captions = [note["text"] for note in figures(app)[2]["layout"]["annotations"]]
    assert captions == [str(label) for label in mnist.y_test[favourites]]


def test_a_drawing_flows_through_and_units_can_be_knocked_out(open_app, pretrained_root, mnist):
    """After drawing on Draw, Inside shows each layer for that drawing and silences the units one chooses."""
    app = open_app(pretrained_root, "draw")
    digit = mnist.x_test[EASY_TEST_DIGITS[0]]
    draw(app, digit)
    drawing = app.session_state[keys.LAST_DRAWING]
    app.switch_page("pages/inside.py").run()
    assert not app.exception
    assert not any("Silence some units" in caption.value for caption in app.caption)  # only the open tab is made
    app.session_state[keys.INSIDE_TAB] = "A drawing flows through"
    app.run()
    network = ModelStore(pretrained_root).load_network(chosen_model(app))
    strips = next(
        figure
        for figure in figures(app)
        if any("output: probability" in note.get("text", "") for note in figure["layout"].get("annotations", []))
    )
    output = [trace for trace in strips["data"] if trace["type"] == "heatmap"][-1]["z"]
    if isinstance(output, dict):  # Plotly sends NumPy arrays base64-encoded
        output = np.frombuffer(base64.b64decode(output["bdata"]), dtype=output["dtype"])
    np.testing.assert_allclose(np.ravel(output), network.predict_proba(drawing)[0], rtol=1e-6)

    app.session_state[keys.INSIDE_TAB] = "Knock out"
    app.run()
    app.radio(key=keys.KNOCK_HOW).set_value("chosen").run()
    app.multiselect(key=keys.knock_units(1)).set_value(list(range(network.hidden_layers[0]))).run()
    assert not app.exception
    intact, silenced = (metric.value for metric in app.metric if metric.label == "Test accuracy")
    assert float(silenced.rstrip("%")) <= 20 < float(intact.rstrip("%"))


def test_draw_shows_which_pixels_made_the_answer(open_app, pretrained_root, mnist):
    """With the saliency toggle on, 'What the models see' is the input coloured by what pushed the answer."""
    app = open_app(pretrained_root, "draw")
    app.toggle(key=keys.DRAW_SALIENCY).set_value(True).run()
    draw(app, mnist.x_test[EASY_TEST_DIGITS[1]])
    assert not app.exception
    seen = next(element.proto.body for element in app.get("html") if "<figure" in element.proto.body)
    assert (
        f"what made test-sklearn say {mnist.y_test[EASY_TEST_DIGITS[1]]}</figcaption>" in seen
    )  # "What the models see"
