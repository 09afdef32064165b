"""The engine where there is no cluster to be had: training in this process, one job at a time.

The command line trains here by default (one user, one model: starting a cluster would cost more
than it saves). It runs the same task as a Dask worker and reports through the same queue, so a
model trained here has the same job row, epochs and store entry as one trained by the app.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..data import Dataset
from ..language import ENGLISH, Catalogue
from ..spec import ModelSpec
from ..training import ClassRows
from .task import OnEvent, OnOutcome, TaskOutcome, failure_message, run_task

__all__ = ["LocalEngine"]


class LocalEngine:
    """Trains each submitted job in a thread of this process, first come, first served.

    It has the interface of :class:`~mnist_core.engine.cluster.Engine`, so a
    :class:`~mnist_core.engine.jobs.TrainingQueue` runs over either.
    """

    local_workers = 0

    def __init__(self, dataset: Dataset | None = None) -> None:
        """Train on ``dataset`` (by default MNIST from this machine's cache, read at the first job)."""
        self.dataset = dataset
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digit-studio-training")
        # Stop requests by job: set from any thread, read by the training loop.
        self._stops: dict[str, threading.Event] = {}
        self._futures: dict[str, Future[Any]] = {}
        self.worker = f"in-process:{socket.gethostname()}:{os.getpid()}"

    @property
    def description(self) -> str:
        """Where tasks run."""
        return self.description_in(ENGLISH)

    def description_in(self, words: Catalogue) -> str:
        """:attr:`description` in ``words``' language, for a page."""
        return words.text("this process")

    @property
    def worker_count(self) -> int:
        """Jobs that train at once here."""
        return 1

    def submit(
        self,
        job_id: str,
        spec: ModelSpec,
        *,
        name: str | None = None,
        on_event: OnEvent | None = None,
        on_outcome: OnOutcome | None = None,
        priority: int = 0,
        class_rows: ClassRows | None = None,
    ) -> None:
        """Queue a training; its messages reach ``on_event`` and its end ``on_outcome`` once (``priority`` unused)."""
        stop = self._stops[job_id] = threading.Event()

        def report(message: dict[str, Any]) -> None:
            if on_event is not None:
                on_event(job_id, str(message["kind"]), message)

        future = self._executor.submit(
            run_task,
            job_id,
            spec.to_dict(),
            name,
            class_rows,
            worker=self.worker,
            report=report,
            should_stop=stop.is_set,
            dataset=self.dataset,
        )
        self._futures[job_id] = future

        def ended(done: Future[Any]) -> None:
            self._stops.pop(job_id, None)
            self._futures.pop(job_id, None)
            if on_outcome is not None:
                on_outcome(_outcome(job_id, done))

        future.add_done_callback(ended)

    def stop(self, job_id: str, *, started: bool = True) -> None:
        """Stop a job: a waiting one is cancelled, a training one stops after its current step."""
        if (stop := self._stops.get(job_id)) is not None:
            stop.set()
        if not started and (future := self._futures.get(job_id)) is not None:
            future.cancel()

    def wait_for_workers(self, count: int = 1, timeout: float = 60) -> None:
        """There is always this one."""

    def close(self) -> None:
        """Stop every job and wait for the one training to end."""
        for job_id in list(self._stops):
            self.stop(job_id, started=False)
        with contextlib.suppress(Exception):
            self._executor.shutdown(wait=True, cancel_futures=True)


def _outcome(job_id: str, future: Future[Any]) -> TaskOutcome:
    if future.cancelled():
        return TaskOutcome(job_id, cancelled=True)
    error = future.exception()
    if error is not None:
        return TaskOutcome(job_id, error=failure_message(error))
    return TaskOutcome(job_id, payload=future.result())
