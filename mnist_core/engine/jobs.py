"""One server-wide training queue: first come, first served, one job per student.

Every training goes through :class:`TrainingQueue`, the app's and the command line's alike:

- a session has at most one job waiting or running (a sweep's many runs excepted); a second
  request says so;
- identical specs coalesce: ten students asking for ``keras-seed`` wait for one job, and all
  of them get its model;
- a spec already in the store is answered at once, without training;
- jobs are rows of a SQLite table (:class:`~mnist_core.engine.table.JobTable`, WAL mode) beside the model store, so a
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
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..data import class_set
from ..errors import QueueError
from ..language import Catalogue
from ..spec import ModelSpec, preset, preset_name
from ..store import ModelStore, StoredModel
from ..training import ClassRows, EpochEvent, OnEpoch
from .estimates import estimate_seconds
from .table import ACTIVE, CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job, JobStatus, JobTable
from .task import OnEvent, OnOutcome, TaskOutcome

__all__ = [
    "REREAD_SECONDS",
    "SWEEP_SESSION_PREFIX",
    "TrainingEngine",
    "TrainingQueue",
]

log = logging.getLogger(__name__)

#: The preset a server with an empty store trains by itself at start ("" for none).
FIRST_PRESET_ENV = "DIGIT_STUDIO_FIRST_PRESET"
FIRST_PRESET = "quick"
#: Who asks for that first model.
FIRST_START_SESSION = "server:first-start"
#: Sessions of a sweep's runs start so (``sweep:<id>``): they may hold many jobs, which wait behind single ones.
SWEEP_SESSION_PREFIX = "sweep:"
#: The Dask priority of sweep runs: a student's single model starts before the sweep's next run.
SWEEP_PRIORITY = -1

#: How long the queue reuses its reading of the store's measured training times.
MEASURED_REFRESH_SECONDS = 10.0
#: A wait reads the table again at least this often: another process (a server, a command) may end the job.
REREAD_SECONDS = 0.5


class TrainingEngine(Protocol):
    """What the queue needs of an engine: the Dask :class:`~mnist_core.engine.Engine` or a
    :class:`~mnist_core.engine.LocalEngine`."""

    @property
    def description(self) -> str: ...

    def description_in(self, words: Catalogue) -> str: ...

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
                if mine[0].state == RUNNING:
                    raise QueueError(
                        "You already have a model training ({model}): wait for it or stop it first.",
                        model=mine[0].label,
                    )
                raise QueueError(
                    "You already have a model waiting to train ({model}): wait for it or stop it first.",
                    model=mine[0].label,
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
