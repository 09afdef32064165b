"""Training outside the web server: the Dask engine that runs every training, and the
server-wide queue and job table in front of it."""

from .cluster import (
    SCHEDULER_ENV,
    WORKERS_ENV,
    Engine,
    TaskOutcome,
    scheduler_address,
    train_in_process,
    train_on_scheduler,
)
from .jobs import (
    ACTIVE,
    SWEEP_SESSION_PREFIX,
    Job,
    JobStatus,
    JobTable,
    TrainingQueue,
    database_path,
    estimate_seconds,
)

__all__ = [
    "ACTIVE",
    "SCHEDULER_ENV",
    "SWEEP_SESSION_PREFIX",
    "WORKERS_ENV",
    "Engine",
    "Job",
    "JobStatus",
    "JobTable",
    "TaskOutcome",
    "TrainingQueue",
    "database_path",
    "estimate_seconds",
    "scheduler_address",
    "train_in_process",
    "train_on_scheduler",
]
