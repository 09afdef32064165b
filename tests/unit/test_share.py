"""Train settings as a link: every spec survives the round trip; a bad value is named and skipped."""

from __future__ import annotations

import pytest

from mnist_core.classroom import from_query, to_query
from mnist_core.language import catalogue
from mnist_core.spec import PRESETS, ModelSpec


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_survives_a_link(name: str) -> None:
    """to_query writes plain strings; from_query rebuilds the very same spec without complaint."""
    query = to_query(PRESETS[name])
    assert all(isinstance(value, str) for value in query.values())
    assert from_query(query) == (PRESETS[name], [])


def test_a_link_reads_lists_switches_and_numbers() -> None:
    """Comma lists, per-layer activations, true/false and numbers as a person would type them."""
    spec, problems = from_query(
        {"framework": "keras", "hidden_layers": "64,32", "activation": "elu,relu", "dropout": "0.5,0",
         "early_stopping": "true", "learning_rate": "0.003", "epochs": "7", "augment": "elastic"}
    )  # fmt: skip
    assert problems == []
    assert spec == ModelSpec(
        framework="keras", hidden_layers=(64, 32), activation=("elu", "relu"), dropout=(0.5, 0.0),
        early_stopping=True, learning_rate=0.003, epochs=7, augment="elastic",
    )  # fmt: skip


def test_a_bad_value_is_named_and_the_rest_still_apply() -> None:
    """A value out of range, a typo and an unknown setting are each reported; the good values are used."""
    spec, problems = from_query({"epochs": "5000", "hidden_layers": "64,abc", "colour": "red", "batch_size": "64"})
    assert spec == ModelSpec(batch_size=64)
    assert len(problems) == 3
    assert any(problem.startswith("'colour' is not a setting") for problem in problems)
    assert any("epochs='5000' could not be used: Epochs must be between 1 and 200" in p for p in problems)
    assert "hidden_layers='64,abc' could not be used: write numbers separated by commas, such as 128,64." in problems
    _, german = from_query({"hidden_layers": "64,abc", "colour": "red"}, words=catalogue("de"))
    assert german == [
        "'colour' ist keine Einstellung der Seite Trainieren.",
        "hidden_layers='64,abc' ließ sich nicht verwenden: schreibe Zahlen, durch Kommas getrennt, etwa 128,64.",
    ]
