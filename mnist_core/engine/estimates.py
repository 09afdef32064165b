"""How long a spec will train: scaled from the store's own measurements, or from the presets' on a laptop."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ..images.drawn import PRACTICE_PER_DIGIT
from ..spec import PRESETS, ModelSpec
from ..store import StoredModel

__all__ = ["MEASURED_SECONDS", "estimate_seconds"]

#: Training seconds of each preset, measured on a 2-core laptop (``make pretrain``): the estimate
#: a queue gives before the store holds measurements of its own.
MEASURED_SECONDS = {
    "sklearn-seed": 2.6,
    "keras-seed": 12.0,
    "keras-dropout": 12.0,
    "keras-functional": 12.0,
    "keras-early-stopping": 20.0,
    "quick": 7.5,
    "best": 206.4,
}


def estimate_seconds(spec: ModelSpec, measured: Sequence[StoredModel] = ()) -> float:
    """Training seconds a spec will take, scaled from measured runs of the same framework.

    Work is counted as images × epochs × parameters; the seconds per unit of
    work come from the stored models' own measurements where there are any,
    otherwise from the presets' :data:`MEASURED_SECONDS`.
    """
    rates = [model.train_seconds / _work(model.spec) for model in measured if model.framework == spec.framework]
    if not rates:
        rates = [
            MEASURED_SECONDS[name] / _work(PRESETS[name])
            for name in PRESETS
            if PRESETS[name].framework == spec.framework
        ]
    return statistics.median(rates) * _work(spec)


def _work(spec: ModelSpec) -> float:
    images = spec.train_size * (1 - spec.validation_fraction) + (10 * PRACTICE_PER_DIGIT if spec.drawings else 0)
    return images * spec.epochs * spec.parameter_count * (1.0 if spec.augment == "off" else 2.0)
