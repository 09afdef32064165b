"""Digit Studio's engine: MNIST, multi-layer perceptrons, and everything but the UI.

Importing this package never imports TensorFlow; only training a Keras model
(or loading its ``.keras`` file) does.
"""

from .data import Dataset, load
from .errors import (
    CorruptDatasetError,
    DamagedModelError,
    DatasetUnavailableError,
    EmptyImageError,
    InvalidImageError,
    InvalidModelIdError,
    InvalidSpecError,
    MnistCoreError,
    ModelNotFoundError,
)
from .evaluation import Evaluation, evaluate
from .inference import DenseNetwork
from .spec import PRESETS, ModelSpec, preset
from .store import DamagedEntry, ModelStore, StoredModel
from .training import EpochEvent, TrainedModel, train

__all__ = [
    "PRESETS",
    "CorruptDatasetError",
    "DamagedEntry",
    "DamagedModelError",
    "Dataset",
    "DatasetUnavailableError",
    "DenseNetwork",
    "EmptyImageError",
    "EpochEvent",
    "Evaluation",
    "InvalidImageError",
    "InvalidModelIdError",
    "InvalidSpecError",
    "MnistCoreError",
    "ModelNotFoundError",
    "ModelSpec",
    "ModelStore",
    "StoredModel",
    "TrainedModel",
    "evaluate",
    "load",
    "preset",
    "train",
]
