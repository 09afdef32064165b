"""Training outside the web server: the engines that run every training (Dask, or this process for
the command line), and the server-wide queue and job table in front of them."""

from .cluster import SCHEDULER_ENV, WORKERS_ENV, Engine, scheduler_address
from .estimates import MEASURED_SECONDS, estimate_seconds
from .jobs import REREAD_SECONDS, SWEEP_SESSION_PREFIX, TrainingEngine, TrainingQueue
from .local import LocalEngine
from .table import ACTIVE, CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job, JobStatus, JobTable, database_path
from .task import TaskOutcome
from .train import train_in_process, train_with

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "DONE",
    "FAILED",
    "MEASURED_SECONDS",
    "QUEUED",
    "REREAD_SECONDS",
    "RUNNING",
    "SCHEDULER_ENV",
    "SWEEP_SESSION_PREFIX",
    "WORKERS_ENV",
    "Engine",
    "Job",
    "JobStatus",
    "JobTable",
    "LocalEngine",
    "TaskOutcome",
    "TrainingEngine",
    "TrainingQueue",
    "database_path",
    "estimate_seconds",
    "scheduler_address",
    "train_in_process",
    "train_with",
]
