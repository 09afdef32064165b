"""Augmentation: random distortions of digits, and training both frameworks on distorted copies."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mnist_core import EpochEvent, ModelSpec, TrainedModel, data, train
from mnist_core.images import canvas_to_mnist
from mnist_core.training import SETTINGS, Augmentation, augment, augmented_epochs


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
    x = data.to_features(mnist.x_test[:500])  # enough: the drop is a few points, the margin 15
    distorted = augment(x, np.random.default_rng(0))
    recentred = np.stack([canvas_to_mnist(image.reshape(28, 28)) for image in distorted])
    plain = (sklearn_model.network.predict(x) == mnist.y_test[:500]).mean()
    assert (sklearn_model.network.predict(recentred) == mnist.y_test[:500]).mean() > plain - 0.15


@pytest.mark.parametrize("framework", ["sklearn", pytest.param("keras", marks=pytest.mark.slow)])
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


@pytest.mark.slow
def test_augmented_keras_run_stops_early_and_keeps_its_best_weights(mnist: data.Dataset) -> None:
    """Early stopping works across the per-epoch fits of an augmented Keras run."""
    spec = ModelSpec(
        framework="keras", hidden_layers=(256,), learning_rate=0.01, epochs=40, batch_size=32, train_size=600,
        validation_fraction=0.3, early_stopping=True, patience=1, augment=True, seed=3,
    )  # fmt: skip
    trained = train(spec, mnist)
    assert trained.stopped_early
    assert trained.epochs_run < spec.epochs


def test_elastic_distortions_bend_more_than_light_ones(mnist: data.Dataset) -> None:
    """augment="elastic" changes most images and changes them more; the digits stay readable."""
    x = data.to_features(mnist.x_test[:1000])
    light = augment(x, np.random.default_rng(1), SETTINGS["light"])
    elastic = augment(x, np.random.default_rng(1), SETTINGS["elastic"])
    assert elastic.min() >= 0 and elastic.max() <= 1
    changed = lambda images: (np.abs(images - x).max(axis=1) > 0.05).mean()  # noqa: E731
    assert changed(elastic) > 0.8 > 0.6 > changed(light)
    assert np.abs(elastic - x).mean() > 1.5 * np.abs(light - x).mean()


@pytest.mark.parametrize("framework", ["sklearn", pytest.param("keras", marks=pytest.mark.slow)])
def test_a_cosine_schedule_lowers_the_learning_rate_over_the_run(mnist: data.Dataset, framework: str) -> None:
    """With schedule="cosine" the step size falls to zero exactly at the last step, practice drawings counted."""
    spec = ModelSpec(
        framework=framework, hidden_layers=(32,), learning_rate=0.01, epochs=3, batch_size=100, train_size=2000,
        schedule="cosine", augment="elastic", drawings=True, seed=1,
    )  # fmt: skip
    trained = train(spec, mnist)
    if framework == "sklearn":
        final = trained.estimator._optimizer.learning_rate_init
        assert final == pytest.approx(spec.learning_rate_at(2 / 3))
    else:
        optimizer = trained.estimator.optimizer
        final = float(optimizer.learning_rate)  # the schedule's value at the last step
        assert final < 0.01 * spec.learning_rate
        # Spread over every step taken, the drawings' included: not at zero before the end.
        assert optimizer._learning_rate.decay_steps == int(optimizer.iterations)
    assert (trained.network.predict(mnist.x_test[:1000]) == mnist.y_test[:1000]).mean() > 0.6


def test_copies_made_ahead_are_the_ones_made_in_turn(mnist: data.Dataset) -> None:
    """augmented_epochs prepares each next copy in the background, yet gives exactly augment's copies in order."""
    x = data.to_features(mnist.x_test[:300])
    ahead = list(augmented_epochs(x, np.random.default_rng(4), SETTINGS["elastic"], 3))
    rng = np.random.default_rng(4)
    in_turn = [augment(x, rng, SETTINGS["elastic"]) for _ in range(3)]
    assert len(ahead) == 3
    for early, late in zip(ahead, in_turn, strict=True):
        np.testing.assert_array_equal(early, late)


def test_softened_digits_are_thicker_with_soft_edges_and_still_read(
    mnist: data.Dataset, sklearn_model: TrainedModel
) -> None:
    """soft_share blurs digits as an enlarged low-resolution scan shows them and inks them up again:
    more pixels of ink, edges that fade over more pixels, full ink at the core, the same digit."""
    x = data.to_features(mnist.x_test[:300])
    still = Augmentation(share=1.0, max_shift=0, max_rotation=0, scale_range=(1, 1), thickness_share=0, elastic_share=0)
    plain = augment(x, np.random.default_rng(0), still)
    soft = augment(x, np.random.default_rng(0), dataclasses.replace(still, soft_share=1.0))
    np.testing.assert_allclose(plain, x, atol=1e-6)  # no distortion but the softening
    assert (soft > 0.5).sum(axis=1).mean() > 1.2 * (plain > 0.5).sum(axis=1).mean()
    edges = ((soft > 0.05) & (soft < 0.95)).sum(axis=1).mean()
    assert edges > 1.5 * ((plain > 0.05) & (plain < 0.95)).sum(axis=1).mean()
    assert np.allclose(soft.max(axis=1), 1.0)
    read = (sklearn_model.network.predict(soft) == mnist.y_test[:300]).mean()
    assert read > (sklearn_model.network.predict(x) == mnist.y_test[:300]).mean() - 0.15
