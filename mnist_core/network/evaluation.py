"""How good a network is: accuracy, log-loss, the confusion matrix and the digits behind it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..data import Dataset
from .dense import DenseNetwork

__all__ = [
    "DEFAULT_THRESHOLD",
    "NOT_A_DIGIT_FROM",
    "NOT_SURE_WITH_NON_DIGITS",
    "Answer",
    "Evaluation",
    "Refusals",
    "answer",
    "choose_threshold",
    "coverage_curve",
    "evaluate",
    "log_loss",
    "refusals",
    "refused",
    "refused_share",
    "validation_threshold",
]

#: The confidence under which a model says "not sure" when it has no threshold of its own.
DEFAULT_THRESHOLD = 0.6
#: A model's own threshold keeps the answers it gives at least this accurate on validation data.
TARGET_ACCEPTED_ACCURACY = 0.995
#: A model that knows non-digits says "not a digit" from this probability of that answer on, whatever
#: its digits say: the point of ``benchmarks.non_digits``' trade-off curve that refuses about nine
#: non-digits in ten while refusing few real digits.
NOT_A_DIGIT_FROM = 0.1
#: Such a model's own "not sure" threshold: "not a digit" does its refusing, so it doubts only a coin toss.
NOT_SURE_WITH_NON_DIGITS = 0.5


def log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the true labels, clipped away from log(0)."""
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(picked, 1e-15, 1.0)).mean())


@dataclass(frozen=True)
class Answer:
    """What a model says about one image.

    Attributes:
        digit: the digit, or None when the top probability is under the threshold.
        guesses: the two most probable digits with their probabilities.
        non_digit: the probability that the image is not a digit, for a model that
            has learned that answer (else 0).
    """

    digit: int | None
    guesses: tuple[tuple[int, float], tuple[int, float]]
    non_digit: float = 0.0

    @property
    def not_a_digit(self) -> bool:
        """Whether the model refused because "not a digit" reached :data:`NOT_A_DIGIT_FROM` (not mere doubt)."""
        return self.digit is None and self.non_digit >= NOT_A_DIGIT_FROM


def _non_digit_left(probabilities: np.ndarray) -> np.ndarray:
    """The probability of "not a digit": what the ten digits' probabilities leave of one (0 for a model
    with ten answers, up to rounding)."""
    return np.clip(1.0 - probabilities.sum(axis=-1), 0.0, 1.0)


def answer(probabilities: np.ndarray, threshold: float, non_digit: float | None = None) -> Answer:
    """The model's answer for one image: its top digit, or a refusal.

    It refuses with "not a digit" when that answer is at least :data:`NOT_A_DIGIT_FROM` likely, and
    with "not sure" when its top digit is under ``threshold``.

    Args:
        probabilities: the ten digits' probabilities.
        threshold: the confidence the top digit needs.
        non_digit: the probability of "not a digit" (by default what the digits leave of one).
    """
    probabilities = np.asarray(probabilities).ravel()
    non_digit = float(_non_digit_left(probabilities)) if non_digit is None else float(non_digit)
    first, second = (int(d) for d in np.argsort(probabilities)[::-1][:2])
    guesses = ((first, float(probabilities[first])), (second, float(probabilities[second])))
    answered = probabilities[first] >= threshold and non_digit < NOT_A_DIGIT_FROM
    return Answer(first if answered else None, guesses, non_digit)


def refused(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """Which images a model refuses at ``threshold``, as :func:`answer` does, from its ``(n, 10)`` digit
    probabilities: "not sure" of its top digit, or "not a digit" (the share the digits leave)."""
    probabilities = np.atleast_2d(probabilities)
    return (probabilities.max(axis=1) < threshold) | (_non_digit_left(probabilities) >= NOT_A_DIGIT_FROM)


def choose_threshold(
    probabilities: np.ndarray, labels: np.ndarray, *, target: float = TARGET_ACCEPTED_ACCURACY
) -> float:
    """The lowest confidence a model must reach for its answers to be ``target`` accurate.

    Answers below the threshold become "not sure". Chosen on validation data:
    the most answers kept while the kept ones are at least ``target`` right,
    clipped to [0.5, 0.99] so that a model never answers a coin toss nor refuses everything.
    """
    confidence = probabilities.max(axis=1)
    order = np.argsort(-confidence, kind="stable")
    correct = probabilities.argmax(axis=1)[order] == labels[order]
    accuracy_kept = np.cumsum(correct) / np.arange(1, len(correct) + 1)
    good = np.flatnonzero(accuracy_kept >= target)
    threshold = confidence[order][good[-1]] if len(good) else 0.99
    return float(np.clip(threshold, 0.5, 0.99))


def validation_threshold(network: DenseNetwork, validation: tuple[np.ndarray, np.ndarray] | None) -> float | None:
    """A trained network's own "not sure" threshold, chosen on its validation rows (None without them).

    A network that knows non-digits refuses with that answer instead: its threshold is
    :data:`NOT_SURE_WITH_NON_DIGITS`.
    """
    if network.knows_non_digits:
        return NOT_SURE_WITH_NON_DIGITS
    if validation is None:
        return None
    x_val, y_val = validation
    return choose_threshold(network.predict_proba(x_val), y_val)


def coverage_curve(
    probabilities: np.ndarray, labels: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each threshold: the share of images answered, and the accuracy of those answers."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    kept = (confidence[None, :] >= thresholds[:, None]) & (_non_digit_left(probabilities) < NOT_A_DIGIT_FROM)[None, :]
    answered = kept.sum(axis=1)
    accuracy = np.where(answered > 0, (kept & correct[None, :]).sum(axis=1) / np.maximum(answered, 1), 1.0)
    return answered / len(labels), accuracy


def refused_share(probabilities: np.ndarray, threshold: float) -> float:
    """The share of images a model refuses at ``threshold`` (see :func:`refused`)."""
    return float(refused(probabilities, threshold).mean())


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


#: The thresholds the coverage curve is drawn at.
CURVE_THRESHOLDS = np.linspace(0.1, 0.999, 90)


@dataclass(frozen=True, eq=False)
class Refusals:
    """What a "not sure" threshold does: on the test digits, and on things that are not digits.

    Attributes:
        threshold: the confidence a model needs to answer.
        thresholds: the thresholds of the coverage curve.
        coverage: per threshold, the share of test digits answered.
        accuracy: per threshold, the accuracy of those answers.
        answered_share: at ``threshold``, the share of test digits answered.
        answered_accuracy: at ``threshold``, the accuracy of those answers.
        non_digits_refused: the share of non-digits refused (None if none were given).
        non_digit_answers: the model's answer for each non-digit.
    """

    threshold: float
    thresholds: np.ndarray
    coverage: np.ndarray
    accuracy: np.ndarray
    answered_share: float
    answered_accuracy: float
    non_digits_refused: float | None
    non_digit_answers: tuple[Answer, ...]


def refusals(result: Evaluation, threshold: float, non_digit_probabilities: np.ndarray | None = None) -> Refusals:
    """How often a model at ``threshold`` answers, how well, and how many non-digits it refuses."""
    coverage, accuracy = coverage_curve(result.test_probabilities, result.test_labels, CURVE_THRESHOLDS)
    kept, kept_accuracy = coverage_curve(result.test_probabilities, result.test_labels, np.array([threshold]))
    others = () if non_digit_probabilities is None else non_digit_probabilities
    return Refusals(
        threshold=threshold,
        thresholds=CURVE_THRESHOLDS,
        coverage=coverage,
        accuracy=accuracy,
        answered_share=float(kept[0]),
        answered_accuracy=float(kept_accuracy[0]),
        non_digits_refused=None
        if non_digit_probabilities is None
        else refused_share(non_digit_probabilities, threshold),
        non_digit_answers=tuple(answer(p, threshold) for p in others),
    )
