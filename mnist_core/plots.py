"""Plotly figures and display images, as pure functions of data.

Nothing here knows about Streamlit: the pages pass arrays in and show the
figures that come out. A figure's words (titles, axes, legends) are written in
the ``words`` catalogue's language, English unless a page passes another.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .language import ENGLISH, Catalogue, marked
from .pictures import diverging_picture, png_address, weight_mosaic
from .training.records import EpochEvent

__all__ = [
    "class_balance",
    "class_counts",
    "class_gap",
    "confusion_heatmap",
    "coverage_curve",
    "curves_overlay",
    "digit_grid",
    "enlarge",
    "layer_strips",
    "probability_bars_html",
    "saliency_overlay",
    "training_curves",
    "weight_animation",
    "weight_grid",
]

RIGHT = "#16a34a"
WRONG = "#dc2626"
TRAIN = "#2563eb"
VALIDATION = "#f97316"
DIGITS = [str(d) for d in range(10)]
#: The weights' colours, blue to white to red: Plotly's RdBu reversed, stop by stop, as its heatmaps draw it.
WEIGHT_COLOURS: tuple[tuple[int, int, int], ...] = tuple(
    (int(red), int(green), int(blue))
    for red, green, blue in (colour[4:-1].split(",") for _, colour in pcolors.get_colorscale("RdBu_r"))
)
#: zlib's level for the pictures inside figures, which are drawn again on every page view: level 1 is 4.5 times
#: faster than the default 6 on 300 units' weights (3.2 ms against 14.6) for 4 % more bytes, and on a grid of
#: digits both faster and smaller.
FIGURE_PNG_LEVEL = 1


def enlarge(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """A 28×28 image (uint8, or floats in [0, 1]) as a bigger uint8 picture with crisp pixels."""
    image = np.asarray(image)
    pixels = image if image.dtype == np.uint8 else (np.clip(image.astype(np.float32), 0, 1) * 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))


def digit_grid(
    images: np.ndarray,
    *,
    labels: Sequence[int] | None = None,
    predictions: Sequence[int] | None = None,
    captions: Sequence[str] | None = None,
    columns: int = 10,
    title: str | None = None,
) -> go.Figure:
    """Digits in a grid; with predictions, framed green and marked ✓ when right, red and ✗ when wrong.

    Args:
        images: ``(n, 28, 28)`` uint8 or float in [0, 1].
        labels: the true digit of each image.
        predictions: the predicted digit of each image (needs ``labels``).
        captions: text under each image; by default "label" or "label → prediction".
        columns: images per row.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = (np.clip(images, 0, 1) * 255).astype(np.uint8)
    count = len(images)
    columns = max(1, min(columns, count or 1))
    rows = max(1, -(-count // columns))
    cell, pad = 28, 3
    side = cell + 2 * pad
    labelled = captions is not None or labels is not None
    row_height = side + (14 if labelled else 2)  # room for the caption under each row
    mosaic = np.full((rows * row_height, columns * side, 3), 255, dtype=np.uint8)
    annotations = []
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * row_height, column * side
        frame = (200, 200, 200)
        if labels is not None and predictions is not None:
            frame = _rgb(RIGHT if labels[index] == predictions[index] else WRONG)
        mosaic[top : top + side, left : left + side] = frame
        mosaic[top + pad : top + pad + cell, left + pad : left + pad + cell] = images[index][..., None]
        if labels is not None and predictions is not None:  # right and wrong by a mark as well as the frame's colour
            mark = "✓" if labels[index] == predictions[index] else "✗"
            text = f"{mark} {captions[index] if captions is not None else f'{labels[index]}→{predictions[index]}'}"
        elif captions is not None:
            text = captions[index]
        elif labels is not None:
            text = str(labels[index])
        else:
            continue
        annotations.append(
            {
                "x": left + side / 2,
                "y": top + side + 7,
                "text": text,
                "showarrow": False,
                "yanchor": "middle",
                "font": {"size": 11},
            }
        )
    # A PNG, not the pixels as numbers: the Data page's hundred digits are 80 kB to send instead of 1.6 MB.
    figure = go.Figure(go.Image(source=png_address(mosaic, compress_level=FIGURE_PNG_LEVEL), hoverinfo="skip"))
    figure.update_layout(
        title=title,
        annotations=annotations,
        margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        height=max(100, rows * row_height * 2 + (30 if title else 0)),
        xaxis={"visible": False},
        yaxis={"visible": False, "range": [rows * row_height, 0]},
    )
    return figure


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def confusion_heatmap(
    matrix: np.ndarray,
    *,
    normalised: bool = False,
    title: str | None = None,
    diverging: bool = False,
    words: Catalogue = ENGLISH,
) -> go.Figure:
    """The confusion matrix as a heatmap: rows are true digits, columns predicted ones.

    A transparent square marker sits on every cell so that a click selects it
    (Plotly selection events ignore heatmap traces).
    """
    matrix = np.asarray(matrix)
    text = np.vectorize(lambda v: f"{v:.1%}" if normalised else f"{v:g}")(matrix)
    # Let the off-diagonal mistakes show: the diagonal would otherwise wash out the scale.
    off_diagonal = matrix[~np.eye(10, dtype=bool)]
    if diverging:
        limit = float(np.abs(matrix).max()) or 1.0
        colours = {"colorscale": "RdBu", "zmid": 0, "zmin": -limit, "zmax": limit}
    else:
        colours = {"colorscale": "Blues", "zmin": 0, "zmax": float(max(off_diagonal.max(), 1e-9)) * 1.2}
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=DIGITS,
            y=DIGITS,
            text=text,
            texttemplate="%{text}",
            hovertemplate=words.text("true %{y}, predicted %{x}: %{text}") + "<extra></extra>",
            **colours,
        )
    )
    xs, ys = np.meshgrid(np.arange(10), np.arange(10))
    figure.add_trace(
        go.Scatter(
            x=[DIGITS[i] for i in xs.ravel()],
            y=[DIGITS[i] for i in ys.ravel()],
            mode="markers",
            marker={"symbol": "square", "size": 30, "opacity": 0, "color": "black"},
            hovertemplate=words.text("true %{y}, predicted %{x}: click to see these digits") + "<extra></extra>",
            showlegend=False,
            name="cells",
        )
    )
    figure.update_layout(
        title=title,
        xaxis={"title": words.text("predicted digit"), "type": "category", "side": "top"},
        yaxis={"title": words.text("true digit"), "type": "category", "autorange": "reversed"},
        height=480,
        margin={"l": 10, "r": 10, "t": 60 if title else 40, "b": 10},
        clickmode="event+select",
        dragmode=False,
    )
    return figure


def training_curves(
    history: Sequence[EpochEvent], *, epochs: int | None = None, words: Catalogue = ENGLISH
) -> go.Figure:
    """Loss and accuracy per epoch, training against validation."""
    titles = (words.text("loss"), words.text("accuracy"))
    figure = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.12)
    x = [event.epoch for event in history]
    series = (
        (words.text("training"), TRAIN, [e.loss for e in history], [e.accuracy for e in history]),
        (words.text("validation"), VALIDATION, [e.val_loss for e in history], [e.val_accuracy for e in history]),
    )
    for name, colour, losses, accuracies in series:
        if all(value is None for value in losses):
            continue
        for column, values in ((1, losses), (2, accuracies)):
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=values,
                    name=name,
                    mode="lines+markers",
                    line={"color": colour},
                    legendgroup=name,
                    showlegend=column == 1,
                ),
                row=1,
                col=column,
            )
    last = max(epochs or 0, x[-1] if x else 1)
    figure.update_xaxes(title_text=words.text("epoch"), range=[0.5, last + 0.5])
    figure.update_layout(
        height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25}
    )
    return figure


def probability_bars_html(probabilities: np.ndarray, *, words: Catalogue = ENGLISH) -> str:
    """One bar per digit as plain HTML, the winner highlighted.

    The Draw page redraws these on every stroke; HTML costs the browser
    almost nothing, where a chart would load and lay out a plotting library.
    """
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    winner = int(probabilities.argmax())
    bars = []
    for digit, probability in enumerate(probabilities):
        colour = TRAIN if digit == winner else "#94a3b8"
        height = max(1.0, 100 * float(probability))
        bars.append(
            '<div style="flex:1;display:flex;flex-direction:column;align-items:center;justify-content:flex-end">'
            f'<div style="font-size:0.7rem;color:#475569">{words.percent(probability)}</div>'
            f'<div style="width:70%;height:{height:.1f}px;background:{colour};border-radius:2px"></div>'
            f'<div style="font-weight:600">{digit}</div></div>'
        )
    spoken = ", ".join(f"{digit}: {words.percent(probability)}" for digit, probability in enumerate(probabilities))
    label = html.escape(words.text("probability of each digit, {shares}", shares=spoken), quote=True)
    return (
        f'<div class="probability-bars" role="img" aria-label="{label}" '
        f'style="display:flex;gap:2px;height:140px;align-items:flex-end">{"".join(bars)}</div>'
    )


def coverage_curve(
    thresholds: np.ndarray, coverage: np.ndarray, accuracy: np.ndarray, *, chosen: float, words: Catalogue = ENGLISH
) -> go.Figure:
    """How many images a model answers, and how well, as its "not sure" threshold rises."""
    figure = go.Figure(
        [
            go.Scatter(x=thresholds, y=coverage, name=words.text("share answered"), line={"color": TRAIN}),
            go.Scatter(x=thresholds, y=accuracy, name=words.text("accuracy of the answers"), line={"color": RIGHT}),
        ]
    )
    figure.add_vline(
        x=chosen, line_dash="dash", annotation_text=words.text("threshold {share}", share=words.percent(chosen))
    )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": words.text("confidence needed to answer"), "tickformat": ".0%"},
        yaxis={"tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
    )
    return figure


def class_balance(train_counts: Sequence[int], test_counts: Sequence[int], *, words: Catalogue = ENGLISH) -> go.Figure:
    """Images per digit in the training and test sets."""
    figure = go.Figure(
        [
            go.Bar(x=DIGITS, y=list(train_counts), name=words.text("training"), marker_color=TRAIN),
            go.Bar(x=DIGITS, y=list(test_counts), name=words.text("test"), marker_color=VALIDATION),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": words.text("digit"), "type": "category"},
        yaxis={"title": words.text("images")},
    )
    return figure


def class_counts(counts: dict[int, int], *, words: Catalogue = ENGLISH) -> go.Figure:
    """Drawings the class has kept of each digit."""
    figure = go.Figure(go.Bar(x=DIGITS, y=[counts.get(digit, 0) for digit in range(10)], marker_color=TRAIN))
    figure.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": words.text("digit"), "type": "category"},
        yaxis={"title": words.text("drawings")},
    )
    return figure


def class_gap(
    names: Sequence[str], mnist: Sequence[float], drawn: Sequence[float], *, words: Catalogue = ENGLISH
) -> go.Figure:
    """Each model's accuracy on MNIST's test set beside its accuracy on the class's drawings."""
    figure = go.Figure(
        [
            go.Bar(x=list(names), y=list(mnist), name=words.text("MNIST test"), marker_color=TRAIN),
            go.Bar(x=list(names), y=list(drawn), name=words.text("the class's drawings"), marker_color=VALIDATION),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"title": words.text("accuracy"), "tickformat": ".0%", "range": [0, 1]},
        legend={"orientation": "h", "y": 1.12},
    )
    return figure


def _weights_source(mosaic: np.ndarray, limit: float) -> str:
    """A weights mosaic as a PNG address: ``-limit`` blue, 0 white, ``limit`` red, the gaps white.

    A page sends a tenth of what a heatmap of the same weights sent, every weight as a number (1.2 MB for a
    report's epochs).
    """
    picture = diverging_picture(mosaic, limit, colours=WEIGHT_COLOURS)  # as many shades as the live pictures
    return png_address(picture, compress_level=FIGURE_PNG_LEVEL)


def weight_grid(
    images: np.ndarray,
    *,
    columns: int = 16,
    first_unit: int = 0,
    title: str | None = None,
    clickable: bool = False,
    words: Catalogue = ENGLISH,
) -> go.Figure:
    """First-layer units' incoming weights as 28 × 28 images: red pushes a unit up, blue down, one shared scale.

    Args:
        images: ``(units, 28, 28)`` weights.
        columns: images per row.
        first_unit: the number of the first image's unit (for hover text and clicks when paging).
        clickable: put a transparent square on every image, so that a click selects its unit
            (Plotly selection events ignore heatmaps); the point's ``customdata`` is the unit.
    """
    images = np.asarray(images, dtype=np.float32)
    columns = max(1, min(columns, len(images) or 1))
    mosaic, rows = weight_mosaic(images, columns)
    limit = float(np.nanmax(np.abs(images))) if images.size else 1.0
    figure = go.Figure(go.Image(source=_weights_source(mosaic, limit), hoverinfo="skip"))
    if clickable:
        units = np.arange(len(images))
        figure.add_trace(
            go.Scatter(
                x=(units % columns) * 29 + 13.5,
                y=(units // columns) * 29 + 13.5,
                customdata=units + first_unit,
                mode="markers",
                marker={"symbol": "square", "size": 24, "opacity": 0, "color": "black"},
                hovertemplate=words.text("unit %{customdata}: click to look closer") + "<extra></extra>",
                showlegend=False,
                name="units",
            )
        )
    side = 36 if columns > 8 else 56
    figure.update_layout(
        title=title,
        height=max(120, rows * side + (40 if title else 10)),
        margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        clickmode="event+select" if clickable else None,
        dragmode=False,
        plot_bgcolor="white",
    )
    return figure


def weight_animation(
    epochs: Sequence[int], frames: Sequence[np.ndarray], *, columns: int = 6, words: Catalogue = ENGLISH
) -> go.Figure:
    """The first layer's weights epoch by epoch, with an epoch slider and a play button."""
    mosaics = [weight_mosaic(frame, columns)[0] for frame in frames]
    limit = max(float(np.nanmax(np.abs(mosaic))) for mosaic in mosaics) or 1.0
    sources = [_weights_source(mosaic, limit) for mosaic in mosaics]
    figure = go.Figure(
        go.Image(source=sources[0], hoverinfo="skip"),
        frames=[
            go.Frame(data=[go.Image(source=source, hoverinfo="skip")], name=str(epoch))
            for epoch, source in zip(epochs, sources, strict=True)
        ],
    )
    step = {"frame": {"duration": 400, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    figure.update_layout(
        height=460,
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0,
                "y": -0.02,
                "xanchor": "left",
                "yanchor": "top",
                "buttons": [
                    {"label": words.text("▶ Play"), "method": "animate", "args": [None, {**step, "fromcurrent": True}]}
                ],
            }
        ],
        sliders=[
            {
                "currentvalue": {"prefix": words.text("epoch") + " "},
                "x": 0.12,
                "len": 0.88,
                "y": -0.02,
                "steps": [{"label": str(epoch), "method": "animate", "args": [[str(epoch)], step]} for epoch in epochs],
            }
        ],
    )
    return figure


#: How the overlay names each curve it can draw (the y axis's title).
METRIC_NAMES = {
    "loss": marked("loss"),
    "accuracy": marked("accuracy"),
    "val_loss": marked("validation loss"),
    "val_accuracy": marked("validation accuracy"),
}


def curves_overlay(
    runs: Sequence[tuple[str, Sequence[EpochEvent]]], *, metric: str = "val_accuracy", words: Catalogue = ENGLISH
) -> go.Figure:
    """One metric per epoch for several training runs in one chart, so that runs compare at a glance.

    Args:
        runs: ``(name, history)`` of each run.
        metric: an :class:`EpochEvent` field: ``loss``, ``accuracy``, ``val_loss`` or ``val_accuracy``.
    """
    figure = go.Figure()
    for name, history in runs:
        values = [getattr(event, metric) for event in history]
        if all(value is None for value in values):
            continue
        figure.add_trace(go.Scatter(x=[event.epoch for event in history], y=values, name=name, mode="lines+markers"))
    figure.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": words.text("epoch")},
        yaxis={"title": words.text(METRIC_NAMES.get(metric, metric))},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def layer_strips(
    layers: Sequence[np.ndarray], *, marked: int = 3, title: str | None = None, words: Catalogue = ENGLISH
) -> go.Figure:
    """A drawing flowing through the network: one strip of units per layer, coloured by how strongly each fires.

    Args:
        layers: each hidden layer's outputs for one image, then the 10 output probabilities.
        marked: how many of the strongest units of each hidden layer get a marker.
    """
    count = len(layers)
    figure = make_subplots(
        rows=count,
        cols=1,
        vertical_spacing=0.12 if count > 1 else 0.0,
        subplot_titles=[
            words.text("hidden layer {layer} · {units} units", layer=i + 1, units=len(layer))
            for i, layer in enumerate(layers[:-1])
        ]
        + [words.text("output: probability of each digit")],
    )
    for row, values in enumerate(layers, start=1):
        values = np.asarray(values, dtype=float).ravel()
        output = row == count
        figure.add_trace(
            go.Heatmap(
                z=values[None, :],
                x=DIGITS if output else np.arange(len(values)),
                colorscale="Blues" if output else "Viridis",
                zmin=0,
                zmax=1 if output else None,
                showscale=False,
                hovertemplate=(words.text("digit %{x}: %{z:.1%}") if output else words.text("unit %{x}: %{z:.3f}"))
                + "<extra></extra>",
            ),
            row=row,
            col=1,
        )
        if not output and marked:
            strongest = np.argsort(values)[::-1][:marked]
            figure.add_trace(
                go.Scatter(
                    x=strongest,
                    y=[0] * len(strongest),
                    mode="markers",
                    marker={"symbol": "star", "size": 12, "color": "#f97316", "line": {"width": 1, "color": "white"}},
                    hovertemplate=words.text("unit %{x}: among the strongest") + "<extra></extra>",
                    showlegend=False,
                ),
                row=row,
                col=1,
            )
        figure.update_yaxes(visible=False, row=row, col=1)
        figure.update_xaxes(type="category" if output else "linear", showticklabels=output, row=row, col=1)
    figure.update_layout(title=title, height=110 * count + 30, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def saliency_overlay(image: np.ndarray, saliency: np.ndarray, *, scale: int = 8) -> np.ndarray:
    """The model input in gray with its saliency on top: red pixels pushed towards the answer, blue away.

    Returns:
        An RGB uint8 picture ``scale`` times larger, with crisp pixels.
    """
    gray = np.clip(np.asarray(image, dtype=np.float32), 0, 1)
    heat = np.asarray(saliency, dtype=np.float32)
    limit = float(np.abs(heat).max()) or 1.0
    strength = np.clip(np.abs(heat) / limit, 0, 1)[..., None]
    colour = np.where(heat[..., None] > 0, np.array([220, 38, 38]), np.array([37, 99, 235])).astype(np.float32)
    base = (gray * 0.55 * 255)[..., None].repeat(3, axis=2)
    picture = (base * (1 - strength) + colour * strength).astype(np.uint8)
    return np.kron(picture, np.ones((scale, scale, 1), dtype=np.uint8))
