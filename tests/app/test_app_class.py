"""Class drawings in the app: kept from Draw with a label, then gathered, scored and browsed on Class."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mnist_core.classroom import ClassDrawings
from mnist_core.images import paper_digits, paper_numbers, render_digit
from studio import keys
from tests.app.test_app_draw import draw, label_pills, predictions


def keep(app, digit: int) -> None:
    """Say which digit the drawing is and press Keep it for the class."""
    label_pills(app).set_value(digit).run()
    next(b for b in app.button if b.label == "Keep it for the class").click().run()


def test_a_drawing_is_kept_with_its_label_and_the_answers(open_app, pretrained_root, pretrained_ids, class_db, mnist):
    app = open_app(pretrained_root, "draw")
    keep_button = lambda: next(b for b in app.button if b.label == "Keep it for the class")  # noqa: E731
    keep(app, 7)  # nothing drawn yet: nothing is kept, and the page says what to do
    assert [w.value for w in app.warning] == ["Draw a digit on the canvas first, then keep it."]
    assert ClassDrawings(class_db).labels().tolist() == []
    label_pills(app).set_value(None).run()
    draw(app, mnist.x_test[0])
    assert predictions(app) == ["7"]
    assert keep_button().disabled  # the digit is not chosen yet

    keep(app, 7)
    assert not app.exception
    assert [s.value for s in app.success] == ["Kept as a 7: the class has 1 drawings now."]
    drawings = ClassDrawings(class_db)
    assert drawings.labels().tolist() == [7]
    model_id = app.session_state[keys.ACTIVE_MODELS][0]
    assert drawings.answers() == [{model_id: 7}]
    np.testing.assert_allclose(drawings.images()[0] / 255, app.session_state[keys.LAST_DRAWING], atol=1 / 255)


def test_a_damaged_class_database_does_not_break_draw(open_app, pretrained_root, class_db, mnist):
    class_db.write_bytes(b"this is not a database" * 50)
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[0])
    keep(app, 7)
    assert not app.exception
    assert predictions(app) == ["7"]  # Draw still answers
    assert any("class drawings database" in e.value and "move it away" in e.value for e in app.error)


def test_class_page_without_drawings_says_how_to_keep_them(open_app, pretrained_root):
    app = open_app(pretrained_root, "classroom")
    assert not app.exception
    assert any("Keep it for the class" in info.value for info in app.info)


def test_class_page_scores_every_model_and_browses_the_drawings(open_app, pretrained_root, pretrained_ids, class_db):
    drawings = ClassDrawings(class_db)
    for index, digit in enumerate([7, 1, 0, 3, 7, 4]):
        drawings.add(render_digit(digit, height=150 + 10 * index, pen=18), digit, f"student-{index % 3}")
    app = open_app(pretrained_root, "classroom")

    assert not app.exception
    assert [m.label for m in app.metric] == ["Drawings kept", "Students (sessions)"]
    assert [m.value for m in app.metric] == ["6", "3"]
    table = app.dataframe[0].value
    assert sorted(table["id"]) == sorted(pretrained_ids.values())
    assert set(table.columns) >= {"model", "MNIST test", "class drawings", "gap"}
    assert (table["class drawings"] >= 0).all() and (table["class drawings"] <= 1).all()
    assert list(table["class drawings"]) == sorted(table["class drawings"], reverse=True)

    app.selectbox(key=keys.CLASS_DIGIT).set_value(7).run()
    assert not app.exception
    assert any(c.value.startswith("2 of 2 shown") for c in app.caption)


def _jpeg(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def test_a_photographed_digit_is_kept_for_the_class_as_a_drawing_is(open_app, pretrained_root, class_db, mnist):
    """Upload a picture of a 7 on paper: the page reads it, and Keep keeps what the models saw; a number is not kept."""
    app = open_app(pretrained_root, "draw")
    app.get("button_group")[0].set_value("Upload a picture").run()
    photo = paper_digits(mnist.x_test[:1], mnist.y_test[:1], seed=3, photo=True).images[0]
    app.file_uploader[0].set_value(("seven.jpg", _jpeg(photo), "image/jpeg")).run()
    assert not app.exception
    assert predictions(app) == ["7"]
    keep(app, 7)
    assert [s.value for s in app.success] == ["Kept as a 7: the class has 1 drawings now."]
    np.testing.assert_allclose(
        ClassDrawings(class_db).images()[0] / 255, app.session_state[keys.LAST_DRAWING], atol=1 / 255
    )

    number = paper_numbers(mnist.x_test, mnist.y_test, 1, seed=21, touching_share=0.0).images[0]
    app.file_uploader[0].set_value(("number.jpg", _jpeg(number), "image/jpeg")).run()
    assert any("reads a number" in element.proto.body for element in app.get("html"))
    keep(app, 0)
    assert [w.value for w in app.warning] == ["This reads as a number: keep one digit at a time."]
    assert ClassDrawings(class_db).count() == 1
