"""One finished run of a sweep, as the figures and the findings read it: a leaf module."""

from __future__ import annotations

from dataclasses import dataclass

from ..language import ENGLISH, Catalogue
from ..spec import field_name
from ..training.records import EpochEvent

__all__ = ["SweepResult", "setting_in_words"]


def setting_in_words(setting: dict[str, str], words: Catalogue = ENGLISH) -> str:
    """A setting as a student writes it, in ``words``' language: ``hidden layers 128, learning rate 0.001``."""
    return ", ".join(f"{words.text(field_name(name))} {value}" for name, value in setting.items())


@dataclass(frozen=True)
class SweepResult:
    """One finished run of a sweep, as figures and the findings report read it.

    Attributes:
        label: its setting and seed in words.
        setting: each varied field's value as a student writes it (``128-64``, ``0.001``).
        order: each varied field's value as a number to sort and plot by (total units for layers).
        seed: its seed.
        test_accuracy, train_accuracy: on MNIST's test set and on its own training images.
        train_seconds: how long it trained.
        parameters: weights and biases of its network.
        model_id: its id in the store.
        history: its epochs.
    """

    label: str
    setting: dict[str, str]
    order: dict[str, float]
    seed: int
    test_accuracy: float
    train_accuracy: float
    train_seconds: float
    parameters: int
    model_id: str
    history: tuple[EpochEvent, ...] = ()

    @property
    def setting_label(self) -> str:
        """Its setting without the seed: the runs of one setting share it."""
        return setting_in_words(self.setting)

    def in_words(self, words: Catalogue = ENGLISH) -> str:
        """Its setting and seed in ``words``' language (:attr:`label` in English)."""
        return words.text("{setting}, seed {seed}", setting=setting_in_words(self.setting, words), seed=self.seed)
