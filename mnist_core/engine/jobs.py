"""One server-wide training queue: first come, first served, one job per browser session.

Every training the app starts goes through :class:`TrainingQueue`:

- a session has at most one job waiting or running; a second request says so;
- identical specs coalesce: ten students asking for ``keras-seed`` wait for one
  job, and all of them get its model;
- a spec already in the store is answered at once, without training;
- jobs are rows of a SQLite table (:class:`JobTable`, WAL mode) beside the
  model store, so a server restarted with jobs waiting or running submits them
  again: nothing the class asked for is silently lost;
- the tasks themselves run on the :class:`~mnist_core.engine.cluster.Engine` (Dask);
  a worker that dies mid-task is replaced and the task tried once more.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..classroom.drawings import class_set
from ..database import Database
from ..errors import QueueError
from ..images.drawn import PRACTICE_PER_DIGIT
from ..spec import PRESETS, ModelSpec, preset, preset_name
from ..store import ModelStore, StoredModel
from ..training.records import EpochEvent
from .cluster import Engine, TaskOutcome

__all__ = [
    "ACTIVE",
    "SWEEP_SESSION_PREFIX",
    "Job",
    "JobStatus",
    "JobTable",
    "TrainingQueue",
    "database_path",
    "estimate_seconds",
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
        events: the epochs reported so far (this server's run only).
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
    """The job table in SQLite: short transactions in WAL mode, one connection per call.

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
            """,
            version=SCHEMA_VERSION,
            remedy="if it is damaged, move it away and restart the server: a new one is made.",
        )
        self.path = self.database.path

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One short write transaction (``BEGIN IMMEDIATE``)."""
        return self.database.transaction()

    def insert(self, db: sqlite3.Connection, job: Job) -> None:
        """Add a job."""
        db.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job.id,
                json.dumps(job.spec.to_dict()),
                job.name,
                job.model_key,
                job.state,
                json.dumps(list(job.sessions)),
                job.created,
                job.started,
                job.finished,
                job.attempts,
                job.model_id,
                job.error,
                job.worker,
            ),
        )

    def update(self, db: sqlite3.Connection, job_id: str, **values: Any) -> None:
        """Change some columns of a job."""
        if "sessions" in values:
            values["sessions"] = json.dumps(list(values["sessions"]))
        columns = ", ".join(f"{name} = ?" for name in values)
        db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values.values(), job_id))

    def get(self, db: sqlite3.Connection, job_id: str) -> Job | None:
        """One job, or None."""
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def select(self, db: sqlite3.Connection, where: str = "1", *args: Any) -> list[Job]:
        """Jobs matching a SQL condition, oldest first."""
        rows = db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY created, rowid", args).fetchall()
        return [_job(row) for row in rows]

    def jobs(self, *states: str) -> list[Job]:
        """Every job in one of ``states`` (all jobs without any), oldest first."""
        with self.transaction() as db:
            if not states:
                return self.select(db)
            marks = ", ".join("?" for _ in states)
            return self.select(db, f"state IN ({marks})", *states)


def _job(row: tuple[Any, ...]) -> Job:
    (job_id, spec, name, model_key, state, sessions, created, started, finished, attempts, model_id, error, worker) = (
        row
    )
    return Job(
        id=job_id,
        spec=ModelSpec.from_dict(json.loads(spec)),
        name=name,
        model_key=model_key,
        state=state,
        sessions=tuple(json.loads(sessions)),
        created=created,
        started=started,
        finished=finished,
        attempts=attempts,
        model_id=model_id,
        error=error,
        worker=worker,
    )


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


@dataclass
class _Live:
    """What the server knows of a job beyond its row: epochs and first-layer weights reported in this run."""

    events: list[EpochEvent] = field(default_factory=list)
    first_layer: tuple[int, np.ndarray] | None = None


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
        self, store: ModelStore, table: JobTable, engine: Engine, *, fingerprint: str, max_attempts: int = 3
    ) -> None:
        self.store = store
        self.table = table
        self.engine = engine
        self.fingerprint = fingerprint
        self.max_attempts = max_attempts
        self._live: dict[str, _Live] = {}
        self._lock = threading.Lock()
        self._measured_at: tuple[float, list[StoredModel]] | None = None

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
                resumed.append(job)
        for job in resumed:
            self._submit(job)
        return resumed

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
        except Exception as error:  # the scheduler went away: the job must not wait for ever
            with self.table.transaction() as db:
                self.table.update(
                    db,
                    job.id,
                    state=FAILED,
                    finished=time.time(),
                    error=f"The training engine did not take the job: {error}",
                )

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
            QueueError: this session already has a job waiting or running.
        """
        name = name or preset_name(spec)
        model_key = spec.key(self.fingerprint)
        now = time.time()
        with self.table.transaction() as db:
            mine = [job for job in self.table.select(db, "state IN (?, ?)", *ACTIVE) if session in job.sessions]
            if mine:
                raise QueueError(
                    f"You already have a model {'training' if mine[0].state == RUNNING else 'waiting to train'} "
                    f"({mine[0].label}): wait for it or stop it first."
                )
            if model_key in self.store:
                job = Job(uuid.uuid4().hex[:12], spec, name, model_key, DONE, (session,), now, now, now, 0, model_key)
                self.table.insert(db, job)
                return job
            same = self.table.select(db, "model_key = ? AND state IN (?, ?)", model_key, *ACTIVE)
            if same:
                job = same[0]
                self.table.update(db, job.id, sessions=(*job.sessions, session))
                return self.table.get(db, job.id) or job
            job = Job(uuid.uuid4().hex[:12], spec, name, model_key, QUEUED, (session,), now, attempts=1)
            self.table.insert(db, job)
        self._submit(job)
        return job

    def submit_many(self, specs: Sequence[ModelSpec], session: str) -> list[Job]:
        """Ask for many models at once on behalf of a sweep (``session`` is ``sweep:<id>``).

        As :meth:`submit`, spec by spec (from the store, joined to an identical job, or
        queued), without the one-job limit; the new jobs wait behind single models.
        """
        if not session.startswith(SWEEP_SESSION_PREFIX):
            raise QueueError("Only a sweep asks for many models at once.")
        jobs, new = [], []
        now = time.time()
        with self.table.transaction() as db:
            for spec in specs:
                model_key = spec.key(self.fingerprint)
                same = self.table.select(db, "model_key = ? AND state IN (?, ?)", model_key, *ACTIVE)
                if model_key in self.store:
                    job = Job(
                        uuid.uuid4().hex[:12], spec, None, model_key, DONE, (session,), now, now, now, 0, model_key
                    )
                    self.table.insert(db, job)
                elif same:
                    job = same[0]
                    if session not in job.sessions:
                        self.table.update(db, job.id, sessions=(*job.sessions, session))
                else:
                    job = Job(
                        uuid.uuid4().hex[:12], spec, preset_name(spec), model_key, QUEUED, (session,), now, attempts=1
                    )
                    self.table.insert(db, job)
                    new.append(job)
                jobs.append(job)
        for job in new:
            self._submit(job)
        return jobs

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
        self.engine.stop(job_id)
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Stop a job for everyone waiting on it (the teacher's cancel): as :meth:`stop` by its last session."""
        with self.table.transaction() as db:
            job = self.table.get(db, job_id)
        if job is not None and job.active:
            self.engine.stop(job_id)
        return job

    # -- watching -----------------------------------------------------------------

    def status(self, job_id: str) -> JobStatus | None:
        """A job with its place in the queue, time estimates and live epochs."""
        with self.table.transaction() as db:
            job = self.table.get(db, job_id)
            if job is None:
                return None
            active = self.table.select(db, "state IN (?, ?)", *ACTIVE)
        return self._status(job, active)

    def session_job(self, session: str) -> JobStatus | None:
        """The newest job of a session (active or not), as :meth:`status`."""
        with self.table.transaction() as db:
            # Sessions are stored as a JSON list of quoted ids: a cheap filter first, then the exact test.
            candidates = self.table.select(db, "sessions LIKE ?", f'%"{session}"%')
            mine = [job for job in candidates if session in job.sessions]
            active = self.table.select(db, "state IN (?, ?)", *ACTIVE)
        return self._status(mine[-1], active) if mine else None

    def overview(self) -> list[JobStatus]:
        """Every job running or waiting, running first, then in queue order."""
        active = self.table.jobs(*ACTIVE)
        ordered = [job for job in active if job.state == RUNNING] + [job for job in active if job.state == QUEUED]
        return [self._status(job, active) for job in ordered]

    def wait(self, job_id: str, timeout: float) -> JobStatus | None:
        """Block until the job has ended (or ``timeout`` seconds passed); returns its status."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(job_id)
            if status is None or not status.job.active or time.monotonic() >= deadline:
                return status
            time.sleep(0.1)

    def _status(self, job: Job, active: list[Job]) -> JobStatus:
        workers = max(1, self._workers())
        running = [other for other in active if other.state == RUNNING]
        waiting = [other for other in active if other.state == QUEUED]
        measured = self._measured()
        seconds = estimate_seconds(job.spec, measured)
        position = wait = None
        if job.state == QUEUED:
            position = next(index for index, other in enumerate(waiting, start=1) if other.id == job.id)
            left = [
                max(0.0, estimate_seconds(other.spec, measured) - (time.time() - (other.started or time.time())))
                for other in running
            ]
            ahead = [estimate_seconds(other.spec, measured) for other in waiting[: position - 1]]
            wait = (sum(left) + sum(ahead)) / workers
        live = self._live.get(job.id)
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
            train_seconds=seconds,
            events=tuple(live.events) if live else (),
            first_layer=live.first_layer if live else None,
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

    # -- what the engine reports ----------------------------------------------------

    def on_event(self, job_id: str, kind: str, message: dict[str, Any]) -> None:
        """A task started, or finished an epoch."""
        if kind == "started":
            with self._lock:
                self._live[job_id] = _Live()
            with self.table.transaction() as db:
                self.table.update(db, job_id, state=RUNNING, started=time.time(), worker=str(message.get("worker")))
        elif kind == "epoch":
            with self._lock:
                self._live.setdefault(job_id, _Live()).events.append(EpochEvent(**message["event"]))
        elif kind == "weights":
            images = np.frombuffer(message["images"], dtype=np.float16).reshape(message["shape"])
            with self._lock:
                self._live.setdefault(job_id, _Live()).first_layer = (int(message["epoch"]), images)

    def on_outcome(self, outcome: TaskOutcome) -> None:
        """A task ended: write its model into the store, or record why it did not finish."""
        now = time.time()
        if outcome.payload is not None:
            try:
                model = self.store.write(outcome.payload)
            except Exception as error:
                with self.table.transaction() as db:
                    self.table.update(db, outcome.job_id, state=FAILED, finished=now, error=str(error))
                return
            with self.table.transaction() as db:
                self.table.update(db, outcome.job_id, state=DONE, finished=now, model_id=model.id)
        elif outcome.cancelled:
            with self.table.transaction() as db:
                self.table.update(db, outcome.job_id, state=CANCELLED, finished=now)
        else:
            with self.table.transaction() as db:
                self.table.update(db, outcome.job_id, state=FAILED, finished=now, error=outcome.error)
