"""One SQLite file opened by many processes at the same moment: each gets the same, whole database."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_core.engine import JobTable

from .conftest import FORKS, fork_python

OPENER = """
from mnist_core.classroom import ClassDrawings, Roster
from mnist_core.engine import JobTable

start.wait()  # every process opens the new files at once
JobTable(folder + "/studio.db")
ClassDrawings(folder + "/class.db")
Roster(folder + "/class.db")
"""


@pytest.mark.slow
def test_processes_opening_a_new_database_at_once_all_get_it(tmp_path: Path) -> None:
    """Eight processes set up the same fresh files together, three times over: none finds them locked."""
    for round_ in range(3):
        folder = tmp_path / f"round-{round_}"
        folder.mkdir()
        start = FORKS.Barrier(8)
        openers = [fork_python(OPENER, folder=str(folder), start=start) for _ in range(8)]
        for opener in openers:
            opener.join(60)
        assert [opener.exitcode for opener in openers] == [0] * 8, "an opener failed (see its output)"
        assert JobTable(folder / "studio.db").jobs() == []
