"""The Train page: presets fill the controls, training runs in the background, results and errors are shown."""

from __future__ import annotations

import time

import pytest

from mnist_core.engine import Job, JobTable, database_path
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.store import ModelStore
from studio import keys

JOB_SECONDS = 180


def train_button(app):
    (button,) = [candidate for candidate in app.button if candidate.label == "Train"]
    return button


def my_job(app, store) -> Job:
    """This AppTest session's newest job, read from the server's job table."""
    session = app.session_state[keys.SESSION_ID]
    return [job for job in JobTable(database_path(ModelStore(store))).jobs() if session in job.sessions][-1]


def finish_training(app, store) -> Job:
    """Wait for this session's job to end on the engine, then rerun the page as its live fragment would."""
    deadline = time.monotonic() + JOB_SECONDS
    while my_job(app, store).active:
        assert time.monotonic() < deadline, "training did not finish in time"
        time.sleep(0.1)
    app.run()
    return my_job(app, store)


def test_controls_start_from_the_quick_preset(open_app, empty_store):
    app = open_app(empty_store, "train")
    quick = PRESETS["quick"]

    assert app.selectbox(key=keys.TRAIN_PRESET).value == "quick"
    assert app.radio(key=keys.TRAIN_FRAMEWORK).value == quick.framework
    assert app.slider(key=keys.TRAIN_LAYERS).value == len(quick.hidden_layers)
    assert app.number_input(key=keys.train_units(0)).value == quick.hidden_layers[0]
    assert app.selectbox(key=keys.TRAIN_OPTIMIZER).value == quick.optimizer
    assert app.select_slider(key=keys.TRAIN_LEARNING_RATE).value == quick.learning_rate
    assert app.select_slider(key=keys.TRAIN_BATCH_SIZE).value == quick.batch_size
    assert app.slider(key=keys.TRAIN_EPOCHS).value == quick.epochs
    assert app.slider(key=keys.TRAIN_IMAGES).value == quick.train_size
    assert app.radio(key=keys.TRAIN_SCHEDULE).value == quick.schedule == "cosine"
    assert app.radio(key=keys.TRAIN_AUGMENT).value == quick.augment == "light"
    assert app.toggle(key=keys.TRAIN_DRAWINGS).value is quick.drawings is True
    assert app.toggle(key=keys.TRAIN_EARLY_STOPPING).value is False
    assert app.slider(key=keys.TRAIN_PATIENCE).disabled  # only meaningful with early stopping
    assert not train_button(app).disabled


def test_choosing_a_preset_fills_the_controls(open_app, empty_store):
    app = open_app(empty_store, "train")
    app.selectbox(key=keys.TRAIN_PRESET).set_value("keras-dropout").run()
    preset = PRESETS["keras-dropout"]

    assert not app.exception
    assert app.radio(key=keys.TRAIN_FRAMEWORK).value == "keras"
    assert app.slider(key=keys.TRAIN_LAYERS).value == 2
    assert [app.number_input(key=keys.train_units(i)).value for i in range(2)] == list(preset.hidden_layers)
    assert [app.slider(key=keys.train_dropout(i)).value for i in range(2)] == list(preset.dropout_rates)
    assert app.slider(key=keys.TRAIN_EPOCHS).value == preset.epochs
    assert app.select_slider(key=keys.TRAIN_BATCH_SIZE).value == preset.batch_size
    assert app.slider(key=keys.TRAIN_MOMENTUM).disabled  # Adam has no momentum slider to move


@pytest.mark.slow  # trains on the engine
def test_training_shows_the_result_then_reuses_the_store(open_app, scratch_store):
    app = open_app(scratch_store, "train")
    app.slider(key=keys.TRAIN_IMAGES).set_value(3000)
    app.slider(key=keys.TRAIN_EPOCHS).set_value(2)
    app.radio(key=keys.TRAIN_AUGMENT).set_value("elastic")
    train_button(app).click().run()

    assert not app.exception
    expected = PRESETS["quick"].replace(train_size=3000, epochs=2, augment="elastic")
    assert my_job(app, scratch_store).spec == expected
    finish_training(app, scratch_store)

    assert not app.exception
    (success,) = app.success
    model_id = success.value.split("`")[1]
    assert success.value == f"Trained and saved as `{model_id}`."
    stored = ModelStore(scratch_store).get(model_id)
    assert stored.spec == expected
    assert [m.label for m in app.metric] == ["Test accuracy", "Train accuracy", "Training time", "Epochs", "Parameters"]
    assert app.metric[0].value == f"{stored.metrics['test_accuracy']:.2%}"
    assert app.metric[3].value == "2 / 2"
    assert stored.metrics["test_accuracy"] > 0.8

    train_button(app).click().run()
    finish_training(app, scratch_store)

    assert not app.exception
    assert not app.success, [s.value for s in app.success]
    assert any("already in the store" in info.value and model_id in info.value for info in app.info)
    assert len(ModelStore(scratch_store).models()) == 3


@pytest.mark.slow  # trains on the engine
def test_a_running_job_can_be_stopped(open_app, scratch_store):
    app = open_app(scratch_store, "train")
    app.slider(key=keys.TRAIN_IMAGES).set_value(3000)
    app.slider(key=keys.TRAIN_EPOCHS).set_value(200)
    train_button(app).click().run()

    assert train_button(app).disabled  # one job at a time
    job = my_job(app, scratch_store)
    deadline = time.monotonic() + JOB_SECONDS
    while my_job(app, scratch_store).state != "running":  # stopping a running job keeps what it learned
        assert time.monotonic() < deadline
        time.sleep(0.1)
    app.run()
    app.button(key=keys.stop_job(job.id)).click().run()
    job = finish_training(app, scratch_store)

    assert not app.exception
    (warning,) = app.warning
    assert warning.value.startswith("Stopped at epoch ")
    model = ModelStore(scratch_store).get(job.model_id)
    assert model.stopped
    assert 0 < model.epochs_run < 200


@pytest.mark.parametrize(
    ("changes", "message", "control"),
    [
        ({keys.train_dropout(0): 0.3}, "scikit-learn's MLPClassifier has no dropout", keys.train_dropout(0)),
        ({keys.TRAIN_OPTIMIZER: "rmsprop"}, "Optimizer 'rmsprop' is not available with sklearn", keys.TRAIN_OPTIMIZER),
        (
            {keys.TRAIN_IMAGES: 100, keys.TRAIN_BATCH_SIZE: 512},
            "A batch of 512 images is larger than the 90 training images",
            keys.TRAIN_BATCH_SIZE,
        ),
        (
            {keys.TRAIN_EARLY_STOPPING: True, keys.TRAIN_VALIDATION: 0.0},
            "Early stopping watches",
            keys.TRAIN_EARLY_STOPPING,
        ),
    ],
)
def test_an_impossible_spec_shows_its_message_beside_its_control(open_app, empty_store, changes, message, control):
    """The spec's own sentence appears once, in the column of controls that holds the value at fault."""
    app = open_app(empty_store, "train")
    for key, value in changes.items():
        app.session_state[key] = value
    app.run()
    train_button(app).click().run()

    assert not app.exception
    (error,) = app.error
    assert message in error.value
    (column,) = [column for column in app.columns if len(column.error)]
    keys = {
        getattr(widget, "key", None)
        for kind in ("slider", "selectbox", "select_slider", "toggle")
        for widget in getattr(column, kind)
    }
    assert control in keys
    assert not JobTable(database_path(ModelStore(empty_store))).jobs()
    assert not ModelStore(empty_store).list()


@pytest.mark.slow
def test_training_a_keras_model_from_the_page(open_app, empty_store):
    app = open_app(empty_store, "train")
    app.selectbox(key=keys.TRAIN_PRESET).set_value("keras-seed").run()
    app.slider(key=keys.TRAIN_IMAGES).set_value(2000)
    app.slider(key=keys.TRAIN_EPOCHS).set_value(1)
    train_button(app).click().run()
    finish_training(app, empty_store)

    assert not app.exception
    assert not app.error
    (success,) = app.success
    (model,) = ModelStore(empty_store).models()
    assert model.id in success.value
    assert model.framework == "keras"
    assert model.spec.hidden_layers == (128, 64)
    assert app.metric[3].value == "1 / 1"
    layers = app.dataframe[0].value
    assert len(layers) >= 3  # two hidden Dense layers and the output, as Keras lists them


def test_a_shared_link_fills_the_controls_and_names_a_bad_value(open_app, empty_store):
    """Opening Train from a link sets every control it names; a value it cannot use is said, the rest apply."""
    from mnist_core.classroom import to_query

    shared = PRESETS["keras-dropout"].replace(epochs=7, augment="elastic")
    app = open_app(empty_store)
    app.query_params.update({**to_query(shared), "batch_size": "huge"})
    app.switch_page("pages/train.py").run()

    assert not app.exception
    assert app.radio(key=keys.TRAIN_FRAMEWORK).value == "keras"
    assert [app.number_input(key=keys.train_units(i)).value for i in range(2)] == list(shared.hidden_layers)
    assert app.slider(key=keys.TRAIN_EPOCHS).value == 7
    assert app.radio(key=keys.TRAIN_AUGMENT).value == "elastic"
    assert app.select_slider(key=keys.TRAIN_BATCH_SIZE).value == ModelSpec().batch_size  # the bad value was skipped
    assert any("batch_size='huge' could not be used" in warning.value for warning in app.warning)


def test_share_makes_a_link_of_the_controls(open_app, empty_store):
    app = open_app(empty_store, "train")
    app.slider(key=keys.TRAIN_EPOCHS).set_value(9)
    next(b for b in app.button if b.label == "Share these settings").click().run()

    assert not app.exception
    (link,) = [code.value for code in app.code]
    assert "epochs=9" in link and "framework=sklearn" in link and "drawings=true" in link
    assert app.query_params["epochs"] == "9"  # the link is in the address bar too


@pytest.mark.slow  # trains on the engine
def test_learning_from_the_class_needs_drawings_then_trains_on_its_half(open_app, scratch_store, class_db):
    """Without class drawings the switch says why it cannot train; with some, the run fits on their training half."""
    from mnist_core.classroom import ClassDrawings
    from mnist_core.images import render_digit

    app = open_app(scratch_store, "train")
    app.slider(key=keys.TRAIN_IMAGES).set_value(3000)
    app.slider(key=keys.TRAIN_EPOCHS).set_value(1)
    app.toggle(key=keys.TRAIN_CLASS).set_value(True)
    train_button(app).click().run()
    assert not app.exception
    assert any("no drawings to learn from" in error.value for error in app.error)

    drawings = ClassDrawings(class_db)
    for digit in (1, 7, 7, 1):
        drawings.add(render_digit(digit, height=170, pen=16, style=None), digit, "student")
    train_button(app).click().run()
    job = finish_training(app, scratch_store)
    assert job.state == "done", job.error
    assert job.spec.class_set == drawings.snapshot()
    assert ModelStore(scratch_store).get(job.model_id).spec.class_set == job.spec.class_set
