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
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import segno

from ..errors import BadInputError, LimitError, NotAllowedError
from ..language import ENGLISH, LANGUAGES, Catalogue, marked
from ..spec import PRESETS, ModelSpec
from .drawings import ClassDrawings
from .roles import Actor, require_teacher
from .scores import ModelScore

__all__ = [
    "CHALLENGES",
    "CLASS_NAME",
    "DEFAULT_BUDGET_SECONDS",
    "LESSON_STARTS",
    "TEACHER_IDLE_SECONDS",
    "Challenge",
    "Lesson",
    "LessonBoard",
    "PasswordGate",
    "build_lesson",
    "class_address",
    "password_matches",
    "qr_png",
    "still_unlocked",
    "teacher_password",
]

PASSWORD_VARIABLE = "DIGIT_STUDIO_TEACHER_PASSWORD"
#: A student's job may train this long by the server's estimate, unless the lesson says otherwise: a few
#: minutes on a 2-core laptop, so that one student cannot hold the class's worker for a quarter of an hour.
DEFAULT_BUDGET_SECONDS = 180.0
#: What a student's Train page starts from when the lesson names no spec; locked fields keep its values.
DEFAULT_START = "quick"
#: Who a model belongs to when no student trained it (the presets, the command line's models).
CLASS_NAME = marked("the class")
#: The kinds of challenge a teacher can set.
CHALLENGES = {
    "budget": marked("the best MNIST test accuracy, at least a target, with at most so many parameters"),
    "class": marked("the best accuracy on the class's drawings"),
}


def teacher_password(secrets: Mapping[str, Any] | None = None) -> str | None:
    """The teacher password: ``$DIGIT_STUDIO_TEACHER_PASSWORD``, else ``teacher_password`` in the secrets; None: off."""
    password = os.environ.get(PASSWORD_VARIABLE) or (secrets or {}).get("teacher_password")
    return str(password) if password else None


def password_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the password, compared in constant time."""
    return hmac.compare_digest(given.encode(), expected.encode())


#: Wrong teacher passwords allowed per browser in a minute before it must wait.
PASSWORD_TRIES_PER_MINUTE = 5
#: The teacher's unlock ends after this long without a click on a teacher's control.
TEACHER_IDLE_SECONDS = 30 * 60


class PasswordGate:
    """The teacher password, with wrong tries slowed down: a few a minute for each browser, then a wait.

    One gate serves the whole server (tries are counted in memory, by who tried). The password itself
    is never kept, logged or put in a message.
    """

    def __init__(self, tries_per_minute: int = PASSWORD_TRIES_PER_MINUTE) -> None:
        self.tries_per_minute = tries_per_minute
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def unlock(self, who: str, given: str, expected: str, *, now: float | None = None) -> bool:
        """Whether ``given`` is the password; a wrong one counts against ``who``.

        Raises:
            LimitError: ``who`` gave a wrong password too often in the last minute (even a right one
                waits until the minute has passed).
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [moment for moment in self._failures.get(who, []) if now - moment < 60]
            if len(recent) >= self.tries_per_minute:
                wait = 60 - (now - recent[0])
                raise LimitError("Too many wrong passwords: wait {wait:.0f} s before the next try.", wait=wait)
            if password_matches(given, expected):
                self._failures.pop(who, None)
                return True
            self._failures[who] = [*recent, now]
            return False


def still_unlocked(last_used: float | None, *, now: float | None = None) -> bool:
    """Whether a teacher's unlock from ``last_used`` (Unix time of the last teacher's click) still holds."""
    now = time.time() if now is None else now
    return last_used is not None and now - last_used < TEACHER_IDLE_SECONDS


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

    def title(self, words: Catalogue = ENGLISH) -> str:
        """The challenge in a line, in ``words``' language."""
        if self.kind == "class":
            return words.text("Best on the class's drawings")
        return words.text(
            "≥ {accuracy} test accuracy with ≤ {parameters} parameters",
            accuracy=words.percent(self.min_accuracy, digits=1),
            parameters=words.number(self.max_parameters),
        )

    def scoreboard(
        self, scores: Sequence[ModelScore], trained_by: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """The models trained since the challenge began that meet it, best first, as table rows.

        ``scores`` come from :func:`~mnist_core.classroom.scores.score_models`: the
        "class" kind ranks by the class's drawings, the "budget" kind by MNIST's test
        set among the models within the parameter budget and above the accuracy.
        ``trained_by`` names who trained each model, by id (see
        :func:`~mnist_core.classroom.ownership.trained_by`); a model it does not name is the class's.
        """
        rows = []
        for score in scores:
            if _timestamp(score.created) < self.started:
                continue
            row: dict[str, Any] = {
                "model": score.name,
                "trained by": (trained_by or {}).get(score.id, CLASS_NAME),
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
    """What every student's session opens with, and what the server lets students train.

    Attributes:
        spec: the Train page's starting spec, or None to leave it to the student.
        locked: spec fields students may not change (their controls are shown disabled, and the
            server refuses a spec that changes them, whatever a link or the controls said).
        pages: the titles of the pages students see (all when empty).
        challenge: the class's current challenge, if any.
        budget_seconds: the longest a student's job may train, by the server's estimate.
        language: the class's language (a code of :data:`~mnist_core.language.LANGUAGES`), or empty
            for the server's; a student may still pick another for themselves.
    """

    spec: ModelSpec | None = None
    locked: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    challenge: Challenge | None = None
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    language: str = ""

    @property
    def reference(self) -> ModelSpec:
        """The spec whose values the locked fields keep: the lesson's own, or the default start."""
        return self.spec or PRESETS[DEFAULT_START]

    def with_locks(self, spec: ModelSpec) -> tuple[ModelSpec, tuple[str, ...]]:
        """``spec`` with every locked field set back to the lesson's value, and the fields that changed.

        A shared link or an old session may carry other values; they are not used.
        """
        changed = tuple(name for name in self.locked if getattr(spec, name) != getattr(self.reference, name))
        if not changed:
            return spec, ()
        return spec.replace(**{name: getattr(self.reference, name) for name in changed}), changed

    def over_link(self, spec: ModelSpec, named: Collection[str]) -> tuple[ModelSpec, list[str]]:
        """A shared link's spec with the lesson's values in its locked fields, and a note for each value not used.

        Args:
            spec: what the link describes.
            named: the fields the link gave a value for; only those get a note.
        """
        locked, changed = self.with_locks(spec)
        notes = [
            f"This lesson fixes {name.replace('_', ' ')}: the link's {_written(getattr(spec, name))} is not used."
            for name in changed
            if name in named
        ]
        return locked, notes

    def check(self, spec: ModelSpec, train_seconds: float) -> None:
        """Refuse a student's spec that changes a locked setting or would train past the budget.

        Raises:
            NotAllowedError: a field the lesson fixes differs from the lesson's value.
            LimitError: the estimated training time is over :attr:`budget_seconds`.
        """
        _, changed = self.with_locks(spec)
        if changed:
            values = "; ".join(f"{name.replace('_', ' ')} stays {_written(getattr(self.reference, name))}"
                               for name in changed)  # fmt: skip
            raise NotAllowedError("Your teacher fixed these settings for this lesson: {values}.", values=values)
        if train_seconds > self.budget_seconds:
            raise LimitError(
                "This network would train for about {value}, and this lesson allows {value2} a job: choose "
                "fewer epochs, training images or units.",
                value=_duration(train_seconds),
                value2=_duration(self.budget_seconds),
            )

    def to_json(self) -> str:
        """The lesson as JSON."""
        return json.dumps(
            {
                "spec": None if self.spec is None else self.spec.to_dict(),
                "locked": list(self.locked),
                "pages": list(self.pages),
                "challenge": None if self.challenge is None else vars(self.challenge),
                "budget_seconds": self.budget_seconds,
                "language": self.language,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Lesson:
        """The lesson :meth:`to_json` wrote (one kept before budgets or languages existed gets the defaults)."""
        values = json.loads(text)
        return cls(
            spec=None if values["spec"] is None else ModelSpec.from_dict(values["spec"]),
            locked=tuple(values["locked"]),
            pages=tuple(values["pages"]),
            challenge=None if values["challenge"] is None else Challenge(**values["challenge"]),
            budget_seconds=float(values.get("budget_seconds", DEFAULT_BUDGET_SECONDS)),
            language=str(values.get("language", "")),
        )


def _written(value: Any) -> str:
    if isinstance(value, tuple):
        return "-".join(map(str, value))
    return str(value)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


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
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    language: str = "",
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
        budget_seconds: the longest a student's job may train.
        language: the class's language (empty: the server's).

    Raises:
        BadInputError: an unknown start, setting or page, ``"controls"`` without controls, or a budget
            under ten seconds.
    """
    if start not in LESSON_STARTS:
        raise BadInputError(
            "A lesson starts from {value}, not {start}.", value=", ".join(LESSON_STARTS), start=repr(start)
        )
    if start == "controls" and controls is None:
        raise BadInputError("Open the Train page first and set its controls: they are what is pushed.")
    settings = {spec_field.name for spec_field in fields(ModelSpec)}
    if unknown := [name for name in locked if name not in settings]:
        raise BadInputError("A lesson can fix settings of the network; {value} is not one.", value=", ".join(unknown))
    if every_page and (unknown := [title for title in pages if title not in every_page]):
        raise BadInputError(
            "Students can be shown {value}; there is no page {value2}.",
            value=", ".join(every_page),
            value2=", ".join(unknown),
        )
    if language and language not in LANGUAGES:
        raise BadInputError(
            "The studio speaks {value}, not {language}.", value=", ".join(LANGUAGES), language=repr(language)
        )
    if not budget_seconds >= 10:
        raise BadInputError(
            "A job's budget is at least 10 s of training, not {budget_seconds:g} s.", budget_seconds=budget_seconds
        )
    spec = controls if start == "controls" else PRESETS.get(start)
    shown = () if set(pages) == set(every_page) else tuple(pages)
    return Lesson(
        spec=spec,
        locked=tuple(locked),
        pages=shown,
        challenge=challenge,
        budget_seconds=budget_seconds,
        language=language,
    )


class LessonBoard:
    """The current lesson, kept beside the class drawings (one row, read by every session)."""

    def __init__(self, drawings: ClassDrawings) -> None:
        self.database = drawings.database  # its schema holds the lesson's table

    def current(self) -> Lesson:
        """The lesson pushed last (an empty one when none was)."""
        with self.database.read() as db:
            row = db.execute("SELECT value FROM lesson WHERE id = 1").fetchone()
        return Lesson() if row is None else Lesson.from_json(row[0])

    def push(self, lesson: Lesson, *, by: Actor) -> None:
        """Make ``lesson`` the one every session opens with (the teacher's).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
        """
        require_teacher(by, marked("change the lesson"))
        with self.database.transaction() as db:
            db.execute("INSERT OR REPLACE INTO lesson VALUES (1, ?)", (lesson.to_json(),))

    def end(self, *, by: Actor) -> None:
        """No lesson: students choose freely again (the teacher's).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
        """
        require_teacher(by, marked("end the lesson"))
        with self.database.transaction() as db:
            db.execute("DELETE FROM lesson")
