"""The small models that the app and end-to-end suites put in their temporary stores.

Both suites train them into one folder per test run, so running the two together trains them once,
and so do test processes side by side (``pytest -n``).
"""

import os
from pathlib import Path

import pytest

from mnist_core.data import Dataset
from mnist_core.engine import train_in_process
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore

# Name and hidden units of each model (about 93 % on the test set).
PRETRAINED = (("test-sklearn", 64), ("test-sklearn-small", 32))


def small_spec(units: int) -> ModelSpec:
    """A scikit-learn MLP that trains in seconds and still reads digits well."""
    return ModelSpec(
        framework="sklearn",
        hidden_layers=(units,),
        optimizer="adam",
        learning_rate=2e-3,
        epochs=3,
        train_size=20000,
        seed=0,
    )


def pretrained_store(tmp_path_factory: pytest.TempPathFactory, mnist: Dataset) -> Path:
    """The folder of the PRETRAINED models, trained there once per test run.

    Test processes side by side (``pytest -n``) share it: the first to ask trains each model, the
    others join its job through the store's job table and read the model when it is done.
    """
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "pretrained-models"
    for name, units in PRETRAINED:
        train_in_process(small_spec(units), mnist, ModelStore(root), name=name)
    return root
