"""What makes drawn digits work: pen thickness, the preprocessing steps, augmentation, "not sure"."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mnist_core import data
from mnist_core.augment import augment
from mnist_core.evaluation import Evaluation, answer, choose_threshold, coverage_curve
from mnist_core.preprocess import canvas_to_mnist, preprocess_steps
from mnist_core.spec import ModelSpec
from mnist_core.training import EpochEvent, TrainedModel, train

from .conftest import opaque_rgba, paint

DIGITS = range(40)
# Mean absolute pixel difference to the processed original: a different image of the same
# digit measures about 0.1; a pen a few canvas pixels thicker or thinner stays well below.
THICKNESS_CLOSE = 0.06


def _pen(digit: np.ndarray, change: int) -> np.ndarray:
    canvas = paint(digit)
    if change > 0:
        return opaque_rgba(ndimage.grey_dilation(canvas, size=(change, change)))
    return opaque_rgba(ndimage.grey_erosion(canvas, size=(-change, -change)))


@pytest.mark.parametrize("change", [7, -5], ids=["thicker", "thinner"])
def test_a_thicker_or_thinner_pen_stays_close(mnist: data.Dataset, sklearn_model: TrainedModel, change: int) -> None:
    """A digit drawn with a thicker or thinner pen comes out close to the digit itself, and is still read."""
    originals = np.stack([canvas_to_mnist(mnist.x_test[i]) for i in DIGITS])
    penned = np.stack([canvas_to_mnist(_pen(mnist.x_test[i], change)) for i in DIGITS])
    distance = np.abs(penned - originals).mean(axis=(1, 2))
    assert np.median(distance) < THICKNESS_CLOSE
    agree = sklearn_model.network.predict(penned) == sklearn_model.network.predict(originals)
    assert agree.mean() >= 0.85


def test_steps_show_each_stage_and_switch_off(mnist: data.Dataset) -> None:
    """The steps keep every stage; switching cropping or centring off changes the model input."""
    canvas = opaque_rgba(paint(mnist.x_test[0], scale=4, top=0, left=0))  # small, in a corner
    steps = preprocess_steps(canvas)
    assert steps.ink.shape == (280, 280)
    assert steps.cropped.shape[0] < 120 and steps.cropped.shape[1] < 120
    assert steps.placed.shape == steps.result.shape == (28, 28)
    np.testing.assert_array_equal(steps.result, canvas_to_mnist(canvas))

    uncropped = preprocess_steps(canvas, crop=False, centre=False).result
    ys, xs = np.nonzero(uncropped > 0.1)
    assert ys.max() < 14 and xs.max() < 14  # left small in its corner, as drawn
    assert np.abs(uncropped - steps.result).mean() > 0.05


def test_augmentation_is_repeatable_and_keeps_the_range(mnist: data.Dataset) -> None:
    """The same seed gives the same distortions; pixels stay in [0, 1]; images really change."""
    x = data.to_features(mnist.x_test[:500])
    first = augment(x, np.random.default_rng(7))
    second = augment(x, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)
    assert first.shape == x.shape and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    assert np.abs(first - x).mean() > 0.02
    assert not np.array_equal(first, augment(x, np.random.default_rng(8)))


def test_augmentation_keeps_the_labels(mnist: data.Dataset, sklearn_model: TrainedModel) -> None:
    """Distorted digits, re-centred as drawings are, are still read by a model that never saw distortions."""
    x = data.to_features(mnist.x_test[:2000])
    distorted = augment(x, np.random.default_rng(0))
    recentred = np.stack([canvas_to_mnist(image.reshape(28, 28)) for image in distorted])
    plain = (sklearn_model.network.predict(x) == mnist.y_test[:2000]).mean()
    assert (sklearn_model.network.predict(recentred) == mnist.y_test[:2000]).mean() > plain - 0.15


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


@pytest.mark.parametrize("framework", ["sklearn", "keras"])
def test_both_frameworks_train_on_distorted_copies(mnist: data.Dataset, framework: str) -> None:
    """With augment on, each framework trains epoch by epoch, reports every epoch and still learns."""
    spec = ModelSpec(
        framework=framework, hidden_layers=(64,), epochs=2, batch_size=64, train_size=3000, augment=True, seed=2
    )
    events: list[EpochEvent] = []
    trained = train(spec, mnist, on_epoch=events.append)
    assert [event.epoch for event in events] == [1, 2]
    assert all(event.val_accuracy is not None for event in events)
    assert (trained.network.predict(mnist.x_test[:1000]) == mnist.y_test[:1000]).mean() > 0.7


def test_augmented_keras_run_stops_early_and_keeps_its_best_weights(mnist: data.Dataset) -> None:
    """Early stopping works across the per-epoch fits of an augmented Keras run."""
    spec = ModelSpec(
        framework="keras", hidden_layers=(256,), learning_rate=0.01, epochs=40, batch_size=32, train_size=600,
        validation_fraction=0.3, early_stopping=True, patience=1, augment=True, seed=3,
    )  # fmt: skip
    trained = train(spec, mnist)
    assert trained.stopped_early
    assert trained.epochs_run < spec.epochs
