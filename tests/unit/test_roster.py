"""The class roster in SQLite: nicknames checked, kept by token, unique while a session lasts; the teacher decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_core.classroom.roles import TEACHER, Actor, require_teacher
from mnist_core.classroom.roster import Roster, check_nickname
from mnist_core.errors import BadInputError, NotAllowedError


@pytest.fixture
def roster(tmp_path: Path) -> Roster:
    return Roster(tmp_path / "class.db")


@pytest.mark.parametrize("given", ["A", "x" * 21, "", "   ", "_ana", "<b>ana</b>", "ana;drop", "**bold**"])
def test_a_nickname_that_cannot_be_used_says_why(given: str) -> None:
    """Too short, too long, or characters beyond letters, digits and - _ . ' are refused with a sentence."""
    with pytest.raises(BadInputError, match=r"nickname"):
        check_nickname(given)


def test_nicknames_are_trimmed_and_may_be_in_any_alphabet() -> None:
    """Spaces are folded; accented and non-Latin letters are letters."""
    assert check_nickname("  Zoë   K. ") == "Zoë K."
    assert check_nickname("Łukasz") == "Łukasz"
    assert check_nickname("明日香") == "明日香"
    assert check_nickname("o'Neil-2") == "o'Neil-2"


def test_a_student_is_found_again_by_token_and_no_two_share_a_nickname(roster: Roster) -> None:
    """join gives a secret token; the same nickname, in any case, is refused while its owner is in the class."""
    ana = roster.join("Ana")
    assert len(ana.token) >= 20 and roster.student(ana.token) == ana
    assert ana.actor == Actor("student", f"student:{ana.token}", "Ana")
    with pytest.raises(BadInputError, match="already called ANA"):
        roster.join("ANA")
    assert roster.student("no-such-token") is None and roster.student(None) is None
    assert roster.nickname(ana.actor.session) == "Ana" and roster.nickname("guest:abc") is None


def test_only_the_teacher_renames_and_ends_sessions(roster: Roster) -> None:
    """A student cannot rename or end anyone; the teacher can, and an ended session's nickname is free again."""
    ana, ben = roster.join("Ana"), roster.join("Ben")
    with pytest.raises(NotAllowedError, match="Only the teacher can rename students"):
        roster.rename(ana.token, "Queen", by=ben.actor)
    with pytest.raises(BadInputError, match="already called ben"):
        roster.rename(ana.token, "ben", by=TEACHER)
    assert roster.rename(ana.token, "Anna", by=TEACHER).nickname == "Anna"
    with pytest.raises(NotAllowedError):
        roster.end(ben.token, by=ana.actor)
    roster.end(ben.token, by=TEACHER)
    assert roster.student(ben.token) is None  # the browser asks for a nickname again
    assert roster.nickname(ben.actor.session) == "Ben"  # what Ben did keeps his name
    assert roster.join("Ben").token != ben.token
    assert [student.nickname for student in roster.students()] == ["Anna", "Ben", "Ben"]


def test_the_teachers_roster_offers_the_names_not_yet_taken(roster: Roster) -> None:
    """The teacher's list is offered in order, without the names students already hold."""
    with pytest.raises(NotAllowedError):
        roster.offer(["Ana"], by=Actor.guest("abc"))
    assert roster.offer(["Ana", "Ben", "ana", "", "Chloé"], by=TEACHER) == ["Ana", "Ben", "Chloé"]
    roster.join("ben")
    assert roster.offered() == ["Ana", "Chloé"]


def test_require_teacher_names_the_action() -> None:
    """The refusal is one sentence a student understands."""
    require_teacher(TEACHER, "delete models")
    with pytest.raises(NotAllowedError, match=r"^Only the teacher can delete models\.$"):
        require_teacher(Actor.guest("x"), "delete models")


def test_the_roll_call_counts_each_students_jobs_and_drawings(roster: Roster, tmp_path: Path) -> None:
    """The teacher's roster: who joined, how many models each asked for, what trains now, drawings kept."""
    from mnist_core.classroom import ClassDrawings, roll_call
    from mnist_core.engine import Job, JobTable
    from mnist_core.images import render_digit
    from mnist_core.spec import PRESETS

    ana, ben = roster.join("Ana"), roster.join("Ben")
    drawings = ClassDrawings(tmp_path / "class.db")
    for digit in (1, 7):
        drawings.add(render_digit(digit, height=150, pen=16), digit, ana.actor.session)
    drawings.add(render_digit(3, height=150, pen=16), 3, "guest:someone")
    assert drawings.counts_by_session() == {ana.actor.session: 2, "guest:someone": 1}
    table = JobTable(tmp_path / "studio.db")
    with table.transaction() as db:
        table.insert(db, Job.asked(PRESETS["quick"], ana.actor.session, name="quick", model_key="a", in_store=True))
        table.insert(db, Job.asked(PRESETS["quick"], ben.actor.session, name=None, model_key="b", in_store=False))

    entries = roll_call(roster, drawings, table)
    assert [(e.student.nickname, e.jobs, e.active_job, e.drawings) for e in entries] == [
        ("Ana", 1, None, 2),
        ("Ben", 1, f"custom sklearn {PRESETS['quick'].architecture}", 0),
    ]
