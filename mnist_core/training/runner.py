"""Train a `ModelSpec` on MNIST with either framework, reporting every epoch.

``train(spec, dataset, on_epoch, should_stop)`` is the one call for both
frameworks. Progress goes to a plain callable as an :class:`EpochEvent`, never
to UI code; ``should_stop`` is polled within epochs (with Keras, once per execution
of a few batches; with scikit-learn, once per slice of about 4 000 images), and a
stopped run still returns what it has learned.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..data import Dataset, to_features
from ..errors import InvalidSpecError
from ..images.drawn import cached_practice_drawings
from ..images.scribbles import cached_practice_non_digits
from ..spec import ModelSpec
from .records import OnEpoch, OnWeights, ShouldStop, TrainedModel, TrainingSplit

__all__ = [
    "ClassRows",
    "split_for_training",
    "train",
]


#: A class's frozen training half as rows to learn from: ``(n, 784)`` float32 features, int64 labels.
ClassRows = tuple[np.ndarray, np.ndarray]


def split_for_training(spec: ModelSpec, dataset: Dataset, class_rows: ClassRows | None = None) -> TrainingSplit:
    """The rows a spec trains and validates on: its stratified subset, then a seeded split.

    With ``spec.drawings`` the practice drawings, with ``spec.non_digits`` the practice
    non-digits (labelled :data:`~mnist_core.images.scribbles.NOT_A_DIGIT`), and with
    ``spec.class_set`` the class's frozen training half (``class_rows``, which travel with
    the task), join the training rows; validation stays MNIST.

    Raises:
        InvalidSpecError: the spec learns from a class set that was not given.
    """
    if spec.class_set and class_rows is None:
        raise InvalidSpecError(
            "This model learns from the class's drawings {class_set}, but they did not come with it.",
            field="class_set",
            class_set=spec.class_set,
        )
    data = dataset.seen_by(spec)
    x = to_features(data.x_train)
    y = data.y_train.astype(np.int64)
    if spec.validation_fraction == 0:
        return _with_drawings(spec, TrainingSplit(x, y, None, None), class_rows)
    order = np.random.default_rng(spec.seed).permutation(len(y))
    n_val = round(len(y) * spec.validation_fraction)
    val, fit = np.sort(order[:n_val]), np.sort(order[n_val:])
    return _with_drawings(spec, TrainingSplit(x[fit], y[fit], x[val], y[val]), class_rows)


def _with_drawings(spec: ModelSpec, split: TrainingSplit, class_rows: ClassRows | None) -> TrainingSplit:
    extra = [cached_practice_drawings()] if spec.drawings else []
    if spec.non_digits:
        extra.append(cached_practice_non_digits())
    if spec.class_set and class_rows is not None:
        extra.append(class_rows)
    if not extra:
        return split
    x_fit = np.concatenate([split.x_fit, *(x for x, _ in extra)])
    return replace(split, x_fit=x_fit, y_fit=np.concatenate([split.y_fit, *(y for _, y in extra)]))


def train(
    spec: ModelSpec,
    dataset: Dataset,
    on_epoch: OnEpoch | None = None,
    should_stop: ShouldStop | None = None,
    on_weights: OnWeights | None = None,
    *,
    class_rows: ClassRows | None = None,
) -> TrainedModel:
    """Train ``spec`` on ``dataset``'s training images.

    Args:
        spec: what to train.
        dataset: MNIST; only its training images are used (a subset if
            ``spec.train_size`` asks for fewer).
        on_epoch: called after every epoch with an :class:`EpochEvent`.
        should_stop: polled during training; returning True ends the run early
            and keeps the weights learned so far.
        on_weights: called after every epoch (and with Keras once before the
            first) with the first layer's weights as images; they are also kept
            in the result's ``weight_history``.
        class_rows: the class's frozen training half, for a spec with a ``class_set``
            (:func:`mnist_core.classroom.class_set` reads it where the drawings are kept).

    Returns:
        The trained model, its NumPy twin, and its history.
    """
    split = split_for_training(spec, dataset, class_rows)
    report = on_epoch or (lambda event: None)
    stop = should_stop or (lambda: False)
    weights = on_weights or (lambda epoch, images: None)
    if spec.framework == "sklearn":
        from . import _sklearn as backend
    else:
        from . import _keras as backend  # type: ignore[no-redef]
    return backend.fit(spec, split, report, stop, weights)
