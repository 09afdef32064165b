"""train(): both frameworks on real MNIST slices, progress events, stopping and early stopping."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mnist_core import data
from mnist_core.errors import InvalidSpecError
from mnist_core.network import log_loss
from mnist_core.spec import ModelSpec
from mnist_core.training import EpochEvent, TrainedModel, split_for_training, train
from mnist_core.training._sklearn import SLICE_SAMPLES, make_classifier
from mnist_core.training.records import HISTORY_FRAMES, HISTORY_UNITS, WeightHistory

from .conftest import KERAS_SPEC, run_python

TINY_SKLEARN = ModelSpec(
    hidden_layers=(32,), learning_rate=5e-3, epochs=3, batch_size=64, train_size=1000, validation_fraction=0.0, seed=4
)


def _test_accuracy(trained: TrainedModel, mnist: data.Dataset) -> float:
    return float((trained.network.predict(mnist.x_test) == mnist.y_test).mean())


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_epoch_loop_learns_what_fit_learns(mnist: data.Dataset, optimizer: str) -> None:
    """train() (partial_fit, reshuffled each epoch) learns what MLPClassifier.fit(max_iter=epochs) learns."""
    spec = TINY_SKLEARN.replace(optimizer=optimizer, learning_rate=0.05 if optimizer == "sgd" else 2e-3, l2=1e-4)
    trained = train(spec, mnist)

    split = split_for_training(spec, mnist)
    reference = make_classifier(spec).set_params(shuffle=True)  # the same first weights, fit's own shuffles
    assert reference.max_iter == spec.epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(split.x_fit, split.y_fit)

    x_test = data.to_features(mnist.x_test)
    ours, theirs = trained.network.predict(x_test), reference.predict(x_test)
    np.testing.assert_array_equal(trained.estimator.predict(x_test), ours)
    # Other orders of the same data land in the same place.
    assert abs((ours == mnist.y_test).mean() - (theirs == mnist.y_test).mean()) < 0.02
    assert (ours == theirs).mean() > 0.85
    assert len(trained.history) == len(reference.loss_curve_) == spec.epochs


def test_an_epoch_in_slices_is_one_pass_over_the_epoch(mnist: data.Dataset, monkeypatch) -> None:
    """The slices an epoch is fed in (so that a stop is seen mid-epoch) change nothing it learns: the same
    batches in the same order as one partial_fit over the whole shuffled epoch."""
    from mnist_core.training import _sklearn

    spec = TINY_SKLEARN.replace(train_size=10_000, epochs=2)
    sliced = train(spec, mnist)
    monkeypatch.setattr(_sklearn, "SLICE_SAMPLES", 10_000)
    whole = train(spec, mnist)
    assert [event.loss for event in sliced.history] == pytest.approx([event.loss for event in whole.history])
    for ours, theirs in zip(sliced.estimator.coefs_, whole.estimator.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_on_epoch_gets_one_sensible_event_per_epoch(mnist: data.Dataset) -> None:
    """on_epoch receives one EpochEvent per epoch, numbered from 1, with losses, accuracies and timings."""
    spec = TINY_SKLEARN.replace(validation_fraction=0.2)
    events: list[EpochEvent] = []
    trained = train(spec, mnist, on_epoch=events.append)

    assert events == trained.history
    assert [event.epoch for event in events] == [1, 2, 3]
    assert all(event.epochs == 3 for event in events)
    assert [event.loss for event in events] == pytest.approx(trained.estimator.loss_curve_)
    assert events[-1].loss < events[0].loss
    for event in events:
        assert 0 < event.loss < 5 and math.isfinite(event.loss)
        assert 0.1 < event.accuracy <= 1
        assert event.val_loss is not None and 0 < event.val_loss < 5
        assert event.val_accuracy is not None and 0.1 < event.val_accuracy <= 1
        assert 0 <= event.seconds < 60
    assert json.loads(json.dumps(events[0].to_dict()))["epoch"] == 1

    # The last event's validation figures are those of the returned network on the held-out rows.
    split = split_for_training(spec, mnist)
    assert split.x_val is not None and split.y_val is not None
    assert len(split.y_val) == 200 and len(split.y_fit) == 800
    proba = trained.network.predict_proba(split.x_val)
    assert events[-1].val_loss == pytest.approx(log_loss(proba, split.y_val))
    assert events[-1].val_accuracy == pytest.approx(float((proba.argmax(axis=1) == split.y_val).mean()))
    assert trained.epochs_run == 3 and not trained.stopped and not trained.stopped_early
    assert trained.train_seconds > 0


def test_without_validation_split_there_are_no_validation_figures(mnist: data.Dataset) -> None:
    """validation_fraction=0 trains on every image and reports no validation loss or accuracy."""
    events: list[EpochEvent] = []
    train(TINY_SKLEARN.replace(epochs=1), mnist, on_epoch=events.append)
    assert len(events) == 1
    assert events[0].val_loss is None and events[0].val_accuracy is None


def test_training_split_is_a_seeded_stratified_subset(mnist: data.Dataset) -> None:
    """split_for_training holds out the asked share of the subset, the same rows every time."""
    spec = TINY_SKLEARN.replace(validation_fraction=0.25)
    first, again = split_for_training(spec, mnist), split_for_training(spec, mnist)
    assert first.x_val is not None and again.x_val is not None
    assert (len(first.y_fit), len(first.y_val)) == (750, 250)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    assert first.x_fit.dtype == np.float32 and first.x_fit.shape[1] == 784
    assert set(np.unique(first.y_fit)) == set(range(10))


def test_sklearn_stops_after_the_slice_of_the_epoch_in_hand(mnist: data.Dataset) -> None:
    """should_stop is polled after each slice of an epoch: True ends a scikit-learn run there, mid-epoch, the
    epoch so far reported; the model is marked stopped and predicts."""
    polls: list[int] = []

    def stop_now() -> bool:
        polls.append(1)
        return True

    spec = TINY_SKLEARN.replace(epochs=5, train_size=10_000)
    trained = train(spec, mnist, should_stop=stop_now)
    assert len(polls) == 1
    assert trained.estimator.t_ == SLICE_SAMPLES < 10_000  # the samples it trained on
    assert trained.epochs_run == 1 and trained.history[0].epochs == 5
    assert trained.stopped and not trained.stopped_early
    assert _test_accuracy(trained, mnist) > 0.5


def test_sklearn_stop_on_the_last_epoch_is_a_finished_run(mnist: data.Dataset) -> None:
    """A stop request during the last epoch does not mark a complete run as stopped."""
    trained = train(TINY_SKLEARN.replace(epochs=1), mnist, should_stop=lambda: True)
    assert trained.epochs_run == 1 and not trained.stopped


@pytest.mark.slow
def test_keras_stops_within_an_epoch(mnist: data.Dataset) -> None:
    """should_stop is polled once per Keras execution of steps: a stop after three polls ends the run mid-epoch."""
    polls: list[int] = []

    def stop_on_third_poll() -> bool:
        polls.append(1)
        return len(polls) >= 3

    from mnist_core.training._keras_settings import steps_per_execution

    spec = ModelSpec(framework="keras", hidden_layers=(32,), epochs=5, batch_size=8, train_size=2000, seed=1)
    trained = train(spec, mnist, should_stop=stop_on_third_poll)
    steps_per_epoch = math.ceil(1800 / 8)
    assert len(polls) == 3
    assert int(trained.estimator.optimizer.iterations) == 3 * steps_per_execution(spec) < steps_per_epoch
    assert trained.epochs_run == 1
    assert trained.stopped and not trained.stopped_early
    proba = trained.network.predict_proba(mnist.x_test[:100])
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


def test_sklearn_early_stopping_restores_the_best_weights(mnist: data.Dataset) -> None:
    """On a tiny overfitting set, early stopping ends the run early and keeps the best validation-loss weights."""
    spec = ModelSpec(
        hidden_layers=(256,),
        learning_rate=1e-2,
        epochs=200,
        batch_size=8,
        early_stopping=True,
        patience=3,
        validation_fraction=0.5,
        train_size=100,
        seed=0,
    )
    trained = train(spec, mnist)
    val_losses = [event.val_loss for event in trained.history]
    assert trained.stopped_early and not trained.stopped
    assert trained.epochs_run < spec.epochs
    best = min(val_losses)
    assert val_losses[-1] > best  # the last epochs were worse: restoring mattered
    assert val_losses.index(best) == trained.epochs_run - 1 - spec.patience

    split = split_for_training(spec, mnist)
    assert split.x_val is not None and split.y_val is not None
    restored_loss = log_loss(trained.network.predict_proba(split.x_val), split.y_val)
    assert restored_loss == pytest.approx(best, rel=1e-9)
    estimator_proba = trained.estimator.predict_proba(split.x_val)
    assert log_loss(estimator_proba, split.y_val) == pytest.approx(best, rel=1e-5)


@pytest.mark.slow
def test_keras_early_stopping_restores_the_best_weights(mnist: data.Dataset) -> None:
    """Keras early stopping ends an overfitting run early and returns the weights of its best validation loss."""
    spec = ModelSpec(
        framework="keras",
        hidden_layers=(256,),
        learning_rate=1e-2,
        epochs=200,
        batch_size=8,
        early_stopping=True,
        patience=2,
        validation_fraction=0.5,
        train_size=100,
        seed=0,
    )
    trained = train(spec, mnist)
    assert trained.stopped_early and not trained.stopped
    assert trained.epochs_run < spec.epochs
    best = min(event.val_loss for event in trained.history if event.val_loss is not None)
    split = split_for_training(spec, mnist)
    assert split.x_val is not None and split.y_val is not None
    assert log_loss(trained.network.predict_proba(split.x_val), split.y_val) == pytest.approx(best, rel=1e-4)


@pytest.mark.slow
def test_keras_trains_a_small_model(keras_model: TrainedModel, mnist: data.Dataset) -> None:
    """A small Keras MLP with mixed activations and dropout trains for every epoch and reads digits."""
    assert keras_model.spec == KERAS_SPEC
    assert keras_model.epochs_run == KERAS_SPEC.epochs
    assert [event.epoch for event in keras_model.history] == [1, 2]
    assert all(event.val_accuracy is not None for event in keras_model.history)
    assert keras_model.history[-1].loss < keras_model.history[0].loss
    assert not keras_model.stopped and not keras_model.stopped_early
    assert _test_accuracy(keras_model, mnist) > 0.8

    kinds = [row["kind"] for row in keras_model.layers]
    assert kinds == [
        "Input",
        "Dense (elu)",
        "Dropout (0.2)",
        "Dense (tanh)",
        "Dense (sigmoid)",
        "Dropout (0.1)",
        "Dense (softmax)",
    ]
    total = sum(row["parameters"] for row in keras_model.layers)
    assert total == keras_model.network.parameter_count == keras_model.estimator.count_params()


def test_sklearn_layer_table_counts_parameters(sklearn_model: TrainedModel) -> None:
    """The scikit-learn layer table lists each dense layer with its output shape and parameter count."""
    assert sklearn_model.layers == [
        {"layer": "input", "kind": "Input", "output_shape": "(None, 784)", "parameters": 0},
        {"layer": "hidden_1", "kind": "Dense (relu)", "output_shape": "(None, 64)", "parameters": 784 * 64 + 64},
        {"layer": "output", "kind": "Dense (softmax)", "output_shape": "(None, 10)", "parameters": 64 * 10 + 10},
    ]


def test_sklearn_model_reads_digits(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """The shared scikit-learn model learns MNIST well from 5 000 images."""
    assert _test_accuracy(sklearn_model, mnist) > 0.9


def test_same_sklearn_spec_gives_identical_weights(mnist: data.Dataset) -> None:
    """Training one scikit-learn spec twice gives bit-identical weights and history."""
    spec = TINY_SKLEARN.replace(validation_fraction=0.1, epochs=2)
    first, second = train(spec, mnist), train(spec, mnist)
    for a, b in zip(
        first.network.weights + first.network.biases, second.network.weights + second.network.biases, strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert [e.loss for e in first.history] == [e.loss for e in second.history]
    assert [e.val_loss for e in first.history] == [e.val_loss for e in second.history]


def test_another_seed_gives_other_weights(mnist: data.Dataset) -> None:
    """The seed matters: another seed starts from other weights."""
    first, second = train(TINY_SKLEARN.replace(epochs=1), mnist), train(TINY_SKLEARN.replace(epochs=1, seed=5), mnist)
    assert not np.array_equal(first.network.weights[0], second.network.weights[0])


@pytest.mark.slow
def test_train_seconds_leave_out_the_framework_import() -> None:
    """In a fresh process, train_seconds times the epochs, not the first import of the framework."""
    script = (
        "import json, sys, time\n"
        "from mnist_core import ModelSpec, data, train\n"
        "dataset = data.load()\n"
        "imported_before = 'sklearn' in sys.modules\n"
        "spec = ModelSpec(hidden_layers=(8,), epochs=2, batch_size=32, train_size=100, validation_fraction=0.0)\n"
        "started = time.perf_counter()\n"
        "trained = train(spec, dataset)\n"
        "total = time.perf_counter() - started\n"
        "epochs = sum(event.seconds for event in trained.history)\n"
        "print(json.dumps([imported_before, total, trained.train_seconds, epochs]))\n"
    )
    done = run_python("-c", script)
    assert done.returncode == 0, done.stderr
    imported_before, total, train_seconds, epochs = json.loads(done.stdout)
    assert not imported_before
    assert epochs <= train_seconds <= epochs + 0.25 < total


@pytest.mark.slow
def test_keras_runs_many_steps_per_call_yet_reports_every_epoch_and_stops_mid_epoch(mnist: data.Dataset) -> None:
    """A small network runs many batches per Keras call, yet reports every epoch, and Stop ends it mid-epoch."""
    from mnist_core.spec import PRESETS
    from mnist_core.training._keras_settings import (
        MAX_STEPS_PER_EXECUTION,
        MIN_STEPS_PER_EXECUTION,
        steps_per_execution,
    )

    extremes = [
        ModelSpec(framework="keras", hidden_layers=(1,), batch_size=8),
        ModelSpec(framework="keras", hidden_layers=(1024,) * 4, batch_size=4096),
    ]
    for spec in [*(spec for spec in PRESETS.values() if spec.framework == "keras"), *extremes]:
        assert MIN_STEPS_PER_EXECUTION <= steps_per_execution(spec) <= MAX_STEPS_PER_EXECUTION == 64
    assert steps_per_execution(PRESETS["keras-seed"]) > steps_per_execution(PRESETS["best"])
    assert steps_per_execution(extremes[1]) == MIN_STEPS_PER_EXECUTION == 1
    # Never more steps than one epoch has batches: 180 training rows in batches of 32 make 6.
    assert steps_per_execution(ModelSpec(framework="keras", hidden_layers=(1,), batch_size=32, train_size=200)) == 6

    spec = ModelSpec(framework="keras", hidden_layers=(32,), epochs=2, batch_size=8, train_size=2000, seed=1)
    steps = steps_per_execution(spec)
    steps_per_epoch = math.ceil(1800 / 8)
    assert steps_per_epoch > steps > 1  # several calls per epoch, the last one short

    polls: list[int] = []

    def count_polls() -> bool:
        polls.append(1)
        return False

    def stop_on_second_poll() -> bool:
        polls.append(1)
        return len(polls) >= 2

    events: list[EpochEvent] = []
    full = train(spec, mnist, on_epoch=events.append, should_stop=count_polls)
    assert full.estimator.steps_per_execution == steps
    assert [event.epoch for event in events] == [1, 2] and events == full.history
    assert int(full.estimator.optimizer.iterations) == 2 * steps_per_epoch  # no batch skipped or repeated
    assert len(polls) == 2 * math.ceil(steps_per_epoch / steps)  # once per call
    assert not full.stopped

    polls.clear()
    stopped = train(spec.replace(epochs=5), mnist, should_stop=stop_on_second_poll)
    assert len(polls) == 2
    assert int(stopped.estimator.optimizer.iterations) == 2 * steps < steps_per_epoch
    assert stopped.epochs_run == 1 and [event.epoch for event in stopped.history] == [1]
    assert stopped.stopped and not stopped.stopped_early


def test_sklearn_keeps_the_first_layer_epoch_by_epoch(mnist: data.Dataset) -> None:
    """Every epoch's first-layer weights are kept as images and reported; the last is the trained first layer."""
    spec = ModelSpec(hidden_layers=(48,), epochs=3, train_size=1000, batch_size=64, seed=0)
    reported: list[tuple[int, tuple[int, ...]]] = []
    trained = train(spec, mnist, on_weights=lambda epoch, images: reported.append((epoch, images.shape)))
    history = trained.weight_history
    assert history.epochs == [1, 2, 3] and reported == [(epoch, (36, 28, 28)) for epoch in (1, 2, 3)]
    np.testing.assert_allclose(
        history.frames[-1][5], trained.network.weights[0][:, 5].reshape(28, 28), rtol=1e-3, atol=1e-3
    )
    assert not np.allclose(history.frames[0], history.frames[-1])  # the features changed as it learned


@pytest.mark.slow
def test_keras_keeps_the_first_layer_from_before_training(mnist: data.Dataset) -> None:
    """With Keras the history starts at epoch 0, the random weights, and holds one snapshot per epoch."""
    spec = ModelSpec(framework="keras", hidden_layers=(16,), epochs=2, train_size=1000, batch_size=64, seed=0)
    trained = train(spec, mnist)
    assert trained.weight_history.epochs == [0, 1, 2]
    assert trained.weight_history.frames[0].shape == (16, 28, 28)
    np.testing.assert_allclose(
        trained.weight_history.frames[-1][3], trained.network.weights[0][:, 3].reshape(28, 28), atol=1e-3
    )


def test_a_stored_weight_history_is_bounded() -> None:
    """However many epochs ran, at most HISTORY_FRAMES snapshots are stored, the first and the last among them."""
    history = WeightHistory()
    for epoch in range(200):
        history.add(epoch, np.full((784, 64), float(epoch)))
    stored = WeightHistory.from_bytes(history.to_bytes())
    assert len(stored) == HISTORY_FRAMES and stored.epochs[0] == 0 and stored.epochs[-1] == 199
    assert stored.frames[0].shape == (HISTORY_UNITS, 28, 28) and stored.frames[0].dtype == np.float16
    assert len(history.to_bytes()) < 2_000_000


@pytest.mark.slow
def test_practice_drawings_join_the_training_rows_only(mnist: data.Dataset) -> None:
    """With drawings on, the 6 000 practice drawings are added to the rows fitted; validation stays MNIST."""
    from mnist_core.images import PRACTICE_PER_DIGIT

    spec = ModelSpec(train_size=1000, validation_fraction=0.1)
    plain, mixed = split_for_training(spec, mnist), split_for_training(spec.replace(drawings=True), mnist)
    assert len(mixed.y_fit) == len(plain.y_fit) + 10 * PRACTICE_PER_DIGIT
    np.testing.assert_array_equal(mixed.x_fit[: len(plain.y_fit)], plain.x_fit)
    np.testing.assert_array_equal(mixed.x_val, plain.x_val)


def test_the_class_training_half_joins_the_training_rows(
    mnist: data.Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a class set, its frozen drawings are fitted on too, and a model trains on them."""
    from mnist_core.classroom import ClassDrawings
    from mnist_core.images import render_digit

    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path))
    drawings = ClassDrawings(tmp_path / "class.db")
    for digit in range(10):
        drawings.add(render_digit(digit, height=160, pen=18), digit, "s")
    spec = ModelSpec(hidden_layers=(16,), epochs=1, train_size=500, class_set=drawings.snapshot())
    rows = data.class_set(spec.class_set)  # what travels with the task to a worker
    split = split_for_training(spec, mnist, rows)
    assert len(split.y_fit) == 450 + 5
    assert sorted(split.y_fit[-5:].tolist()) == [1, 3, 5, 7, 9]  # even ids: the second, fourth, … drawing
    assert train(spec, mnist, class_rows=rows).history[-1].epoch == 1
    with pytest.raises(InvalidSpecError, match="did not come with it"):
        train(spec, mnist)
