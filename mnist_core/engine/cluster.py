"""The training engine: every training the app starts runs as a Dask task, never in the web server.

With nothing configured, :class:`Engine` starts a ``LocalCluster`` of worker
*processes* (one thread each, one fewer than the machine has cores) at a lower
OS priority than the server, so that drawing stays instant while a class
trains. With ``DIGIT_STUDIO_SCHEDULER=tcp://host:8786`` it sends the same tasks
to an existing Dask cluster. A task receives plain values (a spec as a dict),
loads MNIST from its own machine's cache, trains, and returns the model as a
:class:`~mnist_core.store.ModelPayload`: workers need no shared disk.

Progress travels as worker events (``Worker.log_event`` → ``Client.subscribe_topic``);
a stop request is a ``distributed.Event`` that the task polls while it trains.

The command line trains in-process by default (:func:`train_in_process`): one
user, one model, no cluster to start.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..classroom.drawings import class_set
from ..data import Dataset
from ..data import load as load_dataset
from ..errors import MnistCoreError, TrainingError
from ..images.drawn import cached_practice_drawings
from ..network.evaluation import evaluate
from ..spec import ModelSpec
from ..store import ModelPayload, ModelStore, StoredModel, package
from ..training.records import EpochEvent, OnEpoch, ShouldStop
from ..training.runner import ClassRows, train

__all__ = [
    "SCHEDULER_ENV",
    "WORKERS_ENV",
    "Engine",
    "TaskOutcome",
    "scheduler_address",
    "train_in_process",
    "train_on_scheduler",
]

log = logging.getLogger(__name__)

#: A Dask scheduler to train on instead of the engine's own local cluster.
SCHEDULER_ENV = "DIGIT_STUDIO_SCHEDULER"
#: How many local worker processes to start (default: one fewer than the cores).
WORKERS_ENV = "DIGIT_STUDIO_WORKERS"
#: The worker-event topic that carries every job's progress.
EVENTS_TOPIC = "digit-studio-training"
#: How long to try to reach a scheduler given by address.
CONNECT_SECONDS = 10
#: Local workers whose scheduler (the server) is gone stop after this many seconds, and their task with them.
WORKER_DEATH_SECONDS = 10
#: How much lower than the server the local workers run (``nice`` increment).
WORKER_NICENESS = 10
#: A running task asks the scheduler whether it should stop at most this often.
STOP_POLL_SECONDS = 0.5


def scheduler_address() -> str | None:
    """``$DIGIT_STUDIO_SCHEDULER``, or None for the engine's own local cluster."""
    return os.environ.get(SCHEDULER_ENV) or None


def train_in_process(
    spec: ModelSpec,
    dataset: Dataset,
    store: ModelStore,
    *,
    name: str | None = None,
    on_epoch: OnEpoch | None = None,
    should_stop: ShouldStop | None = None,
) -> tuple[StoredModel, bool]:
    """The stored model for ``spec``, training it here and saving it first if needed.

    Two processes asking for the same spec at once train it once: the second
    waits for the first and loads its result.

    Returns:
        ``(model, from_store)``: from_store is True when nothing was trained.
    """
    model_id = spec.key(dataset.fingerprint)
    with store.lock(model_id):
        if model_id in store:
            return store.get(model_id), True
        rows = class_set(spec.class_set) if spec.class_set else None
        trained = train(spec, dataset, on_epoch=on_epoch, should_stop=should_stop, class_rows=rows)
        return store.save(trained, evaluate(trained.network, dataset.seen_by(spec)), dataset, name=name), False


def train_on_scheduler(
    address: str,
    spec: ModelSpec,
    dataset: Dataset,
    store: ModelStore,
    *,
    name: str | None = None,
    on_epoch: OnEpoch | None = None,
) -> tuple[StoredModel, bool]:
    """The stored model for ``spec``, training it on the Dask cluster at ``address`` if needed.

    The worker loads MNIST from its own cache and sends the model back; it is
    written into ``store`` here. Ctrl-C stops the task, keeping what it learned.

    Raises:
        TrainingError: the task failed (its message says why).
    """
    model_id = spec.key(dataset.fingerprint)
    if model_id in store:
        return store.get(model_id), True
    outcomes: queue.Queue[TaskOutcome] = queue.Queue()
    job_id = f"cli-{uuid.uuid4().hex[:12]}"

    def on_event(job: str, kind: str, message: dict[str, Any]) -> None:
        if kind == "epoch" and on_epoch is not None:
            on_epoch(EpochEvent(**message["event"]))

    engine = Engine(address)
    try:
        rows = class_set(spec.class_set) if spec.class_set else None
        engine.submit(job_id, spec, name=name, on_event=on_event, on_outcome=outcomes.put, class_rows=rows)
        try:
            outcome = outcomes.get()
        except KeyboardInterrupt:
            engine.stop(job_id)
            outcome = outcomes.get()
    finally:
        engine.close()
    if outcome.payload is None:
        raise TrainingError(outcome.error or "The training task was cancelled before it started.")
    return store.write(outcome.payload), False


# -- what runs on a worker ------------------------------------------------------

_worker_dataset: Dataset | None = None
_worker_dataset_lock = threading.Lock()


def _dataset_on_worker() -> Dataset:
    """MNIST from this machine's cache, loaded once per worker process."""
    global _worker_dataset
    with _worker_dataset_lock:
        if _worker_dataset is None:
            _worker_dataset = load_dataset()
        return _worker_dataset


def _stop_event_name(job_id: str) -> str:
    return f"digit-studio-stop-{job_id}"


def train_task(
    job_id: str, spec_values: dict[str, Any], name: str | None, class_rows: ClassRows | None = None
) -> ModelPayload:
    """Train one spec on the worker this runs on and return the model as plain data.

    Reports ``started``, every epoch and the first layer's weights after it
    as worker events, and stops (keeping what it learned) once the job's stop
    event is set.
    """
    from distributed import Event, get_worker

    worker = get_worker()
    worker.log_event(EVENTS_TOPIC, {"job": job_id, "kind": "started", "worker": worker.address})
    spec = ModelSpec.from_dict(spec_values)
    stop_event = Event(_stop_event_name(job_id))
    asked_at, stop_asked = 0.0, False

    def should_stop() -> bool:
        nonlocal asked_at, stop_asked
        # Each question is a round trip to the scheduler: Keras asks once per execution of steps.
        if not stop_asked and time.monotonic() - asked_at >= STOP_POLL_SECONDS:
            asked_at, stop_asked = time.monotonic(), stop_event.is_set()
        return stop_asked

    def on_epoch(event: EpochEvent) -> None:
        worker.log_event(EVENTS_TOPIC, {"job": job_id, "kind": "epoch", "event": event.to_dict()})

    def on_weights(epoch: int, images: np.ndarray) -> None:
        worker.log_event(
            EVENTS_TOPIC,
            {"job": job_id, "kind": "weights", "epoch": epoch, "shape": list(images.shape), "images": images.tobytes()},
        )

    dataset = _dataset_on_worker()
    trained = train(
        spec, dataset, on_epoch=on_epoch, should_stop=should_stop, on_weights=on_weights, class_rows=class_rows
    )
    return package(trained, evaluate(trained.network, dataset.seen_by(spec)), dataset, name=name)


def _start_workers(scheduler: str, count: int) -> subprocess.Popen[bytes]:
    """``dask worker`` processes for the local scheduler, at a lower OS priority than this server.

    They run as a separate program rather than as children spawned from the
    server, so that they never import the Streamlit script, and ``nice`` lowers
    the priority of every thread they will ever start. A nanny restarts a
    worker that dies; the workers exit by themselves if the server is gone.
    """
    command = [
        sys.executable, "-m", "distributed.cli.dask_worker", scheduler,
        "--nworkers", str(count), "--nthreads", "1", "--no-dashboard", "--death-timeout", str(WORKER_DEATH_SECONDS),
    ]  # fmt: skip
    if shutil.which("nice"):
        command = ["nice", "-n", str(WORKER_NICENESS), *command]
    package_root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        "DASK_LOGGING__DISTRIBUTED": "error",
    }
    workers = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
    )
    atexit.register(_stop_workers, workers)
    return workers


def _stop_workers(workers: subprocess.Popen[bytes]) -> None:
    if workers.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(workers.pid, signal.SIGTERM)
        try:
            workers.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(workers.pid, signal.SIGKILL)
            workers.wait()


def _warm_up() -> None:
    """Import the frameworks and read MNIST and the practice drawings now, so that the first job does not wait."""
    with contextlib.suppress(Exception):  # a failure here shows again, with its message, in the first job
        import sklearn.neural_network  # noqa: F401

        from ..training._keras_import import import_keras

        import_keras()
        _dataset_on_worker()
        cached_practice_drawings()


def _worker_setup_plugin() -> Any:
    from distributed import WorkerPlugin

    class WorkerSetup(WorkerPlugin):
        """Runs in every worker process as it starts, replacements included."""

        name = "digit-studio-setup"

        def setup(self, worker: Any) -> None:
            threading.Thread(target=_warm_up, name="digit-studio-warm-up", daemon=True).start()

    return WorkerSetup()


# -- the client side --------------------------------------------------------------


@dataclass(frozen=True)
class TaskOutcome:
    """How a training task ended: a model, or an error message (``cancelled`` when it never ran)."""

    job_id: str
    payload: ModelPayload | None = None
    error: str | None = None
    cancelled: bool = False


OnEvent = Callable[[str, str, dict[str, Any]], None]
OnOutcome = Callable[[TaskOutcome], None]


class Engine:
    """One Dask client for the whole server, over a local cluster or the one at an address.

    Args:
        address: a scheduler address; by default ``$DIGIT_STUDIO_SCHEDULER``, and
            without one a local cluster is started.
        workers: local worker processes (default ``$DIGIT_STUDIO_WORKERS`` or cores − 1).

    Each :meth:`submit` names who hears of that task: ``on_event(job_id, kind, message)``
    for its ``started`` and ``epoch`` events (on the client's event thread: keep it
    short), and ``on_outcome(outcome)`` once as it ends (on the engine's own thread).
    """

    def __init__(self, address: str | None = None, *, workers: int | None = None) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.address = address or scheduler_address()
        self._handlers: dict[str, tuple[OnEvent, OnOutcome]] = {}
        self._futures: dict[str, Any] = {}
        self._started: set[str] = set()  # jobs whose task has reported "started"
        self._lock = threading.Lock()
        self._finished: queue.Queue[Any] = queue.Queue()
        self.cluster: Any = None
        self._workers: subprocess.Popen[bytes] | None = None
        if self.address is None:
            with dask.config.set(
                {
                    # A task whose worker dies is run again once; a second death fails the job.
                    "distributed.scheduler.allowed-failures": 1,
                    # One task per worker thread: a waiting job stays in the scheduler's queue,
                    # where it can be cancelled and is not counted as lost with a dying worker.
                    "distributed.scheduler.worker-saturation": 1.0,
                }
            ):
                self.cluster = LocalCluster(
                    n_workers=0,
                    processes=True,
                    dashboard_address=None,
                    # No dashboard; its health endpoint on a free port, not on a fixed one another server may hold.
                    scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self.cluster)
            count = workers or int(os.environ.get(WORKERS_ENV) or max(1, (os.cpu_count() or 2) - 1))
            self._workers = _start_workers(self.cluster.scheduler_address, count)
            self.local_workers = count
        else:
            try:
                self.client = Client(self.address, timeout=CONNECT_SECONDS)
            except (OSError, TimeoutError) as error:
                raise TrainingError(
                    f"No Dask scheduler answers at {self.address} ({error}); start one with `dask scheduler`, "
                    f"or unset {SCHEDULER_ENV} to train on this machine."
                ) from None
            self.local_workers = 0
        try:
            self.client.register_plugin(_worker_setup_plugin())
        except Exception as error:  # raised again from a worker: most often, it cannot import this package
            self.close()
            raise TrainingError(
                f"The Dask workers of {self.description} could not be set up ({error}). Start each worker from a "
                "Digit Studio checkout, with PYTHONPATH set to it and `make venv` done there."
            ) from None
        self.client.subscribe_topic(EVENTS_TOPIC, self._event)
        self._thread = threading.Thread(target=self._deliver, name="digit-studio-engine", daemon=True)
        self._thread.start()

    @property
    def description(self) -> str:
        """Where tasks run: ``the local cluster (N workers)`` or the scheduler's address."""
        if self.cluster is None:
            return f"the Dask cluster at {self.address}"
        return f"the local cluster ({self.local_workers} worker process{'es' if self.local_workers > 1 else ''})"

    @property
    def worker_count(self) -> int:
        """Workers the scheduler knows now."""
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

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
        """Queue a training task; its events reach ``on_event`` and its outcome ``on_outcome`` once.

        Among waiting tasks, a higher ``priority`` starts first (then the older one). A spec that
        learns from the class's drawings needs them in ``class_rows``: they travel with the task.
        """
        from distributed import Event

        with self._lock:
            self._handlers[job_id] = (on_event or _ignore_event, on_outcome or _ignore_outcome)
        Event(_stop_event_name(job_id), client=self.client).clear()
        future = self.client.submit(
            train_task,
            job_id,
            spec.to_dict(),
            name,
            class_rows,
            key=f"train-{job_id}",
            pure=False,
            retries=0,
            priority=priority,
        )
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda done: self._finished.put((job_id, done)))

    def stop(self, job_id: str) -> None:
        """Stop a job: a waiting task is cancelled, a running one stops after its current step."""
        from distributed import Event

        with self._lock:
            future = self._futures.get(job_id)
        Event(_stop_event_name(job_id), client=self.client).set()
        with self._lock:
            started = job_id in self._started
        # A task that has not begun training is cancelled: the scheduler may already have handed it
        # to a worker whose only thread is busy (a running task that waits on an Event frees its slot),
        # so "processing" does not mean running. One that has begun stops at the Event and keeps its model.
        if future is not None and future.status == "pending" and not started:
            future.cancel()

    def worker_pids(self) -> dict[str, int]:
        """Each live worker's process id, by address (a worker that does not answer is left out)."""
        return dict(self.client.run(os.getpid, on_error="ignore"))

    def wait_for_workers(self, count: int = 1, timeout: float = 60) -> None:
        """Block until ``count`` workers are connected."""
        self.client.wait_for_workers(count, timeout=timeout)

    def close(self) -> None:
        """Shut the client, and the local workers and scheduler, down."""
        self._finished.put(None)
        with contextlib.suppress(Exception):
            self.client.close()
        if self._workers is not None:
            _stop_workers(self._workers)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    # -- internals ---------------------------------------------------------------

    def _event(self, event: tuple[float, dict[str, Any]]) -> None:
        _, message = event
        job_id = str(message.get("job"))
        with self._lock:
            on_event = self._handlers.get(job_id, (_ignore_event, _ignore_outcome))[0]
            if message.get("kind") == "started":
                self._started.add(job_id)
        try:
            on_event(job_id, str(message["kind"]), message)
        except Exception:  # an event handler must never break the client's event loop
            log.exception("could not handle a training event")

    def _deliver(self) -> None:
        while (item := self._finished.get()) is not None:
            job_id, future = item
            with self._lock:
                if self._futures.get(job_id) is not future:
                    continue  # a later submission of the same job replaced this one
                del self._futures[job_id]
                self._started.discard(job_id)
                _, on_outcome = self._handlers.pop(job_id, (_ignore_event, _ignore_outcome))
            try:
                on_outcome(_outcome(job_id, future))
            except Exception:
                log.exception("could not record the end of job %s", job_id)


def _ignore_event(job_id: str, kind: str, message: dict[str, Any]) -> None:
    """Events of a task nobody listens to."""


def _ignore_outcome(outcome: TaskOutcome) -> None:
    """The end of a task nobody waits for."""


def _outcome(job_id: str, future: Any) -> TaskOutcome:
    from distributed.scheduler import KilledWorker

    if future.cancelled():
        return TaskOutcome(job_id, cancelled=True)
    try:
        return TaskOutcome(job_id, payload=future.result())
    except KilledWorker:
        return TaskOutcome(
            job_id,
            error="The training worker stopped twice while training this model (out of memory, or killed), "
            "so the job has failed. Try a smaller network or fewer training images.",
        )
    except Exception as error:  # the task's own error, raised again here
        if isinstance(error, MnistCoreError):
            return TaskOutcome(job_id, error=str(error))
        if "deserialization of the task graph" in str(error):
            return TaskOutcome(
                job_id,
                error="The Dask scheduler could not read the training task: start the scheduler, like every "
                "worker, from a Digit Studio checkout with PYTHONPATH set to it.",
            )
        return TaskOutcome(job_id, error=f"Training failed: {type(error).__name__}: {error}")
