"""One training task, as a worker runs it: plain values in, a packaged model out, progress as messages.

The same function runs on a Dask worker (:class:`~mnist_core.engine.cluster.Engine`) and in this
process (:class:`~mnist_core.engine.local.LocalEngine`); only how its messages travel and how it
is asked to stop differ. Every message is a dict with the job's id and its ``kind``:

- ``started``: the task began training, on ``worker``;
- ``epoch``: one :class:`~mnist_core.training.EpochEvent` as a dict, in ``event``;
- ``weights``: the first layer's weights after ``epoch``, as float16 ``images`` bytes of ``shape``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import Dataset
from ..data import load as load_dataset
from ..errors import MnistCoreError
from ..images.drawn import cached_practice_drawings
from ..network.evaluation import evaluate
from ..spec import ModelSpec
from ..store import ModelPayload, package
from ..training import ClassRows, EpochEvent, ShouldStop, train

__all__ = ["OnEvent", "OnOutcome", "Report", "TaskOutcome", "dataset_here", "failure_message", "run_task", "warm_up"]

#: Where a task's messages go, as it runs.
Report = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TaskOutcome:
    """How a training task ended: a model, or an error message (``cancelled`` when it never ran)."""

    job_id: str
    payload: ModelPayload | None = None
    error: str | None = None
    cancelled: bool = False


#: What an engine calls with each message of a job: ``on_event(job_id, kind, message)``.
OnEvent = Callable[[str, str, dict[str, Any]], None]
#: What an engine calls once, as a job ends.
OnOutcome = Callable[[TaskOutcome], None]


_dataset: Dataset | None = None
_dataset_lock = threading.Lock()


def dataset_here() -> Dataset:
    """MNIST from this machine's cache, loaded once per process."""
    global _dataset
    with _dataset_lock:
        if _dataset is None:
            _dataset = load_dataset()
        return _dataset


def run_task(
    job_id: str,
    spec_values: dict[str, Any],
    name: str | None,
    class_rows: ClassRows | None,
    *,
    worker: str,
    report: Report,
    should_stop: ShouldStop,
    dataset: Dataset | None = None,
) -> ModelPayload:
    """Train one spec here and return the model as plain data, reporting its progress to ``report``.

    The data is ``dataset``, or MNIST from this machine's cache. A run asked to stop keeps
    what it has learned (a stopped model).
    """
    report({"job": job_id, "kind": "started", "worker": worker})
    spec = ModelSpec.from_dict(spec_values)

    def on_epoch(event: EpochEvent) -> None:
        report({"job": job_id, "kind": "epoch", "event": event.to_dict()})

    def on_weights(epoch: int, images: np.ndarray) -> None:
        report(
            {"job": job_id, "kind": "weights", "epoch": epoch, "shape": list(images.shape), "images": images.tobytes()}
        )

    dataset = dataset or dataset_here()
    trained = train(
        spec, dataset, on_epoch=on_epoch, should_stop=should_stop, on_weights=on_weights, class_rows=class_rows
    )
    return package(trained, evaluate(trained.network, dataset.seen_by(spec)), dataset, name=name)


def warm_up() -> None:
    """Import the frameworks and read MNIST and the practice drawings now, so that the first job does not wait."""
    with contextlib.suppress(Exception):  # a failure here shows again, with its message, in the first job
        import sklearn.neural_network  # noqa: F401

        from ..training._keras_import import import_keras

        import_keras()
        dataset_here()
        cached_practice_drawings()


def failure_message(error: BaseException) -> str:
    """What a student reads when a task raised ``error``."""
    if isinstance(error, MnistCoreError):
        return str(error)
    return f"Training failed: {type(error).__name__}: {error}"
