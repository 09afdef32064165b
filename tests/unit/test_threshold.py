"""Saying "not sure": the reject threshold a model chooses, the coverage it gives, and the answers it makes."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core import Evaluation, TrainedModel
from mnist_core.images import noise_image
from mnist_core.network import answer, choose_threshold, coverage_curve, refusals


def test_threshold_keeps_the_answers_it_gives_accurate(sklearn_evaluation: Evaluation) -> None:
    """The chosen threshold keeps at least 99.5 % of its answers right, on the data it was chosen on."""
    probabilities, labels = sklearn_evaluation.test_probabilities, sklearn_evaluation.test_labels
    threshold = choose_threshold(probabilities, labels)
    assert 0.5 <= threshold <= 0.99
    coverage, accuracy = coverage_curve(probabilities, labels, np.array([threshold]))
    assert accuracy[0] >= 0.995 or threshold == 0.99
    assert 0 < coverage[0] < 1


def test_coverage_falls_as_the_threshold_rises(sklearn_evaluation: Evaluation) -> None:
    """Asking for more confidence answers fewer images, and answers them better."""
    thresholds = np.linspace(0.1, 0.99, 30)
    coverage, accuracy = coverage_curve(
        sklearn_evaluation.test_probabilities, sklearn_evaluation.test_labels, thresholds
    )
    assert np.all(np.diff(coverage) <= 0)
    assert accuracy[-1] > accuracy[0]
    assert coverage[0] == pytest.approx(1.0)


def test_answer_says_not_sure_below_the_threshold() -> None:
    """Below the threshold the answer is "not sure", with the top two guesses kept."""
    probabilities = np.array([0.05, 0.5, 0.3, 0.15, 0, 0, 0, 0, 0, 0])
    assert answer(probabilities, 0.6).digit is None
    assert answer(probabilities, 0.6).guesses == ((1, 0.5), (2, 0.3))
    assert answer(probabilities, 0.5).digit == 1


def test_refusals_sum_up_a_threshold_on_digits_and_non_digits(
    sklearn_evaluation: Evaluation, sklearn_model: TrainedModel
) -> None:
    """refusals() gives the curve, the share answered at the threshold and how many non-digits are refused."""
    threshold = 0.9
    noise = np.stack([noise_image(seed) for seed in range(20)])
    result = refusals(sklearn_evaluation, threshold, sklearn_model.network.predict_proba(noise))
    probabilities, labels = sklearn_evaluation.test_probabilities, sklearn_evaluation.test_labels
    confident = probabilities.max(axis=1) >= threshold
    assert result.answered_share == pytest.approx(confident.mean())
    assert result.answered_accuracy == pytest.approx((probabilities.argmax(axis=1) == labels)[confident].mean())
    assert len(result.thresholds) == len(result.coverage) == len(result.accuracy)
    assert len(result.non_digit_answers) == 20
    refused = sum(said.digit is None for said in result.non_digit_answers)
    assert result.non_digits_refused == pytest.approx(refused / 20)
    assert refusals(sklearn_evaluation, threshold).non_digits_refused is None
