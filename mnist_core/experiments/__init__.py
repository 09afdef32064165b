"""Sweeps over the engine (many runs of one question), their figures, and the findings computed from their numbers."""

from .figures import (
    sweep_accuracy,
    sweep_curves,
    sweep_parallel,
    sweep_scatter,
)
from .findings import (
    Findings,
    figures,
    findings,
    report_html,
    report_markdown,
    results_table,
    summarise,
)
from .plan import (
    SWEEP_KINDS,
    SweepPlan,
    example_values,
    plan_sweep,
)
from .results import (
    SweepResult,
)
from .runs import (
    SWEEP_SESSION_PREFIX,
    Run,
    SweepRecord,
    SweepTable,
    finished,
    follow,
    results,
    runs,
    start,
    stop,
)
from .sweep import (
    MAX_FIELDS,
    MAX_RUNS,
    MAX_SEEDS,
    VARIABLE_FIELDS,
    Sweep,
    as_written,
    parse_values,
    value_order,
)

__all__ = [
    "MAX_FIELDS",
    "MAX_RUNS",
    "MAX_SEEDS",
    "SWEEP_KINDS",
    "SWEEP_SESSION_PREFIX",
    "VARIABLE_FIELDS",
    "Findings",
    "Run",
    "Sweep",
    "SweepPlan",
    "SweepRecord",
    "SweepResult",
    "SweepTable",
    "as_written",
    "example_values",
    "figures",
    "findings",
    "finished",
    "follow",
    "parse_values",
    "plan_sweep",
    "report_html",
    "report_markdown",
    "results",
    "results_table",
    "runs",
    "start",
    "stop",
    "summarise",
    "sweep_accuracy",
    "sweep_curves",
    "sweep_parallel",
    "sweep_scatter",
    "value_order",
]
