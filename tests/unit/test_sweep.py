"""Sweeps: their values and runs, their records in SQLite, and real runs on a local Dask cluster."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from mnist_core import data
from mnist_core.engine import CANCELLED, DONE, Engine, JobTable, TrainingQueue, train_in_process
from mnist_core.errors import DatabaseError, InvalidSpecError
from mnist_core.experiments import (
    MAX_RUNS,
    Sweep,
    SweepResult,
    SweepTable,
    findings,
    follow,
    parse_values,
    report_html,
    report_markdown,
    results,
    results_table,
    runs,
    start,
    stop,
    summarise,
)
from mnist_core.language import catalogue
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.store import ModelStore

BASE = ModelSpec(hidden_layers=(16,), epochs=2, train_size=1000, batch_size=64, validation_fraction=0.1, seed=0)
SECONDS = 300


def test_values_are_read_as_a_student_writes_them() -> None:
    assert parse_values("hidden-layers", "32, 64,128-64") == ((32,), (64,), (128, 64))
    assert parse_values("learning_rate", "0.001,0.01") == (0.001, 0.01)
    assert parse_values("activation", "relu,tanh") == ("relu", "tanh")
    assert parse_values("learning_rate", "0.0001:0.01", ranges=True) == (("range", 0.0001, 0.01),)
    with pytest.raises(InvalidSpecError, match="cannot vary 'colour'"):
        parse_values("colour", "red")
    with pytest.raises(InvalidSpecError, match="Batch size cannot be 'big'"):
        parse_values("batch_size", "32,big")
    with pytest.raises(InvalidSpecError, match="lists a value twice"):
        parse_values("epochs", "2,2")
    with pytest.raises(InvalidSpecError, match="not a range from low to high"):
        parse_values("l2", "0.1:0.01", ranges=True)


def test_a_grid_trains_every_combination_with_every_seed() -> None:
    sweep = Sweep(
        PRESETS["keras-dropout"],
        (("hidden_layers", parse_values("hidden_layers", "32,64-32")), ("learning_rate", (0.001, 0.01))),
        seeds=2,
    )
    specs = sweep.specs()
    first = PRESETS["keras-dropout"].seed  # seeds count on from the base's
    assert sweep.run_count == len(specs) == 8
    assert [(s.hidden_layers, s.learning_rate, s.seed) for s in specs[:3]] == [
        ((32,), 0.001, first),
        ((32,), 0.001, first + 1),
        ((32,), 0.01, first),
    ]
    # The base's dropout (0.5 after the first layer only) follows the new shapes, layer by layer.
    assert {s.hidden_layers: s.dropout_rates for s in specs} == {(32,): (0.5,), (64, 32): (0.5, 0.0)}
    assert sweep.title() == "How do hidden layers and learning rate change test accuracy and training time?"
    assert Sweep.from_dict(sweep.to_dict()) == sweep


def test_impossible_sweeps_say_what_is_wrong() -> None:
    with pytest.raises(InvalidSpecError, match=r"Setting 2 \(hidden layers 2000\)"):
        Sweep(BASE, (("hidden_layers", ((32,), (2000,))),))
    with pytest.raises(InvalidSpecError, match="1 to 3 fields"):
        Sweep(BASE, tuple((name, (1, 2)) for name in ("epochs", "batch_size", "train_size", "patience")))
    with pytest.raises(InvalidSpecError, match=f"keep it to {MAX_RUNS}"):
        Sweep(BASE, (("epochs", tuple(range(1, 21))), ("batch_size", (16, 32, 64, 128))))
    with pytest.raises(InvalidSpecError, match=r"Ranges .* are for random draws"):
        Sweep(BASE, (("learning_rate", parse_values("learning_rate", "0.001:0.1", ranges=True)),))
    with pytest.raises(
        InvalidSpecError, match=r"Setting 2 \(dropout 0.5\): scikit-learn.s MLPClassifier has no dropout"
    ):
        Sweep(BASE.replace(framework="sklearn"), (("dropout", (0.0, 0.5)),))


def test_random_draws_stay_in_their_ranges_and_repeat_with_the_seed() -> None:
    vary = (
        ("learning_rate", parse_values("learning_rate", "0.0001:0.1", ranges=True)),
        ("hidden_layers", parse_values("hidden_layers", "16-8:256-128", ranges=True)),
        ("activation", ("relu", "tanh")),
    )
    sweep = Sweep(BASE, vary, draws=40)
    settings = sweep.settings()
    assert len(settings) == 40 and settings == Sweep(BASE, vary, draws=40).settings()
    rates = [setting["learning_rate"] for setting in settings]
    assert all(0.0001 <= rate <= 0.1 for rate in rates)
    # Spread on a log scale: about as many draws below 0.003 (the geometric middle) as above it.
    assert 10 <= sum(rate < 0.00316 for rate in rates) <= 30
    assert all(16 <= a <= 256 and 8 <= b <= 128 for a, b in (s["hidden_layers"] for s in settings))
    assert {setting["activation"] for setting in settings} == {"relu", "tanh"}


def test_sweeps_are_kept_beside_the_job_table(tmp_path: Path) -> None:
    """Sweeps and jobs share one SQLite file, each with its own schema version."""
    path = tmp_path / "studio.db"
    JobTable(path)
    table = SweepTable(path)
    sweep = Sweep(BASE, (("epochs", (1, 2)),))
    record = table.add(sweep, "session-a", ["key-1", "key-2"])
    table.set_jobs(record.id, ["job-1", "job-2"])
    again = SweepTable(path).get(record.id)
    assert again is not None and again.sweep == sweep and again.job_ids == ("job-1", "job-2")
    assert again.session == "session-a" and again.stopped is None
    table.mark_stopped(record.id)
    assert table.recent()[0].stopped is not None
    assert table.get("missing") is None
    with sqlite3.connect(path) as db:
        keys = dict(db.execute("SELECT key, value FROM meta").fetchall())
    assert keys == {"schema": "1", "sweeps schema": "1"}

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    with pytest.raises(DatabaseError, match="sweep database"):
        SweepTable(damaged)


def result(setting: str, seed: int, accuracy: float, seconds: float, train: float = 0.99) -> SweepResult:
    return SweepResult(
        label=f"hidden layers {setting}, seed {seed}",
        setting={"hidden_layers": setting},
        order={"hidden_layers": float(setting)},
        seed=seed,
        test_accuracy=accuracy,
        train_accuracy=train,
        train_seconds=seconds,
        parameters=1000 * int(setting),
        model_id=f"m-{setting}-{seed}",
    )


def test_findings_are_computed_from_the_numbers() -> None:
    sweep = Sweep(BASE, (("hidden_layers", ((64,), (128,), (256,))),), seeds=2)
    done = [
        result("64", 0, 0.960, 10.0),
        result("64", 1, 0.962, 10.0),
        result("128", 0, 0.970, 18.0),
        result("128", 1, 0.972, 18.0),
        result("256", 0, 0.972, 40.0),
    ]
    found = summarise(sweep, done, total=6)
    assert found.sentences == (
        "Across 2 seeds the spread is 0.2 points on average (0.2 at most): differences smaller than that are chance.",
        "Hidden layers 64 → 128: +1.0 points test accuracy at 1.8× the training time.",
        "Hidden layers 128 → 256: +0.1 points test accuracy at 2.2× the training time — no more than the spread "
        "between seeds, so not a real difference.",
        "The best setting is hidden layers 256: 97.20% test accuracy in 40 s of training.",
        "Within 0.5 points of it, hidden layers 128 trains in 0.45× the time (97.10%).",
        "The weakest setting, hidden layers 64, reaches 96.10%: 1.1 points below the best.",
        "1 of 6 runs have not finished and are left out.",
    )
    assert found.best is not None and found.best.test_accuracy == 0.972
    assert [s.label for s in found.settings] == ["hidden layers 256", "hidden layers 128", "hidden layers 64"]
    overfit = summarise(sweep, [result("64", 0, 0.95, 1.0, train=1.0)], total=1)
    assert any("overfitting" in sentence for sentence in overfit.sentences)
    assert summarise(sweep, [], total=3).sentences == ("No run has finished yet.",)
    german = summarise(sweep, done, total=6, words=catalogue("de")).sentences
    assert german[1] == "Verborgene Schichten 64 → 128: +1,0 Punkte Testgenauigkeit bei 1,8× der Trainingszeit."
    assert (
        german[3] == "Die beste Einstellung ist verborgene Schichten 256: 97,20\xa0% Testgenauigkeit in 40 s Training."
    )


def test_a_sweep_trains_on_the_engine_reopens_and_reports(engine: Engine, mnist: data.Dataset, tmp_path: Path) -> None:
    """Runs in the store are not trained again; a single model asked for meanwhile starts before the sweep's
    waiting runs; the sweep reopens from its database with its results; the reports carry them."""
    store = ModelStore(tmp_path / "models")
    queue = TrainingQueue(store, JobTable(tmp_path / "studio.db"), engine, fingerprint=mnist.fingerprint)
    table = SweepTable(tmp_path / "studio.db")
    # Runs of a second or so: long enough for the single model to be asked for while the first one trains.
    base = BASE.replace(train_size=10000, epochs=4)
    sweep = Sweep(base, (("hidden_layers", ((8,), (16,), (24,))), ("learning_rate", (0.001, 0.01))))
    kept, _ = train_in_process(sweep.specs()[0], mnist, store)  # already in the store: answered at once

    record = start(queue, table, sweep, "student-a")
    single = queue.submit(BASE.replace(hidden_layers=(12,)), "student-b")
    found = follow(queue, record, timeout=SECONDS)
    assert [run.state for run in found] == [DONE] * 6
    assert found[0].model is not None and found[0].model.id == kept.id and found[0].job.attempts == 0
    single_job = queue.wait(single.id, SECONDS).job
    # The worker holds one task beyond the one it trains (the next sweep run): after that, the single model.
    later = [run.job.started for run in found[3:]]
    assert single_job.state == DONE and single_job.started < min(later)

    reopened = SweepTable(tmp_path / "studio.db").recent()[0]
    assert reopened.id == record.id and reopened.session == "student-a"
    again = runs(queue, reopened)
    assert [run.model.id for run in again] == [run.model.id for run in found]
    assert [r.test_accuracy for r in results(again)] == [run.test_accuracy for run in found]

    summary = findings(sweep, again)
    best = max(again, key=lambda run: run.test_accuracy or 0)
    assert summary.best is not None and summary.best.model_id == best.model.id
    assert sum("Hidden layers" in sentence for sentence in summary.sentences) == 2
    assert sum("Learning rate 0.001 → 0.01" in sentence for sentence in summary.sentences) == 1
    rows = results_table(sweep, again)
    assert [row["test accuracy %"] for row in rows] == [round(run.test_accuracy * 100, 2) for run in again]
    page = report_html(sweep, again)
    assert page.count("<script") >= 1 and "<script src=" not in page and summary.question in page  # self-contained
    assert page.count("<tr>") == 7  # a header and six runs
    markdown = report_markdown(sweep, again)
    assert markdown.startswith(f"# {summary.question}") and markdown.count("\n| ") == 7


def test_stopping_a_sweep_cancels_its_waiting_runs(engine: Engine, mnist: data.Dataset, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    queue = TrainingQueue(store, JobTable(tmp_path / "studio.db"), engine, fingerprint=mnist.fingerprint)
    table = SweepTable(tmp_path / "studio.db")
    long = BASE.replace(epochs=200, train_size=20000, batch_size=32)
    sweep = Sweep(long, (("hidden_layers", ((32,), (48,), (64,))),))
    record = start(queue, table, sweep, "student-a")
    deadline = time.monotonic() + SECONDS
    while not runs(queue, record)[0].events:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert stop(queue, table, record) == 3
    found = follow(queue, record, timeout=SECONDS)
    assert found[0].state == DONE and found[0].model is not None and found[0].model.stopped
    assert [run.state for run in found[1:]] == [CANCELLED, CANCELLED]
    assert table.get(record.id).stopped is not None
    assert "2 of 3 runs have not finished" in findings(sweep, found).sentences[-1]
