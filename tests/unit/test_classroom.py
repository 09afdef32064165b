"""Class drawings in SQLite: keeping, reading, exporting, scoring, damage, and a class writing at once."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from mnist_core import TrainedModel, data
from mnist_core.classroom import ClassDrawings, class_set, class_set_path, default_path
from mnist_core.classroom.roles import TEACHER, Actor
from mnist_core.cli import main
from mnist_core.errors import (
    DatabaseError,
    DatasetUnavailableError,
    EmptyImageError,
    InvalidImageError,
    InvalidSpecError,
    LimitError,
    NotAllowedError,
)
from mnist_core.images import canvas_to_mnist, render_digit
from mnist_core.network import Evaluation
from mnist_core.store import ModelStore

from .conftest import FORKS, fork_python

DRAWN = [(7, 160, 20), (1, 200, 14), (0, 120, 24)]  # digit, height, pen
WRITERS = 30
EACH = 4


@pytest.fixture
def kept(tmp_path: Path) -> tuple[ClassDrawings, list[np.ndarray]]:
    """Three drawings kept by two sessions."""
    drawings = ClassDrawings(tmp_path / "class.db")
    canvases = [render_digit(digit, height=height, pen=pen) for digit, height, pen in DRAWN]
    for index, ((digit, _, _), canvas) in enumerate(zip(DRAWN, canvases, strict=True)):
        drawings.add(canvas, digit, f"session-{index % 2}", answers={"model-a": digit})
    return drawings, canvases


def test_kept_drawings_read_back_as_drawn(kept: tuple[ClassDrawings, list[np.ndarray]]) -> None:
    """Labels, model inputs (as MNIST-like uint8), canvases, answers and counts come back as kept."""
    drawings, canvases = kept
    assert drawings.count() == 3 and drawings.sessions() == 2
    assert drawings.labels().tolist() == [7, 1, 0] and drawings.labels().dtype == np.uint8
    assert drawings.counts() == {digit: int(digit in (7, 1, 0)) for digit in range(10)}
    images = drawings.images()
    assert images.shape == (3, 28, 28) and images.dtype == np.uint8
    expected = np.round(np.stack([canvas_to_mnist(canvas) for canvas in canvases]) * 255)
    np.testing.assert_array_equal(images, expected)
    first = drawings.ids()[0]
    np.testing.assert_array_equal(drawings.canvas(first)[..., 0], canvases[0])
    assert drawings.answers() == [{"model-a": 7}, {"model-a": 1}, {"model-a": 0}]


def test_a_bad_label_or_an_empty_canvas_keeps_nothing(tmp_path: Path) -> None:
    """A label that is not a digit, or nothing drawn, is refused with a sentence and stores nothing."""
    drawings = ClassDrawings(tmp_path / "class.db")
    canvas = render_digit(3, height=150, pen=20)
    for label in (10, -1, "3", True):
        with pytest.raises(InvalidImageError, match="labelled with a digit 0–9"):
            drawings.add(canvas, label, "s")  # type: ignore[arg-type]
    with pytest.raises(EmptyImageError):
        drawings.add(np.zeros((280, 280), np.uint8), 3, "s")
    assert drawings.count() == 0


def test_only_the_teacher_deletes_relabels_and_clears(kept: tuple[ClassDrawings, list[np.ndarray]]) -> None:
    """A student is refused with a sentence; the teacher's delete removes the chosen ids only, relabel
    fixes one label, and clear removes the rest."""
    drawings, _ = kept
    first, second, third = drawings.ids().tolist()
    student = Actor("student", "student:abc", "Ana")
    for refused in (
        lambda: drawings.delete([first], by=student),
        lambda: drawings.relabel(first, 1, by=student),
        lambda: drawings.clear(by=student),
    ):
        with pytest.raises(NotAllowedError, match="Only the teacher can"):
            refused()
    assert drawings.count() == 3
    assert drawings.delete([first, 999], by=TEACHER) == 1
    assert drawings.ids().tolist() == [second, third]
    drawings.relabel(second, 8, by=TEACHER)
    assert drawings.labels().tolist()[0] == 8
    with pytest.raises(InvalidImageError, match="no class drawing 999"):
        drawings.relabel(999, 8, by=TEACHER)
    assert drawings.clear(by=TEACHER) == 2 and drawings.count() == 0
    assert drawings.images().shape == (0, 28, 28)


def test_a_student_keeps_only_so_many_drawings_a_minute(tmp_path: Path) -> None:
    """Past the limit, a drawing is refused with a sentence; another student may still keep theirs."""
    drawings = ClassDrawings(tmp_path / "class.db", per_minute=3)
    canvas = render_digit(3, height=150, pen=20)
    for _ in range(3):
        drawings.add(canvas, 3, "student:ana")
    with pytest.raises(LimitError, match="kept 3 drawings in the last minute"):
        drawings.add(canvas, 3, "student:ana")
    drawings.add(canvas, 3, "student:ben")
    assert drawings.count() == 4


def test_exports_round_trip(kept: tuple[ClassDrawings, list[np.ndarray]], tmp_path: Path) -> None:
    """The .npz holds MNIST-shaped uint8 images and labels; the CSV a label and 784 pixels per row."""
    drawings, _ = kept
    assert drawings.export_npz(tmp_path / "class.npz") == 3
    with np.load(tmp_path / "class.npz") as saved:
        np.testing.assert_array_equal(saved["x_test"], drawings.images())
        np.testing.assert_array_equal(saved["y_test"], drawings.labels())
        assert saved["x_test"].dtype == np.uint8
    assert drawings.export_csv(tmp_path / "class.csv") == 3
    with open(tmp_path / "class.csv", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header[0] == "label" and len(header) == 785
    assert [int(row[0]) for row in rows] == [7, 1, 0]
    np.testing.assert_array_equal(
        np.array([row[1:] for row in rows], dtype=np.uint8).reshape(3, 28, 28), drawings.images()
    )


def test_a_model_is_scored_on_the_class_set(
    kept: tuple[ClassDrawings, list[np.ndarray]], sklearn_model: TrainedModel
) -> None:
    """The score is the model's accuracy on the kept drawings, overall and per digit drawn."""
    drawings, _ = kept
    result = drawings.score(sklearn_model.network)
    right = sklearn_model.network.predict(drawings.images().reshape(3, -1) / 255) == drawings.labels()
    assert result.count == 3 and result.accuracy == pytest.approx(right.mean())
    assert set(result.per_digit) == {0, 1, 7}
    assert ClassDrawings(Path(drawings.path).with_name("empty.db")).score(sklearn_model.network).count == 0


def test_a_damaged_or_newer_database_says_what_to_do(tmp_path: Path) -> None:
    """A file that is not SQLite, or one from a newer version, is refused with a message naming it."""
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseError, match=r"class drawings database .*damaged.db cannot be used.*move it away"):
        ClassDrawings(damaged)
    newer = tmp_path / "newer.db"
    ClassDrawings(newer)
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(DatabaseError, match="newer Digit Studio"):
        ClassDrawings(newer)


def test_the_database_lives_in_the_data_folder_unless_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """class.db sits beside MNIST's cache; DIGIT_STUDIO_CLASS_DB puts it anywhere."""
    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DIGIT_STUDIO_CLASS_DB", raising=False)
    assert default_path() == tmp_path / "data" / "class.db"
    monkeypatch.setenv("DIGIT_STUDIO_CLASS_DB", str(tmp_path / "elsewhere.db"))
    assert default_path() == tmp_path / "elsewhere.db"


WRITER = """
import numpy as np
from mnist_core.classroom import ClassDrawings
drawings = ClassDrawings(path)
start.wait()  # every writer starts together
for index in range(each):
    drawings.add(np.full((28, 28), 255, np.uint8), index, session, model_input=np.eye(28, dtype=np.float32))
"""


@pytest.mark.slow
def test_a_whole_class_keeping_drawings_at_once_loses_none(tmp_path: Path) -> None:
    """Thirty processes, released together, each keep four drawings: all 120 are there."""
    path = tmp_path / "class.db"
    ClassDrawings(path)
    start = FORKS.Barrier(WRITERS)
    writers = [
        fork_python(WRITER, path=str(path), session=f"student-{index}", start=start, each=EACH)
        for index in range(WRITERS)
    ]
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0, f"{writer.name} ended with {writer.exitcode} (its traceback is in the output)"
    drawings = ClassDrawings(path)
    assert drawings.count() == WRITERS * EACH
    assert drawings.sessions() == WRITERS
    assert drawings.counts() == {digit: WRITERS if digit < EACH else 0 for digit in range(10)}


def test_the_command_line_reports_exports_scores_and_clears(
    kept: tuple[ClassDrawings, list[np.ndarray]],
    sklearn_model: TrainedModel,
    sklearn_evaluation: Evaluation,
    mnist: data.Dataset,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """class stats/export/score/clear, with --json where it reads; clear asks for --yes."""
    drawings, _ = kept
    database = ["--class-db", str(drawings.path)]
    assert main(["class", "stats", "--json", *database]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["count"] == 3 and stats["sessions"] == 2 and stats["per_digit"]["7"] == 1

    assert main(["class", "export", str(tmp_path / "out.csv"), *database]) == 0
    assert "3 class drawings written" in capsys.readouterr().out
    assert main(["class", "export", str(tmp_path / "out.txt"), *database]) == 2
    assert ".npz" in capsys.readouterr().err

    store = ModelStore(tmp_path / "models")
    saved = store.save(sklearn_model, sklearn_evaluation, mnist, name="class-test")
    assert main(["--models", str(store.root), "class", "score", saved.id, "--json", *database]) == 0
    score = json.loads(capsys.readouterr().out)
    assert score["count"] == 3 and score["id"] == saved.id and 0 <= score["accuracy"] <= 1

    assert main(["class", "clear", *database]) == 2
    assert "add --yes" in capsys.readouterr().err and drawings.count() == 3
    assert main(["class", "clear", "--yes", *database]) == 0
    assert drawings.count() == 0


def test_a_fixed_half_to_learn_from_and_a_half_to_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even ids train and odd ids test; a snapshot of the training half is kept once and read back."""
    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path / "data"))
    drawings = ClassDrawings(tmp_path / "class.db")
    with pytest.raises(InvalidSpecError, match="no drawings to learn from"):
        drawings.snapshot()
    for digit in (3, 5, 8, 9):
        drawings.add(render_digit(digit, height=150, pen=18), digit, "s")
    assert drawings.labels("test").tolist() == [3, 8] and drawings.labels("train").tolist() == [5, 9]
    fingerprint = drawings.snapshot()
    assert drawings.snapshot() == fingerprint and class_set_path(fingerprint).is_file()
    x, y = class_set(fingerprint)
    assert x.shape == (2, 784) and y.tolist() == [5, 9]
    np.testing.assert_allclose(x, drawings.images("train").reshape(2, -1) / 255)
    drawings.add(render_digit(4, height=150, pen=18), 4, "s")  # id 5: a test drawing, same training half
    assert drawings.snapshot() == fingerprint
    with pytest.raises(DatasetUnavailableError, match="not at"):
        class_set("abcdef123456")


def test_the_command_line_names_a_damaged_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = tmp_path / "class.db"
    damaged.write_bytes(b"not sqlite" * 100)
    assert main(["class", "stats", "--class-db", str(damaged)]) == 1
    assert "class drawings database" in capsys.readouterr().err


def test_train_with_class_freezes_the_training_half(
    kept: tuple[ClassDrawings, list[np.ndarray]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``train --with-class`` names the frozen training half in the spec; with nothing kept it says so and stops."""
    from mnist_core.cli import _parser
    from mnist_core.cli.common import spec_from_args as _spec_from_args

    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path / "data"))
    drawings, _ = kept
    spec = _spec_from_args(_parser().parse_args(["train", "--with-class", "--class-db", str(drawings.path)]))
    assert spec.class_set == drawings.snapshot() and class_set_path(spec.class_set).is_file()
    assert _spec_from_args(_parser().parse_args(["train"])).class_set == ""

    empty = ["train", "--with-class", "--class-db", str(tmp_path / "empty.db"), "--epochs", "1"]
    assert main(empty) == 2
    assert "no drawings to learn from" in capsys.readouterr().err
