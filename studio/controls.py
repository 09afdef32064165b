"""The Train controls, shared by Train and Experiments: their widgets, their state, the spec they describe,
and share links that carry it.
"""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import urlencode

import streamlit as st

from mnist_core.classroom import Lesson, from_query, to_query
from mnist_core.errors import InvalidSpecError, MnistCoreError
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

from . import classroom, keys, resources
from .language import LANGUAGE_PARAM, current, t

# The spec's fields by the column of controls that sets them; an impossible value is reported in its column.
NETWORK_FIELDS = ("framework", "hidden_layers", "activation", "dropout")
OPTIMISER_FIELDS = ("optimizer", "learning_rate", "schedule", "momentum", "batch_size", "l2")
RUN_FIELDS = tuple(f.name for f in fields(ModelSpec) if f.name not in NETWORK_FIELDS + OPTIMISER_FIELDS)

LEARNING_RATES = [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
BATCH_SIZES = [8, 16, 32, 64, 75, 128, 200, 256, 512, 1024, 2048, 4096]
L2_VALUES = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0]
UNITS = tuple(int(bound) for bound in LIMITS["units"])


# -- the controls' state ----------------------------------------------------------


def load_spec(spec: ModelSpec) -> None:
    """Put a spec's values into the controls."""
    state = st.session_state
    state[keys.TRAIN_FRAMEWORK] = spec.framework
    state[keys.TRAIN_LAYERS] = len(spec.hidden_layers)
    for index, (units, activation, rate) in enumerate(
        zip(spec.hidden_layers, spec.activations, spec.dropout_rates, strict=True)
    ):
        state[keys.train_units(index)] = units
        state[keys.train_activation(index)] = activation
        state[keys.train_dropout(index)] = rate
    for name, key in keys.TRAIN_FIELDS.items():
        state[key] = getattr(spec, name)
    state[keys.TRAIN_CLASS] = bool(spec.class_set)


def start() -> None:
    """Fill the controls once per session (from a shared link, the teacher's lesson, or the quick preset); then,
    for a student, keep the fields the lesson fixes at the lesson's values, whatever a link or an earlier lesson said.
    """
    lesson = classroom.current_lesson()
    student = not classroom.is_teacher()
    if keys.TRAIN_FRAMEWORK not in st.session_state:
        first = linked_spec(base=lesson.spec) or lesson.spec or PRESETS["quick"]
        if student:
            first, notes = lesson.over_link(first, named=_link_params())
            for note in notes:
                st.info(note, icon=":material/lock:")
        st.session_state[keys.TRAIN_PRESET] = preset_name(first) or "quick"
        load_spec(first)
    if student:
        hold_locks(lesson)


def hold_locks(lesson: Lesson) -> None:
    """Set the controls of the fields ``lesson`` fixes to its values (the rest stay as they are)."""
    state, reference = st.session_state, lesson.reference
    for name in sorted(lesson.locked, key=lambda name: name != "hidden_layers"):  # the layers first: they count
        if name == "framework":
            state[keys.TRAIN_FRAMEWORK] = reference.framework
        elif name == "hidden_layers":
            state[keys.TRAIN_LAYERS] = len(reference.hidden_layers)
            for index, units in enumerate(reference.hidden_layers):
                state[keys.train_units(index)] = units
        elif name in ("activation", "dropout"):
            values = reference.activations if name == "activation" else reference.dropout_rates
            per_layer = keys.train_activation if name == "activation" else keys.train_dropout
            for index in range(state.get(keys.TRAIN_LAYERS, len(values))):
                state[per_layer(index)] = values[min(index, len(values) - 1)]
        elif name == "class_set":
            state[keys.TRAIN_CLASS] = bool(reference.class_set)
        elif name in keys.TRAIN_FIELDS:
            state[keys.TRAIN_FIELDS[name]] = getattr(reference, name)


def controls_spec() -> ModelSpec:
    """The spec the controls describe.

    Raises:
        InvalidSpecError: the values are impossible together (``field`` names the one at
            fault), or the controls were never filled in this session.
        DatabaseError: learning from the class's drawings, which cannot be read.
    """
    state = st.session_state
    if keys.TRAIN_FRAMEWORK not in state:
        raise InvalidSpecError("The Train controls are not set yet: open the Train page first.")
    layers = range(state[keys.TRAIN_LAYERS])
    return ModelSpec(
        class_set=resources.class_drawings().snapshot() if state.get(keys.TRAIN_CLASS) else "",
        framework=state[keys.TRAIN_FRAMEWORK],
        hidden_layers=tuple(state[keys.train_units(i)] for i in layers),
        activation=tuple(state[keys.train_activation(i)] for i in layers),
        dropout=tuple(state[keys.train_dropout(i)] for i in layers),
        **{name: state[key] for name, key in keys.TRAIN_FIELDS.items()},
    )


def spec_or_keep_error() -> ModelSpec | None:
    """The controls' spec, or None after keeping the reason it cannot be made for :func:`spec_error`."""
    try:
        return controls_spec()
    except MnistCoreError as error:
        st.session_state[keys.TRAIN_SPEC_ERROR] = error
        return None


def spec_error(names: tuple[str, ...]) -> None:
    """Show the reason the last spec could not be made, if it is about one of these fields (any, when empty)."""
    error = st.session_state.get(keys.TRAIN_SPEC_ERROR)
    if error is not None and (getattr(error, "field", None) in names or not names):
        st.error(str(st.session_state.pop(keys.TRAIN_SPEC_ERROR)), icon=":material/error:")


# -- share links ------------------------------------------------------------------


def _link_params() -> dict[str, str]:
    """The address's query parameters that a shared link set (the student's token and the language are not)."""
    ours = {classroom.STUDENT_PARAM, LANGUAGE_PARAM}
    return {name: st.query_params[name] for name in st.query_params if name not in ours}


def linked_spec(base: ModelSpec | None = None) -> ModelSpec | None:
    """The spec a shared link carries in the page's address (over ``base``), or None; says which values it could
    not use."""
    params = _link_params()
    if not params:
        return None
    spec, problems = from_query(params, base, words=current())
    for problem in problems:
        st.warning(t("This link: {problem}", problem=problem), icon=":material/link_off:")
    return spec


def share_link(spec: ModelSpec, page: str = "train") -> None:
    """Show a link that opens ``page`` with the controls set to ``spec`` (never with this student's token).

    In personal mode the link goes in the address bar too; in class mode the address bar keeps the
    student's token instead, and only the link shown is to be sent.
    """
    query = to_query(spec)
    base = (st.context.url or "").split("?")[0] or f"/{page}"
    st.code(f"{base}?{urlencode(query)}", language=None, wrap_lines=True)
    if classroom.class_mode():
        st.caption(t("Send this link: opening it fills these controls. (Not the address bar's: it holds your name.)"))
    else:
        st.query_params.from_dict(query)
        st.caption(t("Send this link: opening it fills these controls. It is in the address bar too."))


# -- the widgets ------------------------------------------------------------------


def _on_preset() -> None:
    name = st.session_state[keys.TRAIN_PRESET]
    if name in PRESETS:
        load_spec(PRESETS[name])


def render(lock: frozenset[str]) -> None:
    """The preset menu and every control; ``lock`` names the fields the lesson fixes (greyed out)."""
    st.selectbox(
        t("Preset"),
        list(PRESETS),
        key=keys.TRAIN_PRESET,
        on_change=_on_preset,
        disabled=bool(lock),
        format_func=lambda name: t("{preset} — {note}", preset=name, note=PRESET_NOTES[name]),
        help=t("Fills in the controls below; change any of them afterwards."),
    )
    with st.container(border=True):
        left, middle, right = st.columns(3)
        with left:
            _network_controls(lock)
        with middle:
            _optimiser_controls(lock)
        with right:
            _run_controls(lock)


def _network_controls(lock: frozenset[str]) -> None:
    st.markdown("**" + t("Network") + "**")
    st.radio(
        t("Framework"),
        FRAMEWORKS,
        key=keys.TRAIN_FRAMEWORK,
        horizontal=True,
        disabled="framework" in lock,
        format_func={"sklearn": "scikit-learn MLPClassifier", "keras": "Keras"}.get,
    )
    layers = st.slider(
        t("Hidden layers"), 1, int(LIMITS["layers"][1]), key=keys.TRAIN_LAYERS, disabled="hidden_layers" in lock
    )
    for index in range(layers):
        # A layer added with the slider starts like a common first layer.
        st.session_state.setdefault(keys.train_units(index), 64)
        st.session_state.setdefault(keys.train_activation(index), "relu")
        st.session_state.setdefault(keys.train_dropout(index), 0.0)
        cols = st.columns(3)
        cols[0].number_input(
            t("Units, layer {layer}", layer=index + 1),
            *UNITS,
            key=keys.train_units(index),
            step=1,
            disabled="hidden_layers" in lock,
        )
        cols[1].selectbox(
            t("Activation {layer}", layer=index + 1),
            ALL_ACTIVATIONS,
            key=keys.train_activation(index),
            help=t(
                "{choices}. scikit-learn uses one activation for all layers.",
                choices=availability(ACTIVATIONS, current()),
            ),
            disabled="activation" in lock,
        )
        cols[2].slider(
            t("Dropout {layer}", layer=index + 1),
            0.0,
            LIMITS["dropout"][1],
            step=0.05,
            key=keys.train_dropout(index),
            help=t("Share of this layer's units switched off at random while training (Keras only)."),
            disabled="dropout" in lock,
        )
    spec_error(NETWORK_FIELDS)


def _optimiser_controls(lock: frozenset[str]) -> None:
    st.markdown("**" + t("Optimiser") + "**")
    optimizer = st.selectbox(
        t("Optimizer"), ALL_OPTIMIZERS, key=keys.TRAIN_OPTIMIZER, help=availability(OPTIMIZERS, current()),
        disabled="optimizer" in lock,
    )  # fmt: skip
    st.select_slider(
        t("Learning rate"), LEARNING_RATES, key=keys.TRAIN_LEARNING_RATE, help=t("How big a step each update takes."),
        disabled="learning_rate" in lock,
    )  # fmt: skip
    st.radio(
        t("Learning-rate schedule"), SCHEDULES, key=keys.TRAIN_SCHEDULE, horizontal=True, disabled="schedule" in lock,
        help=t("cosine: start at the rate above and lower it smoothly to zero by the last epoch."),
    )  # fmt: skip
    st.slider(
        t("Momentum (SGD)"), 0.0, LIMITS["momentum"][1], step=0.01, key=keys.TRAIN_MOMENTUM,
        disabled=optimizer != "sgd" or "momentum" in lock,
    )  # fmt: skip
    st.select_slider(
        t("Batch size"), BATCH_SIZES, key=keys.TRAIN_BATCH_SIZE, help=t("Images per update."),
        disabled="batch_size" in lock,
    )  # fmt: skip
    st.select_slider(
        t("L2 penalty"), L2_VALUES, key=keys.TRAIN_L2, help=t("Pulls weights towards zero against overfitting."),
        disabled="l2" in lock,
    )  # fmt: skip
    spec_error(OPTIMISER_FIELDS)


def _run_controls(lock: frozenset[str]) -> None:
    st.markdown("**" + t("Training run") + "**")
    st.slider(
        t("Epochs"), 1, int(LIMITS["epochs"][1]), key=keys.TRAIN_EPOCHS, help=t("Passes over the training images."),
        disabled="epochs" in lock,
    )  # fmt: skip
    st.slider(
        t("Training images"), int(LIMITS["train_size"][0]), int(LIMITS["train_size"][1]), step=100,
        key=keys.TRAIN_IMAGES, help=t("A stratified subset: fewer images train faster and overfit sooner."),
        disabled="train_size" in lock,
    )  # fmt: skip
    st.slider(
        t("Validation share"), 0.0, LIMITS["validation_fraction"][1], step=0.05, key=keys.TRAIN_VALIDATION,
        help=t("Held out to draw the validation curves."), disabled="validation_fraction" in lock,
    )  # fmt: skip
    early_stopping = st.toggle(
        t("Early stopping"), key=keys.TRAIN_EARLY_STOPPING,
        help=t("Stop when the validation loss has not improved for `patience` epochs."),
        disabled="early_stopping" in lock,
    )  # fmt: skip
    st.slider(
        t("Patience"), 1, int(LIMITS["patience"][1]), key=keys.TRAIN_PATIENCE,
        disabled=not early_stopping or "patience" in lock,
    )  # fmt: skip
    st.number_input(
        t("Seed"), 0, int(LIMITS["seed"][1]), key=keys.TRAIN_SEED, help=t("Same seed, same model."),
        disabled="seed" in lock,
    )  # fmt: skip
    st.radio(
        t("Augment like drawings"), AUGMENTATIONS, key=keys.TRAIN_AUGMENT, horizontal=True, disabled="augment" in lock,
        help=t("Each epoch trains on freshly shifted, rotated, rescaled, thickened or thinned and bent "
               "copies of the images, so the model copes with drawings. elastic: stronger, with slant and "
               "Simard's elastic bends."),
    )  # fmt: skip
    st.toggle(
        t("Also learn from practice drawings"), key=keys.TRAIN_DRAWINGS, disabled="drawings" in lock,
        help=t("Adds 6 000 digits drawn like the canvas draws them, written the ways MNIST's writers seldom "
               "used: 1s with a flag, 7s with a bar, open 4s. Models then read the class's drawings better."),
    )  # fmt: skip
    st.toggle(
        t("Also learn \"not a digit\""), key=keys.TRAIN_NON_DIGITS, disabled="non_digits" in lock,
        help=t("Adds an eleventh answer and 6 000 scribbles, letters, shapes and stray marks to learn it from, "
               "so that the model can say a drawing is none of the ten digits."),
    )  # fmt: skip
    st.toggle(
        t("Also learn from our class's drawings"), key=keys.TRAIN_CLASS, disabled="class_set" in lock,
        help=t("Adds half of the drawings the class has kept (the other half stays the class's test set)."),
    )  # fmt: skip
    spec_error(RUN_FIELDS)
