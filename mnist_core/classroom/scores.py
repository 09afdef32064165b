"""Every stored model scored on MNIST's test set and on the class's own drawings, side by side.

One function serves the Class page's table and the teacher's challenge
scoreboard. Only the class's test half counts, so that a model trained on the
other half ("learn from our class's drawings") is scored on drawings it never saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .. import data
from ..network.dense import DenseNetwork
from ..store import StoredModel

__all__ = ["ModelScore", "score_models"]


@dataclass(frozen=True)
class ModelScore:
    """One model's accuracy on MNIST's test set and on the class's drawings.

    Attributes:
        id, name, parameters, created: the stored model's (``created`` in ISO format).
        mnist_accuracy: its accuracy on MNIST's test set, as measured when it was saved.
        class_accuracy: its accuracy on the class's drawings (0 when there are none to score on).
    """

    id: str
    name: str
    parameters: int
    created: str
    mnist_accuracy: float
    class_accuracy: float

    @property
    def gap(self) -> float:
        """How much better (positive) or worse (negative) it reads the class than MNIST."""
        return self.class_accuracy - self.mnist_accuracy


def score_models(
    models: Sequence[StoredModel], networks: Mapping[str, DenseNetwork], images: np.ndarray, labels: np.ndarray
) -> list[ModelScore]:
    """Score every model on the class's drawings; best on the class first (ties keep the models' order).

    Args:
        models: the stored models to score.
        networks: each model's network, by model id.
        images: the class's drawings as model inputs, ``(n, 28, 28)`` uint8 like MNIST's
            (:meth:`~mnist_core.classroom.ClassDrawings.images` of the ``"test"`` part).
        labels: the digit each drawing really is.
    """
    features = data.to_features(images) if len(labels) else None
    scores = []
    for model in models:
        accuracy = 0.0
        if features is not None:
            predictions = networks[model.id].predict_proba(features).argmax(axis=1)
            accuracy = float((predictions == np.asarray(labels)).mean())
        scores.append(
            ModelScore(
                id=model.id,
                name=model.name,
                parameters=model.parameters,
                created=model.created,
                mnist_accuracy=model.metrics["test_accuracy"],
                class_accuracy=accuracy,
            )
        )
    return sorted(scores, key=lambda score: -score.class_accuracy)
