"""`TrainingJob`: real background training of tiny scikit-learn models into a temporary store.

Each spec trains on 1 000 real MNIST images in well under a second. Waits are
bounded, and every job a test starts is stopped and joined when the test ends.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from mnist_core import DamagedModelError, EpochEvent, ModelSpec, ModelStore, data
from mnist_core.jobs import JobStep, TrainingJob

WAIT = 60  # seconds; a tiny job needs about one
TINY = ModelSpec(framework="sklearn", hidden_layers=(16,), epochs=2, train_size=1000, batch_size=64, seed=0)
OTHER = ModelSpec(framework="sklearn", hidden_layers=(8,), epochs=2, train_size=1000, batch_size=64, seed=1)
# Long enough (200 epochs, about 20 ms each) that a stop always lands long before the end.
LONG = ModelSpec(framework="sklearn", hidden_layers=(16,), epochs=200, train_size=5000, batch_size=64, seed=0)

MakeJob = Callable[[Sequence[tuple[str | None, ModelSpec]]], TrainingJob]


class _Hooked(list):
    """A step's event list that calls ``hook`` after each event is added, as an ``on_epoch`` callback would."""

    def __init__(self, hook: Callable[[EpochEvent], None]) -> None:
        super().__init__()
        self.hook = hook

    def append(self, event: EpochEvent) -> None:
        super().append(event)
        self.hook(event)


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    """An empty store in a temporary folder."""
    return ModelStore(tmp_path / "models")


@pytest.fixture
def thread_crashes(monkeypatch: pytest.MonkeyPatch) -> list[threading.ExceptHookArgs]:
    """Exceptions that escaped any thread during the test."""
    crashes: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    return crashes


@pytest.fixture
def make_job(store: ModelStore, mnist: data.Dataset) -> Iterator[MakeJob]:
    """Build (not start) jobs on ``store``; each is stopped and joined when the test ends."""
    jobs: list[TrainingJob] = []

    def make(steps: Sequence[tuple[str | None, ModelSpec]]) -> TrainingJob:
        job = TrainingJob(store, mnist, steps)
        jobs.append(job)
        return job

    yield make
    for job in jobs:
        job.stop()
        with contextlib.suppress(RuntimeError):  # never started: nothing to join
            assert job.wait(timeout=WAIT), "a job outlived its test"


def test_a_job_trains_its_steps_in_order_and_fills_them_in(
    make_job: MakeJob, store: ModelStore, mnist: data.Dataset
) -> None:
    """Each step gets its epochs and a saved model under its name, the first saved before the second trains."""
    job = make_job([("first", TINY), ("second", OTHER)])
    assert all(isinstance(step, JobStep) for step in job.steps)
    assert [step.name for step in job.steps] == ["first", "second"]
    assert all(step.result is None and step.events == [] for step in job.steps)

    assert job.start() is job
    assert job.wait(timeout=WAIT)

    assert job.error is None
    first, second = job.steps
    for step, spec in ((first, TINY), (second, OTHER)):
        assert step.result is not None and not step.from_store
        assert step.result.spec == spec
        assert step.result.name == step.name
        assert [event.epoch for event in step.events] == [1, 2]
        assert step.result.history == step.events
        assert not step.result.stopped
        assert step.result.id == spec.key(mnist.fingerprint)
    assert {model.id for model in store.models()} == {first.result.id, second.result.id}
    first_saved = (first.result.path / "meta.json").stat().st_mtime_ns
    assert first_saved <= (second.result.path / "meta.json").stat().st_mtime_ns
    assert job.current is second


def test_progress_goes_from_zero_to_one_as_epochs_finish(make_job: MakeJob) -> None:
    """fraction_done starts at 0, rises with every epoch of every step, and ends at 1."""
    job = make_job([("first", TINY), ("second", OTHER)])
    seen: list[float] = []
    for step in job.steps:
        step.events = _Hooked(lambda event: seen.append(job.fraction_done))
    assert job.fraction_done == 0
    assert job.current is job.steps[0]

    job.start()
    assert job.wait(timeout=WAIT)

    assert seen == pytest.approx([0.25, 0.5, 0.75, 1.0])  # two steps of two epochs
    assert job.fraction_done == 1


def test_done_and_wait_follow_the_thread(make_job: MakeJob) -> None:
    """A job is not done before it starts nor while it runs; wait with a timeout returns False until it is."""
    job = make_job([("long", LONG)])
    assert not job.done
    job.start()
    assert job.wait(timeout=0) is False
    assert not job.done
    job.stop()
    assert job.wait(timeout=WAIT) is True
    assert job.done


def test_a_spec_already_in_the_store_comes_back_without_training(
    make_job: MakeJob, store: ModelStore, mnist: data.Dataset
) -> None:
    """A spec trained before is loaded from the store (from_store, no epochs); a new one beside it trains."""
    stored, from_store = store.get_or_train(TINY, mnist, name="earlier")
    assert not from_store

    job = make_job([("again", TINY), ("new", OTHER)]).start()
    assert job.wait(timeout=WAIT)

    assert job.error is None
    again, new = job.steps
    assert again.from_store and again.events == []
    assert again.result is not None and again.result.id == stored.id
    assert again.result.name == "earlier"  # the stored entry, not a fresh one under the job's name
    assert not new.from_store and len(new.events) == 2
    assert len(store.models()) == 2
    assert job.fraction_done == 1


def test_stop_after_the_first_epoch_keeps_a_stopped_model(
    make_job: MakeJob, store: ModelStore, mnist: data.Dataset
) -> None:
    """Stopping as epoch 1 is reported ends the run there, saves it marked stopped, and skips later steps."""
    job = make_job([("long", LONG), ("next", TINY)])
    job.steps[0].events = _Hooked(lambda event: job.stop())
    started = time.perf_counter()
    job.start()
    assert job.wait(timeout=WAIT)
    assert time.perf_counter() - started < 30  # nowhere near LONG's 200 epochs

    assert job.error is None and job.stop_requested
    stopped, skipped = job.steps
    assert stopped.result is not None
    assert stopped.result.stopped
    assert stopped.result.epochs_run == len(stopped.events) == 1
    assert stopped.result.id == f"{LONG.key(mnist.fingerprint)}-e1"
    assert "stopped at epoch 1" in stopped.result.name
    assert LONG.key(mnist.fingerprint) not in store  # a stopped run never stands in for the finished one
    assert skipped.result is None and skipped.events == []
    assert [model.id for model in store.models()] == [stopped.result.id]


def test_stop_while_a_page_polls_the_events(make_job: MakeJob) -> None:
    """As the Train page does: watch the first step's events, press stop, and the run ends early, saved as stopped."""
    job = make_job([("long", LONG)]).start()
    deadline = time.monotonic() + WAIT
    while not job.steps[0].events and time.monotonic() < deadline:
        time.sleep(0.001)
    assert job.steps[0].events, "no epoch finished in time"
    job.stop()
    assert job.wait(timeout=WAIT)

    (step,) = job.steps
    assert job.error is None
    assert step.result is not None and step.result.stopped
    assert 1 <= step.result.epochs_run < LONG.epochs
    assert step.result.epochs_run == len(step.events)


def test_stop_before_start_trains_nothing(make_job: MakeJob, store: ModelStore) -> None:
    """A job stopped before it starts finishes at once, with no model trained or saved and no error."""
    job = make_job([("first", TINY), ("second", OTHER)])
    job.stop()
    assert job.stop_requested
    job.start()
    assert job.wait(timeout=WAIT)

    assert job.error is None
    assert all(step.result is None and step.events == [] for step in job.steps)
    assert job.fraction_done == 0
    assert store.models() == []


def test_a_core_error_is_reported_as_its_message(
    make_job: MakeJob,
    store: ModelStore,
    mnist: data.Dataset,
    thread_crashes: list[threading.ExceptHookArgs],
) -> None:
    """A damaged store entry for the spec ends the job with the store's own message, without crashing the thread."""
    entry = store.root / TINY.key(mnist.fingerprint)
    entry.mkdir(parents=True)
    (entry / "meta.json").write_text("{ half-written")
    with pytest.raises(DamagedModelError) as expected:
        store.get(entry.name)

    job = make_job([("damaged", TINY), ("after", OTHER)]).start()
    assert job.wait(timeout=WAIT)

    assert job.done
    assert job.error == str(expected.value)
    assert entry.name in job.error
    assert job.steps[0].result is None
    assert job.steps[1].result is None and job.steps[1].events == []  # the job ends at the first error
    assert thread_crashes == []


def test_an_unexpected_error_is_reported_as_training_failed(
    make_job: MakeJob,
    store: ModelStore,
    caplog: pytest.LogCaptureFixture,
    thread_crashes: list[threading.ExceptHookArgs],
) -> None:
    """An error outside the core's own (a store folder that is a file) reads "Training failed: ..." and is logged."""
    store.root.parent.mkdir(parents=True, exist_ok=True)
    store.root.write_text("not a folder")

    with caplog.at_level(logging.ERROR, logger="mnist_core.jobs"):
        job = make_job([("first", TINY)]).start()
        assert job.wait(timeout=WAIT)

    assert job.done
    assert job.error is not None
    assert job.error.startswith("Training failed: NotADirectoryError: ")
    assert str(store.root) in job.error
    assert job.steps[0].result is None
    assert any(record.exc_info for record in caplog.records if record.name == "mnist_core.jobs")
    assert thread_crashes == []
