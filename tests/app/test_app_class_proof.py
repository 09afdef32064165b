"""A class that cannot be broken, in the app: students with names, a teacher who decides, limits the server keeps.

Every test runs in class mode (a teacher password is set): a browser is a visitor until it gives a
nickname, a student after, and the teacher once the password is given.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_core import data
from mnist_core.classroom import TEACHER, TEACHER_IDLE_SECONDS, Challenge, ClassDrawings, Lesson, LessonBoard, Roster
from mnist_core.engine import JobTable, LocalEngine, TrainingQueue, database_path, train_with
from mnist_core.images import render_digit
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore
from studio import keys
from tests.app.conftest import APP, PAGES
from tests.app.test_app_draw import draw, label_pills
from tests.pretrained import small_spec

PASSWORD = "front-of-the-class"
TINY = ModelSpec(hidden_layers=(16,), epochs=1, train_size=1000, batch_size=64, validation_fraction=0.0, seed=0)
#: The link of the issue: a 3 × 1024 network for 40 epochs at a learning rate of 0.5.
GREEDY_LINK = {"epochs": "40", "learning_rate": "0.5", "hidden_layers": "1024,1024,1024"}


@pytest.fixture(autouse=True)
def class_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGIT_STUDIO_TEACHER_PASSWORD", PASSWORD)


def open_as(token: str | None, page: str = "home", **params: str) -> AppTest:
    """A new browser session (a reload, a new tab) on ``page`` whose address holds ``token`` and ``params``.

    The store and class database are those of the test's last ``open_app`` (its environment).
    """
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update({**params, **({"student": token} if token else {})})
    if page != "home":
        app.switch_page(PAGES[page])
    app.run()
    return app


def button(app: AppTest, label: str):
    (found,) = [candidate for candidate in app.button if candidate.label == label]
    return found


def join(app: AppTest, nickname: str) -> None:
    app.text_input(key=keys.JOIN_NICKNAME).input(nickname)
    button(app, "Join").click().run()


def password_box(app: AppTest):
    (box,) = [box for box in app.text_input if box.label == "Teacher password"]
    return box


def unlock(app: AppTest, password: str = PASSWORD) -> None:
    password_box(app).input(password)
    button(app, "Unlock").click().run()


def errors_as_read(app: AppTest) -> list[str]:
    """The errors shown, as a reader sees them (markdown escapes removed)."""
    return [error.value.replace("\\", "") for error in app.error]


def who(app: AppTest) -> str:
    (badge,) = [caption.value for caption in app.sidebar.caption if ":material/badge:" in caption.value]
    return badge


def trained_by_student(store_root: Path, mnist: data.Dataset, session: str) -> str:
    """A tiny model trained through the queue for ``session`` into the store; returns its id."""
    small = mnist.subset(1000, seed=0)
    store = ModelStore(store_root)
    engine = LocalEngine(small)
    try:
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=small.fingerprint)
        model, _ = train_with(queue, TINY, session=session)
    finally:
        engine.close()
    return model.id


# -- students with names ---------------------------------------------------------------


def test_a_nickname_is_kept_in_the_address_and_a_reload_finds_the_same_student(open_app, empty_store, class_db):
    """A visitor may look but not train; after Join the sidebar names them, escaped, and a reload still does."""
    app = open_app(empty_store, "train")
    assert who(app) == ":material/badge: No nickname yet: join the class at the top of the page."
    assert button(app, "Train").disabled

    join(app, "Zoë_K.")
    assert not app.exception
    assert who(app) == r":material/badge: You are **Zoë\_K\.**"  # a nickname is never markdown
    assert not button(app, "Train").disabled
    (student,) = Roster(class_db).students()
    assert student.nickname == "Zoë_K." and app.query_params["student"] == student.token

    reloaded = open_as(student.token, "train")
    assert not reloaded.exception
    assert who(reloaded) == r":material/badge: You are **Zoë\_K\.**"
    assert not reloaded.get("form")  # no nickname is asked again
    assert len(Roster(class_db).students()) == 1


@pytest.mark.parametrize(
    ("nickname", "sentence"),
    [
        ("ana", "Someone in this class is already called ana: choose another nickname."),
        ("A", "A nickname has 2 to 20 characters; 'A' has 1."),
        ("**bold**", "A nickname starts with a letter or a digit and holds only letters, digits, spaces and - _ . '"),
    ],
)
def test_a_taken_or_impossible_nickname_is_refused_with_a_sentence(open_app, empty_store, class_db, nickname, sentence):
    Roster(class_db).join("Ana")
    app = open_app(empty_store)
    join(app, nickname)
    assert not app.exception
    assert errors_as_read(app) == [sentence]
    assert who(app).startswith(":material/badge: No nickname yet")
    assert [student.nickname for student in Roster(class_db).students()] == ["Ana"]


def test_a_visitor_draws_but_keeps_drawings_only_with_a_nickname(open_app, pretrained_root, class_db, mnist):
    """The drawing a student keeps carries the student's session, so the teacher's roster counts it."""
    app = open_app(pretrained_root, "draw")
    draw(app, mnist.x_test[0])
    label_pills(app).set_value(7).run()
    button(app, "Keep it for the class").click().run()
    assert not app.exception
    assert "Give yourself a nickname first" in errors_as_read(app)[0]
    assert ClassDrawings(class_db).count() == 0

    ana = Roster(class_db).join("Ana")
    app = open_as(ana.token, "draw")
    draw(app, mnist.x_test[0])
    label_pills(app).set_value(7).run()
    button(app, "Keep it for the class").click().run()
    assert [s.value for s in app.success] == ["Kept as a 7: the class has 1 drawings now."]
    assert ClassDrawings(class_db).counts_by_session() == {ana.actor.session: 1}


def test_the_teacher_renames_a_student_and_ends_their_session(open_app, empty_store, class_db):
    ana = Roster(class_db).join("Ana")
    teacher = open_app(empty_store, "teacher")
    unlock(teacher)
    roster_table = teacher.dataframe[0].value
    assert list(roster_table["nickname"]) == ["Ana"] and list(roster_table["session"]) == ["on"]

    teacher.text_input(key=keys.ROSTER_NICKNAME).input("Anna")
    button(teacher, "Rename").click().run()
    assert not teacher.exception
    assert Roster(class_db).student(ana.token).nickname == "Anna"
    button(teacher, "End session").click().run()
    assert Roster(class_db).student(ana.token) is None

    again = open_as(ana.token)
    assert any("no longer in the class" in info.value for info in again.info)
    assert who(again).startswith(":material/badge: No nickname yet")


# -- the teacher decides -----------------------------------------------------------------


@pytest.mark.slow  # trains on the engine
def test_a_student_cannot_delete_a_preset_but_deletes_their_own_model(
    open_app, scratch_store, pretrained_ids, class_db, mnist
):
    ana = Roster(class_db).join("Ana")
    own = trained_by_student(scratch_store, mnist, ana.actor.session)
    open_app(scratch_store)
    app = open_as(ana.token, "models")

    shared = pretrained_ids["test-sklearn"]
    next(s for s in app.selectbox if s.label == "Inspect").set_value(shared).run()
    app.button(key=keys.MODELS_CONFIRM_DELETE).click().run()
    assert not app.exception
    assert errors_as_read(app) == [
        "Only the teacher can delete this model: the class shares it. You may delete the models you trained."
    ]
    assert shared in ModelStore(scratch_store)

    next(s for s in app.selectbox if s.label == "Inspect").set_value(own).run()
    app.button(key=keys.MODELS_CONFIRM_DELETE).click().run()
    assert not app.exception
    assert own not in ModelStore(scratch_store)
    assert shared in ModelStore(scratch_store)


def test_the_teacher_relabels_and_removes_one_class_drawing(open_app, pretrained_root, class_db):
    drawings = ClassDrawings(class_db)
    first, second = (drawings.add(render_digit(digit, height=160, pen=16), digit, "guest:x") for digit in (3, 7))
    open_app(pretrained_root)
    student = open_as(Roster(class_db).join("Ana").token, "classroom")
    assert not student.exception
    assert not [b for b in student.button if b.label in ("Relabel it", "Remove it")]  # a student moderates nothing

    app = open_app(pretrained_root, "teacher")
    unlock(app)
    app.switch_page(PAGES["classroom"]).run()
    app.selectbox(key=keys.CLASS_MODERATED).set_value(first).run()
    app.selectbox(key=keys.class_relabel(first)).set_value(8).run()
    button(app, "Relabel it").click().run()
    assert not app.exception
    assert drawings.labels().tolist() == [8, 7]

    app.selectbox(key=keys.CLASS_MODERATED).set_value(second).run()
    button(app, "Remove it").click().run()
    assert not app.exception
    assert drawings.ids().tolist() == [first]


@pytest.mark.slow  # trains on the engine
def test_the_scoreboard_names_the_student_who_trained_the_model(open_app, scratch_store, class_db, mnist):
    drawings = ClassDrawings(class_db)
    for digit in (1, 7):
        drawings.add(render_digit(digit, height=160, pen=16), digit, "guest:x")
    LessonBoard(drawings).push(Lesson(challenge=Challenge(kind="class", started=time.time() - 1)), by=TEACHER)
    ana = Roster(class_db).join("Ana")
    own = trained_by_student(scratch_store, mnist, ana.actor.session)

    app = open_app(scratch_store, "teacher")
    unlock(app)
    assert not app.exception
    (board,) = [frame.value for frame in app.dataframe if "trained by" in frame.value.columns]
    assert list(board["id"]) == [own]  # the pretrained models are older than the challenge
    assert list(board["trained by"]) == ["Ana"]


def test_a_student_cannot_start_a_sweep_past_their_one_job(open_app, empty_store, class_db):
    """A sweep trains many models at once: in a class it is the teacher's, refused where it starts."""
    from mnist_core.experiments import SweepTable

    ana = Roster(class_db).join("Ana")
    open_app(empty_store)
    app = open_as(ana.token, "experiments")
    button(app, "Start the sweep").click().run()
    assert not app.exception
    assert errors_as_read(app) == ["Only the teacher can start a sweep: it trains many models on the class's workers."]
    assert SweepTable(database_path(ModelStore(empty_store))).recent() == []
    assert JobTable(database_path(ModelStore(empty_store))).jobs() == []


def test_home_leaves_the_presets_to_the_teacher(open_app, empty_store):
    app = open_app(empty_store)
    assert not [b for b in app.button if b.label == "Train the missing presets"]
    assert any("the teacher prepares them" in caption.value for caption in app.caption)


# -- the teacher's password --------------------------------------------------------------


def test_wrong_passwords_are_slowed_down_and_the_password_shows_nowhere(open_app, empty_store):
    app = open_app(empty_store, "teacher")
    for attempt in range(5):
        unlock(app, f"guess-{attempt}")
        assert errors_as_read(app) == ["That is not the teacher password."]
    unlock(app)  # even the right one waits now
    assert not app.exception
    (refusal,) = errors_as_read(app)
    assert re.fullmatch(r"Too many wrong passwords: wait \d+ s before the next try\.", refusal)
    assert "Students join here" not in [h.value for h in app.header]
    shown = [element.value for kind in ("error", "info", "markdown", "caption") for element in app.get(kind)]
    assert not [text for text in shown if PASSWORD in str(text) or "guess-" in str(text)]
    assert not [value for value in app.query_params.values() if PASSWORD in str(value)]


def test_the_teachers_unlock_ends_when_idle_and_says_so(open_app, empty_store):
    app = open_app(empty_store, "teacher")
    unlock(app)
    assert "Students join here" in [h.value for h in app.header]
    app.session_state[keys.TEACHER] = time.time() - TEACHER_IDLE_SECONDS - 1  # half an hour without a click
    app.run()
    assert not app.exception
    assert any("The teacher's unlock ended: 30 minutes passed" in info.value for info in app.info)
    assert "Students join here" not in [h.value for h in app.header]
    assert password_box(app)


# -- limits the server keeps -------------------------------------------------------------


@pytest.mark.slow  # trains on the engine
def test_a_link_under_a_lesson_that_locks_its_fields_trains_the_lessons_values(open_app, scratch_store, class_db):
    """The issue's link: its locked values are named as not used, the controls and the job keep the lesson's."""
    lesson_spec = small_spec(64)  # in the store already: the job is answered at once, nothing trains
    locked = ("epochs", "learning_rate", "hidden_layers")
    LessonBoard(ClassDrawings(class_db)).push(Lesson(spec=lesson_spec, locked=locked), by=TEACHER)
    ana = Roster(class_db).join("Ana")
    open_app(scratch_store)
    app = open_as(ana.token, "train", **GREEDY_LINK)

    assert not app.exception
    assert [info.value for info in app.info if info.value.startswith("This lesson fixes")] == [
        "This lesson fixes epochs: the link's 40 is not used.",
        "This lesson fixes learning rate: the link's 0.5 is not used.",
        "This lesson fixes hidden layers: the link's 1024-1024-1024 is not used.",
    ]
    assert app.slider(key=keys.TRAIN_EPOCHS).value == 3 and app.slider(key=keys.TRAIN_EPOCHS).disabled
    assert app.slider(key=keys.TRAIN_LAYERS).value == 1
    assert app.number_input(key=keys.train_units(0)).value == 64
    assert app.select_slider(key=keys.TRAIN_LEARNING_RATE).value == 2e-3

    button(app, "Train").click().run()
    assert not app.exception
    (job,) = [
        job for job in JobTable(database_path(ModelStore(scratch_store))).jobs() if ana.actor.session in job.sessions
    ]
    assert job.sessions == (ana.actor.session,)
    assert job.spec == lesson_spec
    assert not app.warning


def test_a_spec_over_the_lessons_budget_is_refused_with_the_estimate_and_the_budget(open_app, empty_store, class_db):
    LessonBoard(ClassDrawings(class_db)).push(Lesson(budget_seconds=10), by=TEACHER)
    ana = Roster(class_db).join("Ana")
    open_app(empty_store)
    app = open_as(ana.token, "train", **GREEDY_LINK)
    assert app.slider(key=keys.TRAIN_EPOCHS).value == 40  # nothing is locked: the link fills the controls

    button(app, "Train").click().run()
    assert not app.exception
    (refusal,) = [warning.value for warning in app.warning]
    assert re.match(r"This network would train for about [\d.]+ (s|min), and this lesson allows 10 s a job", refusal)
    assert JobTable(database_path(ModelStore(empty_store))).jobs() == []


def test_a_hidden_page_opened_by_address_shows_the_lessons_first_page(open_app, empty_store, class_db):
    LessonBoard(ClassDrawings(class_db)).push(Lesson(pages=("Train", "Draw")), by=TEACHER)
    open_app(empty_store)
    app = open_as(None, "models")
    assert not app.exception
    assert [title.value for title in app.title] == ["Train a network"]
