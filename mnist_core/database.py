"""One SQLite file shared by many processes: WAL mode, short transactions, clear errors.

The job table and the class drawings each keep one such file. Every call opens
its own connection and holds it only for one short transaction, so thirty
browser sessions and the training workers can write at once; a writer that
finds the file busy waits up to ten seconds before giving up with a message.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import DatabaseError
from .language import Marked

__all__ = ["Database"]

#: How long a writer waits for another one to finish.
BUSY_SECONDS = 10


class Database:
    """A SQLite file with a schema and a version, made on first use.

    Args:
        path: the file; its folder is made if missing.
        what: how messages name it ("the job database").
        schema: ``CREATE … IF NOT EXISTS`` statements of its tables.
        version: the schema's version, kept in a ``meta`` table; a file written by a
            newer version is refused.
        remedy: what a message tells the user to do with a damaged file.
        version_key: where in ``meta`` the version is kept (tables sharing a file keep one each).

    Raises:
        DatabaseError: the file is damaged, not a database, locked for too long, or newer.
    """

    def __init__(
        self, path: Path | str, *, what: str, schema: str, version: int, remedy: str, version_key: str = "schema"
    ) -> None:
        self.path = Path(path)
        self.what = what
        self.remedy = remedy
        self.path.parent.mkdir(parents=True, exist_ok=True)
        found = self._set_up(schema, version, version_key)
        if int(found) > version:
            raise DatabaseError(
                "{what} {path} was written by a newer Digit Studio (schema {found}); update the app.",
                what=_capital(self.what),
                path=str(self.path),
                found=found,
            )

    def _set_up(self, schema: str, version: int, version_key: str) -> str:
        """WAL mode, the tables and the version: the version the file holds.

        Processes that open one file at the same moment (a class's first minute, two commands) may find
        it locked while another sets it up; SQLite's busy wait does not cover every step of that
        (switching to WAL), so a locked setup is tried again for up to :data:`BUSY_SECONDS`.
        """
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            db = self._open()
            try:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(
                    "BEGIN IMMEDIATE;\n"
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
                    f"{schema}\nCOMMIT;"
                )
                db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (version_key, str(version)))
                (found,) = db.execute("SELECT value FROM meta WHERE key = ?", (version_key,)).fetchone()
                return str(found)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise self._damaged(error) from None
            except sqlite3.DatabaseError as error:
                raise self._damaged(error) from None
            finally:
                db.close()
            time.sleep(0.05)

    def _open(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
        except sqlite3.Error as error:
            raise self._damaged(error) from None
        return db

    def _damaged(self, error: sqlite3.Error) -> DatabaseError:
        return DatabaseError(
            "{what} {path} cannot be used ({error}); {remedy}",
            what=_capital(self.what),
            path=str(self.path),
            error=str(error),
            remedy=self.remedy,
        )

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent read (a deferred transaction): in WAL mode it neither waits for nor blocks writers."""
        db = self._open()
        try:
            db.execute("BEGIN")
            yield db
            db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from None
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short transaction (``BEGIN IMMEDIATE``): committed at the end, rolled back on an error."""
        db = self._open()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise self._damaged(error) from None
        finally:
            db.close()


def _capital(words: str) -> str:
    """``words`` with a capital first letter; a :class:`Marked` one stays marked, so it is translated when shown."""
    return words.capitalized() if isinstance(words, Marked) else words[:1].upper() + words[1:]
