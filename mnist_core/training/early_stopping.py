"""One early-stopping rule for every training loop, shaped like Keras's ``EarlyStopping``.

Training stops once the validation loss has not improved for ``patience``
epochs in a row, and the weights of the best epoch are the ones kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ..errors import InvalidSpecError

__all__ = ["EarlyStopping"]

Weights = TypeVar("Weights")


class EarlyStopping(Generic[Weights]):
    """Watches the validation loss epoch by epoch and remembers the best weights.

    Args:
        patience: epochs without a lower validation loss before stopping.

    Attributes:
        best_loss_: the lowest validation loss seen.
        best_epoch_: the epoch (from 1) that reached it, 0 before any.
        best_weights_: a copy of the weights after that epoch.
        stopped_epoch_: the epoch at which the rule said stop, 0 while it has not.
    """

    def __init__(self, patience: int) -> None:
        if patience < 1:
            raise InvalidSpecError("Patience counts epochs: it must be at least 1.", field="patience")
        self.patience = patience
        self.best_loss_ = float("inf")
        self.best_epoch_ = 0
        self.best_weights_: Weights | None = None
        self.stopped_epoch_ = 0
        self._waited = 0

    def update(self, epoch: int, val_loss: float, weights: Callable[[], Weights]) -> bool:
        """Record one epoch's validation loss; returns whether training should stop now.

        Args:
            epoch: the epoch just finished, from 1.
            val_loss: its validation loss.
            weights: returns a copy of the current weights; called only when
                this epoch is the best so far.
        """
        if val_loss < self.best_loss_:
            self.best_loss_, self.best_epoch_, self._waited = val_loss, epoch, 0
            self.best_weights_ = weights()
            return False
        self._waited += 1
        if self._waited >= self.patience:
            self.stopped_epoch_ = epoch
            return True
        return False

    @property
    def stopped(self) -> bool:
        """Whether the rule ended training."""
        return self.stopped_epoch_ > 0
