"""`ModelStore`: trained models on disk, one folder each, written atomically.

An entry is a folder named by the model id::

    models/<id>/meta.json     spec, metrics, history, layers, versions, file hashes
    models/<id>/weights.npz   dense weights for the NumPy prediction path
    models/<id>/first_layer_history.npz   the first layer's weights epoch by epoch (bounded)
    models/<id>/model.skops   scikit-learn's model (skops, trusted types only)
    models/<id>/model.keras   or Keras's model (loaded with safe_mode=True)

An entry is built in a hidden temporary folder and renamed into place, so it
appears whole or not at all. A folder that cannot be read is listed as
damaged, with the reason, and never stops the others from loading.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import platform
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .data import Dataset
from .errors import DamagedModelError, InvalidModelIdError, ModelNotFoundError
from .network.dense import DenseNetwork
from .network.evaluation import DEFAULT_THRESHOLD, Evaluation
from .spec import PRESETS, ModelSpec, preset_name
from .training.records import EpochEvent, TrainedModel, WeightHistory

__all__ = ["DamagedEntry", "ModelPayload", "ModelStore", "StoredModel", "default_active", "default_root", "package"]

META = "meta.json"
WEIGHTS = "weights.npz"
WEIGHT_HISTORY = "first_layer_history.npz"
MODEL_FILE = {"sklearn": "model.skops", "keras": "model.keras"}
STORE_SCHEMA = 1
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,119}$")
STALE_TEMP_SECONDS = 3600

# skops refuses any type it does not know; these are the ones an MLPClassifier holds.
SKOPS_TRUSTED = (
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.preprocessing._label.LabelBinarizer",
    "numpy.random._mt19937.MT19937",
    "numpy.random.mtrand.RandomState",
)


def default_root() -> Path:
    """``$DIGIT_STUDIO_MODELS`` or the project's ``models/`` folder."""
    override = os.environ.get("DIGIT_STUDIO_MODELS")
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class StoredModel:
    """One readable entry of the store (its metadata; weights load on demand)."""

    id: str
    name: str
    spec: ModelSpec
    metrics: dict[str, float]
    history: list[EpochEvent]
    layers: list[dict[str, Any]]
    parameters: int
    train_seconds: float
    created: str
    stopped: bool
    stopped_early: bool
    reject_threshold: float
    versions: dict[str, str]
    dataset: str
    path: Path

    @property
    def framework(self) -> str:
        """``sklearn`` or ``keras``."""
        return self.spec.framework

    @property
    def epochs_run(self) -> int:
        """Epochs the training actually ran."""
        return len(self.history)

    @property
    def label(self) -> str:
        """A name for menus: ``quick · sklearn 784-128-10 · 97.6 %``."""
        accuracy = self.metrics.get("test_accuracy")
        shown = f" · {accuracy:.1%}" if accuracy is not None else ""
        return f"{self.name} · {self.framework} {self.spec.architecture}{shown}"

    def summary(self) -> dict[str, Any]:
        """The model in one JSON-ready row: what the Models table and ``list --json`` show."""
        return {
            "id": self.id,
            "name": self.name,
            "framework": self.framework,
            "architecture": self.spec.architecture,
            **self.metrics,
            "train_seconds": round(self.train_seconds, 3),
            "epochs_run": self.epochs_run,
            "parameters": self.parameters,
            "created": self.created,
            "stopped": self.stopped,
        }

    def summary_line(self) -> str:
        """The model in one line of text, for a terminal."""
        return (
            f"{self.id:<34} {self.name:<22} {self.spec.architecture:<20} "
            f"test {self.metrics['test_accuracy']:.4f}  {self.train_seconds:7.1f} s  {self.created}"
        )


@dataclass(frozen=True)
class DamagedEntry:
    """A folder in the store that cannot be used, and why."""

    id: str
    reason: str
    path: Path


@dataclass(frozen=True)
class ModelPayload:
    """A trained model as plain data, ready to be written into a store anywhere.

    A training worker builds it (:func:`package`) and sends it to the server,
    which writes it (:meth:`ModelStore.write`): the two need not share a disk.

    Attributes:
        id: the entry's id (the spec's key, plus ``-e<epochs>`` for a stopped run).
        meta: everything ``meta.json`` holds but the time it is written.
        files: the entry's files by name (weights and the framework's own file).
    """

    id: str
    meta: dict[str, Any]
    files: dict[str, bytes]

    def check(self) -> None:
        """Raise DamagedModelError unless every file matches the hash recorded for it."""
        expected = self.meta.get("sha256", {})
        if set(expected) != set(self.files) or any(
            hashlib.sha256(raw).hexdigest() != expected[name] for name, raw in self.files.items()
        ):
            raise DamagedModelError("The trained model {model} arrived damaged; train it again.", model=self.id)


def package(
    trained: TrainedModel, evaluation: Evaluation, dataset: Dataset, *, name: str | None = None
) -> ModelPayload:
    """A trained model and its scores as a :class:`ModelPayload`.

    A run stopped by the user gets its own id (the spec's id plus the epochs it
    ran), so it never stands in for the finished model.
    """
    model_id = trained.spec.key(dataset.fingerprint)
    label = name or preset_name(trained.spec) or "custom"
    if trained.stopped:
        model_id = f"{model_id}-e{trained.epochs_run}"
        label = f"{label} (stopped at epoch {trained.epochs_run})"
    files = {WEIGHTS: trained.network.to_bytes()}
    if trained.weight_history:
        files[WEIGHT_HISTORY] = trained.weight_history.to_bytes()
    model_file = MODEL_FILE[trained.spec.framework]
    if trained.spec.framework == "sklearn":
        import skops.io

        files[model_file] = skops.io.dumps(trained.estimator)
    else:
        # Keras writes its format to a path only.
        with tempfile.TemporaryDirectory(prefix="digit-studio-") as folder:
            path = Path(folder) / model_file
            trained.estimator.save(path)
            files[model_file] = path.read_bytes()
    meta = {
        "schema": STORE_SCHEMA,
        "id": model_id,
        "name": label,
        "spec": trained.spec.to_dict(),
        "metrics": evaluation.metrics(),
        "history": [event.to_dict() for event in trained.history],
        "layers": trained.layers,
        "parameters": trained.network.parameter_count,
        "train_seconds": trained.train_seconds,
        "stopped": trained.stopped,
        "stopped_early": trained.stopped_early,
        "reject_threshold": trained.reject_threshold,
        "versions": _versions(),
        "dataset": dataset.fingerprint,
        "sha256": {file_name: hashlib.sha256(raw).hexdigest() for file_name, raw in files.items()},
    }
    return ModelPayload(model_id, meta, files)


def default_active(models: list[StoredModel], *, count: int = 2) -> list[str]:
    """Ids of the models to show first: the most accurate finished model of each framework, best first."""
    best: dict[str, StoredModel] = {}
    for model in models:
        if model.stopped:
            continue
        current = best.get(model.framework)
        if current is None or model.metrics["test_accuracy"] > current.metrics["test_accuracy"]:
            best[model.framework] = model
    ranked = sorted(best.values(), key=lambda m: -m.metrics["test_accuracy"])
    return [model.id for model in ranked][:count]


class ModelStore:
    """Save, list, load and delete trained models under one folder.

    Args:
        root: the folder; :func:`default_root` when omitted.
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    # -- reading -----------------------------------------------------------

    def list(self) -> list[StoredModel | DamagedEntry]:
        """Every entry, newest first; unreadable ones as :class:`DamagedEntry`."""
        if not self.root.is_dir():
            return []
        entries: list[StoredModel | DamagedEntry] = []
        for folder in self.root.iterdir():
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            try:
                entries.append(self._read(folder))
            except DamagedModelError as error:
                entries.append(DamagedEntry(folder.name, str(error), folder))
        return sorted(entries, key=lambda e: getattr(e, "created", ""), reverse=True)

    def models(self) -> builtins.list[StoredModel]:
        """The readable entries, newest first."""
        return [entry for entry in self.list() if isinstance(entry, StoredModel)]

    def get(self, model_id: str) -> StoredModel:
        """The metadata of one model.

        Raises:
            ModelNotFoundError: no entry has that id.
            DamagedModelError: the entry cannot be read.
        """
        return self._read(self._folder(model_id))

    def find(self, spec: ModelSpec, dataset: Dataset) -> StoredModel | None:
        """The finished model of exactly ``spec`` trained on ``dataset``, if the store has it."""
        model_id = spec.key(dataset.fingerprint)
        if model_id not in self:
            return None
        try:
            return self.get(model_id)
        except DamagedModelError:
            return None

    def presets(self, dataset: Dataset) -> dict[str, StoredModel | None]:
        """Every preset by name, with its stored model or None when it still needs training.

        A preset is ready when the store holds its exact spec (by key), whatever
        a model's display name says.
        """
        return {name: self.find(spec, dataset) for name, spec in PRESETS.items()}

    def missing_presets(self, dataset: Dataset, *, queued: Iterable[str] = ()) -> builtins.list[str]:
        """The presets still to train, in :data:`~mnist_core.spec.PRESETS` order.

        Args:
            dataset: the MNIST the models are trained on (a preset's model key depends on it).
            queued: model keys already waiting or training; their presets are left out.
        """
        waiting = set(queued)
        return [
            name
            for name, model in self.presets(dataset).items()
            if model is None and PRESETS[name].key(dataset.fingerprint) not in waiting
        ]

    def __contains__(self, model_id: str) -> bool:
        return (self.root / _checked_id(model_id) / META).is_file()

    def load_network(self, model_id: str) -> DenseNetwork:
        """The NumPy network of a model (no framework import).

        Raises:
            ModelNotFoundError, DamagedModelError: as for :meth:`get`, or the
                weights do not match the hash recorded when they were saved.
        """
        stored = self.get(model_id)
        raw = self._checked_bytes(stored, WEIGHTS)
        return DenseNetwork.from_bytes(raw)

    def load_weight_history(self, model_id: str) -> WeightHistory | None:
        """The first layer's weights epoch by epoch, or None for a model saved without them.

        Raises:
            ModelNotFoundError, DamagedModelError: as for :meth:`load_network`.
        """
        stored = self.get(model_id)
        if not (stored.path / WEIGHT_HISTORY).is_file():
            return None
        raw = self._checked_bytes(stored, WEIGHT_HISTORY)
        try:
            return WeightHistory.from_bytes(raw)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise DamagedModelError(
                "{model}/{file} cannot be read: {error}", model=model_id, file=WEIGHT_HISTORY, error=str(error)
            ) from None

    def load_estimator(self, model_id: str) -> Any:
        """The framework's own model: ``MLPClassifier`` or ``keras.Model``.

        Raises:
            DamagedModelError: the file is damaged or holds unexpected types.
        """
        stored = self.get(model_id)
        name = MODEL_FILE[stored.framework]
        raw = self._checked_bytes(stored, name)
        if stored.framework == "sklearn":
            return _load_skops(raw)
        return _load_keras(stored.path / name)

    def archive(self, model_id: str) -> bytes:
        """The whole entry as a zip file, for downloading."""
        stored = self.get(model_id)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(stored.path.iterdir()):
                archive.write(file, f"{model_id}/{file.name}")
        return buffer.getvalue()

    # -- writing -----------------------------------------------------------

    def save(
        self, trained: TrainedModel, evaluation: Evaluation, dataset: Dataset, *, name: str | None = None
    ) -> StoredModel:
        """Write a trained model as a new entry, atomically (:func:`package` then :meth:`write`)."""
        return self.write(package(trained, evaluation, dataset, name=name))

    def write(self, payload: ModelPayload) -> StoredModel:
        """Write a packaged model as a new entry, atomically; an entry already there wins.

        The payload may come from another machine: it is checked against its
        own hashes before anything is written.
        """
        payload.check()
        model_id = _checked_id(payload.id)
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temps()
        temp = Path(tempfile.mkdtemp(prefix=f".tmp-{model_id}-", dir=self.root))
        temp.chmod(0o755)
        try:
            for file_name, raw in payload.files.items():
                _write(temp / file_name, raw)
            meta = {**payload.meta, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            _write(temp / META, json.dumps(meta, indent=2).encode())
            _fsync_dir(temp)
            final = self.root / model_id
            if final.exists():  # the same model finished elsewhere first
                shutil.rmtree(temp)
                return self.get(model_id)
            os.rename(temp, final)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        return self.get(model_id)

    def delete(self, model_id: str) -> None:
        """Remove an entry (damaged ones included).

        Raises:
            ModelNotFoundError: no entry has that id.
        """
        folder = self.root / _checked_id(model_id)
        if not folder.is_dir():
            raise ModelNotFoundError("There is no model {model} in {root}.", model=repr(model_id), root=str(self.root))
        # Rename first so a half-deleted folder is never listed as a model.
        doomed = self.root / f".deleting-{model_id}-{os.getpid()}"
        os.rename(folder, doomed)
        shutil.rmtree(doomed, ignore_errors=True)

    # -- internals ---------------------------------------------------------

    def _folder(self, model_id: str) -> Path:
        folder = self.root / _checked_id(model_id)
        if not folder.is_dir():
            raise ModelNotFoundError(
                "There is no model {model} in {root}; train it first.", model=repr(model_id), root=str(self.root)
            )
        return folder

    def _read(self, folder: Path) -> StoredModel:
        try:
            meta = json.loads((folder / META).read_text())
        except FileNotFoundError:
            raise DamagedModelError(
                "{model} has no {file}: it was not saved completely.", model=folder.name, file=META
            ) from None
        except (OSError, ValueError) as error:
            raise DamagedModelError(
                "{model}/{file} cannot be read: {error}", model=folder.name, file=META, error=str(error)
            ) from None
        try:
            spec = ModelSpec.from_dict(meta["spec"])
            missing = [name for name in meta["sha256"] if not (folder / name).is_file()]
            if missing:
                raise DamagedModelError("{model} is missing {files}.", model=folder.name, files=", ".join(missing))
            return StoredModel(
                id=folder.name,
                name=str(meta["name"]),
                spec=spec,
                metrics={k: float(v) for k, v in meta["metrics"].items()},
                history=[EpochEvent(**event) for event in meta["history"]],
                layers=list(meta["layers"]),
                parameters=int(meta["parameters"]),
                train_seconds=float(meta["train_seconds"]),
                created=str(meta["created"]),
                stopped=bool(meta["stopped"]),
                stopped_early=bool(meta["stopped_early"]),
                reject_threshold=float(meta.get("reject_threshold") or DEFAULT_THRESHOLD),
                versions=dict(meta["versions"]),
                dataset=str(meta["dataset"]),
                path=folder,
            )
        except DamagedModelError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DamagedModelError(
                "{model}/{file} is incomplete or malformed ({error}).", model=folder.name, file=META, error=repr(error)
            ) from None

    def _checked_bytes(self, stored: StoredModel, file_name: str) -> bytes:
        raw = (stored.path / file_name).read_bytes()
        expected = json.loads((stored.path / META).read_text())["sha256"].get(file_name)
        if expected != hashlib.sha256(raw).hexdigest():
            raise DamagedModelError(
                "{model}/{file} has changed since it was saved (damaged or edited); "
                "delete the model and train it again.",
                model=stored.id,
                file=file_name,
            )
        return raw

    @contextlib.contextmanager
    def lock(self, model_id: str) -> Iterator[None]:
        """Hold the store's lock on one id, across processes: whoever trains a spec holds it."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{_checked_id(model_id)}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _remove_stale_temps(self) -> None:
        # A writer killed mid-save leaves its temporary folder behind; it is never listed.
        now = time.time()
        for folder in self.root.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if now - folder.stat().st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(folder)


def _checked_id(model_id: str) -> str:
    if not isinstance(model_id, str) or not ID_PATTERN.match(model_id):
        raise InvalidModelIdError(
            "{model} is not a model id: ids use lowercase letters, digits, '-' and '_' only.", model=repr(model_id)
        )
    return model_id


def _write(path: Path, raw: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("numpy", "scikit-learn", "keras", "tensorflow", "skops"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def _load_skops(raw: bytes) -> Any:
    import skops.io

    try:
        untrusted = set(skops.io.get_untrusted_types(data=raw))
        unexpected = untrusted - set(SKOPS_TRUSTED)
        if unexpected:
            raise DamagedModelError(
                "The scikit-learn file holds types this app does not trust: {types}.",
                types=", ".join(sorted(unexpected)),
            )
        model = skops.io.loads(raw, trusted=sorted(untrusted))
    except DamagedModelError:
        raise
    except Exception as error:  # skops raises many kinds for a damaged file
        raise DamagedModelError("The scikit-learn file cannot be read: {error}", error=str(error)) from None
    from sklearn.neural_network import MLPClassifier

    if not isinstance(model, MLPClassifier):
        raise DamagedModelError(
            "The scikit-learn file holds a {kind}, not an MLPClassifier.", kind=type(model).__name__
        )
    return model


def _load_keras(path: Path) -> Any:
    from .training._keras_import import import_keras

    keras = import_keras()

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a damaged file
        raise DamagedModelError("The Keras file cannot be read: {error}", error=str(error)) from None
