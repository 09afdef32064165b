"""Digit Studio's core: MNIST, multi-layer perceptrons, and everything but the UI.

The layers, each importing only those above it in this list:

- ``errors``, ``spec``, ``data``, ``database``: the vocabulary, MNIST, SQLite;
- ``images``: from pixels (a canvas, a file) to the 28 × 28 input a network reads;
- ``network``: the NumPy network the app predicts with, what is inside it, how well it does;
- ``training``: a spec trained into a model, with either framework;
- ``store``: trained models on disk;
- ``engine``: training outside the web server (Dask) and the server-wide queue;
- ``classroom``: the class's drawings, the teacher's lesson, shared settings;
- ``experiments``: sweeps and their findings;
- ``handouts``: a model's one-page handout and the class's summary, to print;
- ``plots`` (figures) and ``cli`` (``python -m mnist_core``) use them all.

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
from .network.dense import DenseNetwork
from .network.evaluation import Evaluation, evaluate
from .spec import PRESETS, ModelSpec, preset
from .store import DamagedEntry, ModelStore, StoredModel
from .training.records import EpochEvent, TrainedModel
from .training.runner import train

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
