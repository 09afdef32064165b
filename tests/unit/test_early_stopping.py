"""The one early-stopping rule: patience counted in epochs, the best epoch's weights kept."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core.errors import InvalidSpecError
from mnist_core.training import EarlyStopping


def run(losses: list[float], patience: int) -> tuple[EarlyStopping[np.ndarray], int]:
    """Feed ``losses`` epoch by epoch with weights equal to the epoch number; returns the rule and the last epoch."""
    rule: EarlyStopping[np.ndarray] = EarlyStopping(patience)
    for epoch, loss in enumerate(losses, start=1):
        if rule.update(epoch, loss, lambda epoch=epoch: np.full(3, float(epoch))):
            return rule, epoch
    return rule, len(losses)


def test_stops_after_patience_epochs_without_improvement_and_keeps_the_best_weights() -> None:
    """Best at epoch 3, then three worse epochs with patience 3: stops at epoch 6 holding epoch 3's weights."""
    rule, last = run([0.9, 0.7, 0.5, 0.6, 0.55, 0.8, 0.1], patience=3)
    assert rule.stopped and last == 6 and rule.stopped_epoch_ == 6
    assert rule.best_epoch_ == 3 and rule.best_loss_ == 0.5
    np.testing.assert_array_equal(rule.best_weights_, np.full(3, 3.0))


def test_an_improvement_resets_the_count() -> None:
    """Two worse epochs, a new best, two worse again: patience 3 never runs out."""
    rule, last = run([0.5, 0.6, 0.7, 0.4, 0.45, 0.5], patience=3)
    assert not rule.stopped and last == 6
    assert rule.best_epoch_ == 4
    np.testing.assert_array_equal(rule.best_weights_, np.full(3, 4.0))


def test_an_equal_loss_is_no_improvement() -> None:
    """Like Keras with min_delta=0: the same loss again counts as an epoch without improvement."""
    rule, last = run([0.5, 0.5], patience=1)
    assert rule.stopped and last == 2 and rule.best_epoch_ == 1


def test_weights_are_copied_only_for_a_new_best() -> None:
    """Copying a large network's weights costs time: the rule asks for them only when an epoch is the best so far."""
    asked: list[int] = []
    rule: EarlyStopping[int] = EarlyStopping(5)
    for epoch, loss in enumerate([0.5, 0.6, 0.4, 0.7, 0.3], start=1):
        rule.update(epoch, loss, lambda epoch=epoch: asked.append(epoch) or epoch)
    assert asked == [1, 3, 5]


def test_patience_below_one_is_refused() -> None:
    """A patience of 0 would stop before any epoch could improve: it is an impossible spec value."""
    with pytest.raises(InvalidSpecError) as caught:
        EarlyStopping(0)
    assert caught.value.field == "patience"
