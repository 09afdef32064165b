"""The queue over the in-process engine (the command line's): the same job rows, epochs and models as the app's."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mnist_core import data
from mnist_core.engine import JobTable, LocalEngine, TrainingQueue, database_path, train_in_process, train_with
from mnist_core.errors import QueueError, TrainingError
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore

TINY = ModelSpec(hidden_layers=(16,), epochs=3, train_size=1000, batch_size=64, validation_fraction=0.1, seed=0)
# Long enough to be caught training and stopped on the way.
LONG = TINY.replace(epochs=200, train_size=3000, seed=1)
SECONDS = 60


def until(queue: TrainingQueue, condition) -> None:
    """Wait for the queue's news until ``condition()`` holds; fail after SECONDS."""
    for _ in range(SECONDS * 10):
        since = queue.generation
        if condition():
            return
        queue.wait_for_change(since, 0.1)
    raise AssertionError("timed out")


@pytest.fixture
def queue(mnist: data.Dataset, tmp_path: Path):
    """A queue over a fresh store, its job table and an in-process engine on a slice of MNIST."""
    small = mnist.subset(3000, seed=0)
    store = ModelStore(tmp_path / "models")
    engine = LocalEngine(small)
    yield TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=small.fingerprint)
    engine.close()


def test_a_job_trained_here_keeps_its_epochs_and_its_model(queue: TrainingQueue) -> None:
    """A finished job is done, ran in this process, kept every epoch in the table and its model in the store."""
    job = queue.submit(TINY, "student")
    heard = []
    status = queue.wait(job.id, SECONDS, on_epoch=heard.append)
    assert status.job.state == "done", status.job.error
    assert status.job.worker.startswith("in-process:")
    assert [event.epoch for event in status.events] == [1, 2, 3] == [event.epoch for event in heard]
    assert status.model is not None and status.model.id == job.model_key
    with queue.table.read() as db:
        assert queue.table.epochs(db, job.id) == status.events
        assert queue.table.first_layer(db, job.id) is None  # the model keeps the weights' history itself


def test_one_job_per_session_and_a_sweep_may_ask_for_many(queue: TrainingQueue) -> None:
    """A second request of one session is refused while its first waits; a sweep's session is not limited."""
    first = queue.submit(LONG, "student")
    with pytest.raises(QueueError, match="already have a model"):
        queue.submit(TINY, "student")
    runs = queue.submit_many([TINY.replace(seed=seed) for seed in range(3)], "sweep:abc")
    assert len({run.id for run in runs}) == 3
    with pytest.raises(QueueError, match="Only a sweep"):
        queue.submit_many([TINY], "student")
    queue.stop(first.id, "student")
    assert [queue.wait(run.id, SECONDS).job.state for run in runs] == ["done"] * 3


def test_stopping_keeps_what_was_learned_and_a_waiting_job_is_cancelled(queue: TrainingQueue) -> None:
    """Stop on a training job saves a stopped model; stop on the job behind it cancels it untrained."""
    training = queue.submit(LONG, "a")
    waiting = queue.submit(TINY.replace(seed=5), "b")
    until(queue, lambda: len(queue.status(training.id).events) >= 1)
    queue.stop(waiting.id, "b")
    queue.stop(training.id, "a")
    stopped = queue.wait(training.id, SECONDS)
    assert stopped.job.state == "done" and stopped.model.stopped
    assert stopped.model.epochs_run in range(1, LONG.epochs)
    assert queue.wait(waiting.id, SECONDS).job.state == "cancelled"


def test_train_with_says_why_nothing_came_back(queue: TrainingQueue) -> None:
    """A job cancelled before it trained raises TrainingError instead of returning nothing."""
    blocker = queue.submit(LONG, "someone else")
    done = threading.Event()
    failures: list[Exception] = []

    def ask() -> None:
        try:
            train_with(queue, TINY.replace(seed=9), session="me")
        except TrainingError as error:
            failures.append(error)
        done.set()

    threading.Thread(target=ask).start()
    until(queue, lambda: any("me" in status.job.sessions for status in queue.overview()))
    mine = next(status.job for status in queue.overview() if "me" in status.job.sessions)
    queue.cancel(mine.id)
    assert done.wait(SECONDS)
    assert failures and "cancelled" in str(failures[0])
    queue.cancel(blocker.id)


def test_train_in_process_trains_once_then_answers_from_the_store(mnist: data.Dataset, tmp_path: Path) -> None:
    """The second call trains nothing; both leave rows in the store's job table."""
    small = mnist.subset(1000, seed=0)
    store = ModelStore(tmp_path / "models")
    first, first_from_store = train_in_process(TINY, small, store, name="tiny")
    second, second_from_store = train_in_process(TINY, small, store)
    assert (first_from_store, second_from_store) == (False, True)
    assert first.id == second.id == TINY.key(small.fingerprint)
    assert [job.attempts for job in JobTable(database_path(store)).jobs()] == [1, 0]
