"""The server-wide training queue on a real Dask LocalCluster: order, fairness, coalescing, restarts, dead workers."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mnist_core import data
from mnist_core.engine import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Engine, JobTable, TrainingQueue
from mnist_core.errors import DatabaseError, QueueError
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore

# Every test here talks to worker processes.
pytestmark = pytest.mark.slow

JOB_SECONDS = 120
# Trains in well under a second on a worker.
TINY = ModelSpec(hidden_layers=(16,), epochs=2, train_size=1000, batch_size=64, validation_fraction=0.1, seed=0)
# Long enough (200 short epochs, several seconds) to be caught running, stopped or killed on the way.
LONG = ModelSpec(hidden_layers=(64,), epochs=200, train_size=3000, batch_size=32, validation_fraction=0.1, seed=0)


@pytest.fixture
def make_queue(engine: Engine, mnist: data.Dataset, tmp_path: Path) -> Callable[..., TrainingQueue]:
    """``make_queue()``: a queue over a fresh store and job table (the same ones on every call: a restart)."""

    def make(on: Engine = engine) -> TrainingQueue:
        store = ModelStore(tmp_path / "models")
        return TrainingQueue(store, JobTable(tmp_path / "studio.db"), on, fingerprint=mnist.fingerprint)

    return make


def wait_until(condition: Callable[[], bool], timeout: float = JOB_SECONDS) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_jobs_run_first_come_first_served_and_each_gets_its_model(make_queue) -> None:
    """Three sessions' jobs finish in the order they were asked for, each with its own stored model."""
    queue = make_queue()
    jobs = [queue.submit(TINY.replace(seed=seed), f"student-{seed}") for seed in range(3)]
    snapshot = queue.overview()  # running first, then the waiting ones in order, all read at one moment
    waiting = [status for status in snapshot if status.position is not None]
    assert [status.position for status in waiting] == list(range(1, len(waiting) + 1))
    assert [status.job.id for status in snapshot] == [job.id for job in jobs][-len(snapshot) :]
    done = [queue.wait(job.id, JOB_SECONDS) for job in jobs]
    assert [status.job.state for status in done] == [DONE] * 3
    finished = [status.job.finished for status in done]
    assert finished == sorted(finished)
    assert [status.model.spec for status in done] == [job.spec for job in jobs]
    assert all(len(status.events) == TINY.epochs for status in done)


def test_one_job_per_session_and_a_second_press_says_so(make_queue) -> None:
    """A session with a job waiting or running is refused a second one, with a sentence; after it ends, it may."""
    queue = make_queue()
    first = queue.submit(TINY, "student")
    with pytest.raises(QueueError, match="You already have a model"):
        queue.submit(TINY.replace(seed=1), "student")
    queue.wait(first.id, JOB_SECONDS)
    second = queue.submit(TINY.replace(seed=1), "student")
    assert queue.wait(second.id, JOB_SECONDS).job.state == DONE


def test_identical_specs_coalesce_into_one_training(make_queue) -> None:
    """Ten sessions asking for the same spec wait for one job; it trains once and all of them get the model."""
    queue = make_queue()
    jobs = [queue.submit(TINY.replace(seed=5), f"student-{index}") for index in range(10)]
    assert len({job.id for job in jobs}) == 1
    status = queue.wait(jobs[0].id, JOB_SECONDS)
    assert status.job.state == DONE and len(status.job.sessions) == 10
    assert all(queue.session_job(f"student-{index}").model.id == status.model.id for index in range(10))
    assert [model.id for model in queue.store.models()] == [status.model.id]

    again = queue.submit(TINY.replace(seed=5), "latecomer")
    assert again.state == DONE and again.from_store and again.model_id == status.model.id


def test_stopping_a_waiting_job_cancels_it_before_it_starts(make_queue) -> None:
    """A job still waiting behind a long one is cancelled by Stop: it never trains."""
    queue = make_queue()
    long = queue.submit(LONG, "first")
    waiting = queue.submit(TINY.replace(seed=9), "second")
    wait_until(lambda: queue.status(long.id).job.state == RUNNING)
    assert queue.status(waiting.id).job.state == QUEUED
    queue.stop(waiting.id, "second")
    assert queue.wait(waiting.id, JOB_SECONDS).job.state == CANCELLED
    queue.stop(long.id, "first")
    stopped = queue.wait(long.id, JOB_SECONDS)
    assert stopped.job.state == DONE and stopped.model.stopped
    assert [model.id for model in queue.store.models()] == [stopped.model.id]


def test_one_of_two_sessions_leaving_does_not_stop_a_shared_job(make_queue) -> None:
    """Stop from one of two sessions waiting for the same model only lets that one go; the last one stops it."""
    queue = make_queue()
    job = queue.submit(LONG, "a")
    queue.submit(LONG, "b")
    wait_until(lambda: len(queue.status(job.id).events) >= 1)
    queue.stop(job.id, "a")
    stopped_at = len(queue.status(job.id).events)
    # A task that took the stop would end within its batch: two more epochs show it trains on.
    wait_until(lambda: len(queue.status(job.id).events) >= stopped_at + 2)
    assert queue.status(job.id).job.state == RUNNING and queue.status(job.id).job.sessions == ("b",)
    started = time.monotonic()
    queue.stop(job.id, "b")
    status = queue.wait(job.id, JOB_SECONDS)
    assert time.monotonic() - started < 10
    assert status.job.state == DONE and status.model.stopped


def test_the_teachers_cancel_stops_a_job_for_every_session(make_queue) -> None:
    """cancel stops a job two sessions wait for, at once: no other session has to leave first."""
    queue = make_queue()
    job = queue.submit(LONG, "a")
    queue.submit(LONG, "b")
    wait_until(lambda: len(queue.status(job.id).events) >= 1)
    queue.cancel(job.id)
    status = queue.wait(job.id, JOB_SECONDS)
    assert status.job.state == DONE and status.model.stopped
    assert queue.cancel("no-such-job") is None


def test_jobs_waiting_when_the_server_died_run_after_a_restart(make_queue, mnist: data.Dataset, engine) -> None:
    """The server stops with one job running and two waiting; the next server trains all three to the end."""
    dying = Engine(workers=1, warm=False)
    dying.wait_for_workers(1)
    queue = make_queue(dying)
    jobs = [queue.submit(spec, f"student-{index}") for index, spec in enumerate([LONG, TINY, TINY.replace(seed=3)])]
    wait_until(lambda: queue.status(jobs[0].id).job.state == RUNNING)
    dying.close()  # the server is gone; its jobs are still rows in the database
    assert {job.state for job in queue.table.jobs()} == {RUNNING, QUEUED}

    restarted = make_queue()
    resumed = restarted.resume()
    assert [job.id for job in resumed] == [job.id for job in jobs]
    # The long one need not run for minutes here: once it trains again, stop it (it keeps what it learned).
    wait_until(lambda: len(restarted.status(jobs[0].id).events) >= 1)
    restarted.stop(jobs[0].id, "student-0")
    states = [restarted.wait(job.id, JOB_SECONDS).job for job in jobs]
    assert [job.state for job in states] == [DONE, DONE, DONE]
    assert [job.attempts for job in states] == [2, 2, 2]
    assert len(restarted.store.models()) == 3


def test_a_worker_killed_mid_task_is_replaced_and_the_job_tried_once_more(make_queue, engine: Engine) -> None:
    """kill -9 of the worker that trains: a new worker takes the job again and finishes it; the store stays whole."""
    queue = make_queue()
    job = queue.submit(LONG.replace(epochs=4, train_size=5000), "student")
    wait_until(lambda: len(queue.status(job.id).events) >= 1)
    os.kill(engine.worker_pids()[queue.status(job.id).job.worker], signal.SIGKILL)
    status = queue.wait(job.id, JOB_SECONDS)
    assert status.job.state == DONE, status.job.error
    assert status.model is not None and not status.model.stopped
    assert queue.store.list() == [status.model]
    engine.wait_for_workers(1)


def test_a_job_whose_worker_dies_twice_fails_with_a_clear_message(make_queue, engine: Engine) -> None:
    """Killed again on its retry, the job fails, saying so; nothing half-written reaches the store."""
    queue = make_queue()
    job = queue.submit(LONG, "student")
    killed: str | None = None
    for _ in range(2):

        def training_on_a_new_worker(killed: str | None = killed) -> bool:
            current = queue.status(job.id)
            return current.job.state == RUNNING and current.job.worker != killed and len(current.events) >= 1

        wait_until(training_on_a_new_worker)
        killed = queue.status(job.id).job.worker
        os.kill(engine.worker_pids()[killed], signal.SIGKILL)
    engine.wait_for_workers(1)
    status = queue.wait(job.id, JOB_SECONDS)
    assert status.job.state == FAILED
    assert "stopped twice" in status.job.error
    assert queue.store.list() == []
    follow_up = queue.submit(TINY, "student")  # the queue and its workers still serve
    assert queue.wait(follow_up.id, JOB_SECONDS).job.state == DONE


def test_a_killed_worker_program_is_started_again_and_its_jobs_finish(make_queue, engine: Engine) -> None:
    """kill -9 of the whole local worker program, nanny and all: it is started again, the job that was
    training is tried once more and the one waiting runs; neither stays "running" for ever."""
    queue = make_queue()
    training = queue.submit(LONG.replace(epochs=3, train_size=5000), "student-a")
    waiting = queue.submit(TINY.replace(seed=11), "student-b")
    wait_until(lambda: len(queue.status(training.id).events) >= 1)
    restarted = engine.restarted
    os.killpg(engine.worker_program_pid, signal.SIGKILL)
    states = [queue.wait(job.id, JOB_SECONDS).job for job in (training, waiting)]
    assert [job.state for job in states] == [DONE, DONE], [job.error for job in states]
    assert engine.restarted == restarted + 1
    engine.wait_for_workers(1)


def test_a_worker_program_that_keeps_dying_fails_its_jobs_with_a_sentence(make_queue) -> None:
    """With no restarts left, the jobs fail saying what happened and what to do; new ones fail at once."""
    fragile = Engine(workers=1, restarts=0, warm=False)
    try:
        fragile.wait_for_workers(1)
        queue = make_queue(fragile)
        training = queue.submit(LONG, "student-a")
        waiting = queue.submit(TINY.replace(seed=12), "student-b")
        wait_until(lambda: len(queue.status(training.id).events) >= 1)
        os.killpg(fragile.worker_program_pid, signal.SIGKILL)
        ended = [queue.wait(job.id, JOB_SECONDS).job for job in (training, waiting)]
        assert [job.state for job in ended] == [FAILED, FAILED]
        assert all("training workers stopped" in job.error and "restart the server" in job.error for job in ended)
        later = queue.submit(TINY.replace(seed=13), "student-c")
        assert queue.status(later.id).job.state == FAILED
    finally:
        fragile.close()


def test_a_damaged_database_says_so(tmp_path: Path) -> None:
    """A job table file that is not SQLite raises DatabaseError naming the file and what to do."""
    path = tmp_path / "studio.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match=r"studio.db cannot be used.*move it away"):
        JobTable(path)


def test_the_job_table_is_in_wal_mode(tmp_path: Path) -> None:
    """WAL lets pages read the queue while the engine writes to it."""
    JobTable(tmp_path / "studio.db")
    with sqlite3.connect(tmp_path / "studio.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
