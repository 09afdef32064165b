"""The class's students, and who may do what.

A student gives a nickname once; the roster answers with a token that the browser keeps (in the
address and a cookie), so that a reload, a new tab or a phone waking up finds the same student
again. The token, not the browser session, is who asks for a model, keeps a drawing or enters
the challenge: one job per student, whatever the tabs.

Who may do what is checked where it is done, with an :class:`~mnist_core.classroom.roles.Actor`.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..engine import JobTable
from ..errors import BadInputError
from ..language import marked
from .drawings import ClassDrawings, default_path
from .roles import Actor, require_teacher

__all__ = ["NICKNAME_LIMITS", "Roster", "RosterEntry", "Student", "check_nickname", "roll_call"]

#: A nickname's shortest and longest length, in characters.
NICKNAME_LIMITS = (2, 20)
SCHEMA_VERSION = 1
#: Characters a nickname may hold besides letters and digits (not first).
_NICKNAME_MARKS = " -_.'"


@dataclass(frozen=True)
class Student:
    """One student of the class.

    Attributes:
        token: the secret the student's browser keeps; whoever has it is this student.
        nickname: the name the class sees (checked: see :func:`check_nickname`).
        joined: when they first gave it (Unix time).
        ended: whether the teacher ended this student's session (the token no longer works).
    """

    token: str
    nickname: str
    joined: float
    ended: bool = False

    @property
    def actor(self) -> Actor:
        """The student as the one who asks."""
        return Actor("student", f"student:{self.token}", self.nickname)


def check_nickname(nickname: str) -> str:
    """A nickname as it will be kept: trimmed and normalised, or a sentence saying what is wrong.

    Raises:
        BadInputError: too short or long, or characters other than letters, digits and `` -_.'``.
    """
    name = " ".join(unicodedata.normalize("NFC", nickname).split())
    low, high = NICKNAME_LIMITS
    if not low <= len(name) <= high:
        raise BadInputError(
            "A nickname has {low} to {high} characters; {name} has {name_count}.",
            low=low,
            high=high,
            name=repr(name),
            name_count=len(name),
        )
    if not name[0].isalnum() or not all(char.isalnum() or char in _NICKNAME_MARKS for char in name):
        raise BadInputError(
            "A nickname starts with a letter or a digit and holds only letters, digits, spaces and - _ . '"
        )
    return name


class Roster:
    """The students of the class, in SQLite beside the class drawings (``class.db``).

    Raises:
        DatabaseError: the file is damaged, not a database, or locked for too long.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.database = Database(
            path or default_path(),
            what=marked("the class roster"),
            schema="""
                CREATE TABLE IF NOT EXISTS students (
                    token TEXT PRIMARY KEY,
                    nickname TEXT NOT NULL COLLATE NOCASE,
                    joined REAL NOT NULL,
                    ended INTEGER NOT NULL DEFAULT 0
                );
                -- No two students of the class share a nickname while their sessions last.
                CREATE UNIQUE INDEX IF NOT EXISTS students_by_nickname ON students (nickname) WHERE ended = 0;
                CREATE TABLE IF NOT EXISTS offered_names (
                    nickname TEXT PRIMARY KEY COLLATE NOCASE
                );
            """,
            version=SCHEMA_VERSION,
            version_key="roster",
            remedy=marked("move it away to start a new class (the drawings in it go with it)."),
        )

    def join(self, nickname: str) -> Student:
        """A new student under ``nickname``.

        Raises:
            BadInputError: the nickname is not allowed, or another student of the class has it.
        """
        name = check_nickname(nickname)
        student = Student(secrets.token_urlsafe(16), name, time.time())
        with self.database.transaction() as db:
            _refuse_taken(db, name)
            db.execute("INSERT INTO students VALUES (?, ?, ?, 0)", (student.token, name, student.joined))
        return student

    def student(self, token: str | None) -> Student | None:
        """The student whose browser keeps ``token``; None for an unknown token or an ended session."""
        if not token:
            return None
        with self.database.read() as db:
            row = db.execute("SELECT * FROM students WHERE token = ? AND ended = 0", (token,)).fetchone()
        return None if row is None else _student(row)

    def students(self) -> list[Student]:
        """Every student who joined, ended sessions included, in the order they joined."""
        with self.database.read() as db:
            return [_student(row) for row in db.execute("SELECT * FROM students ORDER BY joined, rowid")]

    def nickname(self, session: str) -> str | None:
        """The nickname behind a queue or drawing session (``student:<token>``), if it is a student's."""
        if not session.startswith("student:"):
            return None
        with self.database.read() as db:
            row = db.execute("SELECT nickname FROM students WHERE token = ?", (session.removeprefix("student:"),))
            found = row.fetchone()
        return None if found is None else str(found[0])

    def rename(self, token: str, nickname: str, *, by: Actor) -> Student:
        """Give a student another nickname (the teacher's).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
            BadInputError: the nickname is not allowed or taken, or there is no such student.
        """
        require_teacher(by, marked("rename students"))
        name = check_nickname(nickname)
        with self.database.transaction() as db:
            _refuse_taken(db, name, but=token)
            changed = db.execute(
                "UPDATE students SET nickname = ? WHERE token = ? AND ended = 0", (name, token)
            ).rowcount
        if not changed:
            raise BadInputError("There is no such student in this class.")
        student = next(student for student in self.students() if student.token == token)
        return student

    def end(self, token: str, *, by: Actor) -> None:
        """End a student's session: their browser must give a nickname again (the teacher's).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
        """
        require_teacher(by, marked("end a student's session"))
        with self.database.transaction() as db:
            # The row stays, so the work it did keeps its name; the nickname is free for someone new.
            db.execute("UPDATE students SET ended = 1 WHERE token = ?", (token,))

    def offer(self, nicknames: list[str], *, by: Actor) -> list[str]:
        """Names the teacher's roster offers to students who join (replacing the earlier list).

        Raises:
            NotAllowedError: ``by`` is not the teacher.
            BadInputError: one of the names is not allowed.
        """
        require_teacher(by, marked("set the class roster"))
        kept: dict[str, str] = {}
        for given in nicknames:
            if given.strip():
                name = check_nickname(given)
                kept.setdefault(name.casefold(), name)
        names = list(kept.values())
        with self.database.transaction() as db:
            db.execute("DELETE FROM offered_names")
            db.executemany("INSERT OR IGNORE INTO offered_names VALUES (?)", [(name,) for name in names])
        return names

    def offered(self) -> list[str]:
        """The roster's names that no student has taken yet, in the teacher's order."""
        with self.database.read() as db:
            rows = db.execute(
                "SELECT nickname FROM offered_names WHERE nickname NOT IN "
                "(SELECT nickname FROM students WHERE ended = 0) ORDER BY rowid"
            )
            return [str(name) for (name,) in rows]


@dataclass(frozen=True)
class RosterEntry:
    """One student as the teacher's roster shows them.

    Attributes:
        student: who they are.
        jobs: how many models they asked for.
        active_job: what they train or wait for now (a job's label), or None.
        drawings: how many drawings they kept for the class.
    """

    student: Student
    jobs: int
    active_job: str | None
    drawings: int


def roll_call(roster: Roster, drawings: ClassDrawings, table: JobTable) -> list[RosterEntry]:
    """Every student who joined, in the order they joined, with their jobs and drawings."""
    asked: dict[str, int] = {}
    active: dict[str, str] = {}
    for job in table.jobs():
        for session in set(job.sessions):
            asked[session] = asked.get(session, 0) + 1
            if job.active:
                active[session] = job.label
    kept = drawings.counts_by_session()
    return [
        RosterEntry(
            student,
            asked.get(student.actor.session, 0),
            active.get(student.actor.session),
            kept.get(student.actor.session, 0),
        )
        for student in roster.students()
    ]


def _refuse_taken(db: sqlite3.Connection, name: str, *, but: str = "") -> None:
    taken = db.execute("SELECT 1 FROM students WHERE nickname = ? AND ended = 0 AND token != ?", (name, but))
    if taken.fetchone() is not None:
        raise BadInputError("Someone in this class is already called {name}: choose another nickname.", name=name)


def _student(row: tuple[object, ...]) -> Student:
    token, nickname, joined, ended = row
    return Student(str(token), str(nickname), float(joined), bool(ended))  # type: ignore[arg-type]
