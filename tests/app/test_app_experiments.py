"""The Experiments page: a sweep planned on the Train controls, trained on the engine, its findings shown."""

from __future__ import annotations

import time

import pytest

from mnist_core.engine import ACTIVE, JobTable, database_path
from mnist_core.experiments import SweepTable
from mnist_core.store import ModelStore
from studio import keys

SWEEP_SECONDS = 240


def start_button(app):
    (button,) = [candidate for candidate in app.button if candidate.label == "Start the sweep"]
    return button


def test_the_page_plans_a_sweep_from_the_train_controls(open_app, empty_store):
    app = open_app(empty_store, "experiments")
    assert not app.exception
    assert app.multiselect(key=keys.SWEEP_FIELDS).value == ["hidden_layers", "learning_rate"]
    assert app.text_input(key=keys.sweep_values("hidden_layers")).value == "32, 64, 128"
    assert any("**6 runs**" in caption.value for caption in app.caption)
    assert not start_button(app).disabled
    assert any("No sweep yet" in info.value for info in app.info)

    app.text_input(key=keys.sweep_values("hidden_layers")).set_value("32, lots").run()
    assert any("Hidden layers cannot be 'lots'" in error.value for error in app.error)
    assert start_button(app).disabled
    app.text_input(key=keys.sweep_values("hidden_layers")).set_value("32, 2000").run()
    assert any("Setting 3 (hidden layers 2000, learning rate 0.001)" in error.value for error in app.error)

    app.number_input(key=keys.SWEEP_SEEDS).set_value(3).run()
    app.text_input(key=keys.sweep_values("hidden_layers")).set_value("32, 64").run()
    assert any("**12 runs**" in caption.value for caption in app.caption)


@pytest.mark.slow  # trains on the engine
def test_a_sweep_trains_and_its_findings_are_shown(open_app, empty_store):
    app = open_app(empty_store, "experiments")
    # A small, quick base: scikit-learn, one epoch on 500 images, nothing added.
    app.radio(key=keys.TRAIN_FRAMEWORK).set_value("sklearn")
    app.slider(key=keys.TRAIN_EPOCHS).set_value(1)
    app.slider(key=keys.TRAIN_IMAGES).set_value(500)
    app.radio(key=keys.TRAIN_AUGMENT).set_value("off")
    app.toggle(key=keys.TRAIN_DRAWINGS).set_value(False)
    app.multiselect(key=keys.SWEEP_FIELDS).set_value(["hidden_layers"]).run()
    app.text_input(key=keys.sweep_values("hidden_layers")).set_value("8, 16").run()
    app.text_input(key=keys.SWEEP_QUESTION).set_value("Do 16 units beat 8?").run()
    start_button(app).click().run()
    assert not app.exception

    store = ModelStore(empty_store)
    (record,) = SweepTable(database_path(store)).recent()
    assert record.sweep.question == "Do 16 units beat 8?" and len(record.job_ids) == 2
    deadline = time.monotonic() + SWEEP_SECONDS
    while any(job.state in ACTIVE for job in JobTable(database_path(store)).jobs()):
        assert time.monotonic() < deadline, "the sweep did not finish in time"
        time.sleep(0.2)
    app.run()
    assert not app.exception
    assert any(header.value == "Do 16 units beat 8?" for header in app.header)
    findings = " ".join(markdown.value for markdown in app.markdown)
    assert "Hidden layers 8 → 16" in findings and "The best setting is hidden layers" in findings
    assert [tab.label for tab in app.tabs][:1] == ["Test accuracy against hidden layers"]
    assert len(app.tabs) == 5
