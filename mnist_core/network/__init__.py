"""The NumPy network the app predicts with, what happens inside it, and how well it does."""

from .dense import (
    DenseNetwork,
)
from .evaluation import (
    DEFAULT_THRESHOLD,
    Answer,
    Evaluation,
    Refusals,
    answer,
    choose_threshold,
    coverage_curve,
    evaluate,
    log_loss,
    refusals,
    refused_share,
    validation_threshold,
)
from .inside import (
    KnockOut,
    activations,
    first_layer_images,
    knock_out,
    random_units,
    saliency,
    strongest_units,
    unit_favourites,
    without_units,
)
from .reading import (
    ModelAnswer,
    Reading,
    read_drawing,
    read_image,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Answer",
    "DenseNetwork",
    "Evaluation",
    "KnockOut",
    "ModelAnswer",
    "Reading",
    "Refusals",
    "activations",
    "answer",
    "choose_threshold",
    "coverage_curve",
    "evaluate",
    "first_layer_images",
    "knock_out",
    "log_loss",
    "random_units",
    "read_drawing",
    "read_image",
    "refusals",
    "refused_share",
    "saliency",
    "strongest_units",
    "unit_favourites",
    "validation_threshold",
    "without_units",
]
