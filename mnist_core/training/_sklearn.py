"""scikit-learn backend: ``MLPClassifier`` trained one epoch at a time, a slice of it per ``partial_fit``."""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from ..network.dense import DenseNetwork
from ..network.evaluation import log_loss, validation_threshold
from ..spec import ModelSpec
from .augment import SETTINGS, augmented_epochs
from .early_stopping import EarlyStopping
from .records import EpochEvent, OnEpoch, OnWeights, ShouldStop, TrainedModel, TrainingSplit, WeightHistory

# Training accuracy per epoch is measured on a fixed sample: scoring every
# training image would add a third of an epoch's work to each epoch.
ACCURACY_SAMPLE = 5000

#: About this many samples go to each ``partial_fit`` call (whole batches of them): a stop asked for
#: mid-epoch is seen after the slice in hand, a fraction of a second, not at the end of the epoch.
SLICE_SAMPLES = 4096


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
        random_state=spec.seed,  # the first weights; the epochs are shuffled by :func:`_slices`
        shuffle=False,
    )


def _slices(samples: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's shuffled row numbers, cut into slices of whole batches for ``partial_fit``.

    Their batches are those of one pass over the shuffled epoch: only the epoch's last batch may be short.
    """
    step = batch_size * max(1, SLICE_SAMPLES // batch_size)
    cuts = list(range(step, samples, step))
    if cuts and samples - cuts[-1] < batch_size:  # a short last batch stays with the slice before it
        cuts.pop()
    return np.split(rng.permutation(samples), cuts)


def _scores(network: DenseNetwork, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Log-loss and accuracy of ``network`` on ``(x, y)`` (non-digits among them included)."""
    proba = network.predict_outputs(x)
    return log_loss(proba, y), float((proba.argmax(axis=1) == y).mean())


#: An MLPClassifier's learned state: its ``coefs_`` and ``intercepts_``.
Weights = tuple[list[np.ndarray], list[np.ndarray]]


def _weights(classifier: MLPClassifier) -> Weights:
    """A copy of the classifier's weights and biases."""
    return [w.copy() for w in classifier.coefs_], [b.copy() for b in classifier.intercepts_]


def fit(
    spec: ModelSpec, split: TrainingSplit, on_epoch: OnEpoch, should_stop: ShouldStop, on_weights: OnWeights
) -> TrainedModel:
    """Train epoch by epoch so progress, stopping and early stopping work as with Keras.

    The weight history starts at epoch 1: scikit-learn creates the weights inside the first ``partial_fit``.
    """
    started = time.perf_counter()
    history_of_weights = WeightHistory()
    classifier = make_classifier(spec)
    sample = np.random.default_rng(spec.seed).permutation(len(split.y_fit))[:ACCURACY_SAMPLE]
    x_sample, y_sample = split.x_fit[sample], split.y_fit[sample]
    history: list[EpochEvent] = []
    early = EarlyStopping[Weights](spec.patience) if spec.early_stopping else None
    stopped = False
    distort = np.random.default_rng(spec.seed + 1)
    copies = (
        augmented_epochs(split.x_fit, distort, SETTINGS[spec.augment], spec.epochs)
        if spec.augment != "off"
        else itertools.repeat(split.x_fit, spec.epochs)
    )
    order = np.random.default_rng(spec.seed + 2)
    for epoch, x_epoch in enumerate(copies, start=1):
        epoch_started = time.perf_counter()
        if epoch > 1:  # the optimizer exists from the first partial_fit on
            _set_learning_rate(classifier, spec.learning_rate_at((epoch - 1) / spec.epochs))
        summed_loss, seen = 0.0, 0
        for rows in _slices(len(split.y_fit), spec.batch_size, order):
            # partial_fit warns when one pass has not converged: one pass never has. It
            # would also scan every pixel for NaN on every call; MNIST came as uint8.
            with warnings.catch_warnings(), sklearn.config_context(assume_finite=True):
                warnings.simplefilter("ignore", ConvergenceWarning)
                classifier.partial_fit(x_epoch[rows], split.y_fit[rows], classes=np.arange(spec.outputs))
            summed_loss, seen = summed_loss + classifier.loss_curve_[-1] * len(rows), seen + len(rows)
            if seen < len(split.y_fit) and should_stop():
                stopped = True  # this epoch, as far as it went, is the last
                break
        network = DenseNetwork.from_sklearn(classifier)
        _, accuracy = _scores(network, x_sample, y_sample)
        val_loss = val_accuracy = None
        if split.validation is not None:
            val_loss, val_accuracy = _scores(network, *split.validation)
        event = EpochEvent(
            epoch=epoch,
            epochs=spec.epochs,
            loss=float(summed_loss / seen),
            accuracy=accuracy,
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            seconds=time.perf_counter() - epoch_started,
        )
        history.append(event)
        on_epoch(event)
        on_weights(epoch, history_of_weights.add(epoch, classifier.coefs_[0]))
        if early is not None and val_loss is not None and early.update(epoch, val_loss, lambda: _weights(classifier)):
            break
        if stopped or (epoch < spec.epochs and should_stop()):
            stopped = True
            break
    stopped_early = False
    if early is not None and early.stopped and early.best_weights_ is not None:
        classifier.coefs_, classifier.intercepts_ = early.best_weights_
        stopped_early = True
    network = DenseNetwork.from_sklearn(classifier)
    train_seconds = time.perf_counter() - started
    return TrainedModel(
        spec=spec,
        estimator=classifier,
        network=network,
        history=history,
        layers=layer_table(network),
        train_seconds=train_seconds,
        stopped=stopped,
        stopped_early=stopped_early,
        reject_threshold=validation_threshold(network, split.validation),
        weight_history=history_of_weights,
    )


def _set_learning_rate(classifier: MLPClassifier, rate: float) -> None:
    # partial_fit keeps one optimizer for the whole run and has no schedule of its own
    # beyond SGD's "adaptive"; Adam reads learning_rate_init at every step, SGD learning_rate.
    classifier._optimizer.learning_rate_init = rate
    classifier._optimizer.learning_rate = rate


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
