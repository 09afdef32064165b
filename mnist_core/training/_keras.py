"""Keras backend: a functional-API MLP, with progress and stopping as callbacks.

This is the only module that imports Keras (and so TensorFlow).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..network.dense import DenseNetwork
from ..network.evaluation import validation_threshold
from ..spec import ModelSpec
from ._keras_import import import_keras
from ._keras_settings import KERAS_ACTIVATION, batches_per_epoch, steps_per_execution
from .augment import SETTINGS, augmented_epochs
from .early_stopping import EarlyStopping
from .records import EpochEvent, OnEpoch, OnWeights, ShouldStop, TrainedModel, TrainingSplit, WeightHistory

import_keras()
import keras  # noqa: E402  (loaded quietly just above)


def build_model(spec: ModelSpec, fit_rows: int | None = None) -> keras.Model:
    """The Keras model a spec describes, compiled (see :func:`steps_per_execution`) and untrained.

    ``fit_rows``: the rows each epoch trains on, which a schedule spreads its steps over
    (practice drawings add to the spec's MNIST rows).
    """
    keras.utils.set_random_seed(spec.seed)
    # scikit-learn adds alpha/2 * ||W||^2 per sample of a batch; matching it makes
    # the L2 slider mean the same thing in both frameworks.
    l2 = spec.l2 / (2 * spec.batch_size)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(784,), name="pixels")
    hidden = inputs
    for index, (units, activation, rate) in enumerate(
        zip(spec.hidden_layers, spec.activations, spec.dropout_rates, strict=True), start=1
    ):
        hidden = keras.layers.Dense(
            units, activation=KERAS_ACTIVATION[activation], kernel_regularizer=regularizer, name=f"hidden_{index}"
        )(hidden)
        if rate:
            hidden = keras.layers.Dropout(rate, seed=spec.seed + index, name=f"dropout_{index}")(hidden)
    outputs = keras.layers.Dense(spec.outputs, activation="softmax", name="output")(hidden)
    model = keras.Model(inputs, outputs, name="digit_mlp")
    model.compile(
        optimizer=_optimizer(spec, fit_rows),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution(spec),
    )
    return model


def _optimizer(spec: ModelSpec, fit_rows: int | None) -> keras.optimizers.Optimizer:
    rate: float | keras.optimizers.schedules.LearningRateSchedule = spec.learning_rate
    if spec.schedule == "cosine":
        # Step by step, as spec.learning_rate_at describes: 1 at the first step, 0 after the last.
        rate = keras.optimizers.schedules.CosineDecay(
            spec.learning_rate, decay_steps=spec.epochs * batches_per_epoch(spec, fit_rows)
        )
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=rate, momentum=spec.momentum, nesterov=spec.momentum > 0)
    if spec.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=rate)


class _Progress(keras.callbacks.Callback):
    """Turns Keras's epoch logs into EpochEvents, polls for a stop request, and stops early.

    Early stopping follows the package's one rule (:class:`EarlyStopping`), so
    both Keras loops and the scikit-learn loop stop and restore alike.
    """

    def __init__(self, spec: ModelSpec, on_epoch: OnEpoch, should_stop: ShouldStop, on_weights: OnWeights) -> None:
        super().__init__()
        self.epochs = spec.epochs
        self.on_epoch = on_epoch
        self.should_stop = should_stop
        self.on_weights = on_weights
        self.weight_history = WeightHistory()
        self.early = EarlyStopping[list[np.ndarray]](spec.patience) if spec.early_stopping else None
        self.history: list[EpochEvent] = []
        self.stopped = False
        self._started = 0.0

    @property
    def finished(self) -> bool:
        """Whether the user or early stopping has ended training."""
        return self.stopped or (self.early is not None and self.early.stopped)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.weight_history:  # the augmented loop calls fit once per epoch: record the start once
            self._record_weights(0)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.stopped and self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        val_loss, val_accuracy = logs.get("val_loss"), logs.get("val_accuracy")
        event = EpochEvent(
            epoch=epoch + 1,
            epochs=self.epochs,
            loss=float(logs["loss"]),
            accuracy=float(logs["accuracy"]),
            val_loss=None if val_loss is None else float(val_loss),
            val_accuracy=None if val_accuracy is None else float(val_accuracy),
            seconds=time.perf_counter() - self._started,
        )
        self.history.append(event)
        self.on_epoch(event)
        self._record_weights(event.epoch)
        early_says_stop = (
            self.early is not None
            and event.val_loss is not None
            and not self.stopped
            and self.early.update(event.epoch, event.val_loss, self.model.get_weights)
        )
        if early_says_stop:
            self.model.stop_training = True

    def _record_weights(self, epoch: int) -> None:
        kernel = self.model.get_layer("hidden_1").kernel
        self.on_weights(epoch, self.weight_history.add(epoch, keras.ops.convert_to_numpy(kernel)))

    def restore_best(self) -> bool:
        """Put back the best epoch's weights if early stopping ended training; returns whether it did."""
        if self.early is None or not self.early.stopped or self.early.best_weights_ is None:
            return False
        self.model.set_weights(self.early.best_weights_)
        return True


def fit(
    spec: ModelSpec, split: TrainingSplit, on_epoch: OnEpoch, should_stop: ShouldStop, on_weights: OnWeights
) -> TrainedModel:
    """Train with ``model.fit``; early stopping restores the best weights."""
    started = time.perf_counter()
    model = build_model(spec, len(split.y_fit))
    progress = _Progress(spec, on_epoch, should_stop, on_weights)
    if spec.augment != "off":
        _fit_augmented(model, spec, split, progress)
    else:
        model.fit(
            split.x_fit,
            split.y_fit,
            batch_size=spec.batch_size,
            epochs=spec.epochs,
            validation_data=split.validation,
            shuffle=True,
            verbose=0,
            callbacks=[progress],
        )
    stopped_early = progress.restore_best()
    network = DenseNetwork.from_keras(model)
    train_seconds = time.perf_counter() - started
    return TrainedModel(
        spec=spec,
        estimator=model,
        network=network,
        history=progress.history,
        layers=layer_table(model),
        train_seconds=train_seconds,
        stopped=progress.stopped,
        stopped_early=stopped_early,
        reject_threshold=validation_threshold(network, split.validation),
        weight_history=progress.weight_history,
    )


def _fit_augmented(model: keras.Model, spec: ModelSpec, split: TrainingSplit, progress: _Progress) -> None:
    """One ``fit`` call per epoch on freshly distorted images.

    Arrays in memory keep Keras on its fast input path (a Python batch generator
    halves the speed); the progress callback carries early stopping across the
    ``fit`` calls, where Keras's own callback would start afresh with each.
    """
    rng = np.random.default_rng(spec.seed + 1)
    copies = augmented_epochs(split.x_fit, rng, SETTINGS[spec.augment], spec.epochs)
    for epoch, x_epoch in enumerate(copies):
        model.fit(
            x_epoch,
            split.y_fit,
            batch_size=spec.batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            validation_data=split.validation,
            shuffle=True,
            verbose=0,
            callbacks=[progress],
        )
        if progress.finished:
            copies.close()  # ends the background copy
            return


def layer_table(model: keras.Model) -> list[dict[str, object]]:
    """The rows of ``model.summary()``: layer, kind, output shape, parameters."""
    rows: list[dict[str, object]] = [
        {"layer": "pixels", "kind": "Input", "output_shape": "(None, 784)", "parameters": 0}
    ]
    for layer in model.layers[1:]:
        kind = type(layer).__name__
        if kind == "Dense":
            kind = f"Dense ({layer.activation.__name__})"
        elif kind == "Dropout":
            kind = f"Dropout ({layer.rate:g})"
        rows.append(
            {
                "layer": layer.name,
                "kind": kind,
                "output_shape": str(tuple(layer.output.shape)),
                "parameters": int(layer.count_params()),
            }
        )
    return rows
