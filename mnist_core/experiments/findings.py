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

from ..language import ENGLISH, Catalogue, marked
from ..spec import field_name
from . import figures as sweep_figures
from .results import SweepResult, setting_in_words
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


def _points(difference: float, words: Catalogue = ENGLISH, *, signed: bool = True) -> str:
    """An accuracy difference in percentage points: ``+0.4``, ``−1.2``, ``+0.05`` (``0.4`` unsigned)."""
    points = difference * 100
    text = words.decimal(abs(points), digits=2 if abs(points) < 0.1 else 1)
    return (("+" if points >= 0 else "−") if signed else "") + text


def _seconds(seconds: float, words: Catalogue) -> str:
    return words.decimal(float(f"{seconds:.2g}")) if seconds < 10 else f"{seconds:.0f}"


def _times(ratio: float, words: Catalogue) -> str:
    return (words.decimal(float(f"{ratio:.2g}")) if ratio < 10 else f"{ratio:.0f}") + "×"


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


def _field_sentences(
    name: str, done: Sequence[SweepResult], noise: float | None, *, drawn: bool, words: Catalogue
) -> list[str]:
    label = field_name(name)
    if drawn:  # random draws: no two runs share a value, so say how accuracy moves along the field
        values = np.array([result.order[name] for result in done])
        if len(set(values.tolist())) < 3:
            return []
        scores = np.array([result.test_accuracy for result in done])
        ranks = np.argsort(np.argsort(values)), np.argsort(np.argsort(scores))
        correlation = float(np.corrcoef(*ranks)[0, 1])
        strength = "clearly" if abs(correlation) >= 0.6 else "somewhat" if abs(correlation) >= 0.3 else "barely"
        written = ("+" if correlation >= 0 else "-") + words.decimal(abs(correlation), digits=2)
        return [words.text(_TRENDS[correlation > 0, strength], count=len(done), field=label, correlation=written)]
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
        parts = {
            "field": label.capitalized(),
            "low": low,
            "high": high,
            "points": _points(accuracy, words),
            "times": _times(ratio, words),
        }
        if noise is not None and abs(accuracy) <= noise:
            sentences.append(
                words.text(
                    "{field} {low} → {high}: {points} points test accuracy at {times} the training time — no more "
                    "than the spread between seeds, so not a real difference.",
                    **parts,
                )
            )
        else:
            sentences.append(
                words.text(
                    "{field} {low} → {high}: {points} points test accuracy at {times} the training time.", **parts
                )
            )
    return sentences


#: How test accuracy moves along a field across random draws: by (rises?, strength).
_TRENDS = {
    (True, "clearly"): marked(
        "Across {count} random draws, test accuracy clearly rises with {field} (rank correlation {correlation})."
    ),
    (True, "somewhat"): marked(
        "Across {count} random draws, test accuracy somewhat rises with {field} (rank correlation {correlation})."
    ),
    (True, "barely"): marked(
        "Across {count} random draws, test accuracy barely rises with {field} (rank correlation {correlation})."
    ),
    (False, "clearly"): marked(
        "Across {count} random draws, test accuracy clearly falls with {field} (rank correlation {correlation})."
    ),
    (False, "somewhat"): marked(
        "Across {count} random draws, test accuracy somewhat falls with {field} (rank correlation {correlation})."
    ),
    (False, "barely"): marked(
        "Across {count} random draws, test accuracy barely falls with {field} (rank correlation {correlation})."
    ),
}


def findings(sweep: Sweep, sweep_runs: Sequence[Run], *, words: Catalogue = ENGLISH) -> Findings:
    """The sentences, settings and best run of a sweep, from the runs that finished, in ``words``' language."""
    return summarise(sweep, results(sweep_runs), len(sweep_runs), words=words)


def summarise(sweep: Sweep, done: Sequence[SweepResult], total: int, *, words: Catalogue = ENGLISH) -> Findings:
    """:func:`findings` from the finished runs' results and the number of runs in the sweep."""
    settings = _settings(done)
    question = sweep.title(words)
    if not done:
        return Findings(question, (words.text("No run has finished yet."),), (), None, 0, total)
    noise = None
    sentences: list[str] = []
    if sweep.seeds > 1:
        spreads = [setting.spread for setting in settings if setting.runs > 1]
        if spreads:
            noise = statistics.fmean(spreads)
            sentences.append(
                words.text(
                    "Across {seeds} seeds the spread is {spread} points on average ({most} at most): differences "
                    "smaller than that are chance.",
                    seeds=sweep.seeds,
                    spread=_points(noise, words, signed=False),
                    most=_points(max(spreads), words, signed=False),
                )
            )
    for name in sweep.fields:
        sentences.extend(_field_sentences(name, done, noise, drawn=bool(sweep.draws), words=words))
    top = settings[0]
    best_values = {"setting": setting_in_words(top.setting, words), "accuracy": words.percent(top.accuracy, digits=2),
                   "seconds": _seconds(top.train_seconds, words), "seeds": top.runs}  # fmt: skip
    if top.runs > 1:
        sentences.append(
            words.text(
                "The best setting is {setting}: {accuracy} test accuracy (mean of {seeds} seeds) in {seconds} s of "
                "training.",
                **best_values,
            )
        )
    else:
        sentences.append(
            words.text(
                "The best setting is {setting}: {accuracy} test accuracy in {seconds} s of training.", **best_values
            )
        )
    quicker = [
        s for s in settings if top.accuracy - s.accuracy <= AS_GOOD_POINTS / 100 and s.train_seconds < top.train_seconds
    ]
    if quicker:
        fastest = min(quicker, key=lambda setting: setting.train_seconds)
        sentences.append(
            words.text(
                "Within {points} points of it, {setting} trains in {times} the time ({accuracy}).",
                points=words.decimal(AS_GOOD_POINTS),
                setting=setting_in_words(fastest.setting, words),
                times=_times(fastest.train_seconds / top.train_seconds, words),
                accuracy=words.percent(fastest.accuracy, digits=2),
            )
        )
    gap = top.train_accuracy - top.accuracy
    if gap > OVERFIT_POINTS / 100:
        sentences.append(
            words.text(
                "It scores {train} on its own training images, {points} points above the test set: it has started "
                "to learn its training images by heart (overfitting).",
                train=words.percent(top.train_accuracy, digits=2),
                points=_points(gap, words, signed=False),
            )
        )
    worst = settings[-1]
    if len(settings) > 1:
        sentences.append(
            words.text(
                "The weakest setting, {setting}, reaches {accuracy}: {points} points below the best.",
                setting=setting_in_words(worst.setting, words),
                accuracy=words.percent(worst.accuracy, digits=2),
                points=_points(top.accuracy - worst.accuracy, words, signed=False),
            )
        )
    if len(done) < total:
        sentences.append(
            words.text(
                "{left} of {total} runs have not finished and are left out.", left=total - len(done), total=total
            )
        )
    best = max(done, key=lambda result: result.test_accuracy)
    return Findings(question, tuple(sentences), tuple(settings), best, len(done), total)


def results_table(sweep: Sweep, sweep_runs: Sequence[Run], *, words: Catalogue = ENGLISH) -> list[dict[str, object]]:
    """One row per run: its setting, seed, state, accuracies, seconds, parameters and model id (the column names
    and states in ``words``' language)."""
    rows = []
    for run in sweep_runs:
        result = run.result()
        row: dict[str, object] = {words.text("run"): run.position + 1}
        row.update({words.text(field_name(name)): value for name, value in run.written_setting.items()})
        row.update(
            {
                words.text("seed"): run.spec.seed,
                words.text("state"): words.text(_STATES.get(run.state, run.state)),
                words.text("test accuracy %"): None if result is None else round(result.test_accuracy * 100, 2),
                words.text("train accuracy %"): None if result is None else round(result.train_accuracy * 100, 2),
                words.text("seconds"): None if result is None else round(result.train_seconds, 1),
                words.text("parameters"): run.spec.parameter_count,
                words.text("model"): None if result is None else result.model_id,
            }
        )
        rows.append(row)
    return rows


#: A run's state in words.
_STATES = {"queued": marked("queued"), "running": marked("running"), "done": marked("done"),
           "failed": marked("failed"), "cancelled": marked("cancelled")}  # fmt: skip


def figures(sweep: Sweep, sweep_runs: Sequence[Run], *, words: Catalogue = ENGLISH) -> dict[str, go.Figure]:
    """The report's figures by title: accuracy against each varied field, time, size; all runs; their curves."""
    done = results(sweep_runs)
    charts: dict[str, go.Figure] = {}
    if not done:
        return charts
    for name in sweep.fields:
        title = words.text("Test accuracy against {field}", field=field_name(name))
        charts[title] = sweep_figures.sweep_accuracy(done, name, sweep.fields, words=words)
    charts[words.text("Test accuracy against training time")] = sweep_figures.sweep_scatter(
        done, "train_seconds", words=words
    )
    charts[words.text("Test accuracy against parameters")] = sweep_figures.sweep_scatter(
        done, "parameters", words=words
    )
    charts[words.text("Every run at once")] = sweep_figures.sweep_parallel(done, sweep.fields, words=words)
    charts[words.text("Curves of every run")] = sweep_figures.sweep_curves(done, words=words)
    return charts


def report_markdown(sweep: Sweep, sweep_runs: Sequence[Run], *, words: Catalogue = ENGLISH) -> str:
    """The findings as Markdown: question, sentences, the sweep, a table of runs (figures: see the HTML report)."""
    result = findings(sweep, sweep_runs, words=words)
    finished = words.text("{finished} of {total} runs finished", finished=result.finished, total=result.total)
    lines = [f"# {result.question}", "", f"{finished} · {_now()}", "", "## " + words.text("Findings"), ""]
    lines += [f"- {sentence}" for sentence in result.sentences]
    lines += ["", "## " + words.text("The sweep"), "", _describe(sweep, words), "", "## " + words.text("Runs"), ""]
    rows = results_table(sweep, sweep_runs, words=words)
    if rows:
        header = list(rows[0])
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join("" if row[key] is None else str(row[key]) for key in header) + " |" for row in rows]
    lines += ["", words.text("The HTML report of this sweep has its figures."), ""]
    return "\n".join(lines)


def report_html(sweep: Sweep, sweep_runs: Sequence[Run], *, words: Catalogue = ENGLISH) -> str:
    """The findings as one self-contained HTML page: sentences, figures (with their script inside), runs."""
    result = findings(sweep, sweep_runs, words=words)
    finished = words.text("{finished} of {total} runs finished", finished=result.finished, total=result.total)
    parts = [
        f"<!doctype html><html lang='{words.language}'><head><meta charset='utf-8'>",
        f"<title>{html.escape(result.question)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1f2937}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #d1d5db;padding:.25em .5em;"
        "text-align:right}th{background:#f3f4f6}li{margin:.3em 0}</style></head><body>",
        f"<h1>{html.escape(result.question)}</h1>",
        f"<p>{html.escape(finished)} · {_now()} · Digit Studio</p>",
        "<h2>" + html.escape(words.text("Findings")) + "</h2><ul>",
        *(f"<li>{html.escape(sentence)}</li>" for sentence in result.sentences),
        "</ul>",
        "<h2>" + html.escape(words.text("The sweep")) + f"</h2><p>{html.escape(_describe(sweep, words))}</p>",
    ]
    first = True
    for title, figure in figures(sweep, sweep_runs, words=words).items():
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if first else False))
        first = False
    rows = results_table(sweep, sweep_runs, words=words)
    if rows:
        parts.append(
            "<h2>" + html.escape(words.text("Runs")) + "</h2><table><tr>"
            + "".join(f"<th>{html.escape(k)}</th>" for k in rows[0]) + "</tr>"
        )  # fmt: skip
        for row in rows:
            cells = "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in row.values())
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _describe(sweep: Sweep, words: Catalogue) -> str:
    base = sweep.base
    varied = "; ".join(
        f"{words.text(field_name(name))}: {', '.join(as_written(v) for v in values)}" for name, values in sweep.vary
    )
    values = {"runs": sweep.run_count, "draws": sweep.draws, "varied": varied, "seeds": sweep.seeds,
              "framework": base.framework, "architecture": base.architecture, "optimizer": base.optimizer,
              "rate": words.decimal(base.learning_rate), "epochs": base.epochs, "batch": base.batch_size,
              "images": base.train_size}  # fmt: skip
    if sweep.draws:
        kind = words.text("{runs} runs: {draws} random draws from {varied}", **values)
    else:
        kind = words.text("{runs} runs: every combination of {varied}", **values)
    seeds = words.text("1 seed each.") if sweep.seeds == 1 else words.text("{seeds} seeds each.", **values)
    rest = words.text(
        "Everything else as in {framework} {architecture}, {optimizer} at {rate}, {epochs} epochs, batch {batch}, "
        "{images} training images.",
        **values,
    )
    return f"{kind}; {seeds} {rest}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
