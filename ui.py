"""UI pieces the pages share: cached data and models, the sidebar, the model report.

Cached objects are shared by every session on the server: treat them as read-only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from mnist_core import data, plots
from mnist_core.drawn import draw_non_digits
from mnist_core.errors import DatasetUnavailableError, MnistCoreError
from mnist_core.evaluation import Evaluation, answer, evaluate
from mnist_core.inference import DenseNetwork
from mnist_core.jobs import TrainingJob
from mnist_core.preprocess import canvas_to_mnist
from mnist_core.spec import ModelSpec
from mnist_core.store import DamagedEntry, ModelStore, StoredModel, default_active

ACTIVE_KEY = "active_models"
FRAMED_KEY = "_framed_by_app"


PAGES = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/draw.py", "Draw", ":material/draw:"),
    ("pages/evaluate.py", "Evaluate", ":material/grid_on:"),
    ("pages/models.py", "Models", ":material/inventory_2:"),
    ("pages/data.py", "Data", ":material/dataset:"),
)


def navigation() -> StreamlitPage:
    """``st.navigation`` over the app's pages; returns the page to run."""
    return st.navigation(
        [st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(PAGES)]
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


@st.cache_resource(max_entries=16, show_spinner="Scoring the model on MNIST…")
def _evaluation(root: str, model_id: str, created: str) -> Evaluation:
    model = ModelStore(root).get(model_id)
    mnist = _dataset()
    return evaluate(_network(root, model_id, created), mnist.seen_by(model.spec))


def evaluation(model: StoredModel) -> Evaluation:
    """The model's results on MNIST, computed once per server."""
    return _evaluation(str(model.path.parent), model.id, model.created)


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


def job_running(session_key: str) -> bool:
    """Whether the job under ``session_key`` is still training."""
    job: TrainingJob | None = st.session_state.get(session_key)
    return job is not None and not job.done


def start_job(session_key: str, steps: list[tuple[str | None, ModelSpec]]) -> None:
    """Start training ``steps`` in the background (unless a job under ``session_key`` still runs)."""
    mnist = dataset()
    if mnist is not None and not job_running(session_key):
        st.session_state[session_key] = TrainingJob(store(), mnist, steps).start()


def job_progress(session_key: str) -> TrainingJob | None:
    """Show a running job's progress, live, with a Stop button; returns the job once finished."""
    job: TrainingJob | None = st.session_state.get(session_key)
    if job is None:
        return None
    if job.done:
        if job.error:
            st.error(job.error, icon=":material/error:")
        return job

    @st.fragment(run_every=1.0)
    def live() -> None:
        if job.done:
            st.rerun()  # the whole page, to show the result
        step = job.current
        last = step.events[-1] if step.events else None
        where = f"epoch {last.epoch} of {last.epochs}" if last else "starting"
        prefix = (
            f"{step.name or 'model'} ({job.steps.index(step) + 1}/{len(job.steps)}): " if len(job.steps) > 1 else ""
        )
        st.progress(job.fraction_done, text=f"Training {prefix}{where}…")
        if st.button("Stop", icon=":material/stop_circle:", disabled=job.stop_requested, key=f"{session_key}-stop"):
            job.stop()
            st.toast("Stopping after this batch; what was learned is kept.")
        if step.events:
            st.plotly_chart(plots.training_curves(step.events, epochs=step.spec.epochs), key=f"{session_key}-live")

    live()
    return None
