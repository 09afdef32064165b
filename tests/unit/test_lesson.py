"""The teacher's side: the password, the class address and QR code, the lesson board and challenges."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from mnist_core import TrainedModel, data
from mnist_core.classroom import (
    DEFAULT_BUDGET_SECONDS,
    LESSON_STARTS,
    TEACHER,
    TEACHER_IDLE_SECONDS,
    Actor,
    Challenge,
    ClassDrawings,
    Lesson,
    LessonBoard,
    PasswordGate,
    build_lesson,
    class_address,
    password_matches,
    qr_png,
    score_models,
    still_unlocked,
    teacher_password,
)
from mnist_core.errors import BadInputError, LimitError, NotAllowedError
from mnist_core.images import render_digit
from mnist_core.network import Evaluation
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore


def test_the_password_comes_from_the_environment_then_the_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGIT_STUDIO_TEACHER_PASSWORD", raising=False)
    assert teacher_password() is None and teacher_password({}) is None
    assert teacher_password({"teacher_password": "from-secrets"}) == "from-secrets"
    monkeypatch.setenv("DIGIT_STUDIO_TEACHER_PASSWORD", "from-env")
    assert teacher_password({"teacher_password": "from-secrets"}) == "from-env"
    assert password_matches("from-env", "from-env") and not password_matches("from-env ", "from-env")


def test_the_class_address_and_its_qr_code() -> None:
    """An http address with the port; the QR code is a square PNG big enough to read from the back row."""
    address = class_address(8501)
    assert re.fullmatch(r"http://[^/:]+:8501", address)
    picture = Image.open(io.BytesIO(qr_png(address)))
    assert picture.format == "PNG" and picture.width == picture.height >= 150


def test_the_lesson_board_keeps_one_lesson_for_every_session(tmp_path: Path) -> None:
    """A pushed lesson reads back whole from another board on the same file; ending it leaves none."""
    lesson = Lesson(
        spec=PRESETS["keras-seed"],
        locked=("epochs",),
        pages=("Train", "Draw"),
        challenge=Challenge(kind="budget", min_accuracy=0.95, max_parameters=20_000, started=123.0),
    )
    LessonBoard(ClassDrawings(tmp_path / "class.db")).push(lesson, by=TEACHER)
    board = LessonBoard(ClassDrawings(tmp_path / "class.db"))
    assert board.current() == lesson
    student = Actor("student", "student:abc", "Ana")
    with pytest.raises(NotAllowedError, match="Only the teacher can change the lesson"):
        board.push(Lesson(), by=student)
    with pytest.raises(NotAllowedError, match="Only the teacher can end the lesson"):
        board.end(by=student)
    assert board.current() == lesson
    board.end(by=TEACHER)
    assert board.current() == Lesson()


def test_a_lesson_refuses_a_spec_that_changes_what_it_fixes_or_trains_too_long() -> None:
    """The locked fields keep the lesson's values whatever was asked; the budget names the estimate and itself."""
    lesson = Lesson(spec=PRESETS["keras-seed"], locked=("epochs", "learning_rate", "hidden_layers"), budget_seconds=60)
    asked = PRESETS["keras-seed"].replace(epochs=40, learning_rate=0.5, hidden_layers=(1024, 1024, 1024), seed=7)
    with pytest.raises(NotAllowedError, match=r"fixed these settings.*epochs stays 5.*hidden layers stays 128-64"):
        lesson.check(asked, train_seconds=10)
    kept, changed = lesson.with_locks(asked)
    assert changed == ("epochs", "learning_rate", "hidden_layers")
    assert kept == PRESETS["keras-seed"].replace(seed=7)  # what was free stays as asked
    lesson.check(kept, train_seconds=59)
    with pytest.raises(LimitError, match=r"about 2\.0 min, and this lesson allows 60 s a job"):
        lesson.check(kept, train_seconds=120)
    free = Lesson(locked=("epochs",))  # no spec: the locks keep the default start's values
    assert free.with_locks(PRESETS["quick"].replace(epochs=9))[0].epochs == PRESETS["quick"].epochs


def test_a_budget_survives_the_board_and_an_old_lesson_gets_the_default(tmp_path: Path) -> None:
    """budget_seconds is kept with the lesson; a lesson written before budgets reads back with the default."""
    assert Lesson.from_json('{"spec": null, "locked": [], "pages": [], "challenge": null}').budget_seconds == (
        DEFAULT_BUDGET_SECONDS
    )
    board = LessonBoard(ClassDrawings(tmp_path / "class.db"))
    board.push(build_lesson("free", budget_seconds=45), by=TEACHER)
    assert board.current().budget_seconds == 45
    with pytest.raises(BadInputError, match="at least 10 s"):
        build_lesson("free", budget_seconds=3)


def test_wrong_passwords_are_slowed_down_for_that_browser_only() -> None:
    """Five wrong tries a minute, then even the right one waits; another browser is not held up."""
    gate = PasswordGate(tries_per_minute=5)
    assert not any(gate.unlock("tab-a", f"guess-{n}", "secret", now=100.0 + n) for n in range(5))
    with pytest.raises(LimitError, match="Too many wrong passwords: wait 55 s") as refused:
        gate.unlock("tab-a", "secret", "secret", now=105.0)
    assert "secret" not in str(refused.value)
    assert gate.unlock("tab-b", "secret", "secret", now=105.0)
    assert gate.unlock("tab-a", "secret", "secret", now=161.0)  # a minute after the first wrong try


def test_the_teachers_unlock_ends_after_the_idle_time() -> None:
    assert still_unlocked(1000.0, now=1000.0 + TEACHER_IDLE_SECONDS - 1)
    assert not still_unlocked(1000.0, now=1000.0 + TEACHER_IDLE_SECONDS + 1)
    assert not still_unlocked(None)


def test_a_challenge_ranks_the_models_trained_since_it_began(
    tmp_path: Path, sklearn_model: TrainedModel, sklearn_evaluation: Evaluation, mnist: data.Dataset
) -> None:
    """Budget: only models within the parameter budget and above the accuracy; class: all, by class accuracy."""
    before = Challenge(kind="budget", min_accuracy=0.5, max_parameters=10**6, started=time.time() - 60)
    store = ModelStore(tmp_path / "models")
    stored = store.save(sklearn_model, sklearn_evaluation, mnist, name="student-model")
    drawings = ClassDrawings(tmp_path / "class.db")
    drawings.add(render_digit(1, height=200, pen=16), 1, "s")
    networks = {stored.id: store.load_network(stored.id)}
    scores = score_models(store.models(), networks, drawings.images("test"), drawings.labels("test"))

    (row,) = before.scoreboard(scores)
    assert row["id"] == stored.id and row["parameters"] == stored.parameters
    assert row["MNIST test"] == stored.metrics["test_accuracy"] and "class drawings" not in row
    assert Challenge(max_parameters=stored.parameters - 1, started=before.started).scoreboard(scores) == []
    assert Challenge(started=time.time() + 60).scoreboard(scores) == []  # trained before it began

    (ranked,) = Challenge(kind="class", started=before.started).scoreboard(scores)
    assert ranked["class drawings"] in (0.0, 1.0)
    assert Challenge(kind="class").title() == "Best on the class's drawings"


def test_a_lesson_is_built_from_the_teachers_choices() -> None:
    """A preset or the teacher's own controls start it; choosing every page shows every page, later ones too."""
    every_page = ("Home", "Train", "Draw")
    preset = build_lesson("keras-seed", locked=["epochs"], pages=["Train", "Draw"], every_page=every_page)
    assert preset == Lesson(spec=PRESETS["keras-seed"], locked=("epochs",), pages=("Train", "Draw"))

    mine = PRESETS["quick"].replace(epochs=2)
    challenge = Challenge(started=1.0)
    lesson = build_lesson("controls", controls=mine, pages=every_page, every_page=every_page, challenge=challenge)
    assert lesson == Lesson(spec=mine, pages=(), challenge=challenge)
    assert build_lesson("free", controls=mine).spec is None
    assert [build_lesson(start, controls=mine).spec for start in LESSON_STARTS] == [None, mine, *PRESETS.values()]


@pytest.mark.parametrize(
    ("start", "changes", "message"),
    [
        ("controls", {}, "Open the Train page first"),
        ("somewhere", {}, "not 'somewhere'"),
        ("free", {"locked": ["epochs", "colour"]}, "colour is not one"),
        ("free", {"pages": ["Train", "Secret"], "every_page": ["Train", "Draw"]}, "there is no page Secret"),
    ],
)
def test_a_lesson_that_cannot_be_built_says_why(start: str, changes: dict, message: str) -> None:
    with pytest.raises(BadInputError) as raised:
        build_lesson(start, **changes)
    assert message in str(raised.value)


def test_a_links_values_for_locked_fields_are_not_used_and_each_is_named() -> None:
    """The link's 40 epochs, rate 0.5 and 3 × 1024 become the lesson's; a free field keeps the link's value."""
    lesson = Lesson(spec=PRESETS["keras-seed"], locked=("epochs", "learning_rate", "hidden_layers", "seed"))
    linked = PRESETS["keras-seed"].replace(epochs=40, learning_rate=0.5, hidden_layers=(1024, 1024, 1024), l2=0.01)

    spec, notes = lesson.over_link(linked, named={"epochs", "learning_rate", "hidden_layers", "l2"})
    assert spec == PRESETS["keras-seed"].replace(l2=0.01)
    assert notes == [
        "This lesson fixes epochs: the link's 40 is not used.",
        "This lesson fixes learning rate: the link's 0.5 is not used.",
        "This lesson fixes hidden layers: the link's 1024-1024-1024 is not used.",
    ]
    assert lesson.over_link(PRESETS["keras-seed"].replace(l2=0.01), named={"l2"}) == (spec, [])


def test_the_scoreboard_names_who_trained_each_model(
    tmp_path: Path, sklearn_model: TrainedModel, sklearn_evaluation: Evaluation, mnist: data.Dataset
) -> None:
    """A model a student trained carries the student's nickname; the others are the class's."""
    from mnist_core.classroom import CLASS_NAME

    store = ModelStore(tmp_path / "models")
    stored = store.save(sklearn_model, sklearn_evaluation, mnist, name="student-model")
    networks = {stored.id: store.load_network(stored.id)}
    drawings = ClassDrawings(tmp_path / "class.db")
    drawings.add(render_digit(1, height=200, pen=16), 1, "s")
    scores = score_models(store.models(), networks, drawings.images("test"), drawings.labels("test"))
    challenge = Challenge(kind="class", started=time.time() - 60)

    assert challenge.scoreboard(scores, {stored.id: "Ana"})[0]["trained by"] == "Ana"
    assert challenge.scoreboard(scores)[0]["trained by"] == CLASS_NAME == "the class"
