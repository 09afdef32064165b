"""scikit-learn backend: ``MLPClassifier`` trained one epoch at a time with ``partial_fit``."""

from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from .augment import augment
from .evaluation import log_loss
from .inference import DenseNetwork
from .spec import ModelSpec
from .training import EpochEvent, OnEpoch, ShouldStop, TrainedModel, _Split

CLASSES = np.arange(10)
# Training accuracy per epoch is measured on a fixed sample: scoring every
# training image would add a third of an epoch's work to each epoch.
ACCURACY_SAMPLE = 5000


def make_classifier(spec: ModelSpec) -> MLPClassifier:
    """The ``MLPClassifier`` a spec describes, untrained."""
    return MLPClassifier(
        hidden_layer_sizes=spec.hidden_layers,
        activation=spec.activations[0],
        solver=spec.optimizer,
        alpha=spec.l2,
        batch_size=spec.batch_size,
        learning_rate_init=spec.learning_rate,
        momentum=spec.momentum,
        max_iter=spec.epochs,
        # A generator rather than a seed: partial_fit re-reads random_state on every
        # call, and only a shared generator gives each epoch a fresh shuffle.
        random_state=np.random.RandomState(spec.seed),
        shuffle=True,
    )


def _scores(network: DenseNetwork, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Log-loss and accuracy of ``network`` on ``(x, y)``."""
    proba = network.predict_proba(x)
    return log_loss(proba, y), float((proba.argmax(axis=1) == y).mean())


def fit(spec: ModelSpec, split: _Split, on_epoch: OnEpoch, should_stop: ShouldStop) -> TrainedModel:
    """Train epoch by epoch so progress, stopping and early stopping work as with Keras."""
    classifier = make_classifier(spec)
    sample = np.random.default_rng(spec.seed).permutation(len(split.y_fit))[:ACCURACY_SAMPLE]
    x_sample, y_sample = split.x_fit[sample], split.y_fit[sample]
    history: list[EpochEvent] = []
    best_loss, best_weights, waited = np.inf, None, 0
    stopped = stopped_early = False
    distort = np.random.default_rng(spec.seed + 1)
    for epoch in range(1, spec.epochs + 1):
        started = time.perf_counter()
        x_epoch = augment(split.x_fit, distort) if spec.augment else split.x_fit
        # partial_fit warns when one pass has not converged: one pass never has. It
        # would also scan every pixel for NaN on every call; MNIST came as uint8.
        with warnings.catch_warnings(), sklearn.config_context(assume_finite=True):
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.partial_fit(x_epoch, split.y_fit, classes=CLASSES)
        network = DenseNetwork.from_sklearn(classifier)
        _, accuracy = _scores(network, x_sample, y_sample)
        val_loss = val_accuracy = None
        if split.x_val is not None and split.y_val is not None:
            val_loss, val_accuracy = _scores(network, split.x_val, split.y_val)
        event = EpochEvent(
            epoch=epoch,
            epochs=spec.epochs,
            loss=float(classifier.loss_curve_[-1]),
            accuracy=accuracy,
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            seconds=time.perf_counter() - started,
        )
        history.append(event)
        on_epoch(event)
        if spec.early_stopping and val_loss is not None:
            if val_loss < best_loss:
                best_loss, waited = val_loss, 0
                best_weights = ([w.copy() for w in classifier.coefs_], [b.copy() for b in classifier.intercepts_])
            else:
                waited += 1
                if waited >= spec.patience:
                    stopped_early = True
                    break
        if should_stop() and epoch < spec.epochs:
            stopped = True
            break
    if stopped_early and best_weights is not None:
        classifier.coefs_, classifier.intercepts_ = best_weights
    network = DenseNetwork.from_sklearn(classifier)
    return TrainedModel(
        spec=spec,
        estimator=classifier,
        network=network,
        history=history,
        layers=layer_table(network),
        train_seconds=0.0,
        stopped=stopped,
        stopped_early=stopped_early,
    )


def layer_table(network: DenseNetwork) -> list[dict[str, object]]:
    """Rows like Keras's ``model.summary()`` for an MLPClassifier."""
    rows: list[dict[str, object]] = [
        {"layer": "input", "kind": "Input", "output_shape": "(None, 784)", "parameters": 0}
    ]
    names = [f"hidden_{i + 1}" for i in range(len(network.activations))] + ["output"]
    kinds = [f"Dense ({name})" for name in network.activations] + ["Dense (softmax)"]
    for name, kind, weight, bias in zip(names, kinds, network.weights, network.biases, strict=True):
        rows.append(
            {
                "layer": name,
                "kind": kind,
                "output_shape": f"(None, {weight.shape[1]})",
                "parameters": weight.size + bias.size,
            }
        )
    return rows
