"""Every error Digit Studio raises on purpose.

Each message says what went wrong and what to do about it, in words a student
understands; the app shows it as it is, in the reader's language. A message is an English
template with named placeholders, its values given beside it
(``BadInputError("There is no preset {names}.", names=…)``), so that ``str(error)`` reads in
English and ``error.in_language(words)`` in any catalogue's language; write no f-string there.

    MnistCoreError
    ├── DatasetUnavailableError   MNIST could not be found or downloaded
    ├── CorruptDatasetError       a copy of MNIST failed validation
    ├── DamagedModelError         a store entry that cannot be read
    ├── DatabaseError             the server's SQLite file is damaged or locked
    ├── TrainingError             a training task failed (a dead worker, a crash)
    └── BadInputError             what the user gave cannot be used (the CLI exits with 2)
        ├── InvalidSpecError      impossible hyperparameters (``field`` names the one at fault)
        ├── EmptyImageError       a drawing with no ink in it
        ├── TooManyMarksError     a picture with too much marked to find a digit in
        ├── InvalidImageError     a file that is not a readable image
        │   └── ImageTooLargeError  an image too large to read safely
        ├── ModelNotFoundError    no such model in the store
        ├── InvalidModelIdError   a model id that is not safe to use as a name
        ├── QueueError            a training request the queue cannot take (one job per student)
        ├── NotAllowedError       only the teacher may do that (or the student who owns it)
        └── LimitError            over a limit the teacher or the server sets (a budget, a rate)
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = [
    "BadInputError",
    "CorruptDatasetError",
    "DamagedModelError",
    "DatabaseError",
    "DatasetUnavailableError",
    "EmptyImageError",
    "ImageTooLargeError",
    "InvalidImageError",
    "InvalidModelIdError",
    "InvalidSpecError",
    "LimitError",
    "MnistCoreError",
    "ModelNotFoundError",
    "NotAllowedError",
    "QueueError",
    "TooManyMarksError",
    "TrainingError",
]


class MnistCoreError(Exception):
    """Base class of every error the core raises for the user to read.

    Attributes:
        message: the English template (the catalogues' key).
        values: what fills its placeholders.
    """

    def __init__(self, message: str = "", /, **values: Any) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message, self.values = message, values

    def in_language(self, words: Words) -> str:
        """The message in ``words``' language (a :class:`mnist_core.language.Catalogue`), in English if it lacks it."""
        return words.text(self.message, **self.values)


class Words(Protocol):
    """What translates a message: :class:`mnist_core.language.Catalogue` (the core's errors do not import it)."""

    def text(self, message: str, /, **values: Any) -> str: ...


class DatasetUnavailableError(MnistCoreError):
    """No source of MNIST worked."""


class CorruptDatasetError(MnistCoreError):
    """A copy of MNIST has the wrong shape, type, range or class counts."""


class BadInputError(MnistCoreError):
    """Something the user gave (a value, a file, an id) cannot be used; they can fix it and try again."""


class InvalidSpecError(BadInputError, ValueError):
    """A `ModelSpec` asks for something impossible.

    Attributes:
        field: the spec field the message is about (None when it is about several).
    """

    def __init__(self, message: str = "", /, *, field: str | None = None, **values: Any) -> None:
        super().__init__(message, **values)
        self.field = field  # kept, with the template and its values, when a training worker pickles the error


class EmptyImageError(BadInputError, ValueError):
    """An image has no ink to classify."""


class TooManyMarksError(BadInputError, ValueError):
    """A picture holds so many marks (or so much dark) that no digit can be told from the rest."""


class InvalidImageError(BadInputError, ValueError):
    """A file or array is not an image we can read."""


class ImageTooLargeError(InvalidImageError):
    """An image is too large to read safely."""


class ModelNotFoundError(BadInputError, KeyError):
    """The store holds no model with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DamagedModelError(MnistCoreError):
    """A store entry exists but cannot be read."""


class InvalidModelIdError(BadInputError, ValueError):
    """A model id contains characters that could escape the store folder."""


class DatabaseError(MnistCoreError):
    """The server's SQLite database is damaged, not a database, or locked for too long."""


class QueueError(BadInputError):
    """The training queue cannot take a request (this session already has a job)."""


class TrainingError(MnistCoreError):
    """A training task failed: its worker died twice, or the training itself crashed."""


class NotAllowedError(BadInputError):
    """Someone asked for what only the teacher (or the student who owns the thing) may do."""


class LimitError(BadInputError):
    """A request over a limit: a job over the lesson's time budget, too many drawings in a minute."""
