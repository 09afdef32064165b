"""What Keras is told, shared by the Keras backend and exported scripts: activation names and batches per call.

No Keras import here: the script exporter needs them without loading TensorFlow.
"""

from __future__ import annotations

import math

from ..spec import ModelSpec

__all__ = ["KERAS_ACTIVATION", "batches_per_epoch", "steps_per_execution"]

#: Our activation names as Keras spells them.
KERAS_ACTIVATION = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "elu": "elu"}

#: Work (images x parameters) that one ``fit`` execution may hold. Measured on the
#: 2-core CPU here, a training step costs from 2.5e-11 s per image x parameter (best)
#: to 1.7e-10 s (small networks, where the per-step cost of Keras and TensorFlow
#: dominates), so 5e8 keeps one execution under 0.1 s (about 30 ms for keras-seed,
#: 12 ms for best): Stop, polled once per execution, answers well within a second.
WORK_PER_EXECUTION = 5e8
#: Bounds of :func:`steps_per_execution`.
MIN_STEPS_PER_EXECUTION, MAX_STEPS_PER_EXECUTION = 1, 64


def steps_per_execution(spec: ModelSpec) -> int:
    """How many batches Keras runs per call into TensorFlow when training ``spec``.

    Keras pays about half a millisecond of Python and dispatch per call, which
    doubles the time a small network like keras-seed takes; running many steps
    per call removes most of it. Callbacks' ``on_train_batch_end`` then fires once
    per call, which is where Stop is polled, so a call must stay short: the
    steps are ``WORK_PER_EXECUTION`` divided by the work of one step (batch size
    times parameter count), clipped to [1, 64], and never more than the batches
    of one epoch. keras-seed (128-64, batch 32) gets 64; best (1024-1024, batch
    256) gets 1.
    """
    steps = int(WORK_PER_EXECUTION // (spec.batch_size * spec.parameter_count))
    return max(MIN_STEPS_PER_EXECUTION, min(steps, MAX_STEPS_PER_EXECUTION, batches_per_epoch(spec)))


def batches_per_epoch(spec: ModelSpec, fit_rows: int | None = None) -> int:
    """Batches in one epoch of ``fit_rows`` rows (by default the spec's MNIST rows after the validation split)."""
    if fit_rows is None:
        fit_rows = spec.train_size - round(spec.train_size * spec.validation_fraction)
    return math.ceil(fit_rows / spec.batch_size)
