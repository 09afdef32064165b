"""Train a `ModelSpec` on MNIST with either framework, reporting every epoch.

``train(spec, dataset, on_epoch, should_stop)`` is the one call for both
frameworks. Progress goes to a plain callable as an :class:`EpochEvent`, never
to UI code; ``should_stop`` is polled at least once per epoch (every batch with
Keras), and a stopped run still returns what it has learned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Dataset, to_features
from .evaluation import choose_threshold
from .inference import DenseNetwork
from .spec import ModelSpec

__all__ = ["EpochEvent", "TrainedModel", "train"]


@dataclass(frozen=True)
class EpochEvent:
    """What one epoch of training achieved.

    ``epoch`` counts from 1; validation figures are None without a validation split.
    """

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values."""
        return dict(self.__dict__)


OnEpoch = Callable[[EpochEvent], None]
ShouldStop = Callable[[], bool]


@dataclass
class TrainedModel:
    """A trained network and how its training went.

    Attributes:
        spec: the recipe it was trained with.
        estimator: the framework's own model (``MLPClassifier`` or ``keras.Model``).
        network: the same weights for the NumPy prediction path.
        history: one event per epoch run.
        layers: the layer table (name, kind, output shape, parameters).
        train_seconds: wall-clock time of the training loop.
        stopped: the user stopped it before the last epoch.
        stopped_early: early stopping ended it (best weights restored).
        reject_threshold: the confidence below which it should say "not sure",
            chosen on the validation images (None without a validation split).
    """

    spec: ModelSpec
    estimator: Any
    network: DenseNetwork
    history: list[EpochEvent]
    layers: list[dict[str, Any]]
    train_seconds: float
    stopped: bool = False
    stopped_early: bool = False
    reject_threshold: float | None = None

    @property
    def epochs_run(self) -> int:
        """How many epochs actually ran."""
        return len(self.history)


@dataclass(frozen=True)
class _Split:
    """Training and validation rows, made once per run."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None


def split_for_training(spec: ModelSpec, dataset: Dataset) -> _Split:
    """The rows a spec trains and validates on: a stratified subset, then a seeded split."""
    data = dataset.subset(spec.train_size, seed=spec.seed)
    x = to_features(data.x_train)
    y = data.y_train.astype(np.int64)
    if spec.validation_fraction == 0:
        return _Split(x, y, None, None)
    order = np.random.default_rng(spec.seed).permutation(len(y))
    n_val = round(len(y) * spec.validation_fraction)
    val, fit = np.sort(order[:n_val]), np.sort(order[n_val:])
    return _Split(x[fit], y[fit], x[val], y[val])


def train(
    spec: ModelSpec,
    dataset: Dataset,
    on_epoch: OnEpoch | None = None,
    should_stop: ShouldStop | None = None,
) -> TrainedModel:
    """Train ``spec`` on ``dataset``'s training images.

    Args:
        spec: what to train.
        dataset: MNIST; only its training images are used (a subset if
            ``spec.train_size`` asks for fewer).
        on_epoch: called after every epoch with an :class:`EpochEvent`.
        should_stop: polled during training; returning True ends the run early
            and keeps the weights learned so far.

    Returns:
        The trained model, its NumPy twin, and its history.
    """
    split = split_for_training(spec, dataset)
    report = on_epoch or (lambda event: None)
    stop = should_stop or (lambda: False)
    if spec.framework == "sklearn":
        from . import _sklearn as backend
    else:
        from . import _keras as backend  # type: ignore[no-redef]
    # Started after the import: the first Keras run would otherwise count TensorFlow's start-up.
    started = time.perf_counter()
    result = backend.fit(spec, split, report, stop)
    result.train_seconds = time.perf_counter() - started
    if split.x_val is not None and split.y_val is not None:
        result.reject_threshold = choose_threshold(result.network.predict_proba(split.x_val), split.y_val)
    return result
