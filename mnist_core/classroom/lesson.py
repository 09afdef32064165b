"""The teacher's side of a lesson: the password, the lesson every student opens with, the challenge.

A lesson is server-wide: the teacher pushes a spec, says which of its controls
students may change and which pages they see, and may set a challenge; every
student's session reads it. It is kept in the class drawings' SQLite file, so
it survives a restart of the server.
"""

from __future__ import annotations

import hmac
import io
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import segno

from ..errors import BadInputError
from ..spec import PRESETS, ModelSpec
from .drawings import ClassDrawings
from .scores import ModelScore

__all__ = [
    "CHALLENGES",
    "LESSON_STARTS",
    "Challenge",
    "Lesson",
    "LessonBoard",
    "build_lesson",
    "class_address",
    "password_matches",
    "qr_png",
    "teacher_password",
]

PASSWORD_VARIABLE = "DIGIT_STUDIO_TEACHER_PASSWORD"
#: The kinds of challenge a teacher can set.
CHALLENGES = {
    "budget": "the best MNIST test accuracy, at least a target, with at most so many parameters",
    "class": "the best accuracy on the class's drawings",
}


def teacher_password(secrets: Mapping[str, Any] | None = None) -> str | None:
    """The teacher password: ``$DIGIT_STUDIO_TEACHER_PASSWORD``, else ``teacher_password`` in the secrets; None: off."""
    password = os.environ.get(PASSWORD_VARIABLE) or (secrets or {}).get("teacher_password")
    return str(password) if password else None


def password_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the password, compared in constant time."""
    return hmac.compare_digest(given.encode(), expected.encode())


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """A QR code of ``text`` as a PNG, for a projector: students point a phone at it."""
    code = segno.make(text, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def class_address(port: int) -> str:
    """The address students on the same network open: this machine's network address and the app's port.

    Asking the system which interface would reach another address sends nothing; without a
    network it falls back to this machine's name.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            host = probe.getsockname()[0]
        except OSError:
            host = socket.gethostname()
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Challenge:
    """A goal for the class: ``kind`` is a key of :data:`CHALLENGES`."""

    kind: str = "budget"
    min_accuracy: float = 0.97
    max_parameters: int = 50_000
    started: float = field(default_factory=time.time)

    @property
    def title(self) -> str:
        """The challenge in a line."""
        if self.kind == "class":
            return "Best on the class's drawings"
        return f"≥ {self.min_accuracy:.1%} test accuracy with ≤ {self.max_parameters:,} parameters"

    def scoreboard(self, scores: Sequence[ModelScore]) -> list[dict[str, Any]]:
        """The models trained since the challenge began that meet it, best first, as table rows.

        ``scores`` come from :func:`~mnist_core.classroom.scores.score_models`: the
        "class" kind ranks by the class's drawings, the "budget" kind by MNIST's test
        set among the models within the parameter budget and above the accuracy.
        """
        rows = []
        for score in scores:
            if _timestamp(score.created) < self.started:
                continue
            row: dict[str, Any] = {
                "model": score.name,
                "id": score.id,
                "parameters": score.parameters,
                "MNIST test": score.mnist_accuracy,
            }
            if self.kind == "class":
                row["class drawings"] = score.class_accuracy
            elif score.parameters > self.max_parameters or score.mnist_accuracy < self.min_accuracy:
                continue
            rows.append(row)
        ranked_by = "class drawings" if self.kind == "class" else "MNIST test"
        return sorted(rows, key=lambda row: (-row[ranked_by], row["parameters"]))


def _timestamp(created: str) -> float:
    return datetime.fromisoformat(created).timestamp()


@dataclass(frozen=True)
class Lesson:
    """What every student's session opens with.

    Attributes:
        spec: the Train page's starting spec, or None to leave it to the student.
        locked: spec fields students may not change (their controls are shown disabled).
        pages: the titles of the pages students see (all when empty).
        challenge: the class's current challenge, if any.
    """

    spec: ModelSpec | None = None
    locked: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    challenge: Challenge | None = None

    def to_json(self) -> str:
        """The lesson as JSON."""
        return json.dumps(
            {
                "spec": None if self.spec is None else self.spec.to_dict(),
                "locked": list(self.locked),
                "pages": list(self.pages),
                "challenge": None if self.challenge is None else vars(self.challenge),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Lesson:
        """The lesson :meth:`to_json` wrote."""
        values = json.loads(text)
        return cls(
            spec=None if values["spec"] is None else ModelSpec.from_dict(values["spec"]),
            locked=tuple(values["locked"]),
            pages=tuple(values["pages"]),
            challenge=None if values["challenge"] is None else Challenge(**values["challenge"]),
        )


#: Where every student's Train page starts: their own choice ("free"), the teacher's own
#: Train controls ("controls"), or a preset by name.
LESSON_STARTS = ("free", "controls", *PRESETS)


def build_lesson(
    start: str,
    *,
    controls: ModelSpec | None = None,
    locked: Sequence[str] = (),
    pages: Sequence[str] = (),
    every_page: Sequence[str] = (),
    challenge: Challenge | None = None,
) -> Lesson:
    """The lesson the teacher's form describes.

    Args:
        start: one of :data:`LESSON_STARTS`.
        controls: the spec the teacher's own Train controls describe; needed when
            ``start`` is ``"controls"`` (None: they were never set, or are impossible).
        locked: spec fields students may not change.
        pages: the titles of the pages students see.
        every_page: the titles of every page students could see; choosing them all
            restricts nothing (so pages added later are seen too).
        challenge: the class's current challenge, kept as it is.

    Raises:
        BadInputError: an unknown start, setting or page, or ``"controls"`` without controls.
    """
    if start not in LESSON_STARTS:
        raise BadInputError(f"A lesson starts from {', '.join(LESSON_STARTS)}, not {start!r}.")
    if start == "controls" and controls is None:
        raise BadInputError("Open the Train page first and set its controls: they are what is pushed.")
    settings = {spec_field.name for spec_field in fields(ModelSpec)}
    if unknown := [name for name in locked if name not in settings]:
        raise BadInputError(f"A lesson can fix settings of the network; {', '.join(unknown)} is not one.")
    if every_page and (unknown := [title for title in pages if title not in every_page]):
        raise BadInputError(f"Students can be shown {', '.join(every_page)}; there is no page {', '.join(unknown)}.")
    spec = controls if start == "controls" else PRESETS.get(start)
    shown = () if set(pages) == set(every_page) else tuple(pages)
    return Lesson(spec=spec, locked=tuple(locked), pages=shown, challenge=challenge)


class LessonBoard:
    """The current lesson, kept beside the class drawings (one row, read by every session)."""

    def __init__(self, drawings: ClassDrawings) -> None:
        self.database = drawings.database
        with self.database.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS lesson (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT)")

    def current(self) -> Lesson:
        """The lesson pushed last (an empty one when none was)."""
        with self.database.transaction() as db:
            row = db.execute("SELECT value FROM lesson WHERE id = 1").fetchone()
        return Lesson() if row is None else Lesson.from_json(row[0])

    def push(self, lesson: Lesson) -> None:
        """Make ``lesson`` the one every session opens with."""
        with self.database.transaction() as db:
            db.execute("INSERT OR REPLACE INTO lesson VALUES (1, ?)", (lesson.to_json(),))

    def end(self) -> None:
        """No lesson: students choose freely again."""
        with self.database.transaction() as db:
            db.execute("DELETE FROM lesson")
