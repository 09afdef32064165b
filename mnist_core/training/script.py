"""Any model as plain code: a standalone script that trains the same network without the app.

:func:`training_script` writes a Python file a student can read top to bottom:
the hyperparameters as named constants, MNIST loaded from a Keras-format
``mnist.npz``, the same stratified subset and validation split the app uses,
a plain ``MLPClassifier(...)`` or ``keras.Sequential``, the same seed, schedule
and early-stopping rule, and ``test accuracy 0.xxxx`` as its last line. It
needs only NumPy and the framework.

What only the app can do is named in the script's docstring and left out:
distorted copies of the images, the practice drawings and the class's drawings
(these make a model read drawings better, and change its MNIST score a little).
"""

from __future__ import annotations

from ..data import cache_path
from ..spec import ModelSpec
from ._keras_settings import KERAS_ACTIVATION, steps_per_execution

__all__ = ["script_name", "training_script"]


def script_name(spec: ModelSpec) -> str:
    """A file name for a spec's script: ``train_keras_128x64.py``."""
    return f"train_{spec.framework}_{'x'.join(map(str, spec.hidden_layers))}.py"


def _left_out(spec: ModelSpec) -> list[str]:
    parts = []
    if spec.augment != "off":
        parts.append(f"{spec.augment} distortions of the training images (augment={spec.augment!r})")
    if spec.drawings:
        parts.append("the 6 000 practice drawings (drawings=True)")
    if spec.class_set:
        parts.append(f"the class's drawings (class_set={spec.class_set!r})")
    if spec.non_digits:
        parts.append('the 6 000 non-digits and the eleventh output, "not a digit" (non_digits=True)')
    return parts


def training_script(spec: ModelSpec, *, model_id: str = "") -> str:
    """A standalone Python script that trains ``spec`` with scikit-learn or Keras directly.

    Args:
        spec: the model's recipe.
        model_id: the store id it reproduces, named in the docstring.
    """
    left_out = _left_out(spec)
    note = (
        "\nLeft out (they need the app's own code): " + "; ".join(left_out) + ".\n"
        "So this script trains on MNIST alone, and its accuracy may differ a little from the app's.\n"
        if left_out
        else "\nWith the same data, seed and libraries it should score what the app's model scored.\n"
    )
    framework = "scikit-learn" if spec.framework == "sklearn" else "Keras"
    needs = "numpy and scikit-learn" if spec.framework == "sklearn" else "numpy and keras (with TensorFlow)"
    trained = f" as Digit Studio's model {model_id}" if model_id else ""
    layers = spec.replace(non_digits=False).architecture  # the script learns the ten digits alone
    header = f'''"""Train a {layers} multi-layer perceptron on MNIST with {framework}{trained}.

Run:   python {script_name(spec)} [--data mnist.npz] [--train-size N]
Needs: {needs}.
{note}"""

import argparse
import math
from pathlib import Path

import numpy as np

# -- The hyperparameters ----------------------------------------------------------
HIDDEN_LAYERS = {spec.hidden_layers!r}
ACTIVATIONS = {spec.activations!r}
OPTIMIZER = {spec.optimizer!r}
LEARNING_RATE = {spec.learning_rate!r}
SCHEDULE = {spec.schedule!r}  # "cosine": the step size falls along a half cosine to zero
MOMENTUM = {spec.momentum!r}  # used by SGD only
EPOCHS = {spec.epochs!r}
BATCH_SIZE = {spec.batch_size!r}
L2 = {spec.l2!r}
DROPOUT = {spec.dropout_rates!r}  # after each hidden layer (Keras only)
EARLY_STOPPING = {spec.early_stopping!r}
PATIENCE = {spec.patience!r}
VALIDATION_FRACTION = {spec.validation_fraction!r}
TRAIN_SIZE = {spec.train_size!r}
SEED = {spec.seed!r}
DEFAULT_DATA = {str(cache_path())!r}


# -- The data -----------------------------------------------------------------------
def load_mnist(path):
    """MNIST from a Keras-format mnist.npz: uint8 images (n, 28, 28) and their digits."""
    with np.load(path) as data:
        return data["x_train"], data["y_train"], data["x_test"], data["y_test"]


def stratified_subset(x, y, size, seed):
    """`size` training images, each digit keeping its share (the app's subset for the same seed)."""
    if size >= len(y):
        return x, y
    rng = np.random.default_rng(seed)
    counts = np.bincount(y, minlength=10)
    exact = counts * size / len(y)
    take = np.floor(exact).astype(int)
    # The images left over after rounding down go to the digits with the largest remainders.
    take[np.argsort(exact - take)[::-1][: size - take.sum()]] += 1
    chosen = [rng.permutation(np.flatnonzero(y == digit))[:n] for digit, n in enumerate(take)]
    index = np.sort(np.concatenate(chosen))
    return x[index], y[index]


def features(images):
    """(n, 28, 28) uint8 -> (n, 784) float32 in [0, 1]."""
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def split_validation(x, y, fraction, seed):
    """Hold out a seeded share of the training rows to validate on (none when fraction is 0)."""
    if fraction == 0:
        return x, y, None, None
    order = np.random.default_rng(seed).permutation(len(y))
    n_val = round(len(y) * fraction)
    val, fit = np.sort(order[:n_val]), np.sort(order[n_val:])
    return x[fit], y[fit], x[val], y[val]


def learning_rate_at(progress):
    """The step size once `progress` (0 to 1) of the training is done."""
    if SCHEDULE == "cosine":
        return LEARNING_RATE * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
    return LEARNING_RATE

'''
    body = _sklearn_body() if spec.framework == "sklearn" else _keras_body(spec)
    return header + body + _MAIN


def _sklearn_body() -> str:
    return '''
# -- The network and its training ---------------------------------------------------
def build_network():
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=HIDDEN_LAYERS,
        activation=ACTIVATIONS[0],
        solver=OPTIMIZER,
        alpha=L2,
        batch_size=BATCH_SIZE,
        learning_rate_init=LEARNING_RATE,
        momentum=MOMENTUM,
        max_iter=EPOCHS,
        random_state=SEED,  # the first weights: each epoch is shuffled in train() below
        shuffle=False,
    )


def log_loss(probabilities, y):
    picked = probabilities[np.arange(len(y)), y]
    return float(-np.log(np.clip(picked, 1e-15, 1.0)).mean())


def train(x_fit, y_fit, x_val, y_val):
    """One partial_fit per epoch, so that the learning rate can follow its schedule and training can stop early."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    network = build_network()
    shuffles = np.random.default_rng(SEED + 2)
    best_loss, best_weights, waited = float("inf"), None, 0
    for epoch in range(1, EPOCHS + 1):
        if epoch > 1:  # partial_fit keeps one optimizer; it has no schedule of its own
            network._optimizer.learning_rate_init = learning_rate_at((epoch - 1) / EPOCHS)
            network._optimizer.learning_rate = learning_rate_at((epoch - 1) / EPOCHS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # one pass never "converges"
            order = shuffles.permutation(len(y_fit))
            network.partial_fit(x_fit[order], y_fit[order], classes=np.arange(10))
        line = f"epoch {epoch}/{EPOCHS}: loss {network.loss_curve_[-1]:.4f}"
        if x_val is not None:
            val_loss = log_loss(network.predict_proba(x_val), y_val)
            line += f", validation loss {val_loss:.4f}"
        print(line)
        if EARLY_STOPPING and x_val is not None:
            if val_loss < best_loss:  # keep the best epoch's weights
                best_loss, waited = val_loss, 0
                best_weights = ([w.copy() for w in network.coefs_], [b.copy() for b in network.intercepts_])
            else:
                waited += 1
                if waited >= PATIENCE:
                    network.coefs_, network.intercepts_ = best_weights
                    print(f"stopped early: the best epoch was {epoch - waited}")
                    break
    return network


def describe(network):
    units = [784, *HIDDEN_LAYERS, 10]
    parameters = sum(w.size + b.size for w, b in zip(network.coefs_, network.intercepts_))
    return "-".join(map(str, units)), parameters


def test_accuracy(network, x_test, y_test):
    return float((network.predict(x_test) == y_test).mean())

'''


def _keras_body(spec: ModelSpec) -> str:
    activations = tuple(KERAS_ACTIVATION[name] for name in spec.activations)
    return f"""
# -- The network and its training ---------------------------------------------------
KERAS_ACTIVATIONS = {activations!r}
# Batches run per call into TensorFlow: much faster on a CPU, the same arithmetic.
STEPS_PER_EXECUTION = {steps_per_execution(spec)!r}


def build_network(fit_rows):
    import keras

    keras.utils.set_random_seed(SEED)
    # scikit-learn adds alpha/2 * ||W||^2 per image of a batch: the same L2 in Keras terms.
    regularizer = keras.regularizers.L2(L2 / (2 * BATCH_SIZE)) if L2 else None
    layers = [keras.Input(shape=(784,))]
    for index, (units, activation, rate) in enumerate(zip(HIDDEN_LAYERS, KERAS_ACTIVATIONS, DROPOUT), start=1):
        layers.append(keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer))
        if rate:
            layers.append(keras.layers.Dropout(rate, seed=SEED + index))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    network = keras.Sequential(layers)
    rate = LEARNING_RATE
    if SCHEDULE == "cosine":  # lowered step by step, to zero after the last batch
        rate = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, EPOCHS * math.ceil(fit_rows / BATCH_SIZE))
    if OPTIMIZER == "sgd":
        optimizer = keras.optimizers.SGD(learning_rate=rate, momentum=MOMENTUM, nesterov=MOMENTUM > 0)
    elif OPTIMIZER == "rmsprop":
        optimizer = keras.optimizers.RMSprop(learning_rate=rate)
    else:
        optimizer = keras.optimizers.Adam(learning_rate=rate)
    network.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return network


def train(x_fit, y_fit, x_val, y_val):
    import keras

    network = build_network(len(y_fit))
    callbacks = []
    if EARLY_STOPPING and x_val is not None:
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
        callbacks.append(stop)
    network.fit(
        x_fit,
        y_fit,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_data=None if x_val is None else (x_val, y_val),
        shuffle=True,
        verbose=2,
        callbacks=callbacks,
    )
    return network


def describe(network):
    units = [784, *(layer.units for layer in network.layers if hasattr(layer, "units"))]
    return "-".join(map(str, units)), network.count_params()


def test_accuracy(network, x_test, y_test):
    return float((network.predict(x_test, verbose=0).argmax(axis=1) == y_test).mean())

"""


_MAIN = """
# -- Putting it together --------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help="a Keras-format mnist.npz")
    parser.add_argument("--train-size", type=int, default=TRAIN_SIZE, help="training images (a stratified subset)")
    args = parser.parse_args()

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    x_train, y_train = stratified_subset(x_train, y_train, args.train_size, SEED)
    y_train = y_train.astype(np.int64)
    x_fit, y_fit, x_val, y_val = split_validation(features(x_train), y_train, VALIDATION_FRACTION, SEED)
    network = train(x_fit, y_fit, x_val, y_val)
    architecture, parameters = describe(network)
    print(f"network {architecture}, {parameters} parameters, trained on {len(y_fit)} images")
    print(f"test accuracy {test_accuracy(network, features(x_test), y_test.astype(np.int64)):.4f}")


if __name__ == "__main__":
    main()
"""
