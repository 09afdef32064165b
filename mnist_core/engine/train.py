"""Asking the queue for a model and waiting for it: the command line's way to train, and the tests'.

Nothing here trains by itself: the job goes through the store's job table like any student's.
"""

from __future__ import annotations

import uuid

from ..data import Dataset
from ..errors import TrainingError
from ..spec import ModelSpec
from ..store import ModelStore, StoredModel
from ..training import OnEpoch
from .jobs import TrainingQueue
from .local import LocalEngine
from .table import JobTable, database_path

__all__ = ["train_in_process", "train_with"]


def train_with(
    queue: TrainingQueue,
    spec: ModelSpec,
    *,
    name: str | None = None,
    session: str | None = None,
    on_epoch: OnEpoch | None = None,
) -> tuple[StoredModel, bool]:
    """The stored model for ``spec``, asked of ``queue`` and waited for: the command line's way to train.

    Ctrl-C stops the training, keeping what it learned.

    Returns:
        ``(model, from_store)``: from_store is True when this call trained nothing (the store
        had the model, or another session's job trained it).

    Raises:
        TrainingError: the job failed or was cancelled (the message says why).
    """
    session = session or f"command:{uuid.uuid4().hex[:12]}"
    job = queue.submit(spec, session, name=name)
    try:
        status = queue.wait(job.id, on_epoch=on_epoch)
    except KeyboardInterrupt:
        queue.stop(job.id, session)
        status = queue.wait(job.id)
    if status is None or status.model is None:
        reason = None if status is None else status.job.error
        if reason:
            raise TrainingError(reason)  # the job's own message, kept as the table holds it
        raise TrainingError("The training was cancelled before it started.")
    return status.model, status.job.from_store or status.job.sessions[0] != session


def train_in_process(
    spec: ModelSpec,
    dataset: Dataset,
    store: ModelStore,
    *,
    name: str | None = None,
    on_epoch: OnEpoch | None = None,
) -> tuple[StoredModel, bool]:
    """:func:`train_with` over this store's job table and a :class:`LocalEngine` on ``dataset``.

    Two processes asking for the same spec at once train it once: the second joins the
    first one's job in the table and reads its model.
    """
    engine = LocalEngine(dataset)
    try:
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
        return train_with(queue, spec, name=name, on_epoch=on_epoch)
    finally:
        engine.close()
