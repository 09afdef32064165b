"""The records training produces and the hooks it calls: shared by the trainer and both backends.

A leaf module: it imports nothing from the rest of the package but the NumPy
network and the spec, so every other module can use these types without
pulling in training (or a framework) with them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..network.dense import DenseNetwork
from ..spec import ModelSpec

__all__ = [
    "EpochEvent",
    "OnEpoch",
    "OnWeights",
    "ShouldStop",
    "TrainedModel",
    "TrainingSplit",
    "WeightHistory",
]

#: First-layer units a weight history keeps (a 6 × 6 grid): enough to watch features form, small to store.
HISTORY_UNITS = 36
#: Snapshots a stored weight history keeps at most (evenly spread over the epochs run).
HISTORY_FRAMES = 30


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
#: Called with an epoch number (0 = before training) and that moment's first-layer images ``(units, 28, 28)``.
OnWeights = Callable[[int, np.ndarray], None]


@dataclass
class WeightHistory:
    """The first layer's weights as training went: what each unit looks for, epoch by epoch.

    Attributes:
        epochs: the epoch of each snapshot (0 is before any training, when a framework allows it).
        frames: one ``(units, 28, 28)`` float16 array per snapshot, the first :data:`HISTORY_UNITS` units.
    """

    epochs: list[int] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)

    def add(self, epoch: int, first_layer: np.ndarray) -> np.ndarray:
        """Keep a snapshot of a ``(784, units)`` first-layer weight matrix; returns it as images."""
        images = np.asarray(first_layer)[:, :HISTORY_UNITS].T.reshape(-1, 28, 28).astype(np.float16)
        self.epochs.append(int(epoch))
        self.frames.append(images)
        return images

    def __len__(self) -> int:
        return len(self.epochs)

    def to_bytes(self) -> bytes:
        """At most :data:`HISTORY_FRAMES` snapshots, evenly spread and always with the last, as ``.npz`` bytes."""
        keep = np.unique(
            np.linspace(0, len(self.epochs) - 1, min(HISTORY_FRAMES, len(self.epochs))).round().astype(int)
        )
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, epochs=np.asarray(self.epochs)[keep], frames=np.stack([self.frames[i] for i in keep])
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> WeightHistory:
        """Read :meth:`to_bytes` back; a file that does not hold one raises ValueError or KeyError."""
        with np.load(io.BytesIO(raw), allow_pickle=False) as stored:
            epochs, frames = stored["epochs"], stored["frames"]
        if frames.ndim != 4 or frames.shape[2:] != (28, 28) or len(epochs) != len(frames):
            raise ValueError("not a weight history")
        return cls([int(epoch) for epoch in epochs], list(frames))


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
        weight_history: the first layer's weights epoch by epoch.
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
    weight_history: WeightHistory = field(default_factory=WeightHistory)

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
