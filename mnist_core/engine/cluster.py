"""The Dask engine: every training the app starts runs as a Dask task, never in the web server.

With nothing configured, :class:`Engine` starts a ``LocalCluster`` scheduler and a ``dask worker``
program of worker *processes* (one thread each, one fewer than the machine has cores) at a lower
OS priority than the server, so that drawing stays instant while a class trains. With
``DIGIT_STUDIO_SCHEDULER=tcp://host:8786`` it sends the same tasks to an existing Dask cluster.
A task (:func:`~mnist_core.engine.task.run_task`) receives plain values (a spec as a dict, the
class's drawings as arrays), loads MNIST from its own machine's cache, trains, and returns the
model as a :class:`~mnist_core.store.ModelPayload`: workers need no shared disk.

Dask keeps the books: each job is the future keyed ``train-<job id>``, its progress travels as
worker events on the job's own topic (``Worker.log_event`` → ``Client.subscribe_topic``), its end
reaches a done callback, and a stop request is a ``distributed.Event`` that the task polls.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import TrainingError
from ..language import ENGLISH, Catalogue
from ..spec import ModelSpec
from ..training import ClassRows
from .task import OnEvent, OnOutcome, TaskOutcome, failure_message, run_task, warm_up

__all__ = ["SCHEDULER_ENV", "WORKERS_ENV", "Engine", "scheduler_address"]

log = logging.getLogger(__name__)

#: A Dask scheduler to train on instead of the engine's own local cluster.
SCHEDULER_ENV = "DIGIT_STUDIO_SCHEDULER"
#: How many local worker processes to start (default: one fewer than the cores).
WORKERS_ENV = "DIGIT_STUDIO_WORKERS"
#: Worker events of a job go to the topic named so, with the job's id after it.
EVENTS_TOPIC = "digit-studio-training-"
#: How long to try to reach a scheduler given by address (``$DIGIT_STUDIO_CONNECT_SECONDS``).
CONNECT_SECONDS_ENV = "DIGIT_STUDIO_CONNECT_SECONDS"
CONNECT_SECONDS = 10.0
#: Local workers whose scheduler (the server) is gone stop after this many seconds, and their task with them.
WORKER_DEATH_SECONDS = 10
#: How much lower than the server the local workers run (``nice`` increment).
WORKER_NICENESS = 10
#: A running task asks the scheduler whether it should stop at most this often.
STOP_POLL_SECONDS = 0.5
#: How often the engine checks that its local worker program still runs.
WATCH_SECONDS = 1.0
#: A local worker program that dies is started again, at most this many times a minute.
RESTARTS_PER_MINUTE = 3


def scheduler_address() -> str | None:
    """``$DIGIT_STUDIO_SCHEDULER``, or None for the engine's own local cluster."""
    return os.environ.get(SCHEDULER_ENV) or None


# -- what runs on a worker ------------------------------------------------------


def _stop_event_name(job_id: str) -> str:
    return f"digit-studio-stop-{job_id}"


def _task_key(job_id: str) -> str:
    return f"train-{job_id}"


def train_task(job_id: str, spec_values: dict[str, Any], name: str | None, class_rows: ClassRows | None = None) -> Any:
    """The Dask task: :func:`~mnist_core.engine.task.run_task` with worker events and a stop Event."""
    from distributed import Event, get_worker

    worker = get_worker()
    stop_event = Event(_stop_event_name(job_id))
    asked_at, stop_asked = 0.0, False

    def should_stop() -> bool:
        nonlocal asked_at, stop_asked
        # Each question is a round trip to the scheduler: Keras asks once per execution of steps.
        if not stop_asked and time.monotonic() - asked_at >= STOP_POLL_SECONDS:
            asked_at, stop_asked = time.monotonic(), stop_event.is_set()
        return stop_asked

    def report(message: dict[str, Any]) -> None:
        worker.log_event(EVENTS_TOPIC + job_id, message)

    return run_task(
        job_id, spec_values, name, class_rows, worker=worker.address, report=report, should_stop=should_stop
    )


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


def _worker_setup_plugin(warm: bool) -> Any:
    from distributed import WorkerPlugin

    class WorkerSetup(WorkerPlugin):
        """Runs in every worker process as it starts, replacements included."""

        name = "digit-studio-setup"

        def setup(self, worker: Any) -> None:
            if warm:
                threading.Thread(target=warm_up, name="digit-studio-warm-up", daemon=True).start()

    return WorkerSetup()


# -- the client side --------------------------------------------------------------


class Engine:
    """One Dask client for the whole server, over a local cluster or the one at an address.

    Args:
        address: a scheduler address; by default ``$DIGIT_STUDIO_SCHEDULER``, and
            without one a local cluster is started.
        workers: local worker processes (default ``$DIGIT_STUDIO_WORKERS`` or cores − 1).

        restarts: how often a minute a local worker program that died (nanny and all) is
            started again; past that, the engine gives up and every job fails with a sentence.
        warm: each worker imports both frameworks and reads MNIST as it starts, so that the
            first job does not wait for them; off, a worker does so for its first job (a
            server that trains only scikit-learn, or a test, saves TensorFlow's import).

    Each :meth:`submit` names who hears of that task: ``on_event(job_id, kind, message)``
    for each of its messages (on the client's event loop: keep it short), and
    ``on_outcome(outcome)`` once as it ends (on Dask's callback thread).
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        restarts: int = RESTARTS_PER_MINUTE,
        warm: bool = True,
    ) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.address = address or scheduler_address()
        self._closed = threading.Event()
        self.cluster: Any = None
        self._workers: subprocess.Popen[bytes] | None = None
        self.restarts = restarts
        self.restarted = 0  # times the local worker program was started again
        self.broken: TrainingError | None = None  # why the engine gave up, once it has
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
            threading.Thread(target=self._watch_workers, name="digit-studio-worker-watch", daemon=True).start()
        else:
            try:
                self.client = Client(
                    self.address, timeout=float(os.environ.get(CONNECT_SECONDS_ENV) or CONNECT_SECONDS)
                )
            except (OSError, TimeoutError) as error:
                raise TrainingError(
                    "No Dask scheduler answers at {address} ({error}); start one with `dask scheduler`, "
                    "or unset {variable} to train on this machine.",
                    address=self.address,
                    error=str(error),
                    variable=SCHEDULER_ENV,
                ) from None
            self.local_workers = 0
        try:
            self.client.register_plugin(_worker_setup_plugin(warm))
        except Exception as error:  # raised again from a worker: most often, it cannot import this package
            self.close()
            raise TrainingError(
                "The Dask workers of {cluster} could not be set up ({error}). Start each worker from a "
                "Digit Studio checkout, with PYTHONPATH set to it and `make venv` done there.",
                cluster=self.description,
                error=str(error),
            ) from None

    @property
    def description(self) -> str:
        """Where tasks run: ``the local cluster (N worker processes)`` or the scheduler's address."""
        return self.description_in(ENGLISH)

    def description_in(self, words: Catalogue) -> str:
        """:attr:`description` in ``words``' language, for a page."""
        if self.cluster is None:
            return words.text("the Dask cluster at {address}", address=self.address)
        if self.local_workers == 1:
            return words.text("the local cluster (1 worker process)")
        return words.text("the local cluster ({count} worker processes)", count=self.local_workers)

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
        """Queue a training task; its messages reach ``on_event`` and its end ``on_outcome`` once.

        Among waiting tasks, a higher ``priority`` starts first (then the older one). A spec that
        learns from the class's drawings needs them in ``class_rows``: they travel with the task.
        """
        from distributed import Event

        broken = self.broken
        if broken is not None:
            raise TrainingError(broken.message, **broken.values)
        topic = EVENTS_TOPIC + job_id
        if on_event is not None:
            self.client.subscribe_topic(topic, lambda event: _deliver(on_event, job_id, event))
        Event(_stop_event_name(job_id), client=self.client).clear()
        future = self.client.submit(
            train_task, job_id, spec.to_dict(), name, class_rows,
            key=_task_key(job_id), pure=False, retries=0, priority=priority,
        )  # fmt: skip

        def ended(done: Any) -> None:
            if self._closed.is_set():
                return  # the server is going: its jobs stay waiting in the table, for the next one to resume
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(topic)
            if on_outcome is not None:
                broken = self.broken
                on_outcome(_outcome(job_id, done, broken=None if broken is None else str(broken)))

        # Dask holds the future until the callback has run: no books of our own.
        future.add_done_callback(ended)

    def stop(self, job_id: str, *, started: bool = True) -> None:
        """Stop a job: a running task stops after its current step (keeping what it learned); a task that
        has not ``started`` training is cancelled.

        "Not started" is the caller's word (the job table's), not the future's status: the scheduler may
        already have handed the task to a worker whose only thread is busy, so "processing" does not
        mean training.
        """
        from distributed import Event, Future

        Event(_stop_event_name(job_id), client=self.client).set()
        if not started:
            self.client.cancel([Future(_task_key(job_id), self.client)])

    @property
    def worker_program_pid(self) -> int | None:
        """The process id of the local ``dask worker`` program (None on a cluster given by address)."""
        return None if self._workers is None else self._workers.pid

    def worker_pids(self) -> dict[str, int]:
        """Each live worker's process id, by address (a worker that does not answer is left out)."""
        return dict(self.client.run(os.getpid, on_error="ignore"))

    def wait_for_workers(self, count: int = 1, timeout: float = 60) -> None:
        """Block until ``count`` workers are connected."""
        self.client.wait_for_workers(count, timeout=timeout)

    def close(self) -> None:
        """Shut the client, and the local workers and scheduler, down; tasks still running are not reported."""
        self._closed.set()
        with contextlib.suppress(Exception):
            self.client.close()
        if self._workers is not None:
            _stop_workers(self._workers)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def _watch_workers(self) -> None:
        """Start the local worker program again when it dies; give up when it keeps dying."""
        started_again: list[float] = []
        while not self._closed.wait(WATCH_SECONDS):
            workers = self._workers
            if workers is None or workers.poll() is None or self._closed.is_set():
                continue
            now = time.monotonic()
            started_again = [moment for moment in started_again if now - moment < 60]
            if len(started_again) >= self.restarts:
                self._give_up(workers.returncode)
                return
            log.warning("the training workers stopped (exit status %s): starting them again", workers.returncode)
            started_again.append(now)
            self._workers = _start_workers(self.cluster.scheduler_address, self.local_workers)
            self.restarted += 1

    def _give_up(self, status: int | None) -> None:
        from distributed import Future

        self.broken = TrainingError(
            "The training workers stopped (exit status {status}) and could not be kept running, so this job has "
            "failed. The teacher can restart the server to train again; drawing still works.",
            status=status,
        )
        log.error("%s", self.broken)
        keys = [key for key in list(self.client.futures) if str(key).startswith("train-")]
        self.client.cancel([Future(key, self.client) for key in keys])


def _deliver(on_event: OnEvent, job_id: str, event: tuple[float, dict[str, Any]]) -> None:
    _, message = event
    try:
        on_event(job_id, str(message["kind"]), message)
    except Exception:  # an event handler must never break the client's event loop
        log.exception("could not handle a training event")


def _outcome(job_id: str, future: Any, *, broken: str | None = None) -> TaskOutcome:
    from distributed.scheduler import KilledWorker

    if future.cancelled():
        return TaskOutcome(job_id, error=broken) if broken else TaskOutcome(job_id, cancelled=True)
    try:
        return TaskOutcome(job_id, payload=future.result())
    except KilledWorker:
        return TaskOutcome(
            job_id,
            error="The training worker stopped twice while training this model (out of memory, or killed), "
            "so the job has failed. Try a smaller network or fewer training images.",
        )
    except Exception as error:  # the task's own error, raised again here
        if "deserialization of the task graph" in str(error):
            return TaskOutcome(
                job_id,
                error="The Dask scheduler could not read the training task: start the scheduler, like every "
                "worker, from a Digit Studio checkout with PYTHONPATH set to it.",
            )
        return TaskOutcome(job_id, error=failure_message(error))
