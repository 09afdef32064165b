"""A sweep's runs on the training queue: started, kept beside the job table, followed and stopped.

:func:`start` asks the :class:`~mnist_core.engine.TrainingQueue` for every run at once: runs already
in the store are answered without training, the others train in parallel on the engine's workers,
behind the single models students ask for on the Train page (sweep runs wait at a lower priority).
Sweeps are rows of the SQLite file beside the store (:class:`SweepTable`), so a sweep reopens after
the server restarts, and its waiting runs are trained.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..database import Database
from ..engine import ACTIVE, REREAD_SECONDS, SWEEP_SESSION_PREFIX, Job, TrainingQueue, estimate_seconds
from ..language import marked
from ..spec import ModelSpec, field_name
from ..store import StoredModel
from ..training.records import EpochEvent
from .results import SweepResult
from .sweep import Sweep, as_written, value_order

__all__ = [
    "SWEEP_SESSION_PREFIX",
    "Run",
    "SweepRecord",
    "SweepTable",
    "finished",
    "follow",
    "results",
    "runs",
    "start",
    "stop",
]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class SweepRecord:
    """A sweep as it was started: its id, who started it, and the job of each run."""

    id: str
    sweep: Sweep
    session: str
    created: float
    stopped: float | None
    model_keys: tuple[str, ...]
    job_ids: tuple[str | None, ...]

    @property
    def session_name(self) -> str:
        """The job-table session its runs are asked for under."""
        return f"{SWEEP_SESSION_PREFIX}{self.id}"


class SweepTable:
    """Sweeps in the SQLite file beside the store (the job table's file), one row per run.

    Raises:
        DatabaseError: the file is damaged, not a database, or locked for too long.
    """

    def __init__(self, path: Path | str) -> None:
        self.database = Database(
            path,
            what=marked("the sweep database"),
            schema="""
                CREATE TABLE IF NOT EXISTS sweeps (
                    id TEXT PRIMARY KEY,
                    sweep TEXT NOT NULL,
                    session TEXT NOT NULL,
                    created REAL NOT NULL,
                    stopped REAL
                );
                CREATE TABLE IF NOT EXISTS sweep_runs (
                    sweep_id TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    model_key TEXT NOT NULL,
                    job_id TEXT,
                    PRIMARY KEY (sweep_id, position)
                );
            """,
            version=SCHEMA_VERSION,
            version_key="sweeps schema",
            remedy=marked("if it is damaged, move it away and restart the server: a new one is made."),
        )
        self.path = self.database.path

    def add(self, sweep: Sweep, session: str, model_keys: Sequence[str]) -> SweepRecord:
        """Record a new sweep, before its runs are asked for."""
        record = SweepRecord(
            uuid.uuid4().hex[:10], sweep, session, time.time(), None, tuple(model_keys), (None,) * len(model_keys)
        )
        with self.database.transaction() as db:
            db.execute(
                "INSERT INTO sweeps VALUES (?, ?, ?, ?, NULL)",
                (record.id, json.dumps(sweep.to_dict()), session, record.created),
            )
            db.executemany(
                "INSERT INTO sweep_runs VALUES (?, ?, ?, NULL)",
                [(record.id, position, key) for position, key in enumerate(model_keys)],
            )
        return record

    def set_jobs(self, sweep_id: str, job_ids: Sequence[str]) -> None:
        """The job of each run, in order."""
        with self.database.transaction() as db:
            db.executemany(
                "UPDATE sweep_runs SET job_id = ? WHERE sweep_id = ? AND position = ?",
                [(job_id, sweep_id, position) for position, job_id in enumerate(job_ids)],
            )

    def mark_stopped(self, sweep_id: str) -> None:
        """Note that the sweep was stopped."""
        with self.database.transaction() as db:
            db.execute("UPDATE sweeps SET stopped = ? WHERE id = ? AND stopped IS NULL", (time.time(), sweep_id))

    def get(self, sweep_id: str) -> SweepRecord | None:
        """One sweep, or None."""
        with self.database.transaction() as db:
            row = db.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
            return None if row is None else self._record(db, row)

    def recent(self, limit: int = 20) -> list[SweepRecord]:
        """The newest sweeps first."""
        with self.database.transaction() as db:
            rows = db.execute("SELECT * FROM sweeps ORDER BY created DESC, rowid DESC LIMIT ?", (limit,)).fetchall()
            return [self._record(db, row) for row in rows]

    def _record(self, db: sqlite3.Connection, row: tuple[Any, ...]) -> SweepRecord:
        sweep_id, sweep, session, created, stopped = row
        runs = db.execute(
            "SELECT model_key, job_id FROM sweep_runs WHERE sweep_id = ? ORDER BY position", (sweep_id,)
        ).fetchall()
        return SweepRecord(
            sweep_id,
            Sweep.from_dict(json.loads(sweep)),
            session,
            created,
            stopped,
            tuple(key for key, _ in runs),
            tuple(job for _, job in runs),
        )


@dataclass(frozen=True)
class Run:
    """One run of a sweep as it stands.

    Attributes:
        position: its place in the sweep, from 0.
        spec: what it trains.
        setting: the varied fields' values.
        state: queued, running, done, failed or cancelled.
        model: the stored model once done.
        events: the epochs reported so far while it trains.
        error: why it failed.
        train_seconds: estimated training seconds.
    """

    position: int
    spec: ModelSpec
    setting: dict[str, Any]
    state: str
    model: StoredModel | None = None
    events: tuple[EpochEvent, ...] = ()
    error: str | None = None
    train_seconds: float = 0.0
    job: Job | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """The setting and seed in words: ``hidden layers 128, learning rate 0.001, seed 1``."""
        parts = [f"{field_name(name)} {as_written(value)}" for name, value in self.setting.items()]
        return ", ".join([*parts, f"seed {self.spec.seed}"])

    @property
    def written_setting(self) -> dict[str, str]:
        """The varied fields' values as a student writes them."""
        return {name: as_written(value) for name, value in self.setting.items()}

    @property
    def test_accuracy(self) -> float | None:
        """The stored model's MNIST test accuracy (None until done)."""
        return None if self.model is None else float(self.model.metrics["test_accuracy"])

    def result(self) -> SweepResult | None:
        """The run as figures and the report read it, once it is done."""
        if self.model is None:
            return None
        return SweepResult(
            label=self.label,
            setting=self.written_setting,
            order={
                name: value_order(value) if not isinstance(value, str) else 0.0 for name, value in self.setting.items()
            },
            seed=self.spec.seed,
            test_accuracy=float(self.model.metrics["test_accuracy"]),
            train_accuracy=float(self.model.metrics["train_accuracy"]),
            train_seconds=float(self.model.train_seconds),
            parameters=self.spec.parameter_count,
            model_id=self.model.id,
            history=tuple(self.model.history),
        )

    def summary(self) -> dict[str, Any]:
        """What ``sweep --json`` prints for it."""
        model = self.model
        return {
            "position": self.position,
            "state": self.state,
            "setting": {name: list(v) if isinstance(v, tuple) else v for name, v in self.setting.items()},
            "spec": self.spec.to_dict(),
            "id": model.id if model else None,
            "test_accuracy": self.test_accuracy,
            "train_accuracy": None if model is None else float(model.metrics["train_accuracy"]),
            "train_seconds": None if model is None else round(model.train_seconds, 3),
            "parameters": self.spec.parameter_count,
            "error": self.error,
        }


def start(queue: TrainingQueue, table: SweepTable, sweep: Sweep, session: str) -> SweepRecord:
    """Record a sweep and ask the queue for each of its runs (those in the store are done at once)."""
    specs = sweep.specs()
    record = table.add(sweep, session, [spec.key(queue.fingerprint) for spec in specs])
    jobs = queue.submit_many(specs, record.session_name)
    table.set_jobs(record.id, [job.id for job in jobs])
    return table.get(record.id) or record


def stop(queue: TrainingQueue, table: SweepTable, record: SweepRecord) -> int:
    """Stop a whole sweep: waiting runs are cancelled, running ones stop keeping what they learned.

    Returns:
        How many runs were stopped.
    """
    table.mark_stopped(record.id)
    stopped = 0
    for job_id in record.job_ids:
        if job_id is None:
            continue
        job = queue.stop(job_id, record.session_name)
        stopped += job is not None and job.active
    return stopped


def runs(queue: TrainingQueue, record: SweepRecord) -> list[Run]:
    """Every run of a sweep with its state, live epochs and model."""
    settings = [setting for setting in record.sweep.settings() for _ in range(record.sweep.seeds)]
    specs = record.sweep.specs()
    measured = queue.store.models()
    by_id = {model.id: model for model in measured}
    sweep_runs = []
    for position, (spec, setting, key, job_id) in enumerate(
        zip(specs, settings, record.model_keys, record.job_ids, strict=True)
    ):
        status = queue.status(job_id) if job_id else None
        job = status.job if status else None
        model = by_id.get(job.model_id) if job and job.model_id else by_id.get(key)
        if model is not None:
            state = "done"
        elif job is not None:
            state = job.state
        else:
            state = "cancelled" if record.stopped else "queued"
        sweep_runs.append(
            Run(
                position=position,
                spec=spec,
                setting=setting,
                state=state,
                model=model,
                events=status.events if status and job and job.state in ACTIVE else (),
                error=job.error if job else None,
                train_seconds=estimate_seconds(spec, measured),
                job=job,
            )
        )
    return sweep_runs


def results(sweep_runs: Sequence[Run]) -> list[SweepResult]:
    """The finished runs' results, in sweep order."""
    return [result for run in sweep_runs if (result := run.result()) is not None]


def finished(sweep_runs: Sequence[Run]) -> bool:
    """Whether no run of a sweep waits or trains any more."""
    return all(run.state not in ACTIVE for run in sweep_runs)


def follow(
    queue: TrainingQueue,
    record: SweepRecord,
    *,
    on_run: Callable[[Run], None] | None = None,
    on_progress: Callable[[list[Run]], None] | None = None,
    timeout: float | None = None,
) -> list[Run]:
    """Wait until no run of a sweep waits or trains; ``on_run`` hears of each run once, as it ends.

    The runs are read again each time the queue hears from its engine (and every few tenths
    of a second, for runs that another process trains).

    Returns:
        The runs as they ended (some still active if ``timeout`` seconds passed first).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    told: set[int] = set()
    while True:
        since = queue.generation
        sweep_runs = runs(queue, record)
        for run in sweep_runs:
            if run.state not in ACTIVE and run.position not in told:
                told.add(run.position)
                if on_run is not None:
                    on_run(run)
        if on_progress is not None:
            on_progress(sweep_runs)
        left = REREAD_SECONDS if deadline is None else deadline - time.monotonic()
        if finished(sweep_runs) or left <= 0:
            return sweep_runs
        queue.wait_for_change(since, min(left, REREAD_SECONDS))
