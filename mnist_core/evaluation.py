"""How good a network is: accuracy, log-loss, the confusion matrix and the digits behind it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .data import Dataset
from .inference import DenseNetwork

__all__ = ["Evaluation", "evaluate", "log_loss"]


def log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the true labels, clipped away from log(0)."""
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(picked, 1e-15, 1.0)).mean())


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A network's results on MNIST.

    Attributes:
        train_accuracy: share of the training images it gets right.
        test_accuracy: share of the 10 000 test images it gets right.
        test_log_loss: mean cross-entropy on the test set.
        test_labels: the true digit of each test image.
        test_probabilities: ``(10000, 10)`` predicted probabilities.
    """

    train_accuracy: float
    test_accuracy: float
    test_log_loss: float
    test_labels: np.ndarray
    test_probabilities: np.ndarray

    @cached_property
    def test_predictions(self) -> np.ndarray:
        """The predicted digit of each test image."""
        return self.test_probabilities.argmax(axis=1)

    @cached_property
    def confusion(self) -> np.ndarray:
        """Counts ``(10, 10)``: row = true digit, column = predicted digit."""
        cells = self.test_labels.astype(np.int64) * 10 + self.test_predictions
        return np.bincount(cells, minlength=100).reshape(10, 10)

    @property
    def confusion_normalised(self) -> np.ndarray:
        """Each row of the confusion matrix divided by its total (recall on the diagonal)."""
        totals = self.confusion.sum(axis=1, keepdims=True)
        return self.confusion / np.maximum(totals, 1)

    @property
    def precision(self) -> np.ndarray:
        """Per digit: of the images called that digit, the share that were."""
        predicted = self.confusion.sum(axis=0)
        return np.diag(self.confusion) / np.maximum(predicted, 1)

    @property
    def recall(self) -> np.ndarray:
        """Per digit: of the images of that digit, the share found."""
        actual = self.confusion.sum(axis=1)
        return np.diag(self.confusion) / np.maximum(actual, 1)

    @property
    def f1(self) -> np.ndarray:
        """Per digit: the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)

    def cell_indices(self, true_digit: int, predicted_digit: int) -> np.ndarray:
        """Test-set indices of the images of ``true_digit`` predicted as ``predicted_digit``."""
        return np.flatnonzero((self.test_labels == true_digit) & (self.test_predictions == predicted_digit))

    @property
    def correct_indices(self) -> np.ndarray:
        """Test-set indices the network gets right."""
        return np.flatnonzero(self.test_predictions == self.test_labels)

    @property
    def wrong_indices(self) -> np.ndarray:
        """Test-set indices the network gets wrong, most confident mistakes first."""
        wrong = np.flatnonzero(self.test_predictions != self.test_labels)
        confidence = self.test_probabilities[wrong].max(axis=1)
        return wrong[np.argsort(-confidence, kind="stable")]

    def metrics(self) -> dict[str, float]:
        """The headline numbers, JSON-ready."""
        return {
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "test_log_loss": self.test_log_loss,
        }


def evaluate(network: DenseNetwork, dataset: Dataset) -> Evaluation:
    """Score ``network`` on ``dataset``'s training and test images."""
    train_accuracy = float((network.predict(dataset.x_train) == dataset.y_train).mean())
    probabilities = network.predict_proba(dataset.x_test).astype(np.float32)
    labels = dataset.y_test.astype(np.int64)
    return Evaluation(
        train_accuracy=train_accuracy,
        test_accuracy=float((probabilities.argmax(axis=1) == labels).mean()),
        test_log_loss=log_loss(probabilities, labels),
        test_labels=labels,
        test_probabilities=probabilities,
    )
