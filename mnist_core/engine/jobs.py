"""One server-wide training queue: first come, first served, one job per browser session.

Every training goes through :class:`TrainingQueue`, the app's and the command line's alike:

- a session has at most one job waiting or running (a sweep's many runs excepted); a second
  request says so;
- identical specs coalesce: ten students asking for ``keras-seed`` wait for one job, and all
  of them get its model;
- a spec already in the store is answered at once, without training;
- jobs are rows of a SQLite table (:class:`JobTable`, WAL mode) beside the model store, so a
  server restarted with jobs waiting or running submits them again: nothing the class asked
  for is silently lost;
- the tasks run on an engine: the Dask :class:`~mnist_core.engine.Engine`, where a worker that
  dies mid-task is replaced and the task tried once more, or the command line's
  :class:`~mnist_core.engine.LocalEngine`;
- the table is the one source of truth: what a task reports (started, each epoch, the first
  layer's weights) and how it ends are written there on one path, and every page, process and
  command reads them back from there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import statistics
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..data import Dataset, class_set
from ..database import Database
from ..errors import QueueError, TrainingError
from ..images.drawn import PRACTICE_PER_DIGIT
from ..spec import PRESETS, ModelSpec, preset, preset_name
from ..store import ModelStore, StoredModel
from ..training import ClassRows, EpochEvent, OnEpoch
from .local import LocalEngine
from .task import OnEvent, OnOutcome, TaskOutcome

__all__ = [
    "ACTIVE",
    "SWEEP_SESSION_PREFIX",
    "Job",
    "JobStatus",
    "JobTable",
    "TrainingEngine",
    "TrainingQueue",
    "database_path",
    "estimate_seconds",
    "train_in_process",
    "train_with",
]

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
#: States of a job that still holds its session's turn.
ACTIVE = (QUEUED, RUNNING)
DATABASE_FILE = "studio.db"
#: The preset a server with an empty store trains by itself at start ("" for none).
FIRST_PRESET_ENV = "DIGIT_STUDIO_FIRST_PRESET"
FIRST_PRESET = "quick"
#: Who asks for that first model.
FIRST_START_SESSION = "server:first-start"
SCHEMA_VERSION = 1
#: Sessions of a sweep's runs start so (``sweep:<id>``): they may hold many jobs, which wait behind single ones.
SWEEP_SESSION_PREFIX = "sweep:"
#: The Dask priority of sweep runs: a student's single model starts before the sweep's next run.
SWEEP_PRIORITY = -1

#: Training seconds of each preset, measured on a 2-core laptop (``make pretrain``): the estimate
#: a queue gives before the store holds measurements of its own.
MEASURED_SECONDS = {
    "sklearn-seed": 2.6,
    "keras-seed": 12.0,
    "keras-dropout": 12.0,
    "keras-functional": 12.0,
    "keras-early-stopping": 20.0,
    "quick": 7.5,
    "best": 206.4,
}


#: How long the queue reuses its reading of the store's measured training times.
MEASURED_REFRESH_SECONDS = 10.0
#: A wait reads the table again at least this often: another process (a server, a command) may end the job.
REREAD_SECONDS = 0.5


def database_path(store: ModelStore) -> Path:
    """The SQLite file of a store's server: ``studio.db`` inside the store's folder."""
    return store.root / DATABASE_FILE


class TrainingEngine(Protocol):
    """What the queue needs of an engine: the Dask :class:`~mnist_core.engine.Engine` or a
    :class:`~mnist_core.engine.LocalEngine`."""

    @property
    def description(self) -> str: ...

    @property
    def worker_count(self) -> int: ...

    def submit(
        self,
        job_id: str,
        spec: ModelSpec,
        *,
        name: str | None = None,
        on_event: OnEvent | None = None,
        on_outcome: OnOutcome | None = None,
        priority: int = 0,
        class_rows: ClassRows | None = None,
    ) -> None: ...

    def stop(self, job_id: str, *, started: bool = True) -> None: ...


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
            what="the job database",
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
            remedy="if it is damaged, move it away and restart the server: a new one is made.",
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


def estimate_seconds(spec: ModelSpec, measured: Sequence[StoredModel] = ()) -> float:
    """Training seconds a spec will take, scaled from measured runs of the same framework.

    Work is counted as images × epochs × parameters; the seconds per unit of
    work come from the stored models' own measurements where there are any,
    otherwise from the presets' :data:`MEASURED_SECONDS`.
    """
    rates = [model.train_seconds / _work(model.spec) for model in measured if model.framework == spec.framework]
    if not rates:
        rates = [
            MEASURED_SECONDS[name] / _work(PRESETS[name])
            for name in PRESETS
            if PRESETS[name].framework == spec.framework
        ]
    return statistics.median(rates) * _work(spec)


def _work(spec: ModelSpec) -> float:
    images = spec.train_size * (1 - spec.validation_fraction) + (10 * PRACTICE_PER_DIGIT if spec.drawings else 0)
    return images * spec.epochs * spec.parameter_count * (1.0 if spec.augment == "off" else 2.0)


class TrainingQueue:
    """The server's training queue over a job table, a model store and an engine.

    Args:
        store: where finished models go.
        table: the job table (it survives restarts).
        engine: runs the tasks.
        fingerprint: the server's MNIST fingerprint, which names models in the store.
        max_attempts: submissions of one job across server restarts before it fails.
    """

    def __init__(
        self,
        store: ModelStore,
        table: JobTable,
        engine: TrainingEngine,
        *,
        fingerprint: str,
        max_attempts: int = 3,
    ) -> None:
        self.store = store
        self.table = table
        self.engine = engine
        self.fingerprint = fingerprint
        self.max_attempts = max_attempts
        self._measured_at: tuple[float, list[StoredModel]] | None = None
        # Tells waiting threads of this process that a job reported or ended.
        self._changed = threading.Condition()
        self._generation = 0

    def resume(self) -> list[Job]:
        """Submit again what a previous server left waiting or running (call once, at start).

        Returns:
            The jobs submitted again.
        """
        resumed = []
        with self.table.transaction() as db:
            for job in self.table.select(db, "state IN (?, ?)", *ACTIVE):
                if job.attempts >= self.max_attempts:
                    self.table.update(
                        db,
                        job.id,
                        state=FAILED,
                        finished=time.time(),
                        error="The server stopped while training this model several times; the job has failed.",
                    )
                    continue
                self.table.update(db, job.id, state=QUEUED, started=None, worker=None, attempts=job.attempts + 1)
                self.table.forget_progress(db, job.id)
                resumed.append(job)
        for job in resumed:
            self._submit(job)
        return resumed

    def train_first_model(self) -> Job | None:
        """With an empty store and an empty queue, ask for the demo preset, so that Draw works within seconds.

        The preset is ``$DIGIT_STUDIO_FIRST_PRESET`` (default ``quick``; empty for none).
        """
        name = os.environ.get(FIRST_PRESET_ENV, FIRST_PRESET)
        if not name or self.store.models() or self.table.jobs(*ACTIVE):
            return None
        return self.submit(preset(name), FIRST_START_SESSION, name=name)

    # -- asking -------------------------------------------------------------------

    def submit(self, spec: ModelSpec, session: str, *, name: str | None = None) -> Job:
        """Ask for a model of ``spec`` on behalf of ``session``.

        Returns:
            The job: done at once when the store already holds the model, the
            job of another session when it asked for the same spec first, or a
            new job at the end of the queue.

        Raises:
            QueueError: this session already has a job waiting or running (a sweep's
                session, ``sweep:<id>``, may have many).
        """
        name = name or preset_name(spec)
        model_key = spec.key(self.fingerprint)
        with self.table.transaction() as db:
            active = self.table.select(db, "state IN (?, ?)", *ACTIVE)
            mine = [job for job in active if session in job.sessions]
            if mine and not session.startswith(SWEEP_SESSION_PREFIX):
                raise QueueError(
                    f"You already have a model {'training' if mine[0].state == RUNNING else 'waiting to train'} "
                    f"({mine[0].label}): wait for it or stop it first."
                )
            if model_key in self.store:
                job = Job.asked(spec, session, name=name, model_key=model_key, in_store=True)
                self.table.insert(db, job)
                return job
            same = [job for job in active if job.model_key == model_key]
            if same:
                job = same[0]
                if session not in job.sessions:
                    self.table.update(db, job.id, sessions=(*job.sessions, session))
                return self.table.get(db, job.id) or job
            job = Job.asked(spec, session, name=name, model_key=model_key, in_store=False)
            self.table.insert(db, job)
        self._submit(job)
        return job

    def submit_many(self, specs: Sequence[ModelSpec], session: str) -> list[Job]:
        """:meth:`submit` over a list, on behalf of a sweep (``session`` is ``sweep:<id>``).

        Raises:
            QueueError: the session is not a sweep's.
        """
        if not session.startswith(SWEEP_SESSION_PREFIX):
            raise QueueError("Only a sweep asks for many models at once.")
        return [self.submit(spec, session) for spec in specs]

    def stop(self, job_id: str, session: str) -> Job | None:
        """``session`` no longer waits for this job; the last one to leave stops it.

        A waiting job is cancelled; a running one stops after its current step
        and keeps what it learned, as a stopped model.
        """
        with self.table.transaction() as db:
            job = self.table.get(db, job_id)
            if job is None or not job.active or session not in job.sessions:
                return job
            others = tuple(other for other in job.sessions if other != session)
            if others:
                self.table.update(db, job_id, sessions=others)
                return self.table.get(db, job_id)
        self.engine.stop(job_id, started=job.state == RUNNING)
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Stop a job for everyone waiting on it (the teacher's cancel): as :meth:`stop` by its last session."""
        with self.table.read() as db:
            job = self.table.get(db, job_id)
        if job is not None and job.active:
            self.engine.stop(job_id, started=job.state == RUNNING)
        return job

    def _submit(self, job: Job) -> None:
        swept = all(session.startswith(SWEEP_SESSION_PREFIX) for session in job.sessions)
        try:
            # The class's drawings are read here, where they are kept, and travel with the task.
            rows = class_set(job.spec.class_set) if job.spec.class_set else None
            self.engine.submit(
                job.id,
                job.spec,
                name=job.name,
                on_event=self.on_event,
                on_outcome=self.on_outcome,
                priority=SWEEP_PRIORITY if swept else 0,
                class_rows=rows,
            )
        except Exception as error:  # the scheduler went away, or the drawings are gone: the job must not wait for ever
            with self.table.transaction() as db:
                self.table.update(
                    db,
                    job.id,
                    state=FAILED,
                    finished=time.time(),
                    error=f"The training engine did not take the job: {error}",
                )
            self._notify()

    def estimate(self, spec: ModelSpec) -> float:
        """Training seconds ``spec`` would take here, scaled from the store's own measurements."""
        return estimate_seconds(spec, self._measured())

    # -- watching -----------------------------------------------------------------

    def status(self, job_id: str) -> JobStatus | None:
        """A job with its place in the queue, time estimates and the epochs it has reported."""
        with self.table.read() as db:
            job = self.table.get(db, job_id)
            if job is None:
                return None
            return self._status(db, job, self.table.select(db, "state IN (?, ?)", *ACTIVE))

    def session_job(self, session: str) -> JobStatus | None:
        """The newest job of a session (active or not), as :meth:`status`."""
        with self.table.read() as db:
            # Sessions are stored as a JSON list of quoted ids: a cheap filter first, then the exact test.
            candidates = self.table.select(db, "sessions LIKE ?", f'%"{session}"%')
            mine = [job for job in candidates if session in job.sessions]
            if not mine:
                return None
            return self._status(db, mine[-1], self.table.select(db, "state IN (?, ?)", *ACTIVE))

    def overview(self) -> list[JobStatus]:
        """Every job running or waiting, running first, then in queue order."""
        with self.table.read() as db:
            active = self.table.select(db, "state IN (?, ?)", *ACTIVE)
            ordered = [job for job in active if job.state == RUNNING] + [job for job in active if job.state == QUEUED]
            return [self._status(db, job, active) for job in ordered]

    @property
    def generation(self) -> int:
        """A number that grows each time a job of this process's engine reports or ends."""
        with self._changed:
            return self._generation

    def wait_for_change(self, since: int, timeout: float) -> bool:
        """Block until :attr:`generation` has moved past ``since`` (True) or ``timeout`` seconds passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._generation != since, timeout=max(0.0, timeout))

    def wait(self, job_id: str, timeout: float | None = None, *, on_epoch: OnEpoch | None = None) -> JobStatus | None:
        """Block until the job has ended (or ``timeout`` seconds passed); returns its status.

        ``on_epoch`` hears each epoch as the table records it. A job that another process
        trains is read again every :data:`REREAD_SECONDS`.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        told = 0
        while True:
            since = self.generation
            status = self.status(job_id)
            if status is not None and on_epoch is not None:
                told = min(told, len(status.events))  # an attempt that started again reports from epoch 1
                for event in status.events[told:]:
                    on_epoch(event)
                told = len(status.events)
            left = REREAD_SECONDS if deadline is None else deadline - time.monotonic()
            if status is None or not status.job.active or left <= 0:
                return status
            self.wait_for_change(since, min(left, REREAD_SECONDS))

    def _status(self, db: sqlite3.Connection, job: Job, active: list[Job]) -> JobStatus:
        workers = max(1, self._workers())
        running = [other for other in active if other.state == RUNNING]
        waiting = [other for other in active if other.state == QUEUED]
        measured = self._measured()
        position = wait = None
        if job.state == QUEUED:
            position = next(index for index, other in enumerate(waiting, start=1) if other.id == job.id)
            left = [
                max(0.0, estimate_seconds(other.spec, measured) - (time.time() - (other.started or time.time())))
                for other in running
            ]
            ahead = [estimate_seconds(other.spec, measured) for other in waiting[: position - 1]]
            wait = (sum(left) + sum(ahead)) / workers
        model = None
        if job.model_id is not None:
            with contextlib.suppress(Exception):
                model = self.store.get(job.model_id)
        return JobStatus(
            job=job,
            position=position,
            running=len(running),
            workers=workers,
            wait_seconds=wait or 0.0,
            train_seconds=estimate_seconds(job.spec, measured),
            events=self.table.epochs(db, job.id),
            first_layer=self.table.first_layer(db, job.id) if job.active else None,
            model=model,
        )

    def _measured(self) -> list[StoredModel]:
        """The store's models, for time estimates: read at most every few seconds, as pages poll every second."""
        now = time.monotonic()
        if self._measured_at is None or now - self._measured_at[0] > MEASURED_REFRESH_SECONDS:
            self._measured_at = (now, self.store.models())
        return self._measured_at[1]

    def _workers(self) -> int:
        try:
            return self.engine.worker_count
        except Exception:  # a scheduler that does not answer must not break a page
            return 1

    def _notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # -- what the engine reports: the one path into the table ------------------------

    def on_event(self, job_id: str, kind: str, message: dict[str, Any]) -> None:
        """A task started, finished an epoch, or sent its first layer's weights."""
        with self.table.transaction() as db:
            if kind == "started":
                self.table.update(db, job_id, state=RUNNING, started=time.time(), worker=str(message.get("worker")))
                self.table.forget_progress(db, job_id)  # a task tried again reports from its first epoch
            elif kind == "epoch":
                self.table.add_epoch(db, job_id, EpochEvent(**message["event"]))
            elif kind == "weights":
                images = np.frombuffer(message["images"], dtype=np.float16).reshape(message["shape"])
                self.table.set_first_layer(db, job_id, int(message["epoch"]), images)
        self._notify()

    def on_outcome(self, outcome: TaskOutcome) -> None:
        """A task ended: write its model into the store, or record why it did not finish."""
        now = time.time()
        values: dict[str, Any]
        if outcome.payload is not None:
            try:
                model = self.store.write(outcome.payload)
                values = {"state": DONE, "model_id": model.id}
            except Exception as error:
                values = {"state": FAILED, "error": str(error)}
        elif outcome.cancelled:
            values = {"state": CANCELLED}
        else:
            values = {"state": FAILED, "error": outcome.error}
        with self.table.transaction() as db:
            self.table.update(db, outcome.job_id, finished=now, **values)
            self.table.forget_first_layer(db, outcome.job_id)
        self._notify()


def train_with(
    queue: TrainingQueue,
    spec: ModelSpec,
    *,
    name: str | None = None,
    session: str | None = None,
    on_epoch: OnEpoch | None = None,
) -> tuple[StoredModel, bool]:
    """The stored model for ``spec``, asked of ``queue`` and waited for: the command line's way to train.

    Ctrl-C stops the training, keeping what it learned.

    Returns:
        ``(model, from_store)``: from_store is True when this call trained nothing (the store
        had the model, or another session's job trained it).

    Raises:
        TrainingError: the job failed or was cancelled (the message says why).
    """
    session = session or f"command:{uuid.uuid4().hex[:12]}"
    job = queue.submit(spec, session, name=name)
    try:
        status = queue.wait(job.id, on_epoch=on_epoch)
    except KeyboardInterrupt:
        queue.stop(job.id, session)
        status = queue.wait(job.id)
    if status is None or status.model is None:
        reason = None if status is None else status.job.error
        raise TrainingError(reason or "The training was cancelled before it started.")
    return status.model, status.job.from_store or status.job.sessions[0] != session


def train_in_process(
    spec: ModelSpec,
    dataset: Dataset,
    store: ModelStore,
    *,
    name: str | None = None,
    on_epoch: OnEpoch | None = None,
) -> tuple[StoredModel, bool]:
    """:func:`train_with` over this store's job table and a :class:`LocalEngine` on ``dataset``.

    Two processes asking for the same spec at once train it once: the second joins the
    first one's job in the table and reads its model.
    """
    engine = LocalEngine(dataset)
    try:
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
        return train_with(queue, spec, name=name, on_epoch=on_epoch)
    finally:
        engine.close()
