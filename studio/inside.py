"""Inside's tabs: the first layer's units, a drawing flowing through every layer, and units knocked out.

The page chooses the model; each tab here computes what it shows from the model's
weights with NumPy (:mod:`mnist_core.network`), only when it is open.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_core import data, plots
from mnist_core.errors import EmptyImageError
from mnist_core.images import canvas_to_mnist
from mnist_core.language import marked
from mnist_core.network import (
    DenseNetwork,
    activations,
    answer,
    first_layer_images,
    knock_out,
    random_units,
    strongest_units,
)
from mnist_core.store import StoredModel

from . import errors, keys, language, report, resources, session
from .language import percent, t

UNITS_PER_PAGE = 256
#: Which units the Knock out tab silences (the strongest only once there is a drawing).
KNOCK_CHOICES = {
    "random": marked("a random 10 %"), "chosen": marked("units I choose"),
    "strongest": marked("the strongest 10 % for my drawing"),
}  # fmt: skip


def first_layer(model: StoredModel, network: DenseNetwork, mnist: data.Dataset, drawing: np.ndarray | None) -> None:
    """The first layer's units as pictures; a click on one shows its weights and its favourite digits."""
    images = first_layer_images(network)
    pages = -(-len(images) // UNITS_PER_PAGE)
    page = st.number_input(t("Page of units"), 1, pages, 1, key=keys.INSIDE_UNIT_PAGE) if pages > 1 else 1
    start = (page - 1) * UNITS_PER_PAGE
    grid_column, unit_column = st.columns([3, 2])
    with grid_column:
        st.caption(
            t(
                "Each square is one unit of the first hidden layer: the weight it gives each of the 784 pixels. "
                "Red: ink there makes the unit fire; blue: ink there holds it back. Click a unit to look closer."
            )
        )
        event = st.plotly_chart(
            plots.weight_grid(
                images[start : start + UNITS_PER_PAGE],
                columns=16,
                first_unit=start,
                clickable=True,
                words=language.current(),
            ),
            on_select="rerun",
            selection_mode="points",
            key=keys.inside_units(model.id, page),
        )
    points = event.selection.points if event else []
    if points:
        st.session_state[keys.INSIDE_UNIT] = int(points[0]["customdata"])
    unit = st.session_state.get(keys.INSIDE_UNIT)
    with unit_column:
        if unit is None or unit >= len(images):
            st.info(t("Click a unit to see its weights and the digits it likes most."), icon=":material/touch_app:")
        else:
            st.markdown(t("**Unit {unit}** of hidden layer 1", unit=unit))
            st.plotly_chart(
                plots.weight_grid(images[unit : unit + 1], columns=1, words=language.current()),
                key=keys.INSIDE_UNIT_WEIGHTS,
            )
            favourites = resources.unit_favourites(model, 1, unit)
            st.plotly_chart(
                plots.digit_grid(mnist.x_test[favourites], labels=mnist.y_test[favourites], columns=3),
                key=keys.INSIDE_UNIT_FAVOURITES,
            )
            st.caption(t("The 9 test digits that make this unit fire most."))
            if drawing is not None:
                st.metric(t("Its output for your drawing"), f"{activations(network, drawing)[0][0, unit]:.3f}")


def flow(network: DenseNetwork, drawing: np.ndarray | None) -> None:
    """A drawing (here or from Draw) through every layer."""
    flowing = drawing
    with st.expander(t("Draw here"), expanded=drawing is None, icon=":material/draw:"):
        canvas = st_canvas(
            stroke_width=20,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=196,
            width=196,
            drawing_mode="freedraw",
            return_image_data=True,
            key=keys.INSIDE_CANVAS,
        )
        with errors.shown(stop=False):
            try:
                if (drawn := canvas.image_data) is not None:  # decoded on each access: once
                    flowing = canvas_to_mnist(drawn)
                    session.keep_drawing(flowing)
            except EmptyImageError:
                pass  # nothing drawn here: the drawing from Draw, if any, stays
    if flowing is None:
        st.info(
            t("Draw a digit here or on the **Draw** page to see it flow through the network."), icon=":material/draw:"
        )
    else:
        layers = [values[0] for values in activations(network, flowing)]
        picture, strips = st.columns([1, 4])
        picture.image(plots.enlarge(flowing, 5), caption=t("the model's input"), width=140)
        strips.plotly_chart(plots.layer_strips(layers, words=language.current()), key=keys.INSIDE_STRIPS)
        strips.caption(
            t(
                "Each strip is a layer; each cell a unit, brighter the more it fires for this drawing. "
                "Stars mark the strongest. The answer: {answer} ({share}).",
                answer=report.output_name(int(layers[-1].argmax())),
                share=percent(float(layers[-1].max())),
            )
        )


def knock(
    model: StoredModel, network: DenseNetwork, mnist: data.Dataset, drawing: np.ndarray | None, unit: int | None
) -> None:
    """Silence some units and see what the model still reads."""
    st.caption(
        t(
            "Silence some units, as if they were cut out of the network, and see what the model still reads. "
            "Networks spread what they know over many units: silencing a few rarely matters, silencing many does."
        )
    )
    layer = st.radio(
        t("Layer"),
        range(1, len(network.hidden_layers) + 1),
        horizontal=True,
        format_func=lambda n: t("hidden {layer}", layer=n),
    )
    width = network.hidden_layers[layer - 1]
    choices = [choice for choice in KNOCK_CHOICES if drawing is not None or choice != "strongest"]
    which = st.radio(
        t("Which units"), choices, horizontal=True, format_func=lambda c: t(KNOCK_CHOICES[c]), key=keys.KNOCK_HOW
    )
    if which == "chosen":
        default = [unit] if layer == 1 and unit is not None and unit < width else []
        chosen = st.multiselect(t("Units"), range(width), default=default, key=keys.knock_units(layer))
    elif which == "random":
        chosen = random_units(
            network, layer, share=0.1, seed=st.number_input(t("Seed"), 0, 9999, 0, key=keys.KNOCK_SEED)
        )
    else:
        chosen = strongest_units(network, drawing, layer, share=0.1)
    if chosen:
        result = knock_out(network, layer, chosen, image=drawing, test_images=mnist.x_test, test_labels=mnist.y_test)
        st.caption(
            t(
                "{count} of {width} units silenced: {units}…",
                count=len(result.units),
                width=width,
                units=", ".join(map(str, result.units[:40])),
            )
        )
        intact, silenced = st.columns(2)
        for column, title, accuracy, probabilities in (
            (intact, t("Intact"), result.intact_accuracy, result.intact_probabilities),
            (silenced, t("Units silenced"), result.silenced_accuracy, result.silenced_probabilities),
        ):
            with column, st.container(border=True):
                st.markdown(f"**{title}**")
                st.metric(t("Test accuracy"), percent(accuracy, digits=2))
                if probabilities is not None:
                    digit, caption = report.verdict(answer(probabilities, model.reject_threshold))
                    st.markdown(t("Your drawing: **{digit}** · {caption}", digit=digit, caption=caption))
                    st.html(plots.probability_bars_html(probabilities, words=language.current()))
    else:
        st.info(t("Choose units to silence."), icon=":material/info:")
