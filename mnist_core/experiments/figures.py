"""The figures of a sweep's results: accuracy against each varied field, time and size, every run, the curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..language import ENGLISH, Catalogue
from ..plots import TRAIN, curves_overlay
from ..spec import field_name
from .results import SweepResult, setting_in_words

__all__ = ["sweep_accuracy", "sweep_curves", "sweep_parallel", "sweep_scatter"]

BEST = "#eab308"
_SWEEP_LAYOUT = {
    "height": 380,
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "y": -0.25},
}


def _best(results: Sequence[SweepResult]) -> SweepResult:
    return max(results, key=lambda result: result.test_accuracy)


def sweep_accuracy(
    results: Sequence[SweepResult], field: str, fields: Sequence[str], *, words: Catalogue = ENGLISH
) -> go.Figure:
    """Test accuracy against one varied field: the mean over seeds, the seeds' range as error bars.

    Each combination of the other varied fields is its own line; the best run is a star.
    """
    others = [name for name in fields if name != field]
    lines: dict[str, dict[str, list[SweepResult]]] = {}
    for result in sorted(results, key=lambda r: r.order[field]):
        line = setting_in_words({name: result.setting[name] for name in others}, words) or words.text(
            "mean of the seeds"
        )
        lines.setdefault(line, {}).setdefault(result.setting[field], []).append(result)
    figure = go.Figure()
    for line, points in lines.items():
        means = [100 * float(np.mean([r.test_accuracy for r in runs])) for runs in points.values()]
        highs = [
            100 * max(r.test_accuracy for r in runs) - mean for runs, mean in zip(points.values(), means, strict=True)
        ]
        lows = [
            mean - 100 * min(r.test_accuracy for r in runs) for runs, mean in zip(points.values(), means, strict=True)
        ]
        figure.add_trace(
            go.Scatter(
                x=list(points),
                y=means,
                name=line,
                mode="lines+markers",
                error_y={"type": "data", "array": highs, "arrayminus": lows, "visible": True},
                hovertemplate="%{x}: %{y:.2f} %<extra>" + line + "</extra>",
            )
        )
    best = _best(results)
    figure.add_trace(
        go.Scatter(
            x=[best.setting[field]], y=[100 * best.test_accuracy], name=words.text("best run"), mode="markers",
            marker={"symbol": "star", "size": 16, "color": BEST, "line": {"width": 1, "color": "#713f12"}},
        )
    )  # fmt: skip
    figure.update_layout(
        **_SWEEP_LAYOUT,
        xaxis={"title": words.text(field_name(field)), "type": "category"},
        yaxis={"title": words.text("test accuracy (%)")},
    )
    return figure


def sweep_scatter(results: Sequence[SweepResult], x: str, *, words: Catalogue = ENGLISH) -> go.Figure:
    """Test accuracy of every run against ``train_seconds`` or ``parameters`` (log scale); the best is a star."""
    best = _best(results)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[getattr(r, x) for r in results],
            y=[100 * r.test_accuracy for r in results],
            text=[r.in_words(words) for r in results],
            mode="markers",
            name=words.text("runs"),
            marker={"size": 10, "color": TRAIN, "opacity": 0.8},
            hovertemplate="%{text}<br>%{x:,.4g} → %{y:.2f} %<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[getattr(best, x)], y=[100 * best.test_accuracy], text=[best.in_words(words)],
            name=words.text("best run"), mode="markers",
            marker={"symbol": "star", "size": 18, "color": BEST, "line": {"width": 1, "color": "#713f12"}},
            hovertemplate=words.text("best: {run}", run="%{text}") + "<extra></extra>",
        )
    )  # fmt: skip
    title = {
        "train_seconds": words.text("training seconds"),
        "parameters": words.text("parameters (weights and biases)"),
    }[x]
    figure.update_layout(
        **_SWEEP_LAYOUT, xaxis={"title": title, "type": "log"}, yaxis={"title": words.text("test accuracy (%)")}
    )
    return figure


def sweep_parallel(results: Sequence[SweepResult], fields: Sequence[str], *, words: Catalogue = ENGLISH) -> go.Figure:
    """Every run as one line across the varied fields, its seed, its time and its test accuracy."""
    dimensions = []
    for name in fields:
        shown = list(dict.fromkeys(r.setting[name] for r in sorted(results, key=lambda r: r.order[name])))
        dimensions.append(
            {
                "label": words.text(field_name(name)),
                "values": [shown.index(r.setting[name]) for r in results],
                "tickvals": list(range(len(shown))),
                "ticktext": shown,
            }
        )
    dimensions.append({"label": words.text("seed"), "values": [r.seed for r in results]})
    dimensions.append({"label": words.text("seconds"), "values": [r.train_seconds for r in results]})
    accuracy = [100 * r.test_accuracy for r in results]
    dimensions.append({"label": words.text("test accuracy (%)"), "values": accuracy})
    figure = go.Figure(
        go.Parcoords(
            line={"color": accuracy, "colorscale": "Viridis", "showscale": True, "colorbar": {"title": "%"}},
            dimensions=dimensions,
        )
    )
    figure.update_layout(height=380, margin={"l": 60, "r": 40, "t": 50, "b": 20})
    return figure


def sweep_curves(results: Sequence[SweepResult], *, words: Catalogue = ENGLISH) -> go.Figure:
    """Every run's accuracy per epoch (validation where it held some out), the best run drawn bold."""
    metric = "val_accuracy" if all(e.val_accuracy is not None for r in results for e in r.history) else "accuracy"
    best = _best(results)
    figure = curves_overlay([(r.in_words(words), r.history) for r in results], metric=metric, words=words)
    for trace in figure.data:
        best_line = trace.name == best.in_words(words)
        trace.update(
            line={"width": 4 if best_line else 1.5, "color": BEST if best_line else None},
            opacity=1.0 if best_line else 0.6,
            name=f"★ {trace.name}" if best_line else trace.name,
        )
    figure.update_layout(showlegend=len(results) <= 12)
    return figure
