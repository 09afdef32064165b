"""Keras backend: a functional-API MLP, with progress and stopping as callbacks.

This is the only module that imports Keras (and so TensorFlow).
"""

from __future__ import annotations

import os
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the terminal

import keras
import numpy as np

from .augment import augment
from .inference import DenseNetwork
from .spec import ModelSpec
from .training import EpochEvent, OnEpoch, ShouldStop, TrainedModel, _Split

KERAS_ACTIVATION = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "elu": "elu"}


def build_model(spec: ModelSpec) -> keras.Model:
    """The Keras model a spec describes, compiled and untrained."""
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
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(hidden)
    model = keras.Model(inputs, outputs, name="digit_mlp")
    model.compile(optimizer=_optimizer(spec), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _optimizer(spec: ModelSpec) -> keras.optimizers.Optimizer:
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(
            learning_rate=spec.learning_rate, momentum=spec.momentum, nesterov=spec.momentum > 0
        )
    if spec.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=spec.learning_rate)
    return keras.optimizers.Adam(learning_rate=spec.learning_rate)


class _Progress(keras.callbacks.Callback):
    """Turns Keras's epoch logs into EpochEvents and polls for a stop request."""

    def __init__(self, epochs: int, on_epoch: OnEpoch, should_stop: ShouldStop) -> None:
        super().__init__()
        self.epochs = epochs
        self.on_epoch = on_epoch
        self.should_stop = should_stop
        self.history: list[EpochEvent] = []
        self.stopped = False
        self._started = 0.0

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


def fit(spec: ModelSpec, split: _Split, on_epoch: OnEpoch, should_stop: ShouldStop) -> TrainedModel:
    """Train with ``model.fit``; early stopping restores the best weights."""
    model = build_model(spec)
    progress = _Progress(spec.epochs, on_epoch, should_stop)
    if spec.augment:
        stopped_early = _fit_augmented(model, spec, split, progress)
    else:
        callbacks: list[keras.callbacks.Callback] = [progress]
        early = None
        if spec.early_stopping:
            early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=spec.patience, restore_best_weights=True)
            callbacks.append(early)
        model.fit(
            split.x_fit,
            split.y_fit,
            batch_size=spec.batch_size,
            epochs=spec.epochs,
            validation_data=_validation(split),
            shuffle=True,
            verbose=0,
            callbacks=callbacks,
        )
        stopped_early = bool(early is not None and early.stopped_epoch > 0)
    return TrainedModel(
        spec=spec,
        estimator=model,
        network=DenseNetwork.from_keras(model),
        history=progress.history,
        layers=layer_table(model),
        train_seconds=0.0,
        stopped=progress.stopped,
        stopped_early=stopped_early,
    )


def _validation(split: _Split) -> tuple[np.ndarray, np.ndarray] | None:
    return None if split.x_val is None or split.y_val is None else (split.x_val, split.y_val)


def _fit_augmented(model: keras.Model, spec: ModelSpec, split: _Split, progress: _Progress) -> bool:
    """One ``fit`` call per epoch on freshly distorted images; returns whether it stopped early.

    Arrays in memory keep Keras on its fast input path (a Python batch generator
    halves the speed); early stopping is done here because Keras's own callback
    starts afresh with every ``fit`` call.
    """
    rng = np.random.default_rng(spec.seed + 1)
    best_loss, best_weights, waited = np.inf, None, 0
    for epoch in range(spec.epochs):
        model.fit(
            augment(split.x_fit, rng),
            split.y_fit,
            batch_size=spec.batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            validation_data=_validation(split),
            shuffle=True,
            verbose=0,
            callbacks=[progress],
        )
        if progress.stopped:
            break
        val_loss = progress.history[-1].val_loss
        if not spec.early_stopping or val_loss is None:
            continue
        if val_loss < best_loss:
            best_loss, best_weights, waited = val_loss, model.get_weights(), 0
        else:
            waited += 1
            if waited >= spec.patience:
                model.set_weights(best_weights)
                return True
    return False


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
