"""The records training produces and the hooks it calls: shared by the trainer and both backends.

A leaf module: it imports nothing from the rest of the package but the NumPy
network and the spec, so every other module can use these types without
pulling in training (or a framework) with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .inference import DenseNetwork
from .spec import ModelSpec

__all__ = ["EpochEvent", "OnEpoch", "ShouldStop", "TrainedModel", "TrainingSplit"]


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


#: Called after every epoch with its event.
OnEpoch = Callable[[EpochEvent], None]
#: Polled during training; True asks the run to stop and keep what it learned.
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
class TrainingSplit:
    """Training and validation rows of one run, as float32 features and int64 labels."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(x_val, y_val)``, or None without a validation split."""
        return None if self.x_val is None or self.y_val is None else (self.x_val, self.y_val)
