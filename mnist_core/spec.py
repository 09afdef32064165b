"""`ModelSpec`: every hyperparameter of one training run, validated on creation."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .errors import InvalidSpecError
from .language import ENGLISH, Catalogue, Marked, marked

__all__ = [
    "ACTIVATIONS",
    "ALL_ACTIVATIONS",
    "ALL_OPTIMIZERS",
    "AUGMENTATIONS",
    "FIELD_NAMES",
    "FRAMEWORKS",
    "LIMITS",
    "OPTIMIZERS",
    "PRESETS",
    "PRESET_NOTES",
    "SCHEDULES",
    "ModelSpec",
    "availability",
    "field_name",
    "preset",
    "preset_name",
]

SCHEMA_VERSION = 1

#: The frameworks a spec can name.
FRAMEWORKS = ("sklearn", "keras")
#: The hidden-layer activations each framework offers.
ACTIVATIONS = {"sklearn": ("relu", "tanh", "logistic"), "keras": ("relu", "tanh", "logistic", "elu")}
#: The optimizers each framework offers.
OPTIMIZERS = {"sklearn": ("sgd", "adam"), "keras": ("sgd", "adam", "rmsprop")}
#: How strongly training images are distorted (see :mod:`mnist_core.training.augment`).
AUGMENTATIONS = ("off", "light", "elastic")
#: How the learning rate moves over the epochs: held, or lowered along a half cosine to zero.
SCHEDULES = ("constant", "cosine")
#: Every activation and optimizer of either framework, in a stable order (for menus).
ALL_ACTIVATIONS = tuple(dict.fromkeys(name for names in ACTIVATIONS.values() for name in names))
ALL_OPTIMIZERS = tuple(dict.fromkeys(name for names in OPTIMIZERS.values() for name in names))


def availability(vocabulary: dict[str, tuple[str, ...]], words: Catalogue = ENGLISH) -> str:
    """Which choices each framework offers, in words: ``"relu, tanh, logistic in both; elu with keras only"``."""
    everywhere = list(dict.fromkeys(name for names in vocabulary.values() for name in names))
    shared = [name for name in everywhere if all(name in names for names in vocabulary.values())]
    parts = [words.text("{names} in both frameworks", names=", ".join(shared))]
    for framework, names in vocabulary.items():
        own = [name for name in names if name not in shared]
        if own:
            parts.append(words.text("{names} with {framework} only", names=", ".join(own), framework=framework))
    return "; ".join(parts)


#: Bounds of every numeric field: (lowest, highest). The app's sliders use them too.
LIMITS: dict[str, tuple[float, float]] = {
    "layers": (1, 4),
    "units": (1, 1024),
    "learning_rate": (1e-5, 1.0),
    "momentum": (0.0, 0.99),
    "epochs": (1, 200),
    "batch_size": (8, 4096),
    "l2": (0.0, 1.0),
    "dropout": (0.0, 0.95),
    "patience": (1, 50),
    "validation_fraction": (0.0, 0.5),
    "train_size": (100, 60000),
    "seed": (0, 2**31 - 1),
}


@dataclass(frozen=True)
class ModelSpec:
    """The complete recipe of a multi-layer perceptron and its training run.

    Args:
        framework: ``"sklearn"`` (MLPClassifier) or ``"keras"``.
        hidden_layers: units of each hidden layer, 1–4 layers of 1–1024 units.
        activation: one activation for every hidden layer, or one per layer
            (per layer needs Keras). relu, tanh, logistic; elu with Keras.
        optimizer: sgd or adam; rmsprop with Keras.
        learning_rate: the optimizer's step size (at the start, with a schedule).
        schedule: ``"constant"``, or ``"cosine"``: the step size falls along a half
            cosine to zero by the last epoch (big steps first, fine ones at the end).
        momentum: SGD's (Nesterov) momentum; ignored by the other optimizers.
        epochs: passes over the training set (the most, with early stopping).
        batch_size: images per gradient step.
        l2: L2 penalty on the weights (scikit-learn's ``alpha``).
        dropout: dropout rate after each hidden layer (Keras only); empty for none.
        early_stopping: stop when validation loss stops improving.
        patience: epochs without improvement before stopping early.
        validation_fraction: share of the training images held out to draw the
            validation curves (and to stop early); 0 trains on all of them.
        train_size: how many training images to use (a stratified subset).
        seed: the random seed for initial weights, shuffling and the subset.
        augment: train on freshly, randomly distorted copies of the images each
            epoch, so that the model copes with digits drawn in the browser:
            ``"off"``; ``"light"`` (half the images shifted, rotated, scaled,
            thickened or thinned and gently bent); or ``"elastic"`` (most images,
            with Simard's elastic distortions and slant as well). ``True`` and
            ``False`` mean ``"light"`` and ``"off"``.
        drawings: also train on 6 000 practice digits drawn like the canvas
            draws them, written the ways MNIST's writers seldom used (1s with a
            flag, 7s with a bar, open 4s; see :mod:`mnist_core.images.drawn`).
        non_digits: also learn an eleventh answer, "not a digit", from 6 000
            scribbles, letters, shapes and stray marks (see
            :mod:`mnist_core.images.scribbles`), so that the model can say a
            drawing is none of the ten digits.
        class_set: also train on the class's own drawings: the fingerprint of a
            frozen training half (:meth:`~mnist_core.classroom.drawings.ClassDrawings.snapshot`);
            empty for none. The other half stays the class's test set.

    Raises:
        InvalidSpecError: a value is out of range or the combination is impossible.
    """

    framework: str = "sklearn"
    hidden_layers: tuple[int, ...] = (100,)
    activation: str | tuple[str, ...] = "relu"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    epochs: int = 10
    batch_size: int = 128
    l2: float = 0.0
    dropout: tuple[float, ...] = field(default=())
    early_stopping: bool = False
    patience: int = 3
    validation_fraction: float = 0.1
    train_size: int = 60000
    seed: int = 0
    augment: str = "off"
    schedule: str = "constant"
    drawings: bool = False
    class_set: str = ""
    non_digits: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        if self.framework not in FRAMEWORKS:
            raise InvalidSpecError(
                "Framework must be 'sklearn' or 'keras', not {framework}.",
                field="framework",
                framework=repr(self.framework),
            )
        layers = _int_tuple(self.hidden_layers, "hidden_layers")
        low, high = LIMITS["layers"]
        if not low <= len(layers) <= high:
            raise InvalidSpecError(
                "A network here has {low:g} to {high:g} hidden layers; this one has {count}.",
                field="hidden_layers",
                low=low,
                high=high,
                count=len(layers),
            )
        low, high = LIMITS["units"]
        for units in layers:
            if not low <= units <= high:
                raise InvalidSpecError(
                    "A hidden layer has {low:g} to {high:g} units, not {units}.",
                    field="hidden_layers",
                    low=low,
                    high=high,
                    units=units,
                )
        set_(self, "hidden_layers", layers)

        activations = (self.activation,) * len(layers) if isinstance(self.activation, str) else tuple(self.activation)
        if len(activations) != len(layers):
            raise InvalidSpecError(
                "Give one activation for all layers or one per layer: {layers} layers but {activations} activations.",
                field="activation",
                layers=len(layers),
                activations=len(activations),
            )
        for name in activations:
            if name not in ACTIVATIONS[self.framework]:
                raise InvalidSpecError(
                    "Activation {name} is not available with {framework}; choose one of {choices}.",
                    field="activation",
                    name=repr(name),
                    framework=self.framework,
                    choices=", ".join(ACTIVATIONS[self.framework]),
                )
        if self.framework == "sklearn" and len(set(activations)) > 1:
            raise InvalidSpecError(
                "scikit-learn's MLPClassifier uses one activation for every layer; "
                "choose Keras for a different activation per layer.",
                field="activation",
            )
        set_(self, "activation", activations[0] if len(set(activations)) == 1 else activations)

        if self.optimizer not in OPTIMIZERS[self.framework]:
            raise InvalidSpecError(
                "Optimizer {name} is not available with {framework}; choose one of {choices}.",
                field="optimizer",
                name=repr(self.optimizer),
                framework=self.framework,
                choices=", ".join(OPTIMIZERS[self.framework]),
            )
        dropout = tuple(float(rate) for rate in self.dropout)
        if dropout and len(dropout) != len(layers):
            raise InvalidSpecError(
                "Give one dropout rate per hidden layer: {layers} layers but {rates} rates.",
                field="dropout",
                layers=len(layers),
                rates=len(dropout),
            )
        if any(rate != 0 for rate in dropout) and self.framework == "sklearn":
            raise InvalidSpecError(
                "scikit-learn's MLPClassifier has no dropout; use the L2 penalty to regularise it, "
                "or choose Keras for dropout.",
                field="dropout",
            )
        low, high = LIMITS["dropout"]
        for rate in dropout:
            if not low <= rate <= high:
                raise InvalidSpecError(
                    "Dropout is a share of units to drop, {low:g} to {high:g}, not {rate}.",
                    field="dropout",
                    low=low,
                    high=high,
                    rate=rate,
                )
        set_(self, "dropout", dropout if any(dropout) else ())

        for name in ("learning_rate", "momentum", "l2", "validation_fraction"):
            set_(self, name, _in_range(name, _number(getattr(self, name), name)))
        for name in ("epochs", "batch_size", "patience", "train_size", "seed"):
            set_(self, name, int(_in_range(name, _integer(getattr(self, name), name))))
        set_(self, "early_stopping", bool(self.early_stopping))
        augment = {True: "light", False: "off"}[self.augment] if isinstance(self.augment, bool) else self.augment
        if augment not in AUGMENTATIONS:
            raise InvalidSpecError(
                "Augmentation is one of {choices}, not {augment}.",
                field="augment",
                choices=", ".join(AUGMENTATIONS),
                augment=repr(self.augment),
            )
        set_(self, "augment", augment)
        set_(self, "drawings", bool(self.drawings))
        set_(self, "non_digits", bool(self.non_digits))
        if not isinstance(self.class_set, str) or not (self.class_set == "" or self.class_set.isalnum()):
            raise InvalidSpecError(
                "A class set is named by its fingerprint (letters and digits), not {class_set}.",
                field="class_set",
                class_set=repr(self.class_set),
            )
        if self.schedule not in SCHEDULES:
            raise InvalidSpecError(
                "The learning-rate schedule is one of {choices}, not {schedule}.",
                field="schedule",
                choices=", ".join(SCHEDULES),
                schedule=repr(self.schedule),
            )
        if self.early_stopping and self.validation_fraction == 0:
            raise InvalidSpecError(
                "Early stopping watches the validation loss: hold out some training images "
                "(validation fraction above 0) or turn early stopping off.",
                field="early_stopping",
            )
        train_images = round(self.train_size * (1 - self.validation_fraction))
        if train_images < self.batch_size:
            raise InvalidSpecError(
                "A batch of {batch_size} images is larger than the {train_images} "
                "training images left after the validation split; use a smaller batch or more images.",
                field="batch_size",
                batch_size=self.batch_size,
                train_images=train_images,
            )
        if self.validation_fraction and self.train_size * self.validation_fraction < 10:
            raise InvalidSpecError(
                "The validation split would hold fewer than 10 images; raise it or set it to 0.",
                field="validation_fraction",
            )

    @property
    def activations(self) -> tuple[str, ...]:
        """The activation of each hidden layer."""
        if isinstance(self.activation, str):
            return (self.activation,) * len(self.hidden_layers)
        return tuple(self.activation)

    @property
    def dropout_rates(self) -> tuple[float, ...]:
        """The dropout rate after each hidden layer (zeros without dropout)."""
        return self.dropout or (0.0,) * len(self.hidden_layers)

    def learning_rate_at(self, progress: float) -> float:
        """The step size when ``progress`` (0 to 1) of the training is done, by the schedule."""
        if self.schedule == "cosine":
            return self.learning_rate * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
        return self.learning_rate

    @property
    def outputs(self) -> int:
        """The network's answers: the ten digits, and "not a digit" with :attr:`non_digits`."""
        return 11 if self.non_digits else 10

    @property
    def parameter_count(self) -> int:
        """Weights and biases of the network: 784 inputs, the hidden layers, the outputs."""
        units = (784, *self.hidden_layers, self.outputs)
        return sum(inputs * outputs + outputs for inputs, outputs in itertools.pairwise(units))

    @property
    def architecture(self) -> str:
        """Layers as a student writes them: ``784-128-64-10`` (``-11`` with "not a digit")."""
        return "-".join(str(units) for units in (784, *self.hidden_layers, self.outputs))

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-ready values."""
        values = asdict(self)
        values["hidden_layers"] = list(self.hidden_layers)
        values["dropout"] = list(self.dropout)
        if not isinstance(self.activation, str):
            values["activation"] = list(self.activation)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelSpec:
        """Rebuild a spec from :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidSpecError("Unknown spec fields: {names}.", names=", ".join(sorted(unknown)))
        values = dict(values)
        for name in ("hidden_layers", "dropout"):
            if name in values:
                values[name] = tuple(values[name])
        if isinstance(values.get("activation"), list):
            values["activation"] = tuple(values["activation"])
        return cls(**values)

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with some fields changed, validated again."""
        return replace(self, **changes)

    def _key_fields(self) -> dict[str, Any]:
        # Fields added after the first release count only when set, so models
        # trained before they existed keep their ids.
        values = self.to_dict()
        if values["augment"] == "off":
            del values["augment"]
        elif values["augment"] == "light":
            values["augment"] = True  # as it was written when it was the only kind
        if values["schedule"] == "constant":
            del values["schedule"]
        if not values["drawings"]:
            del values["drawings"]
        if not values["class_set"]:
            del values["class_set"]
        if not values["non_digits"]:
            del values["non_digits"]
        return values

    def key(self, dataset_fingerprint: str) -> str:
        """The store id of this spec trained on that data: readable prefix + stable hash."""
        payload = json.dumps(
            {"schema": SCHEMA_VERSION, "data": dataset_fingerprint, "spec": self._key_fields()},
            sort_keys=True,
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
        layers = "x".join(str(units) for units in self.hidden_layers)
        return f"{self.framework}-{layers}-{digest}"


def _int_tuple(value: Any, name: str) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise InvalidSpecError(
            "{label} must be a list of whole numbers, not {value}.", field=name, label=_label(name), value=repr(value)
        )
    return tuple(_integer(v, name) for v in value)


def _integer(value: Any, name: str) -> int:
    try:
        whole = not isinstance(value, bool | str) and float(value).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole:
        raise InvalidSpecError(
            "{label} must be a whole number, not {value}.", field=name, label=_label(name), value=repr(value)
        )
    return int(value)


def _number(value: Any, name: str) -> float:
    try:
        if isinstance(value, bool | str):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidSpecError(
            "{label} must be a number, not {value}.", field=name, label=_label(name), value=repr(value)
        ) from None
    if number != number:  # NaN slips through every range check
        raise InvalidSpecError("{label} must be a number, not NaN.", field=name, label=_label(name))
    return number


#: Every field in words, as the pages, the handouts and the errors name it.
FIELD_NAMES: dict[str, Marked] = {
    "framework": marked("framework"), "hidden_layers": marked("hidden layers"), "activation": marked("activation"),
    "optimizer": marked("optimizer"), "learning_rate": marked("learning rate"), "momentum": marked("momentum"),
    "epochs": marked("epochs"), "batch_size": marked("batch size"), "l2": marked("l2"), "dropout": marked("dropout"),
    "early_stopping": marked("early stopping"), "patience": marked("patience"),
    "validation_fraction": marked("validation fraction"), "train_size": marked("train size"), "seed": marked("seed"),
    "augment": marked("augment"), "schedule": marked("schedule"), "drawings": marked("drawings"),
    "class_set": marked("class set"), "non_digits": marked("non digits"),
}  # fmt: skip


def field_name(name: str) -> Marked:
    """A field in words (``hidden layers``), translated where it is shown."""
    return FIELD_NAMES.get(name) or Marked(name.replace("_", " "))


def _label(name: str) -> Marked:
    return field_name(name).capitalized()


def _in_range(name: str, value: float) -> float:
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise InvalidSpecError(
            "{label} must be between {low:g} and {high:g}, not {value:g}.",
            field=name,
            label=_label(name),
            low=low,
            high=high,
            value=value,
        )
    return value


# The first Keras notebook; two presets change one thing of it.
_KERAS_SEED = ModelSpec(
    framework="keras",
    hidden_layers=(128, 64),
    activation="relu",
    optimizer="adam",
    learning_rate=1e-3,
    epochs=5,
    batch_size=32,
    seed=1,
)

#: Ready-made specs: the reference notebooks' models, and two for class.
PRESETS: dict[str, ModelSpec] = {
    "sklearn-seed": ModelSpec(
        framework="sklearn",
        hidden_layers=(50,),
        activation="relu",
        optimizer="sgd",
        learning_rate=0.1,
        momentum=0.9,
        l2=1e-4,
        epochs=10,
        batch_size=200,
        validation_fraction=0.0,
        seed=1,
    ),
    "keras-seed": _KERAS_SEED,
    "keras-dropout": _KERAS_SEED.replace(dropout=(0.5, 0.0)),
    "keras-functional": ModelSpec(
        framework="keras",
        hidden_layers=(64, 128, 32),
        activation=("elu", "relu", "elu"),
        optimizer="adam",
        learning_rate=1e-3,
        epochs=5,
        batch_size=32,
        dropout=(0.9, 0.7, 0.0),
        seed=1,
    ),
    "keras-early-stopping": _KERAS_SEED.replace(epochs=200, batch_size=75, early_stopping=True, patience=3),
    "quick": ModelSpec(
        framework="sklearn",
        hidden_layers=(300,),
        activation="relu",
        optimizer="adam",
        learning_rate=5e-3,
        schedule="cosine",
        epochs=4,
        batch_size=256,
        l2=1e-4,
        seed=0,
        augment="light",
        drawings=True,
        non_digits=True,
    ),
    "best": ModelSpec(
        framework="keras",
        hidden_layers=(800, 800),
        activation="relu",
        optimizer="adam",
        learning_rate=1e-3,
        schedule="cosine",
        epochs=45,
        batch_size=256,
        dropout=(0.2, 0.2),
        validation_fraction=0.05,
        augment="elastic",
        drawings=True,
        non_digits=True,
        seed=0,
    ),
}

#: One line per preset: where it comes from and what it teaches.
PRESET_NOTES: dict[str, Marked] = {
    "sklearn-seed": marked(
        "The scikit-learn notebook: 50 hidden units, SGD at 0.1, 10 epochs (reported train 0.987, test 0.970)."
    ),
    "keras-seed": marked("The first Keras notebook: 128-64 ReLU with Adam, 5 epochs (reported test ≈ 0.975)."),
    "keras-dropout": marked("The same network with Dropout 0.5 after the first layer."),
    "keras-functional": marked(
        "Functional API with ELU and heavy dropout (0.9, 0.7): a lesson in over-regularisation (reported test 0.879)."
    ),
    "keras-early-stopping": marked(
        "128-64 with batch 75, up to 200 epochs, stopping when validation loss stops improving."
    ),
    "quick": marked(
        "784-300-11 in 4 epochs with a cosine schedule, light distortions, the practice drawings and "
        "non-digits: over 98 % on MNIST in less time than keras-seed takes; it reads drawings and says "
        "when one is not a digit: for live demos."
    ),
    "best": marked(
        "784-800-800-11 with dropout, 45 epochs of elastic distortions, a cosine schedule, the practice "
        "drawings and non-digits: over 99.2 % on MNIST in about five minutes on two CPU cores."
    ),
}


def preset(name: str) -> ModelSpec:
    """The preset called ``name``.

    Raises:
        InvalidSpecError: there is no such preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidSpecError(
            "There is no preset {name}; choose one of {names}.", name=repr(name), names=", ".join(PRESETS)
        ) from None


def preset_name(spec: ModelSpec) -> str | None:
    """The name of the preset equal to ``spec``, if there is one."""
    return next((name for name, candidate in PRESETS.items() if candidate == spec), None)
