"""Whose model it is: a student deletes only the models they trained; the class's shared models are the teacher's."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_core import data
from mnist_core.classroom import TEACHER, Actor
from mnist_core.classroom.ownership import delete_model, model_owner
from mnist_core.engine import JobTable, LocalEngine, TrainingQueue, database_path, train_with
from mnist_core.errors import NotAllowedError
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore

TINY = ModelSpec(hidden_layers=(16,), epochs=1, train_size=1000, batch_size=64, validation_fraction=0.0, seed=0)
ANA = Actor("student", "student:ana-token", "Ana")
BEN = Actor("student", "student:ben-token", "Ben")


def test_a_student_deletes_their_own_model_and_no_one_elses(mnist: data.Dataset, tmp_path: Path) -> None:
    """Ben may not delete Ana's model nor a preset trained by the server; Ana may delete hers; the teacher any."""
    small = mnist.subset(1000, seed=0)
    store = ModelStore(tmp_path / "models")
    engine = LocalEngine(small)
    try:
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=small.fingerprint)
        anas, _ = train_with(queue, TINY, session=ANA.session)
        shared, _ = train_with(queue, TINY.replace(seed=1), session="server:first-start", name="quick")
        bens_copy, from_store = train_with(queue, TINY, session=BEN.session)  # the same spec: Ana's model
    finally:
        engine.close()
    assert from_store and bens_copy.id == anas.id
    assert model_owner(queue.table, anas.id) == ANA.session
    assert model_owner(queue.table, shared.id) is None

    for actor, model_id in [(BEN, anas.id), (ANA, shared.id), (Actor.guest("x"), anas.id)]:
        with pytest.raises(NotAllowedError, match="Only the teacher can delete this model"):
            delete_model(store, queue.table, model_id, by=actor)
    assert {model.id for model in store.models()} == {anas.id, shared.id}
    delete_model(store, queue.table, anas.id, by=ANA)
    delete_model(store, queue.table, shared.id, by=TEACHER)
    assert store.models() == []


def test_who_trained_each_model_and_damaged_folders_are_the_teachers(mnist: data.Dataset, tmp_path: Path) -> None:
    """A student's model carries their nickname, a shared one "the class"; only the teacher removes damage."""
    from mnist_core.classroom import Roster, trained_by

    small = mnist.subset(1000, seed=0)
    store = ModelStore(tmp_path / "models")
    roster = Roster(tmp_path / "class.db")
    ana = roster.join("Ana")
    engine = LocalEngine(small)
    try:
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=small.fingerprint)
        anas, _ = train_with(queue, TINY, session=ana.actor.session)
        shared, _ = train_with(queue, TINY.replace(seed=1), session="teacher/preset/quick", name="quick")
    finally:
        engine.close()
    assert trained_by(queue.table, roster, [anas.id, shared.id]) == {anas.id: "Ana", shared.id: "the class"}

    (store.root / anas.id / "meta.json").write_text("{ damaged")
    with pytest.raises(NotAllowedError, match="Only the teacher can remove a damaged model folder"):
        delete_model(store, queue.table, anas.id, by=ana.actor)
    delete_model(store, queue.table, anas.id, by=TEACHER)
    assert not (store.root / anas.id).exists()
