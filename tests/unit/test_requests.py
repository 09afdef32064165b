"""What a student asks of the queue is held to the lesson where it is asked: locks, budget, one job, cancels."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_core import data
from mnist_core.classroom import TEACHER, Actor, Lesson, ask_for_model, cancel_job
from mnist_core.engine import JobTable, LocalEngine, TrainingQueue, database_path
from mnist_core.errors import LimitError, NotAllowedError, QueueError
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.store import ModelStore

ANA = Actor("student", "student:ana", "Ana")
TINY = ModelSpec(hidden_layers=(16,), epochs=2, train_size=1000, batch_size=64, validation_fraction=0.0, seed=0)
LESSON = Lesson(spec=TINY, locked=("epochs", "learning_rate", "hidden_layers"), budget_seconds=60)


@pytest.fixture
def queue(mnist: data.Dataset, tmp_path: Path):
    small = mnist.subset(1000, seed=0)
    store = ModelStore(tmp_path / "models")
    engine = LocalEngine(small)
    yield TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=small.fingerprint)
    engine.close()


def test_a_student_cannot_train_past_the_lessons_locks_or_budget(queue: TrainingQueue) -> None:
    """The spec a link asked for (3 × 1024, 40 epochs, rate 0.5) is refused and nothing is queued."""
    linked = TINY.replace(epochs=40, learning_rate=0.5, hidden_layers=(1024, 1024, 1024))
    with pytest.raises(NotAllowedError, match="fixed these settings"):
        ask_for_model(queue, LESSON, linked, by=ANA)
    heavy = PRESETS["best"]
    with pytest.raises(LimitError, match=r"would train for about .* this lesson allows 60 s a job"):
        ask_for_model(queue, Lesson(budget_seconds=60), heavy, by=ANA)
    assert queue.overview() == []
    job = ask_for_model(queue, LESSON, TINY.replace(seed=3), by=ANA)  # a free field may change
    assert job.sessions == (ANA.session,)
    with pytest.raises(QueueError, match="already have a model"):
        ask_for_model(queue, LESSON, TINY.replace(seed=4), by=ANA)  # one job per student, any tab
    assert queue.wait(job.id, 60).job.state == "done"


def test_the_teacher_is_not_held_to_the_lesson_and_guests_must_give_a_name(queue: TrainingQueue) -> None:
    """The teacher may train past the lesson; a browser without a nickname is asked for one first."""
    job = ask_for_model(queue, LESSON, TINY.replace(epochs=3), by=TEACHER)
    with pytest.raises(NotAllowedError, match="nickname first"):
        ask_for_model(queue, LESSON, TINY, by=Actor.guest("tab"))
    assert queue.wait(job.id, 60).job.state == "done"


def test_only_the_teacher_cancels_a_job(queue: TrainingQueue) -> None:
    """A student's cancel is refused with a sentence; the teacher's cancels the job for everyone."""
    waiting = ask_for_model(queue, Lesson(), TINY.replace(epochs=200, train_size=1000, seed=8), by=ANA)
    with pytest.raises(NotAllowedError, match="Only the teacher can cancel"):
        cancel_job(queue, waiting.id, by=Actor("student", "student:ben", "Ben"))
    cancel_job(queue, waiting.id, by=TEACHER)
    assert queue.wait(waiting.id, 60).job.state in {"cancelled", "done"}  # done: stopped, keeping what it learned


def test_only_the_teacher_asks_for_the_presets_each_for_a_session_of_its_own(queue: TrainingQueue) -> None:
    """Students are refused; the teacher's presets queue side by side and belong to no student."""
    from mnist_core.classroom import ask_for_presets
    from mnist_core.errors import BadInputError

    with pytest.raises(NotAllowedError, match="Only the teacher can train the presets"):
        ask_for_presets(queue, ["quick"], by=ANA)
    with pytest.raises(BadInputError, match="There is no preset huge"):
        ask_for_presets(queue, ["huge"], by=TEACHER)
    assert queue.overview() == []
    jobs = ask_for_presets(queue, ["quick", "sklearn-seed"], by=TEACHER)
    assert [job.sessions for job in jobs] == [("teacher/preset/quick",), ("teacher/preset/sklearn-seed",)]
    assert [job.name for job in jobs] == ["quick", "sklearn-seed"]
    for job in jobs:
        cancel_job(queue, job.id, by=TEACHER)
        queue.wait(job.id, 120)
