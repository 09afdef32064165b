"""Predictions with NumPy alone: the dense layers of a trained MLP, from either framework.

The Draw and Evaluate pages predict through here, so they never import
TensorFlow and one image costs microseconds instead of a framework call.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DamagedModelError

__all__ = ["ACTIVATIONS", "INPUT_UNITS", "OUTPUT_UNITS", "DenseNetwork", "softmax"]

INPUT_UNITS = 784
OUTPUT_UNITS = 10
#: A network that has learned "not a digit" has it as an eleventh output, after the digits.
WITH_NON_DIGIT = OUTPUT_UNITS + 1


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0, out=z)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def _logistic(z: np.ndarray) -> np.ndarray:
    # Written with tanh: equal to 1 / (1 + e^-z) and never overflows.
    return 0.5 * (np.tanh(0.5 * z) + 1)


def _elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _identity(z: np.ndarray) -> np.ndarray:
    return z


ACTIVATIONS = {
    "relu": _relu,
    "tanh": _tanh,
    "logistic": _logistic,
    "sigmoid": _logistic,
    "elu": _elu,
    "identity": _identity,
    "linear": _identity,
}


def softmax(z: np.ndarray) -> np.ndarray:
    """Each row of logits as probabilities (computed in place on a shifted copy)."""
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


#: Images multiplied at once: enough for fast matrix products, few enough that scoring all 60 000 training
#: images holds tens of megabytes at a time rather than their 376 MB in float64 (a first evaluation took
#: 2.1 s instead of 0.5 s here, most of it the system handing out fresh memory).
BATCH_ROWS = 4096


@dataclass(frozen=True, eq=False)
class DenseNetwork:
    """A stack of dense layers ending in a softmax over the ten digits (and "not a digit").

    Attributes:
        weights: one ``(inputs, outputs)`` matrix per layer, the output layer last.
        biases: one vector per layer.
        activations: the activation of each hidden layer (the output is softmax).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activations: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.biases) or len(self.weights) != len(self.activations) + 1:
            raise DamagedModelError("The network's layers, biases and activations do not line up.")
        units = INPUT_UNITS
        for weight, bias in zip(self.weights, self.biases, strict=True):
            if weight.ndim != 2 or weight.shape[0] != units or bias.shape != (weight.shape[1],):
                raise DamagedModelError("The network's weight shapes do not chain from 784 inputs.")
            units = weight.shape[1]
        if units not in (OUTPUT_UNITS, WITH_NON_DIGIT):
            raise DamagedModelError('The network does not end in 10 outputs (or 11, with "not a digit").')
        unknown = set(self.activations) - set(ACTIVATIONS)
        if unknown:
            raise DamagedModelError("Unknown activation(s): {value}.", value=", ".join(sorted(unknown)))

    @property
    def hidden_layers(self) -> tuple[int, ...]:
        """Units in each hidden layer."""
        return tuple(weight.shape[1] for weight in self.weights[:-1])

    @property
    def parameter_count(self) -> int:
        """Weights plus biases: what the network learned."""
        return sum(weight.size + bias.size for weight, bias in zip(self.weights, self.biases, strict=True))

    @property
    def knows_non_digits(self) -> bool:
        """Whether the network has an eleventh output, "not a digit"."""
        return self.weights[-1].shape[1] == WITH_NON_DIGIT

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Digit probabilities ``(n, 10)`` for images in [0, 1].

        For a network that :attr:`knows_non_digits` these are the digits' shares
        of its softmax: each row sums to 1 minus the probability that the image is
        not a digit, so a scribble leaves every digit unlikely.

        Args:
            images: ``(n, 28, 28)``, ``(n, 784)``, or one ``(28, 28)`` image; float
                in [0, 1] (uint8 0–255 is scaled).
        """
        return self.predict_outputs(images)[:, :OUTPUT_UNITS]

    def non_digit_proba(self, images: np.ndarray) -> np.ndarray:
        """The probability ``(n,)`` that each image is not a digit (0 for a network that never learned it)."""
        return self.non_digit_proba_of(self.predict_outputs(images))

    @staticmethod
    def non_digit_proba_of(outputs: np.ndarray) -> np.ndarray:
        """The "not a digit" column of :meth:`predict_outputs`'s result (0 where there is none)."""
        return outputs[:, OUTPUT_UNITS] if outputs.shape[1] > OUTPUT_UNITS else np.zeros(len(outputs))

    def predict_outputs(self, images: np.ndarray) -> np.ndarray:
        """Every output's probability, ``(n, 10)`` or ``(n, 11)``: the digits, then "not a digit"."""
        rows = np.asarray(images).reshape(-1, INPUT_UNITS)
        if len(rows) <= BATCH_ROWS:
            return self._outputs(rows)
        return np.concatenate(
            [self._outputs(rows[start : start + BATCH_ROWS]) for start in range(0, len(rows), BATCH_ROWS)]
        )

    def _outputs(self, rows: np.ndarray) -> np.ndarray:
        x = rows.astype(np.float32) / np.float32(255) if rows.dtype == np.uint8 else rows
        x = x.astype(np.float64)
        for weight, bias, name in zip(self.weights[:-1], self.biases[:-1], self.activations, strict=True):
            x = ACTIVATIONS[name](x @ weight + bias)
        return softmax(x @ self.weights[-1] + self.biases[-1])

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The most probable digit for each image."""
        return self.predict_proba(images).argmax(axis=1)

    @classmethod
    def from_sklearn(cls, classifier: Any) -> DenseNetwork:
        """Copy the weights out of a fitted ``MLPClassifier``."""
        hidden = len(classifier.coefs_) - 1
        return cls(
            tuple(np.array(w, dtype=np.float64) for w in classifier.coefs_),
            tuple(np.array(b, dtype=np.float64) for b in classifier.intercepts_),
            (classifier.activation,) * hidden,
        )

    @classmethod
    def from_keras(cls, model: Any) -> DenseNetwork:
        """Copy the weights out of a Keras model made of Dense (and weightless) layers."""
        weights, biases, activations = [], [], []
        for layer in model.layers:
            if type(layer).__name__ != "Dense":
                if layer.weights:
                    raise DamagedModelError("Layer {name} is not a dense layer.", name=layer.name)
                continue
            kernel, bias = layer.get_weights()
            weights.append(np.array(kernel, dtype=np.float64))
            biases.append(np.array(bias, dtype=np.float64))
            activations.append(layer.activation.__name__)
        if not activations or activations[-1] != "softmax":
            raise DamagedModelError("The Keras model does not end in a softmax layer.")
        return cls(tuple(weights), tuple(biases), tuple(activations[:-1]))

    def to_bytes(self) -> bytes:
        """The network as an ``.npz`` file (no pickles)."""
        arrays: dict[str, np.ndarray] = {"activations": np.array(self.activations, dtype=str)}
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"weight_{index}"] = weight.astype(np.float32)
            arrays[f"bias_{index}"] = bias.astype(np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> DenseNetwork:
        """Read :meth:`to_bytes` back.

        Raises:
            DamagedModelError: the bytes are not such a file.
        """
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                activations = tuple(str(name) for name in npz["activations"].reshape(-1))
                count = len(activations) + 1
                weights = tuple(npz[f"weight_{i}"].astype(np.float64) for i in range(count))
                biases = tuple(npz[f"bias_{i}"].astype(np.float64) for i in range(count))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise DamagedModelError("The weights file cannot be read: {error}", error=error) from None
        return cls(weights, biases, activations)

    @classmethod
    def load(cls, path: Path) -> DenseNetwork:
        """Read a weights file written by :meth:`to_bytes`."""
        return cls.from_bytes(Path(path).read_bytes())
