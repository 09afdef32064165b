"""The Draw page: a drawing injected as the canvas would send it is read by the active models."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from studio import keys, layout
from studio.layout import Screen

CANVAS_SIDE = 280
# Test images every pretrained model reads correctly with more than 90 % probability.
EASY_TEST_DIGITS = [0, 1, 2, 3]  # a 7, a 2, a 1 and a 0


def canvas_state(gray: np.ndarray, side: int = CANVAS_SIDE) -> dict:
    """What streamlit-drawable-canvas 0.13 keeps in session state once ``gray`` is drawn: a side×side RGBA PNG."""
    picture = Image.fromarray(gray.astype(np.uint8)).resize((side, side), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    picture.convert("RGBA").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"drawing": {"raw": {"objects": []}, "data": url}, "backgroundFit": None}


def answers_html(app) -> str:
    """The answers' HTML (one element for every active model)."""
    return "".join(element.proto.body for element in app.get("html") if "class='answer'" in element.proto.body)


def predictions(app) -> list[str]:
    """The big answers the page shows, one per active model."""
    return [
        digit
        for element in app.get("html")
        for digit in re.findall(r"<div class='prediction'[^>]*>(.+?)</div>", element.proto.body)
    ]


def canvas_size(app) -> tuple[int, int]:
    """The canvas's width and height, as the page asked the component for them."""
    canvas = next(element for element in app.get("bidi_component") if "draw.canvas" in element.proto.id)
    data = json.loads(canvas.proto.json)
    return data["canvasWidth"], data["canvasHeight"]


def label_pills(app):
    """The "Keep it for the class: which digit did you draw?" pills."""
    return next(group for group in app.get("button_group") if group.label.startswith("Keep it for the class"))


def draw(app, gray: np.ndarray, side: int = CANVAS_SIDE) -> None:
    app.session_state[keys.draw_canvas(app.session_state[keys.CANVAS_ROUND])] = canvas_state(gray, side)
    app.run()


@pytest.mark.parametrize("index", EASY_TEST_DIGITS)
def test_a_drawn_test_digit_is_read_correctly(open_app, pretrained_root, mnist, index):
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[index])

    assert not app.exception
    assert predictions(app) == [str(mnist.y_test[index])]
    sure = re.findall(r">([\d.]+)% sure<", answers_html(app))
    assert len(sure) == 1
    assert float(sure[0]) > 60
    # A screen reader is told the answer too.
    assert re.search(
        rf"role='status' aria-live='polite'[^>]*>test-sklearn says {mnist.y_test[index]}, [\d.]+% sure",
        answers_html(app),
    )
    assert [e.label for e in app.expander] == ["Each step from canvas to model input"]
    assert not any("Draw a digit" in info.value for info in app.info)


def test_two_active_models_answer_side_by_side(open_app, pretrained_root, pretrained_ids, mnist):
    app = open_app(pretrained_root, "draw")
    app.sidebar.multiselect[0].set_value(list(pretrained_ids.values())).run()
    draw(app, mnist.x_test[3])

    assert not app.exception
    assert predictions(app) == ["0", "0"]
    headings = re.findall(r"<strong>([^<]+)</strong> · ([^<]+)</div>", answers_html(app))
    assert headings == [("test-sklearn", "sklearn 784-64-10"), ("test-sklearn-small", "sklearn 784-32-10")]


def test_an_empty_canvas_asks_for_a_drawing(open_app, pretrained_root):
    app = open_app(pretrained_root, "draw")
    draw(app, np.zeros((28, 28), dtype=np.uint8))

    assert not app.exception
    assert predictions(app) == []
    assert [info.value for info in app.info] == ["Draw a digit on the black square to see what the models say."]


def test_clear_starts_a_fresh_canvas(open_app, pretrained_root, mnist):
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[0])
    assert predictions(app) == ["7"]

    next(b for b in app.button if b.label == "Clear").click().run()

    assert not app.exception
    assert app.session_state[keys.CANVAS_ROUND] == 1
    assert predictions(app) == []
    assert any("Draw a digit" in info.value for info in app.info)


def test_random_noise_gets_an_answer_too(open_app, pretrained_root):
    app = open_app(pretrained_root, "draw")
    assert keys.DRAW_NOISE_SEED not in app.session_state

    next(b for b in app.button if b.label == "Show random noise").click().run()

    assert not app.exception
    assert keys.DRAW_NOISE_SEED in app.session_state
    verdicts = [
        m.value for m in app.markdown if re.fullmatch(r"\*\*test-sklearn\*\* says \*\*\d\*\* \(\d+%\)", m.value)
    ]
    assert len(verdicts) == 1
    assert app.image  # the noise itself, next to what the model says


def picture_captions(app) -> list[str]:
    """The captions under the page's pictures (sent as HTML figures)."""
    return [
        caption
        for element in app.get("html")
        for caption in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", element.proto.body)
    ]


def test_the_steps_are_made_only_while_they_are_open(open_app, pretrained_root, mnist):
    """Closed, the steps send no pictures with a stroke; opened, all five come with their captions."""
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[EASY_TEST_DIGITS[0]])
    assert not app.exception
    assert picture_captions(app) == []
    app.session_state[keys.DRAW_STEPS] = True
    app.run()
    assert picture_captions(app)[0] == "the canvas, as ink" and len(picture_captions(app)) == 5


def test_the_pen_step_says_whether_it_redrew_the_strokes(open_app, pretrained_root):
    """The pen-width step shows the strokes' width: a blob is redrawn at MNIST's width, strokes like MNIST's
    are left as drawn; switched off, the model input keeps the drawn width."""
    from mnist_core.images import MNIST_STROKE_WIDTH, render_digit

    app = open_app(pretrained_root, "draw")
    app.session_state[keys.DRAW_STEPS] = True  # "Each step from canvas to model input" is open
    draw(app, render_digit(8, height=70, pen=30, style="two loops"))
    assert not app.exception
    assert any(f"redrawn at MNIST&#x27;s {MNIST_STROKE_WIDTH}" in caption for caption in picture_captions(app))
    evened = app.session_state[keys.LAST_DRAWING].copy()

    app.toggle(key=keys.DRAW_STROKE).set_value(False).run()
    assert not app.exception
    assert "strokes as drawn" in picture_captions(app)
    assert np.abs(app.session_state[keys.LAST_DRAWING] - evened).mean() > 0.02

    app.toggle(key=keys.DRAW_STROKE).set_value(True).run()
    draw(app, render_digit(3, height=150, pen=20))
    assert any(caption.endswith("left as drawn") for caption in picture_captions(app)), picture_captions(app)


@pytest.mark.parametrize(
    ("screen", "side"),
    [
        (None, CANVAS_SIDE),  # not measured yet (and AppTest, which has no browser)
        (Screen(width=560, screen=1400), CANVAS_SIDE),  # a laptop: the classic canvas beside the model input
        (Screen(width=358, screen=390), 358),  # a phone: the whole width of the page
        (Screen(width=200, screen=232), 240),
        (Screen(width=600, screen=632), 480),
    ],
)
def test_the_canvas_takes_a_phones_width(screen, side):
    assert layout.canvas_side_for(screen) == side


def test_a_drawing_on_a_phones_wider_canvas_gives_the_models_the_same_input(open_app, pretrained_root, mnist):
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[0])
    assert canvas_size(app) == (CANVAS_SIDE, CANVAS_SIDE)
    classic = app.session_state[keys.LAST_DRAWING].copy()

    app.session_state[layout.CANVAS_SIDE_STATE] = 358  # what a 390-px phone measured
    next(b for b in app.button if b.label == "Clear").click().run()
    assert canvas_size(app) == (358, 358)
    draw(app, mnist.x_test[0], side=358)

    assert not app.exception
    assert predictions(app) == ["7"]
    assert np.abs(app.session_state[keys.LAST_DRAWING] - classic).mean() < 0.02


def test_the_pen_width_is_kept_while_a_picture_is_read(open_app, pretrained_root):
    """Switching to Upload a picture and back to Draw keeps the pen the student chose."""
    app = open_app(pretrained_root, "draw")
    app.slider(key=keys.DRAW_PEN).set_value(34).run()
    app.get("button_group")[0].set_value("Upload a picture").run()
    assert not app.exception
    assert not [s for s in app.slider if s.key == keys.DRAW_PEN]
    app.get("button_group")[0].set_value("Draw").run()
    assert app.slider(key=keys.DRAW_PEN).value == 34


def shown_test_digit(app) -> int:
    """The index of the test digit the page says it is reading."""
    (caption,) = [c.value for c in app.caption if c.value.startswith("MNIST test digit no. ")]
    return int(caption.removeprefix("MNIST test digit no. ").replace(",", ""))


def test_without_drawing_a_test_digit_picked_by_keyboard_is_read_as_a_drawing(open_app, pretrained_root, mnist):
    """Picking "A test digit", then 7: the models read one of MNIST's test 7s; Another one steps to the next."""
    app = open_app(pretrained_root, "draw")
    app.get("button_group")[0].set_value("A test digit").run()
    assert not app.exception and not predictions(app)
    assert not any(g.label.startswith("Keep it for the class") for g in app.get("button_group"))  # not the class's

    next(group for group in app.get("button_group") if group.label == "Which test digit").set_value(7).run()
    assert not app.exception
    first = shown_test_digit(app)
    assert mnist.y_test[first] == 7 and predictions(app) == ["7"]
    next(b for b in app.button if b.label == "Another one").click().run()
    second = shown_test_digit(app)
    assert second != first and mnist.y_test[second] == 7 and len(predictions(app)) == 1
