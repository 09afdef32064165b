"""What the pages read, loaded once per server: MNIST, the store's models and their results, the training
queue, the class's drawings and the sweeps.

Cached objects are shared by every session on the server: treat them as read-only. Each
function returns what was asked for or raises the core's error; the page decides how to show it.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import streamlit as st

from mnist_core import classroom, data
from mnist_core.classroom import ClassDrawings, LessonBoard, ModelScore, PasswordGate, Roster, score_models
from mnist_core.engine import Engine, JobStatus, JobTable, TrainingQueue, database_path, scheduler_address
from mnist_core.errors import MnistCoreError, TrainingError
from mnist_core.experiments import SweepTable
from mnist_core.images import canvas_to_mnist, draw_non_digits
from mnist_core.monitor import LoadMeter
from mnist_core.network import DenseNetwork, Evaluation, evaluate, inside
from mnist_core.store import DamagedEntry, ModelStore, StoredModel
from mnist_core.training import WeightHistory

from .language import t

#: A job's status is read from the table again at least this often, even without news from the engine (a job
#: that another process trains, a waiting job's estimate); when the server is busy, less often.
STATUS_SECONDS, BUSY_STATUS_SECONDS = 2.0, 10.0
#: After the training engine failed to start, pages are told so without trying again for this long.
ENGINE_RETRY_SECONDS = 30.0
_engine_failures: dict[str | None, tuple[float, MnistCoreError]] = {}


@st.cache_resource(show_spinner=False)
def _dataset(path: str) -> data.Dataset:
    # Keyed by the cache file, so a changed DIGIT_STUDIO_DATA is noticed.
    return data.load(allow_download=False)


def dataset() -> data.Dataset:
    """MNIST from its local cache (never downloaded here: Home offers that).

    Raises:
        DatasetUnavailableError: MNIST is not on this machine; the message says how to get it.
    """
    with st.spinner(t("Loading MNIST…")):  # shown only when loading takes a while
        return _dataset(str(data.cache_path()))


def store() -> ModelStore:
    """The model store (``$DIGIT_STUDIO_MODELS`` or ``models/``)."""
    return ModelStore()


def models() -> list[StoredModel]:
    """The readable models in the store, newest first."""
    return store().models()


def damaged_entries() -> list[DamagedEntry]:
    """Store folders that cannot be read."""
    return [entry for entry in store().list() if isinstance(entry, DamagedEntry)]


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
    """The first layer's weights epoch by epoch, or None for a model saved without them.

    Raises:
        DamagedModelError: the file is there but cannot be read.
    """
    return _weight_history(str(model.path.parent), model.id, model.created)


@st.cache_resource(max_entries=16, show_spinner=False)
def _evaluation(root: str, model_id: str, created: str) -> Evaluation:
    model = ModelStore(root).get(model_id)
    return evaluate(_network(root, model_id, created), _dataset(str(data.cache_path())).seen_by(model.spec))


def evaluation(model: StoredModel) -> Evaluation:
    """The model's results on MNIST, computed once per server.

    Raises:
        DatasetUnavailableError: MNIST is not on this machine.
    """
    with st.spinner(t("Scoring the model on MNIST…")):
        return _evaluation(str(model.path.parent), model.id, model.created)


@st.cache_resource(max_entries=64, show_spinner=False)
def _favourites(root: str, model_id: str, created: str, layer: int, unit: int) -> np.ndarray:
    return inside.unit_favourites(
        _network(root, model_id, created), layer, unit, _dataset(str(data.cache_path())).x_test
    )


def unit_favourites(model: StoredModel, layer: int, unit: int) -> np.ndarray:
    """Test-set indices of the 9 images that excite one hidden unit most, best first (computed once per server)."""
    return _favourites(str(model.path.parent), model.id, model.created, layer, unit)


@st.cache_data(show_spinner=False)
def non_digits() -> np.ndarray:
    """Drawings that are not digits (noise, blobs, lines, letters), as model inputs."""
    return np.stack([canvas_to_mnist(image) for image in draw_non_digits(40).images])


@st.cache_resource(show_spinner=False)
def _engine(address: str | None) -> Engine:
    # One per server: a local cluster of worker processes, or a client of the cluster at the address.
    return Engine(address)


@st.cache_resource(show_spinner=False)
def _training_queue(root: str, fingerprint: str, address: str | None) -> TrainingQueue:
    models_root = ModelStore(root)
    table = JobTable(database_path(models_root))
    training = TrainingQueue(models_root, table, _engine(address), fingerprint=fingerprint)
    training.resume()
    training.train_first_model()
    return training


def training_queue() -> TrainingQueue:
    """The server's training queue, started once per server.

    Raises:
        DatasetUnavailableError: MNIST is not on this machine (the queue trains on it).
        TrainingError, DatabaseError: the engine or the job table could not start. The error is
            remembered for a while and raised again at once, so that every page does not wait for
            a dead scheduler again.
    """
    mnist = dataset()
    address = scheduler_address()
    failed = _engine_failures.get(address)
    if failed is not None and time.monotonic() - failed[0] < ENGINE_RETRY_SECONDS:
        raise failed[1]
    try:
        with st.spinner(t("Starting the training engine…")):
            return _training_queue(str(store().root), mnist.fingerprint, address)
    except MnistCoreError as error:
        _engine_failures[address] = (time.monotonic(), error)
        raise
    except OSError as error:
        failure = TrainingError("The training engine could not start: {reason}", reason=error)
        _engine_failures[address] = (time.monotonic(), failure)
        raise failure from error


@st.cache_resource(max_entries=256, show_spinner=False)
def _job_status(_training: TrainingQueue, job_id: str, generation: int, period: int) -> JobStatus | None:
    return _training.status(job_id)


def job_status(training: TrainingQueue, job_id: str) -> JobStatus | None:
    """A job's status, read once for every session watching it: again when the engine reports news of
    any job, and at least every couple of seconds (every ten when the server is busy: drawing goes first).

    Shared by the sessions: treat it as read-only.
    """
    every = BUSY_STATUS_SECONDS if load_meter().busy() else STATUS_SECONDS
    return _job_status(training, job_id, training.generation, int(time.monotonic() // every))


@st.cache_resource(show_spinner=False)
def load_meter() -> LoadMeter:
    """How busy this server is (sessions, strokes, CPU, memory), one per server."""
    return LoadMeter()


@st.cache_resource(show_spinner=False)
def _sweep_table(path: str) -> SweepTable:
    return SweepTable(path)


def sweep_table() -> SweepTable:
    """The server's sweeps, beside the job table.

    Raises:
        DatabaseError: the file is damaged or locked.
    """
    return _sweep_table(str(database_path(store())))


@st.cache_resource(show_spinner=False)
def _class_drawings(path: str) -> ClassDrawings:
    return ClassDrawings(path)


def class_drawings() -> ClassDrawings:
    """The drawings the class has kept (``$DIGIT_STUDIO_CLASS_DB`` or ``class.db`` beside MNIST).

    Raises:
        DatabaseError: the file is damaged or locked; the message says what to do.
    """
    return _class_drawings(str(classroom.default_path()))


@st.cache_resource(show_spinner=False)
def _roster(path: str) -> Roster:
    return Roster(path)


def roster() -> Roster:
    """The class's students, beside the class drawings.

    Raises:
        DatabaseError: as for :func:`class_drawings`.
    """
    return _roster(str(classroom.default_path()))


@st.cache_resource(show_spinner=False)
def _job_table(path: str) -> JobTable:
    return JobTable(path)


def job_table() -> JobTable:
    """The server's job table, read without starting the training engine (who trained which model).

    Raises:
        DatabaseError: the file is damaged or locked.
    """
    return _job_table(str(database_path(store())))


@st.cache_resource(show_spinner=False)
def password_gate() -> PasswordGate:
    """The teacher password's gate, one per server: it counts every browser's wrong tries."""
    return PasswordGate()


def lesson_board() -> LessonBoard:
    """Where the teacher's lesson is kept, beside the class drawings.

    Raises:
        DatabaseError: as for :func:`class_drawings`.
    """
    return LessonBoard(class_drawings())


@st.cache_data(max_entries=8, show_spinner=False)
def _class_scores(
    models_key: tuple[tuple[str, str], ...],
    drawings_key: str,
    _models: list[StoredModel],
    _images: np.ndarray,
    _labels: np.ndarray,
) -> list[ModelScore]:
    # Keyed by the models (folder and time saved) and the drawings' content: a rerun, or a
    # scoreboard refreshing every few seconds, scores again only when a model or a drawing changed.
    networks = {model.id: network(model) for model in _models}
    return score_models(_models, networks, _images, _labels)


def class_scores(drawings: ClassDrawings) -> list[ModelScore]:
    """Every stored model on MNIST's test set and on the class's test half, best on the class first.

    Only the test half counts, so that a model trained on the other half ("learn from our
    class's drawings") is scored on drawings it never saw.
    """
    available = models()
    images, labels = drawings.images("test"), drawings.labels("test")
    content = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    models_key = tuple((str(model.path), model.created) for model in available)
    with st.spinner(t("Scoring the models on the class's drawings…")):
        return _class_scores(models_key, content, available, images, labels)
