"""Teacher mode: the password gate, the address and QR code, a pushed lesson, a challenge, the drawings."""

from __future__ import annotations

import pytest

from mnist_core.classroom import DEFAULT_BUDGET_SECONDS, TEACHER, ClassDrawings, LessonBoard
from mnist_core.images import render_digit
from mnist_core.spec import PRESETS
from studio import keys

PASSWORD = "front-of-the-class"


@pytest.fixture
def teacher_env(monkeypatch):
    monkeypatch.setenv("DIGIT_STUDIO_TEACHER_PASSWORD", PASSWORD)


def unlock(app, password: str = PASSWORD):
    app.text_input[0].input(password)
    next(b for b in app.button if b.label == "Unlock").click().run()


def test_without_a_password_teacher_mode_is_off_and_says_how(open_app, empty_store, monkeypatch):
    monkeypatch.delenv("DIGIT_STUDIO_TEACHER_PASSWORD", raising=False)
    app = open_app(empty_store, "teacher")
    assert not app.exception
    assert any(
        "Teacher mode is off" in info.value and "DIGIT_STUDIO_TEACHER_PASSWORD" in info.value for info in app.info
    )
    assert not app.text_input


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_panel(open_app, empty_store, teacher_env):
    app = open_app(empty_store, "teacher")
    unlock(app, "guess")
    assert not app.exception
    assert [e.value for e in app.error] == ["That is not the teacher password."]
    assert "Students join here" not in [h.value for h in app.header]

    unlock(app)
    assert not app.exception
    assert "Students join here" in [h.value for h in app.header]
    assert any(m.value.startswith("**http://") for m in app.markdown)
    assert app.get("imgs") or app.get("image")  # the QR code


def test_a_pushed_lesson_sets_and_fixes_what_students_see(open_app, empty_store, teacher_env, class_db):
    teacher = open_app(empty_store, "teacher")
    unlock(teacher)
    teacher.selectbox(key=keys.LESSON_START).set_value("keras-seed")
    teacher.multiselect(key=keys.LESSON_LOCKED).set_value(["epochs", "hidden_layers"])
    teacher.multiselect(key=keys.LESSON_PAGES).set_value(["Home", "Train", "Draw"])
    assert teacher.number_input(key=keys.LESSON_BUDGET).value == DEFAULT_BUDGET_SECONDS
    teacher.number_input(key=keys.LESSON_BUDGET).set_value(60)
    teacher.selectbox(key=keys.LESSON_LANGUAGE).set_value("de")
    next(b for b in teacher.button if b.label == "Push to the class").click().run()
    assert not teacher.exception
    assert any(s.value.startswith("Pushed") for s in teacher.success)
    pushed = LessonBoard(ClassDrawings(class_db)).current()
    assert pushed.spec == PRESETS["keras-seed"] and pushed.pages == ("Home", "Train", "Draw")
    assert pushed.budget_seconds == 60 and pushed.language == "de"

    student = open_app(empty_store, "train")
    assert not student.exception
    assert student.radio(key=keys.TRAIN_FRAMEWORK).value == "keras"
    assert student.slider(key=keys.TRAIN_EPOCHS).value == PRESETS["keras-seed"].epochs
    assert student.slider(key=keys.TRAIN_EPOCHS).disabled and student.slider(key=keys.TRAIN_LAYERS).disabled
    assert not student.select_slider(key=keys.TRAIN_BATCH_SIZE).disabled
    assert any("Deine Lehrkraft hat diese Stunde eingerichtet" in info.value for info in student.info)  # in German
    assert student.sidebar.multiselect[0].label == "Aktive Modelle"


def test_a_challenge_and_deleting_the_class_drawings(open_app, pretrained_root, teacher_env, class_db):
    ClassDrawings(class_db).add(render_digit(4, height=150, pen=16), 4, "student")
    app = open_app(pretrained_root, "teacher")
    unlock(app)
    next(b for b in app.button if b.label == "Set the challenge").click().run()
    assert not app.exception
    assert any("≥ 97.0% test accuracy with ≤ 50,000 parameters" in m.value for m in app.markdown)
    # The pretrained test models were made before the challenge began: none counts yet.
    assert any("No model trained since the challenge began" in c.value for c in app.caption)

    delete = next(b for b in app.button if b.label == "Delete all class drawings")
    assert delete.disabled
    app.checkbox(key=keys.CONFIRM_CLEAR).check().run()
    next(b for b in app.button if b.label == "Delete all class drawings").click().run()
    assert not app.exception
    assert ClassDrawings(class_db).count() == 0


def test_a_lesson_that_hides_home_opens_students_on_its_first_page(open_app, empty_store, class_db, teacher_env):
    """A lesson is for students, so for class mode: without a password the one person using the app sees it all."""
    from mnist_core.classroom import Lesson

    LessonBoard(ClassDrawings(class_db)).push(Lesson(pages=("Train", "Draw")), by=TEACHER)
    student = open_app(empty_store)
    assert not student.exception
    assert [title.value for title in student.title] == ["Train a network"]


def test_the_teacher_sees_the_servers_load(open_app, pretrained_root, teacher_env, mnist):
    """Sessions, strokes a second, CPU, memory and the queue: a stroke drawn on Draw shows in the figures."""
    from tests.app.test_app_draw import draw

    drawer = open_app(pretrained_root, "draw")
    draw(drawer, mnist.x_test[0])
    app = open_app(pretrained_root, "teacher")
    unlock(app)
    assert not app.exception
    assert "How the server is doing" in [h.value for h in app.header]
    figures = {metric.label: metric.value for metric in app.metric}
    assert int(figures["Sessions"]) >= 2  # the drawer and the teacher
    assert float(figures["Strokes a second"]) > 0
    assert figures["Server CPU"].endswith("%") and figures["Memory"].endswith(" MB")
    assert figures["Queue"] == "0 + 0" and figures["Longest wait"] == "none"


def test_on_one_laptop_the_load_shows_without_teacher_mode(open_app, empty_store, monkeypatch):
    monkeypatch.delenv("DIGIT_STUDIO_TEACHER_PASSWORD", raising=False)
    app = open_app(empty_store, "teacher")
    assert not app.exception
    assert {"Sessions", "Server CPU", "Memory", "Queue"} <= {metric.label for metric in app.metric}
