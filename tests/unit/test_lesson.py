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
    LESSON_STARTS,
    Challenge,
    ClassDrawings,
    Lesson,
    LessonBoard,
    build_lesson,
    class_address,
    password_matches,
    qr_png,
    score_models,
    teacher_password,
)
from mnist_core.errors import BadInputError
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
    LessonBoard(ClassDrawings(tmp_path / "class.db")).push(lesson)
    board = LessonBoard(ClassDrawings(tmp_path / "class.db"))
    assert board.current() == lesson
    board.end()
    assert board.current() == Lesson()


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
    assert Challenge(kind="class").title == "Best on the class's drawings"


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
