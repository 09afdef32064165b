"""Train: choose hyperparameters (or a preset), train with live curves, keep the result."""

from dataclasses import fields

import streamlit as st

import ui
from mnist_core.errors import InvalidSpecError
from mnist_core.spec import (
    ACTIVATIONS,
    ALL_ACTIVATIONS,
    ALL_OPTIMIZERS,
    AUGMENTATIONS,
    FRAMEWORKS,
    LIMITS,
    OPTIMIZERS,
    PRESET_NOTES,
    PRESETS,
    SCHEDULES,
    ModelSpec,
    availability,
    preset_name,
)

ui.page()

ACTIVATION_HELP = f"{availability(ACTIVATIONS)}. scikit-learn uses one activation for all layers."
LEARNING_RATES = [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
BATCH_SIZES = [8, 16, 32, 64, 75, 128, 200, 256, 512, 1024, 2048, 4096]
L2_VALUES = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0]
UNITS = tuple(int(bound) for bound in LIMITS["units"])
# The spec's fields by the column of controls that sets them; an impossible value is reported in its column.
NETWORK_FIELDS = ("framework", "hidden_layers", "activation", "dropout")
OPTIMISER_FIELDS = ("optimizer", "learning_rate", "schedule", "momentum", "batch_size", "l2")
RUN_FIELDS = tuple(f.name for f in fields(ModelSpec) if f.name not in NETWORK_FIELDS + OPTIMISER_FIELDS)
# Spec fields with one control each (the per-layer ones are handled apart).
SPEC_FIELDS = OPTIMISER_FIELDS + RUN_FIELDS


def load_spec(spec: ModelSpec) -> None:
    """Put a spec's values into the controls."""
    state = st.session_state
    state.t_framework = spec.framework
    state.t_layers = len(spec.hidden_layers)
    for index, (units, activation, rate) in enumerate(
        zip(spec.hidden_layers, spec.activations, spec.dropout_rates, strict=True)
    ):
        state[f"t_units_{index}"], state[f"t_act_{index}"], state[f"t_drop_{index}"] = units, activation, rate
    for name in SPEC_FIELDS:
        state[f"t_{name}"] = getattr(spec, name)


def spec_error(names: tuple[str, ...]) -> None:
    """Show the reason the last spec was impossible here, if it is about one of these fields."""
    error = st.session_state.get("train_error")
    if error is not None and (error.field in names or not names):
        st.error(str(st.session_state.pop("train_error")), icon=":material/error:")


def on_preset() -> None:
    name = st.session_state.t_preset
    if name in PRESETS:
        load_spec(PRESETS[name])


def controls_spec() -> ModelSpec | None:
    """The spec the controls describe, or None after keeping the reason it is impossible."""
    state = st.session_state
    layers = range(state.t_layers)
    try:
        return ModelSpec(
            framework=state.t_framework,
            hidden_layers=tuple(state[f"t_units_{i}"] for i in layers),
            activation=tuple(state[f"t_act_{i}"] for i in layers),
            dropout=tuple(state[f"t_drop_{i}"] for i in layers),
            **{name: state[f"t_{name}"] for name in SPEC_FIELDS},
        )
    except InvalidSpecError as error:
        state.train_error = error
        return None


def on_train() -> None:
    """Start training the controls' spec, or keep the reason it is impossible."""
    if (spec := controls_spec()) is not None:
        ui.request_training(spec)


if "t_framework" not in st.session_state:
    start = ui.linked_spec() or PRESETS["quick"]
    st.session_state.t_preset = preset_name(start) or "quick"
    load_spec(start)

st.title("Train a network")
st.caption("Pick a preset from the reference notebooks or set every hyperparameter yourself, then press **Train**.")
st.selectbox(
    "Preset",
    list(PRESETS),
    key="t_preset",
    on_change=on_preset,
    format_func=lambda name: f"{name} — {PRESET_NOTES[name]}",
    help="Fills in the controls below; change any of them afterwards.",
)

with st.container(border=True):
    left, middle, right = st.columns(3)
    with left:
        st.markdown("**Network**")
        st.radio(
            "Framework",
            FRAMEWORKS,
            key="t_framework",
            horizontal=True,
            format_func={"sklearn": "scikit-learn MLPClassifier", "keras": "Keras"}.get,
        )
        layers = st.slider("Hidden layers", 1, int(LIMITS["layers"][1]), key="t_layers")
        for index in range(layers):
            st.session_state.setdefault(f"t_units_{index}", 64)
            st.session_state.setdefault(f"t_act_{index}", "relu")
            st.session_state.setdefault(f"t_drop_{index}", 0.0)
            cols = st.columns(3)
            cols[0].number_input(f"Units, layer {index + 1}", *UNITS, key=f"t_units_{index}", step=1)
            cols[1].selectbox(
                f"Activation {index + 1}",
                ALL_ACTIVATIONS,
                key=f"t_act_{index}",
                help=ACTIVATION_HELP,
            )
            cols[2].slider(
                f"Dropout {index + 1}",
                0.0,
                LIMITS["dropout"][1],
                step=0.05,
                key=f"t_drop_{index}",
                help="Share of this layer's units switched off at random while training (Keras only).",
            )
        spec_error(NETWORK_FIELDS)
    with middle:
        st.markdown("**Optimiser**")
        optimizer = st.selectbox("Optimizer", ALL_OPTIMIZERS, key="t_optimizer", help=availability(OPTIMIZERS))
        st.select_slider(
            "Learning rate", LEARNING_RATES, key="t_learning_rate", help="How big a step each update takes."
        )
        st.radio(
            "Learning-rate schedule", SCHEDULES, key="t_schedule", horizontal=True,
            help="cosine: start at the rate above and lower it smoothly to zero by the last epoch.",
        )  # fmt: skip
        st.slider(
            "Momentum (SGD)", 0.0, LIMITS["momentum"][1], step=0.01, key="t_momentum", disabled=optimizer != "sgd"
        )
        st.select_slider("Batch size", BATCH_SIZES, key="t_batch_size", help="Images per update.")
        st.select_slider("L2 penalty", L2_VALUES, key="t_l2", help="Pulls weights towards zero against overfitting.")
        spec_error(OPTIMISER_FIELDS)
    with right:
        st.markdown("**Training run**")
        st.slider("Epochs", 1, int(LIMITS["epochs"][1]), key="t_epochs", help="Passes over the training images.")
        st.slider(
            "Training images",
            int(LIMITS["train_size"][0]),
            int(LIMITS["train_size"][1]),
            step=100,
            key="t_train_size",
            help="A stratified subset: fewer images train faster and overfit sooner.",
        )
        st.slider(
            "Validation share",
            0.0,
            LIMITS["validation_fraction"][1],
            step=0.05,
            key="t_validation_fraction",
            help="Held out to draw the validation curves.",
        )
        early_stopping = st.toggle(
            "Early stopping",
            key="t_early_stopping",
            help="Stop when the validation loss has not improved for `patience` epochs.",
        )
        st.slider("Patience", 1, int(LIMITS["patience"][1]), key="t_patience", disabled=not early_stopping)
        st.number_input("Seed", 0, int(LIMITS["seed"][1]), key="t_seed", help="Same seed, same model.")
        st.radio(
            "Augment like drawings", AUGMENTATIONS, key="t_augment", horizontal=True,
            help="Each epoch trains on freshly shifted, rotated, rescaled, thickened or thinned and bent copies of "
            "the images, so the model copes with drawings. elastic: stronger, with slant and Simard's elastic bends.",
        )  # fmt: skip
        st.toggle(
            "Also learn from practice drawings",
            key="t_drawings",
            help="Adds 6 000 digits drawn like the canvas draws them, written the ways MNIST's writers seldom "
            "used: 1s with a flag, 7s with a bar, open 4s. Models then read the class's drawings better.",
        )
        spec_error(RUN_FIELDS)

train_column, share_column = st.columns([1, 4])
train_column.button("Train", type="primary", icon=":material/play_arrow:", on_click=on_train, disabled=ui.job_active())
if share_column.button("Share these settings", icon=":material/share:") and (shared := controls_spec()) is not None:
    ui.share_link(shared)
spec_error(())
ui.queue_error()

ui.training_outcome(ui.job_progress())
