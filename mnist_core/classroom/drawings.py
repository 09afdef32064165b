"""The class's own handwriting: drawings a class keeps, as a second test set beside MNIST.

A student who has drawn a digit says which digit it really is and keeps it for
the class. Each kept drawing holds the canvas as a PNG, the 28×28 image the
models saw, the label, what each active model answered, the time and who kept
it: a student's session (``student:<token>``, whose nickname the roster
knows) or an anonymous one. They live in one SQLite file in the data
folder (``$DIGIT_STUDIO_CLASS_DB`` to put it elsewhere), written in WAL mode, so
a whole class can keep drawings at the same moment.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .. import data
from ..data import class_set, class_set_path
from ..database import Database
from ..errors import InvalidImageError, InvalidSpecError, LimitError
from ..images.preprocess import FIELD, canvas_to_mnist
from ..language import marked
from ..network.dense import DenseNetwork
from ..network.evaluation import Evaluation, log_loss
from .roles import Actor, require_teacher

__all__ = ["PARTS", "ClassDrawings", "ClassScore", "class_set", "class_set_path", "default_path"]

SCHEMA_VERSION = 1
#: How many drawings one student may keep in a minute: enough to draw every digit, not enough to flood the class.
DRAWINGS_PER_MINUTE = 12
SCHEMA = """
    CREATE TABLE IF NOT EXISTS drawings (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        session TEXT NOT NULL,
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        pixels BLOB NOT NULL,
        canvas BLOB NOT NULL,
        answers TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS drawings_by_label ON drawings (label);
    CREATE INDEX IF NOT EXISTS drawings_by_session ON drawings (session, created);
    -- The teacher's lesson (see lesson.LessonBoard): one row, read by every page view.
    CREATE TABLE IF NOT EXISTS lesson (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT);
"""


def default_path() -> Path:
    """``$DIGIT_STUDIO_CLASS_DB``, or ``class.db`` in the data folder beside MNIST."""
    override = os.environ.get("DIGIT_STUDIO_CLASS_DB")
    return Path(override).expanduser() if override else data.cache_dir() / "class.db"


@dataclass(frozen=True)
class ClassScore:
    """A model's results on the class drawings."""

    count: int
    accuracy: float
    per_digit: dict[int, float]  # accuracy on each digit the class drew


class ClassDrawings:
    """The drawings a class has kept.

    Args:
        path: the SQLite file (default :func:`default_path`).
        per_minute: how many drawings one session may keep in a minute.

    Raises:
        DatabaseError: the file is damaged, not a database, or locked for too long.
    """

    def __init__(self, path: Path | str | None = None, *, per_minute: int = DRAWINGS_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self.database = Database(
            path or default_path(),
            what=marked("the class drawings database"),
            schema=SCHEMA,
            version=SCHEMA_VERSION,
            remedy=marked("if it is damaged, move it away: a new, empty one is made (the drawings in it are lost)."),
        )
        self.path = self.database.path

    def add(
        self,
        canvas: np.ndarray,
        label: int,
        session: str,
        *,
        model_input: np.ndarray | None = None,
        answers: dict[str, int] | None = None,
    ) -> int:
        """Keep one drawing; returns its id.

        Args:
            canvas: the drawing as the canvas sent it (any image :func:`canvas_to_mnist` reads).
            label: the digit it really is, 0–9.
            session: who drew it: a student's session (``student:<token>``) or an anonymous one.
            model_input: the 28×28 image the models saw (made from ``canvas`` when omitted).
            answers: each active model's answer, by model id.

        Raises:
            InvalidImageError: the label is not a digit or the image is not one.
            EmptyImageError: there is nothing drawn.
            LimitError: this session kept :attr:`per_minute` drawings in the last minute already.
        """
        _check_label(label)
        seen = canvas_to_mnist(canvas) if model_input is None else np.asarray(model_input, dtype=np.float32)
        if seen.shape != (FIELD, FIELD):
            raise InvalidImageError("The model input is 28 × 28, not {shape}.", shape=seen.shape)
        pixels = np.clip(np.round(seen * 255), 0, 255).astype(np.uint8)
        now = time.time()
        row = (now, session, int(label), pixels.tobytes(), _png(canvas), json.dumps(answers or {}))
        with self.database.transaction() as db:
            (recent,) = db.execute(
                "SELECT COUNT(*) FROM drawings WHERE session = ? AND created > ?", (session, now - 60)
            ).fetchone()
            if recent >= self.per_minute:
                raise LimitError(
                    "You have kept {recent} drawings in the last minute: that is the class's limit. Wait a "
                    "moment, then keep the next one.",
                    recent=recent,
                )
            cursor = db.execute(
                "INSERT INTO drawings (created, session, label, pixels, canvas, answers) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def count(self) -> int:
        """How many drawings are kept."""
        with self.database.read() as db:
            (total,) = db.execute("SELECT COUNT(*) FROM drawings").fetchone()
        return int(total)

    def counts(self) -> dict[int, int]:
        """Drawings kept of each digit (every digit listed, zeros included)."""
        with self.database.read() as db:
            rows = dict(db.execute("SELECT label, COUNT(*) FROM drawings GROUP BY label").fetchall())
        return {digit: int(rows.get(digit, 0)) for digit in range(10)}

    def sessions(self) -> int:
        """How many sessions (students) kept drawings."""
        with self.database.read() as db:
            (total,) = db.execute("SELECT COUNT(DISTINCT session) FROM drawings").fetchone()
        return int(total)

    def counts_by_session(self) -> dict[str, int]:
        """Drawings kept by each session (``student:<token>`` for a student), those with none left out."""
        with self.database.read() as db:
            rows = db.execute("SELECT session, COUNT(*) FROM drawings GROUP BY session").fetchall()
        return {str(session): int(count) for session, count in rows}

    def ids(self) -> np.ndarray:
        """The drawings' ids, oldest first."""
        with self.database.read() as db:
            return np.array([row[0] for row in db.execute("SELECT id FROM drawings ORDER BY id")], dtype=np.int64)

    def labels(self, part: str = "all") -> np.ndarray:
        """Each drawing's label, oldest first, as uint8 like MNIST's (``part``: see :data:`PARTS`)."""
        with self.database.read() as db:
            rows = db.execute(f"SELECT label FROM drawings WHERE {_PART_SQL[part]} ORDER BY id").fetchall()
        return np.array([row[0] for row in rows], dtype=np.uint8)

    def images(self, part: str = "all") -> np.ndarray:
        """The model inputs, oldest first: ``(n, 28, 28)`` uint8, white on black, like MNIST's images."""
        with self.database.read() as db:
            rows = db.execute(f"SELECT pixels FROM drawings WHERE {_PART_SQL[part]} ORDER BY id").fetchall()
        if not rows:
            return np.zeros((0, FIELD, FIELD), dtype=np.uint8)
        return np.stack([np.frombuffer(pixels, dtype=np.uint8).reshape(FIELD, FIELD) for (pixels,) in rows])

    def canvas(self, drawing_id: int) -> np.ndarray:
        """The canvas of one drawing, as it was drawn (RGBA)."""
        with self.database.read() as db:
            row = db.execute("SELECT canvas FROM drawings WHERE id = ?", (int(drawing_id),)).fetchone()
        if row is None:
            raise InvalidImageError("There is no class drawing {drawing_id}.", drawing_id=drawing_id)
        return np.asarray(Image.open(io.BytesIO(row[0])).convert("RGBA"))

    def answers(self) -> list[dict[str, int]]:
        """What the active models answered for each drawing, oldest first."""
        with self.database.read() as db:
            return [json.loads(text) for (text,) in db.execute("SELECT answers FROM drawings ORDER BY id")]

    def delete(self, ids: Iterable[int], *, by: Actor) -> int:
        """Remove some drawings (the teacher's); returns how many were removed.

        Raises:
            NotAllowedError: ``by`` is not the teacher.
        """
        require_teacher(by, marked("delete class drawings"))
        chosen = [int(drawing_id) for drawing_id in ids]
        with self.database.transaction() as db:
            return sum(db.execute("DELETE FROM drawings WHERE id = ?", (drawing_id,)).rowcount for drawing_id in chosen)

    def relabel(self, drawing_id: int, label: int, *, by: Actor) -> None:
        """Say which digit a drawing really is (the teacher's: a 3 kept as an 8 no longer misleads the test set).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
            InvalidImageError: the label is not a digit, or there is no such drawing.
        """
        require_teacher(by, marked("relabel class drawings"))
        _check_label(label)
        with self.database.transaction() as db:
            changed = db.execute("UPDATE drawings SET label = ? WHERE id = ?", (int(label), int(drawing_id))).rowcount
        if not changed:
            raise InvalidImageError("There is no class drawing {drawing_id}.", drawing_id=drawing_id)

    def clear(self, *, by: Actor) -> int:
        """Remove every drawing (the teacher's); returns how many there were.

        Raises:
            NotAllowedError: ``by`` is not the teacher.
        """
        require_teacher(by, marked("delete the class drawings"))
        with self.database.transaction() as db:
            return int(db.execute("DELETE FROM drawings").rowcount)

    def export_npz(self, path: Path | str) -> int:
        """Write the drawings as MNIST does (``x_test`` uint8 ``(n, 28, 28)``, ``y_test`` uint8); returns how many."""
        images, labels = self.images(), self.labels()
        with open(path, "wb") as out:
            np.savez_compressed(out, x_test=images, y_test=labels)
        return len(labels)

    def export_csv(self, path: Path | str) -> int:
        """Write one row per drawing: its label, then its 784 pixels (0–255); returns how many."""
        images, labels = self.images(), self.labels()
        with open(path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["label", *(f"pixel{index}" for index in range(FIELD * FIELD))])
            for label, image in zip(labels, images, strict=True):
                writer.writerow([int(label), *image.reshape(-1).tolist()])
        return len(labels)

    def evaluate(self, network: DenseNetwork, part: str = "all") -> Evaluation:
        """``network`` on the class's drawings as a test set: the confusion matrix, its cells, the mistakes.

        The drawings are the "test" of the result; it has no training accuracy (NaN).
        """
        labels = self.labels(part).astype(np.int64)
        if not len(labels):
            return Evaluation(float("nan"), 0.0, 0.0, labels, np.zeros((0, 10), dtype=np.float32))
        probabilities = network.predict_proba(data.to_features(self.images(part))).astype(np.float32)
        return Evaluation(
            train_accuracy=float("nan"),
            test_accuracy=float((probabilities.argmax(axis=1) == labels).mean()),
            test_log_loss=log_loss(probabilities, labels),
            test_labels=labels,
            test_probabilities=probabilities,
        )

    def score(self, network: DenseNetwork, part: str = "all") -> ClassScore:
        """How well ``network`` reads the class's drawings, overall and per digit drawn."""
        result = self.evaluate(network, part)
        drawn = np.unique(result.test_labels)
        recall = result.recall
        return ClassScore(len(result.test_labels), result.test_accuracy, {int(d): float(recall[d]) for d in drawn})

    def snapshot(self) -> str:
        """Freeze the training half as it is now, for a spec's ``class_set``; returns its fingerprint.

        The half is written once to ``class-sets/<fingerprint>.npz`` in the data folder, where
        training (in this process or a worker on this machine) reads it with :func:`class_set`.

        Raises:
            InvalidSpecError: the class has kept no drawings to learn from yet.
        """
        images, labels = self.images("train"), self.labels("train")
        if not len(labels):
            raise InvalidSpecError(
                "The class has kept no drawings to learn from yet: keep some on the Draw page first.",
                field="class_set",
            )
        fingerprint = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:12]
        path = class_set_path(fingerprint)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as temporary:
                np.savez_compressed(temporary, x=images, y=labels)
            os.replace(temporary.name, path)
        return fingerprint


#: Which drawings: all, the fixed half that "learn from our class" trains on, or the half kept to test.
PARTS = ("all", "train", "test")
_PART_SQL = {"all": "1", "train": "id % 2 = 0", "test": "id % 2 = 1"}


def _check_label(label: object) -> None:
    if isinstance(label, bool) or not isinstance(label, int | np.integer) or not 0 <= label <= 9:
        raise InvalidImageError("A drawing is labelled with a digit 0–9, not {label}.", label=repr(label))


def _png(canvas: np.ndarray) -> bytes:
    array = np.asarray(canvas)
    if array.dtype != np.uint8:
        array = np.clip(np.round(np.asarray(array, dtype=np.float32) * (255 if array.max() <= 1 else 1)), 0, 255)
        array = array.astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()
