"""Planning a sweep from the Experiments form: the sweep, its runs and its time on the workers."""

from __future__ import annotations

import math

import pytest

from mnist_core.engine import estimate_seconds
from mnist_core.errors import InvalidSpecError
from mnist_core.experiments import VARIABLE_FIELDS, example_values, plan_sweep
from mnist_core.spec import PRESETS

BASE = PRESETS["quick"]


def test_a_grid_plan_holds_every_combination_and_their_training_time():
    plan = plan_sweep(BASE, {"hidden_layers": "32, 64, 128", "learning_rate": "0.001, 0.01"}, seeds=2, workers=3)

    assert plan.run_count == plan.sweep.run_count == 3 * 2 * 2
    assert plan.sweep.fields == ("hidden_layers", "learning_rate") and plan.sweep.draws == 0
    assert plan.train_seconds == pytest.approx(sum(estimate_seconds(spec) for spec in plan.sweep.specs()))
    assert plan.minutes == math.ceil(plan.train_seconds / 3 / 60)
    assert plan_sweep(BASE, {"epochs": "2, 5"}, workers=0).workers == 1  # no worker yet still counts one


def test_random_draws_take_ranges_and_a_question():
    plan = plan_sweep(BASE, {"learning_rate": "0.0001:0.03"}, kind="random", draws=5, question="  Which rate?  ")

    assert plan.run_count == 5 and plan.sweep.draws == 5
    assert plan.sweep.title() == "Which rate?"
    assert all(0.0001 <= spec.learning_rate <= 0.03 for spec in plan.sweep.specs())


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        ({"hidden_layers": "32, lots"}, "grid", "Hidden layers cannot be 'lots'"),
        ({"hidden_layers": "32, 2000"}, "grid", "Setting 2 (hidden layers 2000"),
        ({"learning_rate": "0.0001:0.03"}, "grid", "Learning rate cannot be '0.0001:0.03'"),  # a grid lists values
        ({}, "grid", "A sweep varies 1 to 3 fields"),
        ({"epochs": "2, 5"}, "everything", "not 'everything'"),
    ],
)
def test_an_impossible_plan_says_what_is_wrong(values, kind, message):
    with pytest.raises(InvalidSpecError) as raised:
        plan_sweep(BASE, values, kind=kind)
    assert message in str(raised.value)


def test_every_variable_field_starts_with_values_it_can_take():
    """The form's example values parse for every field, in a grid and as random draws."""
    for name in VARIABLE_FIELDS:
        assert example_values(name)
        for kind in ("grid", "random"):
            plan = plan_sweep(BASE.replace(framework="keras"), {name: example_values(name, kind)}, kind=kind, draws=2)
            assert plan.run_count >= 2
    assert example_values("hidden_layers", "random") == "16:256"
