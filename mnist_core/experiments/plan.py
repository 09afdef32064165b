"""Planning a sweep from the Experiments form: the sweep itself and how long it will train.

The form gives a base spec, the text typed for each varied field, grid or random
draws, seeds and a question; :func:`plan_sweep` turns them into a :class:`Sweep`
(or says what is wrong) and estimates its training time on the engine's workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine import estimate_seconds
from ..errors import InvalidSpecError
from ..spec import ModelSpec
from .sweep import Sweep, parse_values

__all__ = ["SWEEP_KINDS", "SweepPlan", "example_values", "plan_sweep"]

#: How a sweep chooses its settings: every combination of the values, or random draws from ranges.
SWEEP_KINDS = ("grid", "random")

# What a field's values box starts with: a few values for a grid, a range low:high for random draws.
_EXAMPLES = {
    "hidden_layers": "32, 64, 128",
    "learning_rate": "0.001, 0.01",
    "batch_size": "32, 128, 512",
    "epochs": "2, 5, 10",
    "train_size": "1000, 10000, 60000",
    "l2": "0, 0.0001, 0.01",
    "dropout": "0, 0.2, 0.5",
    "momentum": "0, 0.5, 0.9",
    "activation": "relu, tanh, logistic",
    "optimizer": "sgd, adam",
    "schedule": "constant, cosine",
    "augment": "off, light",
    "framework": "sklearn, keras",
    "validation_fraction": "0.05, 0.1, 0.2",
}
_RANGES = {"hidden_layers": "16:256", "learning_rate": "0.0001:0.03", "batch_size": "16:1024", "l2": "0.00001:0.1"}


def example_values(name: str, kind: str = "grid") -> str:
    """What the values box of a varied field starts with (a range for random draws where one makes sense)."""
    if kind == "random" and name in _RANGES:
        return _RANGES[name]
    return _EXAMPLES.get(name, "")


@dataclass(frozen=True)
class SweepPlan:
    """A sweep ready to start, with its time estimate.

    Attributes:
        sweep: the runs to train.
        train_seconds: all runs' estimated training, one after another.
        workers: the engine's workers the runs share.
    """

    sweep: Sweep
    train_seconds: float
    workers: int

    @property
    def run_count(self) -> int:
        """How many runs the sweep trains."""
        return self.sweep.run_count

    @property
    def minutes(self) -> int:
        """Whole minutes of training with the runs spread over the workers (rounded up)."""
        return math.ceil(self.train_seconds / self.workers / 60)


def plan_sweep(
    base: ModelSpec,
    values: Mapping[str, str],
    *,
    kind: str = "grid",
    draws: int = 8,
    seeds: int = 1,
    question: str = "",
    workers: int = 1,
) -> SweepPlan:
    """The sweep the form describes, and how long it trains.

    Args:
        base: every run starts from it (the Train controls).
        values: the text typed for each varied field, by field, in the order chosen
            (see :func:`~mnist_core.experiments.parse_values`).
        kind: one of :data:`SWEEP_KINDS`.
        draws: how many random settings to draw (random draws only).
        seeds: how many seeds each setting is trained with.
        question: what the sweep asks, in the user's words.
        workers: the engine's workers (at least one is counted).

    Raises:
        InvalidSpecError: an unknown kind, a value a field cannot take, too many runs,
            or a run that is not a valid spec (named).
    """
    if kind not in SWEEP_KINDS:
        raise InvalidSpecError(
            "A sweep is a {value}, not {kind}.", field="vary", value=" or a ".join(SWEEP_KINDS), kind=repr(kind)
        )
    random = kind == "random"
    vary = tuple((name, parse_values(name, text, ranges=random)) for name, text in values.items())
    sweep = Sweep(base, vary, seeds=seeds, draws=draws if random else 0, question=question.strip())
    seconds = sum(estimate_seconds(spec) for spec in sweep.specs())
    return SweepPlan(sweep, seconds, max(1, workers))
