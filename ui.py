"""UI pieces the pages share: cached data and models, the sidebar, the model report.

Cached objects are shared by every session on the server: treat them as read-only.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import fields
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from mnist_core import classroom, data, plots
from mnist_core.classroom import ClassDrawings, Lesson, LessonBoard, from_query, to_query
from mnist_core.classroom import lesson as lesson_module
from mnist_core.engine import Engine, JobStatus, JobTable, TrainingQueue, database_path, scheduler_address
from mnist_core.errors import DatabaseError, DatasetUnavailableError, InvalidSpecError, MnistCoreError
from mnist_core.experiments import SweepTable
from mnist_core.images import canvas_to_mnist, draw_non_digits
from mnist_core.network import DenseNetwork, Evaluation, answer, evaluate, inside
from mnist_core.spec import ModelSpec
from mnist_core.store import DamagedEntry, ModelStore, StoredModel, default_active
from mnist_core.training import WeightHistory

ACTIVE_KEY = "active_models"
FRAMED_KEY = "_framed_by_app"
SESSION_KEY = "session_id"
#: After the training engine failed to start, pages say so without trying again for this long.
ENGINE_RETRY_SECONDS = 30.0
_engine_failures: dict[str | None, tuple[float, str]] = {}
#: The model input of the last digit drawn in this session (Draw keeps it, Inside shows it).
LAST_DRAWING_KEY = "last_drawing"
QUEUE_ERROR_KEY = "queue_error"


PAGES = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/experiments.py", "Experiments", ":material/science:"),
    ("pages/draw.py", "Draw", ":material/draw:"),
    ("pages/inside.py", "Inside", ":material/neurology:"),
    ("pages/evaluate.py", "Evaluate", ":material/grid_on:"),
    ("pages/classroom.py", "Class", ":material/groups:"),
    ("pages/models.py", "Models", ":material/inventory_2:"),
    ("pages/data.py", "Data", ":material/dataset:"),
    ("pages/teacher.py", "Teacher", ":material/school:"),
)


def navigation() -> StreamlitPage:
    """``st.navigation`` over the app's pages; returns the page to run."""
    # A lesson may show students only some pages; the Teacher page stays, to unlock the rest.
    visible = () if is_teacher() else lesson().pages
    shown = [page for page in PAGES if not visible or page[1] in visible or page[1] == "Teacher"]
    return st.navigation(
        [st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(shown)]
    )


def frame() -> StreamlitPage:
    """Page config, navigation and sidebar: the frame around every page. Returns the page to run."""
    st.set_page_config(page_title="Digit Studio", page_icon="✍️", layout="wide")
    chosen = navigation()
    sidebar()
    st.session_state[FRAMED_KEY] = True
    return chosen


def page() -> None:
    """The first call of every page: draw the frame if app.py did not.

    Until ``st.navigation`` has run once in a server process, Streamlit treats a
    folder named ``pages/`` beside the main script as its older multipage layout
    and runs a page opened by URL on its own, without app.py (Streamlit's
    AppTest does so on every run). Drawing the frame here gives that run the
    same navigation and sidebar, and switches the old layout off.
    """
    if not st.session_state.pop(FRAMED_KEY, False):
        frame()
        st.session_state.pop(FRAMED_KEY, None)


@st.cache_resource(show_spinner="Loading MNIST…")
def _cached_dataset(path: str) -> data.Dataset:
    # Keyed by the cache file, so a changed DIGIT_STUDIO_DATA is noticed.
    return data.load(allow_download=False)


def _dataset() -> data.Dataset:
    return _cached_dataset(str(data.cache_path()))


def dataset() -> data.Dataset | None:
    """MNIST, or None after showing how to get it."""
    try:
        return _dataset()
    except DatasetUnavailableError as error:
        st.error(str(error), icon=":material/database_off:")
        return None


def store() -> ModelStore:
    """The model store (``$DIGIT_STUDIO_MODELS`` or ``models/``)."""
    return ModelStore()


@st.cache_resource(max_entries=32, show_spinner=False)
def _network(root: str, model_id: str, created: str) -> DenseNetwork:
    return ModelStore(root).load_network(model_id)


def network(model: StoredModel) -> DenseNetwork:
    """The NumPy network of a stored model, loaded once per server."""
    return _network(str(model.path.parent), model.id, model.created)


@st.cache_resource(max_entries=8, show_spinner=False)
def _weight_history(root: str, model_id: str, created: str) -> WeightHistory | None:
    return ModelStore(root).load_weight_history(model_id)


def weight_history(model: StoredModel) -> WeightHistory | None:
    """The first layer's weights epoch by epoch (None for a model saved without them, or a damaged file)."""
    try:
        return _weight_history(str(model.path.parent), model.id, model.created)
    except MnistCoreError as error:
        show_error(error)
        return None


@st.cache_resource(max_entries=16, show_spinner="Scoring the model on MNIST…")
def _evaluation(root: str, model_id: str, created: str) -> Evaluation:
    model = ModelStore(root).get(model_id)
    mnist = _dataset()
    return evaluate(_network(root, model_id, created), mnist.seen_by(model.spec))


def evaluation(model: StoredModel) -> Evaluation:
    """The model's results on MNIST, computed once per server."""
    return _evaluation(str(model.path.parent), model.id, model.created)


@st.cache_resource(max_entries=64, show_spinner=False)
def _favourites(root: str, model_id: str, created: str, layer: int, unit: int) -> np.ndarray:
    return inside.unit_favourites(_network(root, model_id, created), layer, unit, _dataset().x_test)


def unit_favourites(model: StoredModel, layer: int, unit: int) -> np.ndarray:
    """Test-set indices of the 9 images that excite one hidden unit most, best first (computed once per server)."""
    return _favourites(str(model.path.parent), model.id, model.created, layer, unit)


@st.cache_data(show_spinner=False)
def non_digits() -> np.ndarray:
    """Drawings that are not digits (noise, blobs, lines, letters), as model inputs."""
    return np.stack([canvas_to_mnist(image) for image in draw_non_digits(40).images])


def models() -> list[StoredModel]:
    """The readable models in the store, newest first."""
    return store().models()


def active_models() -> list[StoredModel]:
    """The models chosen in the sidebar (at most two)."""
    chosen = st.session_state.get(ACTIVE_KEY) or []
    by_id = {model.id: model for model in models()}
    return [by_id[model_id] for model_id in chosen if model_id in by_id]


def sidebar() -> None:
    """Data status and the active-model picker, on every page."""
    with st.sidebar:
        available = models()
        ids = [model.id for model in available]
        labels = {model.id: model.label for model in available}
        chosen = [model_id for model_id in st.session_state.get(ACTIVE_KEY, []) if model_id in labels]
        if not chosen:
            chosen = default_active(available)
        st.session_state[ACTIVE_KEY] = chosen
        st.multiselect(
            "Active models",
            ids,
            key=ACTIVE_KEY,
            max_selections=2,
            format_func=labels.get,
            help="The models the Draw and Evaluate pages use. Pick two to compare them side by side.",
            placeholder="Train a model first" if not ids else "Choose up to two",
        )
        try:
            mnist = _dataset()
            st.caption(
                f":material/check_circle: MNIST ready: {len(mnist.y_train):,} training, "
                f"{len(mnist.y_test):,} test images"
            )
        except DatasetUnavailableError:
            st.caption(":material/error: MNIST not found: see the Home page")
        st.caption(f"{len(available)} model(s) in the store")


def next_canvas() -> None:
    """A fresh, empty canvas (a new key remounts it)."""
    st.session_state.canvas_round = st.session_state.get("canvas_round", 0) + 1


def show_error(error: MnistCoreError) -> None:
    """An error from the core, as the user should read it."""
    st.error(str(error), icon=":material/error:")


def verdict(probabilities: np.ndarray, threshold: float) -> tuple[str, str]:
    """The big answer and a caption: the digit, or "not sure" with the top two guesses."""
    said = answer(probabilities, threshold)
    (top, p_top), (second, p_second) = said.guesses
    if said.digit is None:
        return "?", f"not sure: {top} ({p_top:.0%}) or {second} ({p_second:.0%})"
    return str(said.digit), f"{p_top:.1%} sure"


def model_report(model: StoredModel) -> None:
    """Everything about one stored model: figures, layers, curves, test digits, download."""
    cols = st.columns(5)
    cols[0].metric("Test accuracy", f"{model.metrics['test_accuracy']:.2%}")
    cols[1].metric("Train accuracy", f"{model.metrics['train_accuracy']:.2%}")
    cols[2].metric("Training time", f"{model.train_seconds:.1f} s")
    cols[3].metric("Epochs", f"{model.epochs_run} / {model.spec.epochs}")
    cols[4].metric("Parameters", f"{model.parameters:,}")
    if model.stopped_early:
        st.caption("Early stopping ended training and restored the best epoch's weights.")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Training curves**")
        st.plotly_chart(plots.training_curves(model.history, epochs=model.spec.epochs), key=f"curves-{model.id}")
    with right:
        st.markdown("**Layers** (like Keras's `model.summary()`)")
        st.dataframe(pd.DataFrame(model.layers), hide_index=True)
    history = weight_history(model)
    if history is not None and len(history) > 1:
        with st.expander("Watch the first layer learn: its weights epoch by epoch", icon=":material/animation:"):
            st.caption(
                "Each square is one unit of the first hidden layer: the 784 weights it gives the pixels, "
                "red where ink raises its output and blue where ink lowers it. Press Play or move the slider."
            )
            st.plotly_chart(plots.weight_animation(history.epochs, history.frames), key=f"weights-{model.id}")
    mnist = dataset()
    if mnist is not None:
        result = evaluation(model)
        shown = np.arange(40)
        st.plotly_chart(
            plots.digit_grid(
                mnist.x_test[shown],
                labels=result.test_labels[shown],
                predictions=result.test_predictions[shown],
                title="The first 40 test digits: true → predicted (green right, red wrong)",
            ),
            key=f"grid-{model.id}",
        )
    st.download_button(
        "Download the saved model (.zip)",
        data=lambda: store().archive(model.id),
        file_name=f"{model.id}.zip",
        mime="application/zip",
        icon=":material/download:",
        key=f"download-{model.id}",
    )


def damaged_entries() -> list[DamagedEntry]:
    """Store folders that cannot be read."""
    return [entry for entry in store().list() if isinstance(entry, DamagedEntry)]


def session_id() -> str:
    """This browser session's anonymous id (the training queue's "who asked")."""
    return st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex[:12])


@st.cache_resource(show_spinner="Starting the training engine…")
def _engine(address: str | None) -> Engine:
    # One per server: a local cluster of worker processes, or a client of the cluster at the address.
    return Engine(address)


@st.cache_resource(show_spinner=False)
def _training_queue(root: str, fingerprint: str, address: str | None) -> TrainingQueue:
    store = ModelStore(root)
    training = TrainingQueue(store, JobTable(database_path(store)), _engine(address), fingerprint=fingerprint)
    training.resume()
    training.train_first_model()
    return training


def training_queue() -> TrainingQueue | None:
    """The server's training queue (started once per server), or None after showing why there is none."""
    mnist = dataset()
    if mnist is None:
        return None
    address = scheduler_address()
    failed = _engine_failures.get(address)
    if failed is not None and time.monotonic() - failed[0] < ENGINE_RETRY_SECONDS:
        st.error(failed[1], icon=":material/error:")  # do not make every page wait for a dead scheduler again
        return None
    try:
        return _training_queue(str(store().root), mnist.fingerprint, address)
    except (MnistCoreError, OSError) as error:
        message = str(error) if isinstance(error, MnistCoreError) else f"The training engine could not start: {error}"
        _engine_failures[address] = (time.monotonic(), message)
        st.error(message, icon=":material/error:")
    return None


@st.cache_resource(show_spinner=False)
def _sweep_table(path: str) -> SweepTable:
    return SweepTable(path)


def sweep_table() -> SweepTable | None:
    """The server's sweeps (beside the job table), or None after showing why they cannot be read."""
    try:
        return _sweep_table(str(database_path(store())))
    except DatabaseError as error:
        st.error(str(error), icon=":material/error:")
        return None


def request_training(spec: ModelSpec, *, name: str | None = None, session: str | None = None) -> None:
    """Ask the queue for a model of ``spec`` (a button's on_click); a refusal is kept to show on the page."""
    training = training_queue()
    if training is None:
        return
    try:
        training.submit(spec, session or session_id(), name=name)
    except MnistCoreError as error:
        st.session_state[QUEUE_ERROR_KEY] = str(error)


def queue_error() -> None:
    """Show why the last request was refused, once."""
    if QUEUE_ERROR_KEY in st.session_state:
        st.warning(st.session_state.pop(QUEUE_ERROR_KEY), icon=":material/hourglass_top:")


def my_job() -> JobStatus | None:
    """This session's newest job."""
    training = training_queue()
    return None if training is None else training.session_job(session_id())


def job_active() -> bool:
    """Whether this session has a job waiting or running."""
    status = my_job()
    return status is not None and status.job.active


def wait_for_first_model() -> None:
    """With no model to use yet: say what trains for this page, and reload the page once a model is ready."""
    training = training_queue()
    pending = [] if training is None else training.overview()
    if not pending:
        st.info(
            "No model is active yet: train one on the **Train** page (the `quick` preset takes seconds), "
            "then choose it in the sidebar.",
            icon=":material/info:",
        )
        return

    @st.fragment(run_every=1.0)
    def waiting() -> None:
        if models():
            st.rerun()  # the whole page, now with a model to draw for
        current = training.overview() if training else []
        if not current:
            st.rerun()
        first = current[0]
        last = first.events[-1] if first.events else None
        if first.job.state == "running":
            left = f"epoch {last.epoch} of {last.epochs}" if last else "starting"
            text = (
                f"The first model ({first.job.label}) is training: {left}. This page opens by itself when it is ready."
            )
        else:
            text = describe_wait(first)
        st.progress(last.epoch / last.epochs if last else 0.0, text=text)

    waiting()


def describe_wait(status: JobStatus) -> str:
    """Where a waiting job stands: its place, what runs, about how long until it starts."""
    ahead = (status.position or 1) - 1
    return (
        f"Waiting in the queue: {'next' if ahead == 0 else f'{ahead} job(s) ahead'}, "
        f"{status.running} training now on {status.workers} worker(s); "
        f"starts in about {_duration(status.wait_seconds)}, then trains for about {_duration(status.train_seconds)}."
    )


def queue_rows(training: TrainingQueue) -> list[dict[str, object]]:
    """The queue as table rows: what runs and what waits, since when, for how many sessions."""
    now = time.time()
    rows: list[dict[str, object]] = []
    for status in training.overview():
        job = status.job
        last = status.events[-1] if status.events else None
        rows.append(
            {
                "model": job.label,
                "state": "training" if job.state == "running" else f"waiting ({status.position})",
                "progress": f"epoch {last.epoch} of {last.epochs}" if last else "",
                "since": f"{_duration(now - (job.started or job.created))} ago",
                "asked by": f"{len(job.sessions)} session(s)",
                "about": _duration(status.train_seconds),
            }
        )
    return rows


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def job_progress() -> JobStatus | None:
    """Show this session's job, live, with a Stop button; returns it once it has ended."""
    status = my_job()
    if status is None:
        return None
    if not status.job.active:
        if status.job.state == "failed":
            st.error(status.job.error or "Training failed.", icon=":material/error:")
        elif status.job.state == "cancelled":
            st.info("Stopped before it started: nothing was trained.", icon=":material/cancel:")
        return status
    job_id = status.job.id

    training = training_queue()
    if training is None:
        return None

    @st.fragment(run_every=1.0)
    def live() -> None:
        current = training.status(job_id)
        if current is None or not current.job.active:
            st.rerun()  # the whole page, to show the result
            return
        job = current.job
        if job.state == "queued":
            st.progress(0.0, text=describe_wait(current))
        else:
            last = current.events[-1] if current.events else None
            where = f"epoch {last.epoch} of {last.epochs}" if last else "starting"
            st.progress(last.epoch / last.epochs if last else 0.0, text=f"Training {job.label}: {where}…")
        if len(job.sessions) > 1:
            st.caption(f"{len(job.sessions)} sessions asked for this same model: it trains once for all of them.")
        if st.button("Stop", icon=":material/stop_circle:", key=f"stop-{job_id}"):
            training.stop(job_id, session_id())
            st.toast("Stopping after this batch; what was learned is kept.")
        curves, weights = st.columns([3, 2])
        if current.events:
            curves.plotly_chart(plots.training_curves(current.events, epochs=job.spec.epochs), key=f"live-{job_id}")
        if current.first_layer is not None:
            epoch, images = current.first_layer
            weights.plotly_chart(
                plots.weight_grid(images, columns=6, title=f"First-layer weights after epoch {epoch}"),
                key=f"live-weights-{job_id}",
            )

    live()
    return None


def training_outcome(status: JobStatus | None) -> None:
    """What became of this session's finished training: loaded from the store, stopped or trained; then its report."""
    if status is None or status.model is None:
        return
    model = status.model
    if status.job.from_store:
        st.info(
            f"This exact network was already in the store (`{model.id}`): loaded at once, nothing retrained.",
            icon=":material/inventory_2:",
        )
    elif model.stopped:
        st.warning(
            f"Stopped at epoch {model.epochs_run}: saved as `{model.id}` with what it had learned.",
            icon=":material/stop_circle:",
        )
    else:
        st.success(f"Trained and saved as `{model.id}`.", icon=":material/check_circle:")
    model_report(model)


@st.cache_resource(show_spinner=False)
def _class_drawings(path: str) -> ClassDrawings:
    return ClassDrawings(path)


def class_drawings() -> ClassDrawings | None:
    """The drawings the class has kept, or None after saying why they cannot be read."""
    try:
        return _class_drawings(str(classroom.default_path()))
    except DatabaseError as error:
        show_error(error)
        return None


def keep_for_class(canvas: np.ndarray, model_input: np.ndarray, label: int, answers: dict[str, int]) -> None:
    """Keep this session's drawing for the class, and say so (or why not): Draw goes on either way."""
    drawings = class_drawings()
    if drawings is None:
        return
    try:
        drawings.add(canvas, label, session_id(), model_input=model_input, answers=answers)
        total = drawings.count()
    except MnistCoreError as error:
        show_error(error)
    else:
        st.success(f"Kept as a {label}: the class has {total} drawings now.", icon=":material/bookmark_added:")


def class_scores(drawings: ClassDrawings) -> pd.DataFrame:
    """Every stored model on MNIST's test set and on the class's test half, best on the class first.

    Only the test half counts, so that a model trained on the other half ("learn from our
    class's drawings") is scored on drawings it never saw.
    """
    rows = [
        {
            "model": model.name,
            "id": model.id,
            "MNIST test": model.metrics["test_accuracy"],
            "class drawings": drawings.score(network(model), "test").accuracy,
        }
        for model in models()
    ]
    table = pd.DataFrame(rows, columns=["model", "id", "MNIST test", "class drawings"])
    table["gap"] = table["class drawings"] - table["MNIST test"]
    return table.sort_values("class drawings", ascending=False, ignore_index=True)


def linked_spec() -> ModelSpec | None:
    """The spec a shared link carries in the page's address, or None; says which values it could not use."""
    params = {name: st.query_params[name] for name in st.query_params}
    if not params:
        return None
    spec, problems = from_query(params)
    for problem in problems:
        st.warning(f"This link: {problem}", icon=":material/link_off:")
    return spec


def share_link(spec: ModelSpec, page: str = "train") -> None:
    """Show a link that opens ``page`` with the controls set to ``spec``, and put it in the address bar."""
    query = to_query(spec)
    st.query_params.from_dict(query)
    base = (st.context.url or "").split("?")[0] or f"/{page}"
    st.code(f"{base}?{urlencode(query)}", language=None, wrap_lines=True)
    st.caption("Send this link: opening it fills these controls. It is in the address bar too.")


# -- the Train page's controls, and the lesson ----------------------------------------

# The spec's fields by the column of controls that sets them; an impossible value is reported in its column.
NETWORK_FIELDS = ("framework", "hidden_layers", "activation", "dropout")
OPTIMISER_FIELDS = ("optimizer", "learning_rate", "schedule", "momentum", "batch_size", "l2")
RUN_FIELDS = tuple(f.name for f in fields(ModelSpec) if f.name not in NETWORK_FIELDS + OPTIMISER_FIELDS)
# Spec fields with one control each (the per-layer ones and the class set are handled apart).
SPEC_FIELDS = tuple(name for name in OPTIMISER_FIELDS + RUN_FIELDS if name != "class_set")


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
    state.t_class = bool(spec.class_set)


def spec_error(names: tuple[str, ...]) -> None:
    """Show the reason the last spec was impossible here, if it is about one of these fields."""
    error = st.session_state.get("train_error")
    if error is not None and (error.field in names or not names):
        st.error(str(st.session_state.pop("train_error")), icon=":material/error:")


def controls_spec() -> ModelSpec | None:
    """The spec the Train page's controls describe, or None after keeping the reason it is impossible."""
    state = st.session_state
    layers = range(state.t_layers)
    try:
        drawings = class_drawings() if state.get("t_class") else None
        return ModelSpec(
            class_set=drawings.snapshot() if drawings is not None else "",
            framework=state.t_framework,
            hidden_layers=tuple(state[f"t_units_{i}"] for i in layers),
            activation=tuple(state[f"t_act_{i}"] for i in layers),
            dropout=tuple(state[f"t_drop_{i}"] for i in layers),
            **{name: state[f"t_{name}"] for name in SPEC_FIELDS},
        )
    except InvalidSpecError as error:
        state.train_error = error
        return None


TEACHER_KEY = "teacher"


def is_teacher() -> bool:
    """Whether this session has given the teacher password."""
    return bool(st.session_state.get(TEACHER_KEY))


def lesson() -> Lesson:
    """The lesson the teacher pushed (an empty one when none was, or when it cannot be read)."""
    drawings = _quiet_class_drawings()
    if drawings is None:
        return Lesson()
    try:
        return LessonBoard(drawings).current()
    except MnistCoreError:
        return Lesson()


def _quiet_class_drawings() -> ClassDrawings | None:
    try:
        return _class_drawings(str(classroom.default_path()))
    except DatabaseError:
        return None


def lesson_locks() -> frozenset[str]:
    """The spec fields the lesson fixes for students (their controls are disabled); none for the teacher."""
    return frozenset() if is_teacher() else frozenset(lesson().locked)


def teacher_password() -> str | None:
    """The configured teacher password (environment or Streamlit secrets), or None: teacher mode off."""
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # no secrets file at all
        secrets = {}
    return lesson_module.teacher_password(secrets)


def lesson_board() -> LessonBoard | None:
    """Where the lesson is kept, or None after saying why it cannot be read."""
    drawings = class_drawings()
    return None if drawings is None else LessonBoard(drawings)
