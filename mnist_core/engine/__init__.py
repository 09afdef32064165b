"""Training outside the web server: the engines that run every training (Dask, or this process for
the command line), and the server-wide queue and job table in front of them."""

from .cluster import SCHEDULER_ENV, WORKERS_ENV, Engine, scheduler_address
from .jobs import (
    ACTIVE,
    SWEEP_SESSION_PREFIX,
    Job,
    JobStatus,
    JobTable,
    TrainingEngine,
    TrainingQueue,
    database_path,
    estimate_seconds,
    train_in_process,
    train_with,
)
from .local import LocalEngine
from .task import TaskOutcome

__all__ = [
    "ACTIVE",
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
