"""The findings of a sweep: sentences computed from its numbers, and a report to hand in.

:func:`findings` reads the finished runs of a sweep and says what changed what,
the way a student would write it up: "hidden layers 64 → 128: +0.4 points test
accuracy at 1.8× the training time", "across 3 seeds the spread is 0.1 points".
A difference smaller than the spread between seeds is called what it is: noise.
:func:`report_html` (self-contained: the figures' script is inside) and
:func:`report_markdown` put the question, the sentences, the runs and the
figures in one file.
"""

from __future__ import annotations

import html
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go

from . import figures as sweep_figures
from .results import SweepResult
from .runs import Run, results
from .sweep import Sweep, as_written

__all__ = ["Findings", "figures", "findings", "report_html", "report_markdown", "results_table", "summarise"]

#: Settings within this many points of the best count as "as good" when looking for a faster one.
AS_GOOD_POINTS = 0.5
#: A train–test gap above this many points is called overfitting.
OVERFIT_POINTS = 2.0


@dataclass(frozen=True)
class Setting:
    """The runs of one setting (its seeds), summed up."""

    label: str
    setting: dict[str, str]
    order: dict[str, float]
    accuracy: float  # mean test accuracy, 0–1
    train_accuracy: float
    train_seconds: float
    spread: float  # max − min test accuracy across seeds
    runs: int


@dataclass(frozen=True)
class Findings:
    """What a sweep sweep_runs.

    Attributes:
        question: what it asked.
        sentences: the findings, one per line, computed from the numbers.
        settings: each setting's mean over its seeds, best first.
        best: the best run (highest test accuracy), or None before any finished.
        finished, total: runs finished, runs in the sweep.
    """

    question: str
    sentences: tuple[str, ...]
    settings: tuple[Setting, ...]
    best: SweepResult | None
    finished: int
    total: int


def _points(difference: float) -> str:
    """An accuracy difference in percentage points: ``+0.4``, ``−1.2``, ``+0.05``."""
    points = difference * 100
    text = f"{abs(points):.2f}" if abs(points) < 0.1 else f"{abs(points):.1f}"
    return ("+" if points >= 0 else "−") + text


def _seconds(seconds: float) -> str:
    return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"


def _times(ratio: float) -> str:
    return f"{ratio:.2g}×" if ratio < 10 else f"{ratio:.0f}×"


def _settings(done: Sequence[SweepResult]) -> list[Setting]:
    groups: dict[str, list[SweepResult]] = {}
    for result in done:
        groups.setdefault(result.setting_label, []).append(result)
    settings = [
        Setting(
            label=label,
            setting=group[0].setting,
            order=group[0].order,
            accuracy=statistics.fmean(r.test_accuracy for r in group),
            train_accuracy=statistics.fmean(r.train_accuracy for r in group),
            train_seconds=statistics.fmean(r.train_seconds for r in group),
            spread=max(r.test_accuracy for r in group) - min(r.test_accuracy for r in group),
            runs=len(group),
        )
        for label, group in groups.items()
    ]
    return sorted(settings, key=lambda setting: -setting.accuracy)


def _field_sentences(name: str, done: Sequence[SweepResult], noise: float | None, *, drawn: bool) -> list[str]:
    label = name.replace("_", " ")
    if drawn:  # random draws: no two runs share a value, so say how accuracy moves along the field
        values = np.array([result.order[name] for result in done])
        if len(set(values.tolist())) < 3:
            return []
        scores = np.array([result.test_accuracy for result in done])
        ranks = np.argsort(np.argsort(values)), np.argsort(np.argsort(scores))
        correlation = float(np.corrcoef(*ranks)[0, 1])
        trend = "rises" if correlation > 0 else "falls"
        strength = "clearly" if abs(correlation) >= 0.6 else "somewhat" if abs(correlation) >= 0.3 else "barely"
        return [f"Across {len(done)} random draws, test accuracy {strength} {trend} with {label} "
                f"(rank correlation {correlation:+.2f})."]  # fmt: skip
    groups: dict[str, list[SweepResult]] = {}
    for result in done:
        groups.setdefault(result.setting[name], []).append(result)
    if len(groups) < 2:
        return []
    # Words have order 0: the stable sort keeps them in the sweep's order.
    ordered = sorted(groups.items(), key=lambda item: item[1][0].order[name])
    sentences = []
    for (low, low_runs), (high, high_runs) in itertools.pairwise(ordered):
        accuracy = statistics.fmean(r.test_accuracy for r in high_runs) - statistics.fmean(
            r.test_accuracy for r in low_runs
        )
        ratio = statistics.fmean(r.train_seconds for r in high_runs) / max(
            statistics.fmean(r.train_seconds for r in low_runs), 1e-9
        )
        sentence = (
            f"{label.capitalize()} {low} → {high}: {_points(accuracy)} points test accuracy "
            f"at {_times(ratio)} the training time"
        )
        if noise is not None and abs(accuracy) <= noise:
            sentence += " — no more than the spread between seeds, so not a real difference"
        sentences.append(sentence + ".")
    return sentences


def findings(sweep: Sweep, sweep_runs: Sequence[Run]) -> Findings:
    """The sentences, settings and best run of a sweep, from the runs that finished."""
    return summarise(sweep, results(sweep_runs), len(sweep_runs))


def summarise(sweep: Sweep, done: Sequence[SweepResult], total: int) -> Findings:
    """:func:`findings` from the finished runs' results and the number of runs in the sweep."""
    settings = _settings(done)
    question = sweep.title()
    if not done:
        return Findings(question, ("No run has finished yet.",), (), None, 0, total)
    noise = None
    sentences: list[str] = []
    if sweep.seeds > 1:
        spreads = [setting.spread for setting in settings if setting.runs > 1]
        if spreads:
            noise = statistics.fmean(spreads)
            sentences.append(
                f"Across {sweep.seeds} seeds the spread is {_points(noise)[1:]} points on average "
                f"({_points(max(spreads))[1:]} at most): differences smaller than that are chance."
            )
    for name in sweep.fields:
        sentences.extend(_field_sentences(name, done, noise, drawn=bool(sweep.draws)))
    top = settings[0]
    seeds = f" (mean of {top.runs} seeds)" if top.runs > 1 else ""
    sentences.append(
        f"The best setting is {top.label}: {top.accuracy:.2%} test accuracy{seeds} "
        f"in {_seconds(top.train_seconds)} of training."
    )
    quicker = [
        s for s in settings if top.accuracy - s.accuracy <= AS_GOOD_POINTS / 100 and s.train_seconds < top.train_seconds
    ]
    if quicker:
        fastest = min(quicker, key=lambda setting: setting.train_seconds)
        sentences.append(
            f"Within {AS_GOOD_POINTS:g} points of it, {fastest.label} trains in "
            f"{_times(fastest.train_seconds / top.train_seconds)} the time ({fastest.accuracy:.2%})."
        )
    gap = top.train_accuracy - top.accuracy
    if gap > OVERFIT_POINTS / 100:
        sentences.append(
            f"It scores {top.train_accuracy:.2%} on its own training images, {_points(gap)[1:]} points above the "
            "test set: it has started to learn its training images by heart (overfitting)."
        )
    worst = settings[-1]
    if len(settings) > 1:
        sentences.append(
            f"The weakest setting, {worst.label}, reaches {worst.accuracy:.2%}: "
            f"{_points(top.accuracy - worst.accuracy)[1:]} points below the best."
        )
    if len(done) < total:
        sentences.append(f"{total - len(done)} of {total} runs have not finished and are left out.")
    best = max(done, key=lambda result: result.test_accuracy)
    return Findings(question, tuple(sentences), tuple(settings), best, len(done), total)


def results_table(sweep: Sweep, sweep_runs: Sequence[Run]) -> list[dict[str, object]]:
    """One row per run: its setting, seed, state, accuracies, seconds, parameters and model id."""
    rows = []
    for run in sweep_runs:
        result = run.result()
        row: dict[str, object] = {"run": run.position + 1}
        row.update({name.replace("_", " "): value for name, value in run.written_setting.items()})
        row.update(
            {
                "seed": run.spec.seed,
                "state": run.state,
                "test accuracy %": None if result is None else round(result.test_accuracy * 100, 2),
                "train accuracy %": None if result is None else round(result.train_accuracy * 100, 2),
                "seconds": None if result is None else round(result.train_seconds, 1),
                "parameters": run.spec.parameter_count,
                "model": None if result is None else result.model_id,
            }
        )
        rows.append(row)
    return rows


def figures(sweep: Sweep, sweep_runs: Sequence[Run]) -> dict[str, go.Figure]:
    """The report's figures by title: accuracy against each varied field, time, size; all runs; their curves."""
    done = results(sweep_runs)
    charts: dict[str, go.Figure] = {}
    if not done:
        return charts
    for name in sweep.fields:
        charts[f"Test accuracy against {name.replace('_', ' ')}"] = sweep_figures.sweep_accuracy(
            done, name, sweep.fields
        )
    charts["Test accuracy against training time"] = sweep_figures.sweep_scatter(done, "train_seconds")
    charts["Test accuracy against parameters"] = sweep_figures.sweep_scatter(done, "parameters")
    charts["Every run at once"] = sweep_figures.sweep_parallel(done, sweep.fields)
    charts["Curves of every run"] = sweep_figures.sweep_curves(done)
    return charts


def report_markdown(sweep: Sweep, sweep_runs: Sequence[Run]) -> str:
    """The findings as Markdown: question, sentences, the sweep, a table of runs (figures: see the HTML report)."""
    result = findings(sweep, sweep_runs)
    lines = [f"# {result.question}", "", f"{result.finished} of {result.total} runs finished · {_now()}", "",
             "## Findings", ""]  # fmt: skip
    lines += [f"- {sentence}" for sentence in result.sentences]
    lines += ["", "## The sweep", "", _describe(sweep), "", "## Runs", ""]
    rows = results_table(sweep, sweep_runs)
    if rows:
        header = list(rows[0])
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join("" if row[key] is None else str(row[key]) for key in header) + " |" for row in rows]
    lines += ["", "The HTML report of this sweep has its figures.", ""]
    return "\n".join(lines)


def report_html(sweep: Sweep, sweep_runs: Sequence[Run]) -> str:
    """The findings as one self-contained HTML page: sentences, figures (with their script inside), runs."""
    result = findings(sweep, sweep_runs)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(result.question)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1f2937}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #d1d5db;padding:.25em .5em;"
        "text-align:right}th{background:#f3f4f6}li{margin:.3em 0}</style></head><body>",
        f"<h1>{html.escape(result.question)}</h1>",
        f"<p>{result.finished} of {result.total} runs finished · {_now()} · Digit Studio</p>",
        "<h2>Findings</h2><ul>",
        *(f"<li>{html.escape(sentence)}</li>" for sentence in result.sentences),
        "</ul>",
        f"<h2>The sweep</h2><p>{html.escape(_describe(sweep))}</p>",
    ]
    first = True
    for title, figure in figures(sweep, sweep_runs).items():
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if first else False))
        first = False
    rows = results_table(sweep, sweep_runs)
    if rows:
        parts.append("<h2>Runs</h2><table><tr>" + "".join(f"<th>{html.escape(k)}</th>" for k in rows[0]) + "</tr>")
        for row in rows:
            cells = "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in row.values())
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _describe(sweep: Sweep) -> str:
    base = sweep.base
    varied = "; ".join(
        f"{name.replace('_', ' ')}: {', '.join(as_written(v) for v in values)}" for name, values in sweep.vary
    )
    kind = f"{sweep.draws} random draws from" if sweep.draws else "every combination of"
    return (
        f"{sweep.run_count} runs: {kind} {varied}; {sweep.seeds} seed{'s' if sweep.seeds > 1 else ''} each. "
        f"Everything else as in {base.framework} {base.architecture}, {base.optimizer} at {base.learning_rate:g}, "
        f"{base.epochs} epochs, batch {base.batch_size}, {base.train_size} training images."
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
