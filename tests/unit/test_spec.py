"""ModelSpec: validation with readable messages, stable keys, round trips and presets."""

from __future__ import annotations

import json
import pickle
from dataclasses import fields
from typing import Any

import pytest

from mnist_core.errors import InvalidSpecError
from mnist_core.spec import (
    ACTIVATIONS,
    ALL_ACTIVATIONS,
    ALL_OPTIMIZERS,
    FRAMEWORKS,
    LIMITS,
    OPTIMIZERS,
    PRESET_NOTES,
    PRESETS,
    ModelSpec,
    availability,
    preset,
    preset_name,
)
from mnist_core.store import ID_PATTERN

from .conftest import run_python

FINGERPRINT = "0123456789abcdef"

# A Keras spec where every field can be changed to another valid value.
BASE = ModelSpec(
    framework="keras",
    hidden_layers=(64, 32),
    activation="relu",
    optimizer="adam",
    learning_rate=1e-3,
    momentum=0.9,
    epochs=10,
    batch_size=128,
    l2=0.0,
    dropout=(),
    early_stopping=False,
    patience=3,
    validation_fraction=0.1,
    train_size=60000,
    seed=0,
)

CHANGES: dict[str, Any] = {
    "framework": "sklearn",
    "hidden_layers": (64,),
    "activation": "tanh",
    "optimizer": "sgd",
    "learning_rate": 1e-2,
    "momentum": 0.5,
    "epochs": 11,
    "batch_size": 64,
    "l2": 1e-4,
    "dropout": (0.2, 0.0),
    "early_stopping": True,
    "patience": 4,
    "validation_fraction": 0.2,
    "train_size": 1000,
    "seed": 1,
    "augment": True,
    "schedule": "cosine",
    "drawings": True,
    "class_set": "0123456789ab",
    "non_digits": True,
}


# Impossible specs: the values, a piece of the message, and the field the message is about.
IMPOSSIBLE: list[tuple[dict[str, Any], str, str]] = [
    ({"framework": "sklearn", "hidden_layers": (32,), "dropout": (0.5,)}, "has no dropout", "dropout"),
    (
        {"framework": "sklearn", "hidden_layers": (32, 16), "activation": ("relu", "tanh")},
        "one activation for every",
        "activation",
    ),
    ({"hidden_layers": (10, 10, 10, 10, 10)}, "1 to 4 hidden layers; this one has 5", "hidden_layers"),
    ({"hidden_layers": ()}, "1 to 4 hidden layers; this one has 0", "hidden_layers"),
    ({"hidden_layers": (0,)}, "1 to 1024 units, not 0", "hidden_layers"),
    ({"hidden_layers": (64, 1025)}, "1 to 1024 units, not 1025", "hidden_layers"),
    ({"hidden_layers": (2.5,)}, "whole number", "hidden_layers"),
    (
        {"early_stopping": True, "validation_fraction": 0.0},
        "Early stopping watches the validation loss",
        "early_stopping",
    ),
    (
        {"train_size": 100, "batch_size": 128, "validation_fraction": 0.0},
        "batch of 128 images is larger than the 100",
        "batch_size",
    ),
    (
        {"train_size": 1000, "batch_size": 1000, "validation_fraction": 0.1},
        "larger than the 900 training images",
        "batch_size",
    ),
    ({"train_size": 100, "validation_fraction": 0.05, "batch_size": 8}, "fewer than 10 images", "validation_fraction"),
    ({"framework": "pytorch"}, "'sklearn' or 'keras'", "framework"),
    ({"framework": "sklearn", "activation": "elu"}, "'elu' is not available with sklearn", "activation"),
    ({"framework": "sklearn", "optimizer": "rmsprop"}, "'rmsprop' is not available with sklearn", "optimizer"),
    (
        {"hidden_layers": (8, 8), "activation": ("relu",) * 3, "framework": "keras"},
        "2 layers but 3 activations",
        "activation",
    ),
    ({"framework": "keras", "hidden_layers": (8, 8), "dropout": (0.5,)}, "2 layers but 1 rates", "dropout"),
    ({"framework": "keras", "dropout": (0.99,)}, "0 to 0.95, not 0.99", "dropout"),
    ({"learning_rate": 0.0}, "Learning rate must be between 1e-05 and 1", "learning_rate"),
    ({"learning_rate": float("nan")}, "Learning rate must be a number, not NaN", "learning_rate"),
    ({"epochs": 0}, "Epochs must be between 1 and 200, not 0", "epochs"),
    ({"epochs": 201}, "Epochs must be between 1 and 200, not 201", "epochs"),
    ({"epochs": 2.5}, "Epochs must be a whole number, not 2.5", "epochs"),
    ({"epochs": True}, "Epochs must be a whole number", "epochs"),
    ({"seed": -1}, "Seed must be between", "seed"),
    ({"train_size": 50}, "Train size must be between 100 and 60000", "train_size"),
    ({"patience": 0}, "Patience must be between 1 and 50", "patience"),
    ({"validation_fraction": 0.6}, "Validation fraction must be between 0 and 0.5", "validation_fraction"),
    ({"momentum": 1.0}, "Momentum must be between 0 and 0.99", "momentum"),
    ({"l2": -0.1}, "L2 must be between 0 and 1", "l2"),
]


@pytest.mark.parametrize(("values", "message", "field"), IMPOSSIBLE)
def test_impossible_specs_raise_readable_errors(values: dict[str, Any], message: str, field: str) -> None:
    """Each impossible spec raises InvalidSpecError with a sentence that says what is wrong and names its field."""
    with pytest.raises(InvalidSpecError) as caught:
        ModelSpec(**values)
    text = str(caught.value)
    assert message in text
    assert text.endswith("."), text
    assert "Traceback" not in text and "ModelSpec(" not in text
    assert caught.value.field == field


def test_invalid_spec_error_keeps_its_field_across_processes() -> None:
    """A training worker's InvalidSpecError is pickled on its way back: the field survives."""
    with pytest.raises(InvalidSpecError) as caught:
        ModelSpec(epochs=0)
    again = pickle.loads(pickle.dumps(caught.value))
    assert (str(again), again.field) == (str(caught.value), "epochs")


def test_vocabulary_is_what_validation_accepts() -> None:
    """Every activation and optimizer a menu offers is valid with the framework that lists it, and only there."""
    assert set(ALL_ACTIVATIONS) == set(ACTIVATIONS["sklearn"]) | set(ACTIVATIONS["keras"])
    assert set(ALL_OPTIMIZERS) == set(OPTIMIZERS["sklearn"]) | set(OPTIMIZERS["keras"])
    for field, offered, vocabulary in (
        ("activation", ALL_ACTIVATIONS, ACTIVATIONS),
        ("optimizer", ALL_OPTIMIZERS, OPTIMIZERS),
    ):
        for framework in FRAMEWORKS:
            for name in offered:
                if name in vocabulary[framework]:
                    ModelSpec(framework=framework, **{field: name})
                else:
                    with pytest.raises(InvalidSpecError):
                        ModelSpec(framework=framework, **{field: name})
    assert availability(ACTIVATIONS) == "relu, tanh, logistic in both frameworks; elu with keras only"
    assert availability(OPTIMIZERS) == "sgd, adam in both frameworks; rmsprop with keras only"


def test_invalid_spec_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch an impossible spec."""
    with pytest.raises(ValueError, match="no dropout"):
        ModelSpec(framework="sklearn", dropout=(0.5,))


def test_unknown_preset_names_the_choices() -> None:
    """preset() with an unknown name raises InvalidSpecError listing the real presets."""
    with pytest.raises(InvalidSpecError, match="There is no preset 'nope'") as caught:
        preset("nope")
    assert all(name in str(caught.value) for name in PRESETS)


def test_values_are_normalised() -> None:
    """Lists become tuples, numbers their types, one repeated activation a string, zero dropout none."""
    spec = ModelSpec(
        framework="keras",
        hidden_layers=[32.0, 16],
        activation=["tanh", "tanh"],
        dropout=[0.0, 0.0],
        epochs=5.0,
        learning_rate=1,
        early_stopping=0,
    )
    assert spec.hidden_layers == (32, 16) and all(type(units) is int for units in spec.hidden_layers)
    assert spec.activation == "tanh"
    assert spec.activations == ("tanh", "tanh")
    assert spec.dropout == () and spec.dropout_rates == (0.0, 0.0)
    assert type(spec.epochs) is int and spec.epochs == 5
    assert type(spec.learning_rate) is float
    assert spec.early_stopping is False
    assert spec.architecture == "784-32-16-10"
    assert spec == ModelSpec(framework="keras", hidden_layers=(32, 16), activation="tanh", epochs=5, learning_rate=1.0)


def test_per_layer_activations_and_dropout_with_keras() -> None:
    """Keras specs keep one activation and one dropout rate per layer."""
    spec = ModelSpec(framework="keras", hidden_layers=(8, 8), activation=("elu", "relu"), dropout=(0.5, 0.0))
    assert spec.activation == ("elu", "relu")
    assert spec.activations == ("elu", "relu")
    assert spec.dropout_rates == (0.5, 0.0)


def test_replace_validates_again() -> None:
    """replace() makes a changed copy and refuses an impossible change."""
    assert BASE.replace(epochs=3).epochs == 3
    assert BASE.epochs == 10
    with pytest.raises(InvalidSpecError, match="has no dropout"):
        BASE.replace(framework="sklearn", dropout=(0.5, 0.5))


def test_key_is_stable_and_a_safe_store_id() -> None:
    """Equal specs, however written, share one key made of a readable prefix and a hash."""
    key = BASE.key(FINGERPRINT)
    assert key == ModelSpec.from_dict(BASE.to_dict()).key(FINGERPRINT)
    assert key == BASE.replace(hidden_layers=[64, 32], activation=("relu", "relu")).key(FINGERPRINT)
    assert key.startswith("keras-64x32-")
    assert ID_PATTERN.match(key)


@pytest.mark.slow
def test_key_is_the_same_in_another_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key does not depend on Python's per-process hash seed."""
    monkeypatch.setenv("PYTHONHASHSEED", "12345")
    done = run_python(
        "-c",
        f"from mnist_core.spec import PRESETS; print(' '.join(spec.key({FINGERPRINT!r}) for spec in PRESETS.values()))",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [spec.key(FINGERPRINT) for spec in PRESETS.values()]


def test_key_changes_with_every_field() -> None:
    """Changing any one field of the spec gives a different key."""
    assert set(CHANGES) == {f.name for f in fields(ModelSpec)}, "a new field needs a change here"
    keys = {BASE.key(FINGERPRINT)}
    for name, value in CHANGES.items():
        changed = BASE.replace(**{name: value})
        assert getattr(changed, name) != getattr(BASE, name)
        keys.add(changed.key(FINGERPRINT))
    assert len(keys) == len(CHANGES) + 1


def test_non_digits_add_an_eleventh_output() -> None:
    """A spec that learns "not a digit" has 11 outputs, in its architecture and its parameter count."""
    spec = ModelSpec(hidden_layers=(32,))
    eleven = spec.replace(non_digits=True)
    assert (spec.outputs, eleven.outputs) == (10, 11)
    assert eleven.architecture == "784-32-11"
    assert eleven.parameter_count == spec.parameter_count + 32 + 1


def test_key_changes_with_the_dataset() -> None:
    """The same spec trained on other data gets another key."""
    assert BASE.key(FINGERPRINT) != BASE.key("fedcba9876543210")


@pytest.mark.parametrize("spec", [BASE, *PRESETS.values(), BASE.replace(activation=("elu", "tanh"))])
def test_to_dict_from_dict_round_trip(spec: ModelSpec) -> None:
    """to_dict gives JSON-ready values and from_dict rebuilds an equal spec with the same key."""
    values = json.loads(json.dumps(spec.to_dict()))
    again = ModelSpec.from_dict(values)
    assert again == spec
    assert again.key(FINGERPRINT) == spec.key(FINGERPRINT)


def test_from_dict_refuses_unknown_fields() -> None:
    """A dictionary with fields ModelSpec does not have is an InvalidSpecError naming them."""
    with pytest.raises(InvalidSpecError, match="Unknown spec fields: colour"):
        ModelSpec.from_dict({**BASE.to_dict(), "colour": "blue"})


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_are_valid_and_documented(name: str) -> None:
    """Every preset is a valid spec within the limits, has a note, and is found by name both ways."""
    spec = preset(name)
    assert ModelSpec(**{f.name: getattr(spec, f.name) for f in fields(ModelSpec)}) == spec
    assert preset_name(spec) == name
    assert PRESET_NOTES[name]
    low, high = LIMITS["epochs"]
    assert low <= spec.epochs <= high


def test_preset_name_of_a_custom_spec_is_none() -> None:
    """A spec that matches no preset has no preset name."""
    assert preset_name(PRESETS["quick"].replace(seed=99)) is None


def test_augmentation_levels_and_the_old_switch() -> None:
    """augment takes off, light or elastic; True and False still mean light and off, with the keys they had."""
    assert BASE.replace(augment=True).augment == "light"
    assert BASE.replace(augment=False) == BASE
    light = BASE.replace(augment="light")
    assert light._key_fields()["augment"] is True  # models saved as augment=True keep their ids
    assert BASE.replace(augment="elastic").key(FINGERPRINT) not in {light.key(FINGERPRINT), BASE.key(FINGERPRINT)}
    with pytest.raises(InvalidSpecError, match="Augmentation is one of off, light, elastic") as raised:
        BASE.replace(augment="strong")
    assert raised.value.field == "augment"


def test_the_cosine_schedule_falls_from_the_rate_to_zero() -> None:
    """A cosine schedule starts at the learning rate, halves it halfway and ends at zero; constant holds it."""
    cosine = BASE.replace(learning_rate=0.01, schedule="cosine")
    assert [round(cosine.learning_rate_at(p), 6) for p in (0, 0.5, 1)] == [0.01, 0.005, 0.0]
    assert BASE.learning_rate_at(0.7) == BASE.learning_rate
    with pytest.raises(InvalidSpecError, match="schedule is one of constant, cosine"):
        BASE.replace(schedule="step")
