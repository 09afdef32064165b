"""Digit Studio's engine: MNIST, multi-layer perceptrons, and everything but the UI.

Importing this package never imports TensorFlow; only training a Keras model
(or loading its ``.keras`` file) does.
"""

from .data import Dataset, load
from .errors import (
    BadInputError,
    CorruptDatasetError,
    DamagedModelError,
    DatasetUnavailableError,
    EmptyImageError,
    ImageTooLargeError,
    InvalidImageError,
    InvalidModelIdError,
    InvalidSpecError,
    MnistCoreError,
    ModelNotFoundError,
)
from .evaluation import Evaluation, evaluate
from .inference import DenseNetwork
from .records import EpochEvent, TrainedModel
from .spec import PRESETS, ModelSpec, preset
from .store import DamagedEntry, ModelStore, StoredModel
from .training import train

__all__ = [
    "PRESETS",
    "BadInputError",
    "CorruptDatasetError",
    "DamagedEntry",
    "DamagedModelError",
    "Dataset",
    "DatasetUnavailableError",
    "DenseNetwork",
    "EmptyImageError",
    "EpochEvent",
    "Evaluation",
    "ImageTooLargeError",
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
