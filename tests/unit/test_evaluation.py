"""evaluate(): the figures agree with scikit-learn's metrics on the whole test set."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from mnist_core import data
from mnist_core.network import Evaluation, evaluate, log_loss
from mnist_core.training import TrainedModel

from .conftest import SKLEARN_SPEC


def test_confusion_matrix_matches_sklearn(sklearn_evaluation: Evaluation, mnist: data.Dataset) -> None:
    """The confusion matrix counts all 10 000 test images and equals sklearn.metrics.confusion_matrix."""
    confusion = sklearn_evaluation.confusion
    assert confusion.shape == (10, 10)
    assert confusion.sum() == 10000
    np.testing.assert_array_equal(confusion.sum(axis=1), data.CLASS_COUNTS_TEST)
    expected = metrics.confusion_matrix(mnist.y_test, sklearn_evaluation.test_predictions, labels=range(10))
    np.testing.assert_array_equal(confusion, expected)
    assert np.trace(confusion) / 10000 == pytest.approx(sklearn_evaluation.test_accuracy)


def test_per_class_metrics_match_sklearn(sklearn_evaluation: Evaluation, mnist: data.Dataset) -> None:
    """Precision, recall and F1 per digit equal sklearn.metrics.precision_recall_fscore_support."""
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(
        mnist.y_test, sklearn_evaluation.test_predictions, labels=range(10), zero_division=0
    )
    np.testing.assert_allclose(sklearn_evaluation.precision, precision, rtol=1e-12)
    np.testing.assert_allclose(sklearn_evaluation.recall, recall, rtol=1e-12)
    np.testing.assert_allclose(sklearn_evaluation.f1, f1, rtol=1e-12)
    np.testing.assert_allclose(np.diag(sklearn_evaluation.confusion_normalised), recall, rtol=1e-12)
    np.testing.assert_allclose(sklearn_evaluation.confusion_normalised.sum(axis=1), 1, rtol=1e-12)


def test_accuracies_and_log_loss_match_sklearn(
    sklearn_evaluation: Evaluation, sklearn_model: TrainedModel, mnist: data.Dataset
) -> None:
    """Train and test accuracy and the test log-loss equal scikit-learn's figures for the same model."""
    seen = mnist.seen_by(SKLEARN_SPEC)
    estimator = sklearn_model.estimator
    assert sklearn_evaluation.train_accuracy == pytest.approx(
        metrics.accuracy_score(seen.y_train, estimator.predict(data.to_features(seen.x_train))), abs=5e-4
    )
    test_features = data.to_features(mnist.x_test)
    assert sklearn_evaluation.test_accuracy == pytest.approx(
        metrics.accuracy_score(mnist.y_test, estimator.predict(test_features)), abs=5e-4
    )
    # scikit-learn computes in float32; renormalised in float64 its rows sum to one as log_loss insists.
    proba = estimator.predict_proba(test_features).astype(np.float64)
    expected_loss = metrics.log_loss(mnist.y_test, proba / proba.sum(axis=1, keepdims=True))
    assert sklearn_evaluation.test_log_loss == pytest.approx(expected_loss, rel=1e-4)
    assert sklearn_evaluation.metrics() == {
        "train_accuracy": sklearn_evaluation.train_accuracy,
        "test_accuracy": sklearn_evaluation.test_accuracy,
        "test_log_loss": sklearn_evaluation.test_log_loss,
    }


def test_cell_indices_are_exactly_that_cell(sklearn_evaluation: Evaluation, mnist: data.Dataset) -> None:
    """cell_indices(true, predicted) lists exactly the test images with that pair, and the cells cover the test set."""
    predicted = sklearn_evaluation.test_predictions
    covered = []
    for true_digit in range(10):
        for predicted_digit in range(10):
            cell = sklearn_evaluation.cell_indices(true_digit, predicted_digit)
            assert len(cell) == sklearn_evaluation.confusion[true_digit, predicted_digit]
            assert (mnist.y_test[cell] == true_digit).all()
            assert (predicted[cell] == predicted_digit).all()
            assert (np.diff(cell) > 0).all()
            covered.append(cell)
    np.testing.assert_array_equal(np.sort(np.concatenate(covered)), np.arange(10000))


def test_wrong_indices_are_the_mistakes_most_confident_first(
    sklearn_evaluation: Evaluation, mnist: data.Dataset
) -> None:
    """wrong_indices holds every misclassified image, ordered by the model's confidence, highest first."""
    wrong = sklearn_evaluation.wrong_indices
    expected = np.flatnonzero(sklearn_evaluation.test_predictions != mnist.y_test)
    assert len(wrong) == 10000 - np.trace(sklearn_evaluation.confusion) > 0
    np.testing.assert_array_equal(np.sort(wrong), expected)
    confidence = sklearn_evaluation.test_probabilities[wrong].max(axis=1)
    assert (np.diff(confidence) <= 0).all()
    correct = sklearn_evaluation.correct_indices
    assert len(correct) + len(wrong) == 10000
    assert not set(correct) & set(wrong)


def test_log_loss_is_cross_entropy_and_never_infinite() -> None:
    """log_loss is the mean negative log of the true class's probability, clipped away from log(0)."""
    probabilities = np.array([[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]])
    labels = np.array([0, 1, 1])
    assert log_loss(probabilities, labels) == pytest.approx((np.log(2) + 0 + -np.log(1e-15)) / 3)


def test_evaluate_a_network_that_always_says_one(mnist: data.Dataset) -> None:
    """A network that always answers 1 has accuracy equal to the share of ones and recall 1 for that digit only."""
    from mnist_core.network import DenseNetwork

    bias = np.full(10, -10.0)
    bias[1] = 10.0
    always_one = DenseNetwork((np.zeros((784, 10)),), (bias,), ())
    result = evaluate(always_one, mnist.subset(1000))
    assert result.test_accuracy == pytest.approx(data.CLASS_COUNTS_TEST[1] / 10000)
    np.testing.assert_array_equal(result.recall, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    assert result.confusion[:, 1].sum() == 10000
    assert result.precision[1] == pytest.approx(data.CLASS_COUNTS_TEST[1] / 10000)
    assert result.f1[0] == 0
