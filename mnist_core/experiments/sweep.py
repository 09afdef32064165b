"""Sweeps: one base spec, one to three fields varied, every run a task on the engine.

A :class:`Sweep` is a question put to the data: "how does test accuracy change
with the hidden layer's size and the learning rate?". Its runs are a grid of
the varied values (or ``random`` draws from ranges), each over ``seeds`` seeds.
:func:`start` asks the :class:`~mnist_core.engine.TrainingQueue` for
every run at once: runs already in the store are answered without training,
the others train in parallel on the engine's workers, behind the single models
students ask for on the Train page (sweep runs wait at a lower priority).

Sweeps are rows of the SQLite file beside the store (:class:`SweepTable`), so
a sweep reopens after the server restarts, and its waiting runs are trained.
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..database import Database
from ..engine import ACTIVE, REREAD_SECONDS, SWEEP_SESSION_PREFIX, Job, TrainingQueue, estimate_seconds
from ..errors import InvalidSpecError
from ..spec import ACTIVATIONS, AUGMENTATIONS, FRAMEWORKS, LIMITS, OPTIMIZERS, SCHEDULES, ModelSpec
from ..store import StoredModel
from ..training.records import EpochEvent
from .results import SweepResult

__all__ = [
    "MAX_FIELDS",
    "MAX_RUNS",
    "SWEEP_SESSION_PREFIX",
    "VARIABLE_FIELDS",
    "Run",
    "Sweep",
    "SweepRecord",
    "SweepTable",
    "as_written",
    "finished",
    "follow",
    "parse_values",
    "results",
    "runs",
    "start",
    "stop",
]

#: At most this many fields vary in one sweep (a grid of more is hard to read).
MAX_FIELDS = 3
#: At most this many runs (varied values x draws x seeds) in one sweep.
MAX_RUNS = 60
#: At most this many seeds per setting.
MAX_SEEDS = 10
SCHEMA_VERSION = 1

#: The fields a sweep may vary, and how one value of each is written.
VARIABLE_FIELDS: dict[str, str] = {
    "hidden_layers": "units of each layer: 64, or 128-64 for two layers",
    "learning_rate": "a step size such as 0.001",
    "batch_size": "images per update",
    "epochs": "passes over the training images",
    "train_size": "training images",
    "l2": "the L2 penalty",
    "dropout": "one rate for every hidden layer (Keras)",
    "momentum": "SGD's momentum",
    "activation": ", ".join(ACTIVATIONS["keras"]),
    "optimizer": ", ".join(OPTIMIZERS["keras"]),
    "schedule": ", ".join(SCHEDULES),
    "augment": ", ".join(AUGMENTATIONS),
    "framework": ", ".join(FRAMEWORKS),
    "validation_fraction": "the held-out share",
}
_INTEGERS = {"batch_size", "epochs", "train_size"}
_FLOATS = {"learning_rate", "l2", "dropout", "momentum", "validation_fraction"}
#: Fields whose random draws are spread evenly on a log scale (when the range is above zero).
_LOG_SCALE = {"learning_rate", "l2", "batch_size", "train_size", "hidden_layers"}


def _label(name: str) -> str:
    return name.replace("_", " ")


def parse_values(name: str, text: str, *, ranges: bool = False) -> tuple[Any, ...]:
    """The values of ``--vary name=text``: comma-separated, or ``low:high`` ranges for random draws.

    ``hidden_layers`` values are layer sizes joined by ``-`` (``128-64``).

    Raises:
        InvalidSpecError: an unknown field or a value it cannot take, in words.
    """
    name = name.strip().replace("-", "_")
    if name not in VARIABLE_FIELDS:
        raise InvalidSpecError(f"A sweep cannot vary {name!r}; it can vary {', '.join(VARIABLE_FIELDS)}.", field="vary")
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise InvalidSpecError(f"Give {_label(name)} at least one value ({VARIABLE_FIELDS[name]}).", field="vary")
    values: list[Any] = []
    for part in parts:
        try:
            if ranges and ":" in part and name not in {"activation", "optimizer", "schedule", "augment", "framework"}:
                low, high = (_parse_one(name, bound) for bound in part.split(":", 1))
                if _order(low) >= _order(high):
                    raise ValueError(f"{part} is not a range from low to high")
                values.append(("range", low, high))
            else:
                values.append(_parse_one(name, part))
        except ValueError as error:
            raise InvalidSpecError(
                f"{_label(name).capitalize()} cannot be {part!r} ({error}); write {VARIABLE_FIELDS[name]}.",
                field="vary",
            ) from None
    if len(set(map(str, values))) != len(values):
        raise InvalidSpecError(f"{_label(name).capitalize()} lists a value twice: {text}.", field="vary")
    return tuple(values)


def _parse_one(name: str, text: str) -> Any:
    if name == "hidden_layers":
        return tuple(int(units) for units in text.split("-"))
    if name in _INTEGERS:
        return int(text)
    if name in _FLOATS:
        return float(text)
    return text


def _order(value: Any) -> float:
    return sum(value) if isinstance(value, tuple) else float(value)


@dataclass(frozen=True)
class Sweep:
    """A base spec and the fields varied around it.

    Args:
        base: every run starts from it.
        vary: ``(field, values)`` pairs, 1 to 3 of them. In a grid, every combination
            of the values is one setting; with ``draws`` each value may also be a
            ``("range", low, high)`` and ``draws`` settings are drawn at random.
        seeds: how many seeds each setting is trained with (``base.seed``, ``base.seed + 1``, …).
        draws: 0 for a grid; otherwise how many random settings to draw.
        question: what the sweep asks, in the user's words (a sentence is made up if empty).

    Raises:
        InvalidSpecError: too many fields or runs, or a run that is not a valid spec (named).
    """

    base: ModelSpec
    vary: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: int = 1
    draws: int = 0
    question: str = ""

    def __post_init__(self) -> None:
        names = [name for name, _ in self.vary]
        if not 1 <= len(names) <= MAX_FIELDS:
            raise InvalidSpecError(f"A sweep varies 1 to {MAX_FIELDS} fields, not {len(names)}.", field="vary")
        if len(set(names)) != len(names):
            raise InvalidSpecError("A sweep names each varied field once.", field="vary")
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise InvalidSpecError(f"A sweep uses 1 to {MAX_SEEDS} seeds per setting.", field="seeds")
        if self.draws < 0:
            raise InvalidSpecError("Random draws cannot be negative.", field="draws")
        if not self.draws and any(_is_range(value) for _, values in self.vary for value in values):
            raise InvalidSpecError("Ranges (low:high) are for random draws; a grid lists its values.", field="vary")
        if self.run_count > MAX_RUNS:
            raise InvalidSpecError(
                f"This sweep has {self.run_count} runs; keep it to {MAX_RUNS} (fewer values, draws or seeds).",
                field="vary",
            )
        self.specs()  # every run must be a valid spec: say which one is not, now

    @property
    def fields(self) -> tuple[str, ...]:
        """The varied fields, in order."""
        return tuple(name for name, _ in self.vary)

    @property
    def run_count(self) -> int:
        """How many runs the sweep trains."""
        settings = self.draws or math.prod(len(values) for _, values in self.vary)
        return settings * self.seeds

    def settings(self) -> list[dict[str, Any]]:
        """Each setting of the varied fields, in order (a grid, or seeded random draws)."""
        if not self.draws:
            names = self.fields
            return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in self.vary))]
        rng = np.random.default_rng(self.base.seed)
        return [{name: _draw(name, values, rng) for name, values in self.vary} for _ in range(self.draws)]

    def specs(self) -> list[ModelSpec]:
        """Every run's spec: each setting with each seed."""
        specs = []
        for number, setting in enumerate(self.settings(), start=1):
            for seed in range(self.base.seed, self.base.seed + self.seeds):
                try:
                    specs.append(_apply(self.base, setting, seed))
                except InvalidSpecError as error:
                    described = ", ".join(f"{_label(k)} {as_written(v)}" for k, v in setting.items())
                    raise InvalidSpecError(f"Setting {number} ({described}): {error}", field="vary") from None
        return specs

    def title(self) -> str:
        """The question, or one made from the varied fields."""
        if self.question:
            return self.question
        names = [_label(name) for name in self.fields]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"How do {joined} change test accuracy and training time?"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "base": self.base.to_dict(),
            "vary": [[name, [list(v) if isinstance(v, tuple) else v for v in values]] for name, values in self.vary],
            "seeds": self.seeds,
            "draws": self.draws,
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Sweep:
        """Rebuild a sweep from :meth:`to_dict`."""
        vary = tuple(
            (name, tuple(tuple(v) if isinstance(v, list) else v for v in values_)) for name, values_ in values["vary"]
        )
        return cls(
            base=ModelSpec.from_dict(values["base"]),
            vary=vary,
            seeds=int(values["seeds"]),
            draws=int(values["draws"]),
            question=str(values.get("question", "")),
        )


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple) and value[:1] == ("range",)


def as_written(value: Any) -> str:
    """A varied value as a student writes it: ``128-64``, ``0.001``, ``0.0001 to 0.01`` for a range."""
    if _is_range(value):
        return f"{as_written(value[1])} to {as_written(value[2])}"
    if isinstance(value, tuple):
        return "-".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _draw(name: str, values: tuple[Any, ...], rng: np.random.Generator) -> Any:
    choice = values[int(rng.integers(len(values)))]
    if not _is_range(choice):
        return choice
    _, low, high = choice
    if name == "hidden_layers":  # each layer's size drawn between the two shapes' sizes
        if len(low) != len(high):
            raise InvalidSpecError(
                "A range of hidden layers joins shapes with the same number of layers.", field="vary"
            )
        return tuple(round(_between(a, b, rng, log=True)) for a, b in zip(low, high, strict=True))
    value = _between(low, high, rng, log=name in _LOG_SCALE and low > 0)
    return round(value) if name in _INTEGERS else float(f"{value:.3g}")


def _between(low: float, high: float, rng: np.random.Generator, *, log: bool) -> float:
    if log:
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def _apply(base: ModelSpec, setting: dict[str, Any], seed: int) -> ModelSpec:
    changes = dict(setting)
    layers = changes.get("hidden_layers", base.hidden_layers)
    if "dropout" in changes:
        changes["dropout"] = (changes["dropout"],) * len(layers) if changes["dropout"] else ()
    elif "hidden_layers" in changes and base.dropout:
        # The base's dropout, one rate per layer of the new shape (its first rate for added layers).
        changes["dropout"] = tuple(base.dropout_rates[min(i, len(base.dropout) - 1)] for i in range(len(layers)))
    if "hidden_layers" in changes and not isinstance(base.activation, str):
        changes["activation"] = base.activations[0]
    if "framework" in changes and changes["framework"] == "sklearn":
        changes.setdefault("dropout", ())
    low, high = LIMITS["seed"]
    if not low <= seed <= high:
        raise InvalidSpecError(f"Seed {seed} is out of range.", field="seed")
    return base.replace(**changes, seed=seed)


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
            what="the sweep database",
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
            remedy="if it is damaged, move it away and restart the server: a new one is made.",
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
        parts = [f"{_label(name)} {as_written(value)}" for name, value in self.setting.items()]
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
            order={name: _order(value) if not isinstance(value, str) else 0.0 for name, value in self.setting.items()},
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
