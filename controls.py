"""The spec controls of the Train page, shared with Experiments (the same widgets, the same values)."""

import streamlit as st

import ui
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
    availability,
    preset_name,
)

ACTIVATION_HELP = f"{availability(ACTIVATIONS)}. scikit-learn uses one activation for all layers."
LEARNING_RATES = [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
BATCH_SIZES = [8, 16, 32, 64, 75, 128, 200, 256, 512, 1024, 2048, 4096]
L2_VALUES = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0]
UNITS = tuple(int(bound) for bound in LIMITS["units"])


def on_preset() -> None:
    name = st.session_state.t_preset
    if name in PRESETS:
        ui.load_spec(PRESETS[name])


def start() -> None:
    """Fill the controls once per session: from a shared link, the teacher's lesson, or the quick preset."""
    if "t_framework" not in st.session_state:
        first = ui.linked_spec() or ui.lesson().spec or PRESETS["quick"]
        st.session_state.t_preset = preset_name(first) or "quick"
        ui.load_spec(first)


def render(lock: frozenset[str]) -> None:
    """The preset menu and every control; ``lock`` names the fields the lesson fixes (greyed out)."""
    st.selectbox(
        "Preset",
        list(PRESETS),
        key="t_preset",
        on_change=on_preset,
        disabled=bool(lock),
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
                disabled="framework" in lock,
                format_func={"sklearn": "scikit-learn MLPClassifier", "keras": "Keras"}.get,
            )
            layers = st.slider(
                "Hidden layers", 1, int(LIMITS["layers"][1]), key="t_layers", disabled="hidden_layers" in lock
            )
            for index in range(layers):
                st.session_state.setdefault(f"t_units_{index}", 64)
                st.session_state.setdefault(f"t_act_{index}", "relu")
                st.session_state.setdefault(f"t_drop_{index}", 0.0)
                cols = st.columns(3)
                cols[0].number_input(
                    f"Units, layer {index + 1}",
                    *UNITS,
                    key=f"t_units_{index}",
                    step=1,
                    disabled="hidden_layers" in lock,
                )
                cols[1].selectbox(
                    f"Activation {index + 1}",
                    ALL_ACTIVATIONS,
                    key=f"t_act_{index}",
                    help=ACTIVATION_HELP,
                    disabled="activation" in lock,
                )
                cols[2].slider(
                    f"Dropout {index + 1}",
                    0.0,
                    LIMITS["dropout"][1],
                    step=0.05,
                    key=f"t_drop_{index}",
                    help="Share of this layer's units switched off at random while training (Keras only).",
                    disabled="dropout" in lock,
                )
            ui.spec_error(ui.NETWORK_FIELDS)
        with middle:
            st.markdown("**Optimiser**")
            optimizer = st.selectbox(
                "Optimizer",
                ALL_OPTIMIZERS,
                key="t_optimizer",
                help=availability(OPTIMIZERS),
                disabled="optimizer" in lock,
            )
            st.select_slider(
                "Learning rate", LEARNING_RATES, key="t_learning_rate", help="How big a step each update takes.",
                disabled="learning_rate" in lock,
            )  # fmt: skip
            st.radio(
                "Learning-rate schedule", SCHEDULES, key="t_schedule", horizontal=True, disabled="schedule" in lock,
                help="cosine: start at the rate above and lower it smoothly to zero by the last epoch.",
            )  # fmt: skip
            st.slider(
                "Momentum (SGD)", 0.0, LIMITS["momentum"][1], step=0.01, key="t_momentum",
                disabled=optimizer != "sgd" or "momentum" in lock,
            )  # fmt: skip
            st.select_slider(
                "Batch size", BATCH_SIZES, key="t_batch_size", help="Images per update.", disabled="batch_size" in lock
            )
            st.select_slider(
                "L2 penalty", L2_VALUES, key="t_l2", help="Pulls weights towards zero against overfitting.",
                disabled="l2" in lock,
            )  # fmt: skip
            ui.spec_error(ui.OPTIMISER_FIELDS)
        with right:
            st.markdown("**Training run**")
            st.slider(
                "Epochs", 1, int(LIMITS["epochs"][1]), key="t_epochs", help="Passes over the training images.",
                disabled="epochs" in lock,
            )  # fmt: skip
            st.slider(
                "Training images",
                int(LIMITS["train_size"][0]),
                int(LIMITS["train_size"][1]),
                step=100,
                key="t_train_size",
                help="A stratified subset: fewer images train faster and overfit sooner.",
                disabled="train_size" in lock,
            )
            st.slider(
                "Validation share",
                0.0,
                LIMITS["validation_fraction"][1],
                step=0.05,
                key="t_validation_fraction",
                help="Held out to draw the validation curves.",
                disabled="validation_fraction" in lock,
            )
            early_stopping = st.toggle(
                "Early stopping",
                key="t_early_stopping",
                help="Stop when the validation loss has not improved for `patience` epochs.",
                disabled="early_stopping" in lock,
            )
            st.slider(
                "Patience", 1, int(LIMITS["patience"][1]), key="t_patience",
                disabled=not early_stopping or "patience" in lock,
            )  # fmt: skip
            st.number_input(
                "Seed", 0, int(LIMITS["seed"][1]), key="t_seed", help="Same seed, same model.", disabled="seed" in lock
            )
            st.radio(
                "Augment like drawings", AUGMENTATIONS, key="t_augment", horizontal=True, disabled="augment" in lock,
                help="Each epoch trains on freshly shifted, rotated, rescaled, thickened or thinned and bent "
                "copies of the images, so the model copes with drawings. elastic: stronger, with slant and "
                "Simard's elastic bends.",
            )  # fmt: skip
            st.toggle(
                "Also learn from practice drawings",
                key="t_drawings",
                disabled="drawings" in lock,
                help="Adds 6 000 digits drawn like the canvas draws them, written the ways MNIST's writers seldom "
                "used: 1s with a flag, 7s with a bar, open 4s. Models then read the class's drawings better.",
            )
            st.toggle(
                "Also learn from our class's drawings",
                key="t_class",
                disabled="class_set" in lock,
                help="Adds half of the drawings the class has kept (the other half stays the class's test set).",
            )
            ui.spec_error(ui.RUN_FIELDS)
