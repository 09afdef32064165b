"""Fixtures of the AppTest suite: the app script, real MNIST, and model stores outside the repository.

Two small scikit-learn models are trained once per session with the real core
(the e2e suite reuses them when both suites run together). Tests that change a
store get their own copy; the repository's ``models/`` folder is never touched.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_core import data
from tests.pretrained import PRETRAINED, pretrained_store, small_spec

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = {
    "home": "pages/home.py",
    "train": "pages/train.py",
    "experiments": "pages/experiments.py",
    "draw": "pages/draw.py",
    "inside": "pages/inside.py",
    "evaluate": "pages/evaluate.py",
    "classroom": "pages/classroom.py",
    "models": "pages/models.py",
    "data": "pages/data.py",
    "teacher": "pages/teacher.py",
}


@pytest.fixture(scope="session")
def mnist() -> data.Dataset:
    """Real MNIST from the cache (``$DIGIT_STUDIO_DATA`` or the default one)."""
    return data.load()


@pytest.fixture(scope="session")
def pretrained_root(tmp_path_factory: pytest.TempPathFactory, mnist: data.Dataset) -> Path:
    """A store holding the PRETRAINED models; read it, never change it."""
    return pretrained_store(tmp_path_factory, mnist)


@pytest.fixture(scope="session")
def pretrained_ids(pretrained_root: Path, mnist: data.Dataset) -> dict[str, str]:
    """Model id by name of the PRETRAINED models."""
    return {name: small_spec(units).key(mnist.fingerprint) for name, units in PRETRAINED}


@pytest.fixture
def scratch_store(pretrained_root: Path, tmp_path: Path) -> Path:
    """A private copy of the pretrained store, for tests that train or delete."""
    root = tmp_path / "models"
    shutil.copytree(pretrained_root, root, ignore=shutil.ignore_patterns(".locks", ".tmp-*"))
    return root


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    """A store folder with nothing in it."""
    root = tmp_path / "empty-models"
    root.mkdir()
    return root


@pytest.fixture
def class_db(tmp_path: Path) -> Path:
    """This test's own class drawings database (the app opens it through DIGIT_STUDIO_CLASS_DB)."""
    return tmp_path / "class.db"


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch, class_db: Path) -> Iterator[Callable[..., AppTest]]:
    """``open_app(store, page)``: the app on ``page`` over the store folder ``store``, after its first run.

    An empty store trains no first model by itself here (tests that want it set the preset). The
    class drawings are the test's own (``class_db``).
    """

    def open_page(store: Path, page: str = "home", *, first_preset: str = "") -> AppTest:
        monkeypatch.setenv("DIGIT_STUDIO_MODELS", str(store))
        monkeypatch.setenv("DIGIT_STUDIO_CLASS_DB", str(class_db))
        monkeypatch.setenv("DIGIT_STUDIO_FIRST_PRESET", first_preset)
        app = AppTest.from_file(str(APP), default_timeout=120)
        if page != "home":
            app.switch_page(PAGES[page])
        return app.run()

    yield open_page
