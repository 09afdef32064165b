"""Sweeps over the engine (many runs of one question) and the findings computed from their numbers."""

from .findings import (
    Findings,
    figures,
    findings,
    report_html,
    report_markdown,
    results_table,
    summarise,
)
from .results import (
    SweepResult,
)
from .sweep import (
    MAX_FIELDS,
    MAX_RUNS,
    SWEEP_SESSION_PREFIX,
    VARIABLE_FIELDS,
    Run,
    Sweep,
    SweepRecord,
    SweepTable,
    finished,
    follow,
    parse_values,
    results,
    runs,
    as_written,
    start,
    stop,
)

__all__ = [
    "MAX_FIELDS",
    "MAX_RUNS",
    "SWEEP_SESSION_PREFIX",
    "VARIABLE_FIELDS",
    "Findings",
    "Run",
    "Sweep",
    "SweepRecord",
    "SweepResult",
    "SweepTable",
    "figures",
    "findings",
    "finished",
    "follow",
    "parse_values",
    "report_html",
    "report_markdown",
    "results",
    "results_table",
    "runs",
    "as_written",
    "start",
    "stop",
    "summarise",
]
