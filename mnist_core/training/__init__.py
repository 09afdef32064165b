"""Training a spec into a model: one call for both frameworks, the records it produces,
and the same network as a standalone script.

Importing it imports neither framework; scikit-learn and Keras load when a model of theirs trains."""

from .augment import (
    ELASTIC,
    LIGHT,
    SETTINGS,
    Augmentation,
    augment,
    augmented_epochs,
)
from .early_stopping import (
    EarlyStopping,
)
from .records import (
    EpochEvent,
    OnEpoch,
    OnWeights,
    ShouldStop,
    TrainedModel,
    TrainingSplit,
    WeightHistory,
)
from .runner import (
    ClassRows,
    split_for_training,
    train,
)
from .script import (
    script_name,
    training_script,
)

__all__ = [
    "ELASTIC",
    "LIGHT",
    "SETTINGS",
    "Augmentation",
    "ClassRows",
    "EarlyStopping",
    "EpochEvent",
    "OnEpoch",
    "OnWeights",
    "ShouldStop",
    "TrainedModel",
    "TrainingSplit",
    "WeightHistory",
    "augment",
    "augmented_epochs",
    "script_name",
    "split_for_training",
    "train",
    "training_script",
]
