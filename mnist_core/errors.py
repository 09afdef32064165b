"""Every error Digit Studio raises on purpose.

Each message says what went wrong and what to do about it, in words a student
understands; the app shows it as it is.

    MnistCoreError
    ├── DatasetUnavailableError   MNIST could not be found or downloaded
    ├── CorruptDatasetError       a copy of MNIST failed validation
    ├── InvalidSpecError          impossible hyperparameters
    ├── EmptyImageError           a drawing with no ink in it
    ├── InvalidImageError         a file that is not a readable image
    ├── ModelNotFoundError        no such model in the store
    ├── DamagedModelError         a store entry that cannot be read
    └── InvalidModelIdError       a model id that is not safe to use as a name
"""

from __future__ import annotations

__all__ = [
    "CorruptDatasetError",
    "DamagedModelError",
    "DatasetUnavailableError",
    "EmptyImageError",
    "InvalidImageError",
    "InvalidModelIdError",
    "InvalidSpecError",
    "MnistCoreError",
    "ModelNotFoundError",
]


class MnistCoreError(Exception):
    """Base class of every error the core raises for the user to read."""


class DatasetUnavailableError(MnistCoreError):
    """No source of MNIST worked."""


class CorruptDatasetError(MnistCoreError):
    """A copy of MNIST has the wrong shape, type, range or class counts."""


class InvalidSpecError(MnistCoreError, ValueError):
    """A `ModelSpec` asks for something impossible."""


class EmptyImageError(MnistCoreError, ValueError):
    """An image has no ink to classify."""


class InvalidImageError(MnistCoreError, ValueError):
    """A file or array is not an image we can read."""


class ModelNotFoundError(MnistCoreError, KeyError):
    """The store holds no model with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DamagedModelError(MnistCoreError):
    """A store entry exists but cannot be read."""


class InvalidModelIdError(MnistCoreError, ValueError):
    """A model id contains characters that could escape the store folder."""
