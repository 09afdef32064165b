"""The job table: every training the class asked for, a row each in SQLite beside the model store.

Each row is a :class:`Job`; beside the rows the table keeps what each running job has reported
(its epochs, its first layer's latest weights), written by the queue as the engine reports it.
Every page, process and command reads jobs back from here: it is the one source of truth.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..database import Database
from ..language import marked
from ..spec import ModelSpec
from ..store import ModelStore, StoredModel
from ..training import EpochEvent

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "Job",
    "JobStatus",
    "JobTable",
    "database_path",
]

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
#: States of a job that still holds its session's turn.
ACTIVE = (QUEUED, RUNNING)
DATABASE_FILE = "studio.db"
SCHEMA_VERSION = 1


def database_path(store: ModelStore) -> Path:
    """The SQLite file of a store's server: ``studio.db`` inside the store's folder."""
    return store.root / DATABASE_FILE


@dataclass(frozen=True)
class Job:
    """One row of the job table: what was asked, by whom, and how far it got.

    Attributes:
        id: the job's id.
        spec: what to train.
        name: the name the model gets (a preset's, or None for a custom model).
        model_key: the store id the finished model will have.
        state: queued, running, done, failed or cancelled.
        sessions: the browser sessions waiting for it (coalesced requests), first asker first.
        created, started, finished: Unix times (started/finished None until then).
        attempts: how many times it was submitted to the engine.
        model_id: the stored model's id once done (``-e<epochs>`` if stopped).
        error: why it failed.
        worker: the worker that runs or ran it.
    """

    id: str
    spec: ModelSpec
    name: str | None
    model_key: str
    state: str
    sessions: tuple[str, ...]
    created: float
    started: float | None = None
    finished: float | None = None
    attempts: int = 0
    model_id: str | None = None
    error: str | None = None
    worker: str | None = None

    @classmethod
    def asked(cls, spec: ModelSpec, session: str, *, name: str | None, model_key: str, in_store: bool) -> Job:
        """A new request: done at once when the store holds its model, otherwise waiting its first turn."""
        now = time.time()
        job_id = uuid.uuid4().hex[:12]
        if in_store:
            return cls(
                job_id, spec, name, model_key, DONE, (session,), now, started=now, finished=now, model_id=model_key
            )
        return cls(job_id, spec, name, model_key, QUEUED, (session,), now, attempts=1)

    @property
    def active(self) -> bool:
        """Whether it is still waiting or running."""
        return self.state in ACTIVE

    @property
    def from_store(self) -> bool:
        """Whether it was answered from the store at once, with nothing trained."""
        return self.state == DONE and self.attempts == 0

    @property
    def label(self) -> str:
        """What it trains, for a table: ``quick`` or ``custom keras 784-128-10``."""
        return self.name or f"custom {self.spec.framework} {self.spec.architecture}"


#: The job table's columns, in the order of :class:`Job`'s fields.
COLUMNS = tuple(field.name for field in fields(Job))


@dataclass(frozen=True)
class JobStatus:
    """A job as a page shows it.

    Attributes:
        job: the row.
        position: its place among the waiting jobs (1 = next), None unless queued.
        running: how many jobs run now.
        workers: how many workers train.
        wait_seconds: estimated seconds until it starts (0 once it runs).
        train_seconds: estimated training seconds of the job itself.
        events: the epochs its latest attempt reported.
        first_layer: the latest epoch's first-layer weights as images, with that epoch.
        model: the stored model once done.
    """

    job: Job
    position: int | None
    running: int
    workers: int
    wait_seconds: float
    train_seconds: float
    events: tuple[EpochEvent, ...] = ()
    first_layer: tuple[int, np.ndarray] | None = None
    model: StoredModel | None = None


class JobTable:
    """The job table in SQLite, with each running job's epochs and first-layer weights beside it.

    Short transactions in WAL mode, one connection per call.

    Raises:
        DatabaseError: the file is damaged, not a database, or locked for too long.
    """

    def __init__(self, path: Path | str) -> None:
        self.database = Database(
            path,
            what=marked("the job database"),
            schema="""
                CREATE TABLE IF NOT EXISTS jobs (
                    id TEXT PRIMARY KEY,
                    spec TEXT NOT NULL,
                    name TEXT,
                    model_key TEXT NOT NULL,
                    state TEXT NOT NULL,
                    sessions TEXT NOT NULL,
                    created REAL NOT NULL,
                    started REAL,
                    finished REAL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    model_id TEXT,
                    error TEXT,
                    worker TEXT
                );
                CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created);
                CREATE TABLE IF NOT EXISTS epochs (
                    job_id TEXT NOT NULL,
                    epoch INTEGER NOT NULL,
                    event TEXT NOT NULL,
                    PRIMARY KEY (job_id, epoch)
                );
                CREATE TABLE IF NOT EXISTS first_layers (
                    job_id TEXT PRIMARY KEY,
                    epoch INTEGER NOT NULL,
                    shape TEXT NOT NULL,
                    images BLOB NOT NULL
                );
            """,
            version=SCHEMA_VERSION,
            remedy=marked("if it is damaged, move it away and restart the server: a new one is made."),
        )
        self.path = self.database.path

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One short write transaction (``BEGIN IMMEDIATE``)."""
        return self.database.transaction()

    def read(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One consistent read that does not wait for writers."""
        return self.database.read()

    def insert(self, db: sqlite3.Connection, job: Job) -> None:
        """Add a job."""
        values = list(astuple(job))
        values[COLUMNS.index("spec")] = json.dumps(job.spec.to_dict())
        values[COLUMNS.index("sessions")] = json.dumps(list(job.sessions))
        marks = ", ".join("?" for _ in COLUMNS)
        db.execute(f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({marks})", values)

    def update(self, db: sqlite3.Connection, job_id: str, **values: Any) -> None:
        """Change some columns of a job."""
        if "sessions" in values:
            values["sessions"] = json.dumps(list(values["sessions"]))
        columns = ", ".join(f"{name} = ?" for name in values)
        db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values.values(), job_id))

    def get(self, db: sqlite3.Connection, job_id: str) -> Job | None:
        """One job, or None."""
        row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def select(self, db: sqlite3.Connection, where: str = "1", *args: Any) -> list[Job]:
        """Jobs matching a SQL condition, oldest first."""
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE {where} ORDER BY created, rowid", args)
        return [_job(row) for row in rows.fetchall()]

    def jobs(self, *states: str) -> list[Job]:
        """Every job in one of ``states`` (all jobs without any), oldest first."""
        with self.read() as db:
            if not states:
                return self.select(db)
            marks = ", ".join("?" for _ in states)
            return self.select(db, f"state IN ({marks})", *states)

    # -- what a running job has reported ----------------------------------------------

    def add_epoch(self, db: sqlite3.Connection, job_id: str, event: EpochEvent) -> None:
        """Keep one epoch of a job that is still active (a late report of an ended one is dropped)."""
        db.execute(
            "INSERT OR REPLACE INTO epochs SELECT ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM jobs WHERE id = ? AND state IN (?, ?))",
            (job_id, event.epoch, json.dumps(event.to_dict()), job_id, *ACTIVE),
        )

    def set_first_layer(self, db: sqlite3.Connection, job_id: str, epoch: int, images: np.ndarray) -> None:
        """Keep the latest first-layer weights of a job that is still active."""
        db.execute(
            "INSERT OR REPLACE INTO first_layers SELECT ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM jobs WHERE id = ? AND state IN (?, ?))",
            (job_id, epoch, json.dumps(list(images.shape)), images.astype(np.float16).tobytes(), job_id, *ACTIVE),
        )

    def forget_progress(self, db: sqlite3.Connection, job_id: str) -> None:
        """Drop a job's epochs and weights: it starts again from its first epoch."""
        db.execute("DELETE FROM epochs WHERE job_id = ?", (job_id,))
        self.forget_first_layer(db, job_id)

    def forget_first_layer(self, db: sqlite3.Connection, job_id: str) -> None:
        """Drop a job's latest weights: it has ended, and its model keeps them epoch by epoch."""
        db.execute("DELETE FROM first_layers WHERE job_id = ?", (job_id,))

    def epochs(self, db: sqlite3.Connection, job_id: str) -> tuple[EpochEvent, ...]:
        """The epochs a job's current attempt has reported, in order."""
        rows = db.execute("SELECT event FROM epochs WHERE job_id = ? ORDER BY epoch", (job_id,)).fetchall()
        return tuple(EpochEvent(**json.loads(event)) for (event,) in rows)

    def first_layer(self, db: sqlite3.Connection, job_id: str) -> tuple[int, np.ndarray] | None:
        """The latest first-layer weights a job reported, with their epoch."""
        row = db.execute("SELECT epoch, shape, images FROM first_layers WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        epoch, shape, images = row
        return int(epoch), np.frombuffer(images, dtype=np.float16).reshape(json.loads(shape))


def _job(row: Sequence[Any]) -> Job:
    values = dict(zip(COLUMNS, row, strict=True))
    values["spec"] = ModelSpec.from_dict(json.loads(values["spec"]))
    values["sessions"] = tuple(json.loads(values["sessions"]))
    return Job(**values)
