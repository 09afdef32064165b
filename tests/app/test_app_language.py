"""The studio in the class's language: the address, the sidebar's menu and the lesson choose it."""

from __future__ import annotations

import re

from mnist_core.classroom import TEACHER, ClassDrawings, Lesson, LessonBoard
from studio import keys
from tests.app.test_app_draw import answers_html, draw


def test_the_address_opens_draw_in_german_and_the_answer_is_written_the_german_way(open_app, pretrained_root, mnist):
    app = open_app(pretrained_root, "draw")
    app.query_params["lang"] = "de"
    app.run()
    assert not app.exception
    assert [title.value for title in app.title] == ["Zeichne eine Ziffer"]
    assert app.sidebar.multiselect[0].label == "Aktive Modelle"
    assert app.selectbox(key=keys.LANGUAGE_PICK).value == "de"

    draw(app, mnist.x_test[0])  # a 7
    assert re.search(r"test-sklearn sagt 7, \d+,\d\xa0% sicher\.", answers_html(app))


def test_the_sidebar_menu_switches_the_language_and_keeps_it_in_the_address(open_app, pretrained_root):
    app = open_app(pretrained_root, "draw")
    assert [title.value for title in app.title] == ["Draw a digit"]
    app.selectbox(key=keys.LANGUAGE_PICK).select("es").run()
    assert not app.exception
    assert [title.value for title in app.title] == ["Dibuja un dígito"]
    assert app.query_params["lang"] == "es"


def test_the_lessons_language_is_the_class_default_and_a_student_may_pick_another(open_app, pretrained_root, class_db):
    LessonBoard(ClassDrawings(class_db)).push(Lesson(language="es"), by=TEACHER)
    app = open_app(pretrained_root, "draw")
    assert [title.value for title in app.title] == ["Dibuja un dígito"]
    app.selectbox(key=keys.LANGUAGE_PICK).select("de").run()
    assert [title.value for title in app.title] == ["Zeichne eine Ziffer"]


def test_a_german_link_to_train_reads_in_german_and_its_language_is_not_a_setting(open_app, pretrained_root):
    """``?lang=de&epochs=5000&batch_size=64``: the bad value is named in German; ``lang`` is no setting to refuse."""
    app = open_app(pretrained_root)
    app.query_params.update({"lang": "de", "epochs": "5000", "batch_size": "64"})
    app.switch_page("pages/train.py").run()
    assert not app.exception
    warnings = [warning.value for warning in app.warning]
    assert warnings == [
        "Dieser Link: epochs='5000' ließ sich nicht verwenden: Epochen muss zwischen 1 und 200 liegen, nicht 5000."
    ]
    assert app.session_state[keys.TRAIN_BATCH_SIZE] == 64
