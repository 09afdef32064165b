"""Inside the network: what each layer computes, which pixels sway an answer, what single units respond to.

Everything here is NumPy over a :class:`~mnist_core.network.dense.DenseNetwork`, so
it reads scikit-learn and Keras models alike and never imports a framework.

Hidden layers are numbered from 1 (layer 1 reads the pixels), as the layer
table shows them; the units of a layer are numbered from 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import BadInputError, InvalidImageError
from .dense import ACTIVATIONS, INPUT_UNITS, DenseNetwork, softmax

__all__ = [
    "KnockOut",
    "activations",
    "first_layer_images",
    "knock_out",
    "random_units",
    "saliency",
    "strongest_units",
    "unit_favourites",
    "without_units",
]

IMAGE_SIDE = 28
DIGITS = 10
#: Images unit_favourites pushes through the network at once: 2048 rows of a
#: 1024-unit layer are 8 MB of float32, so memory stays flat however many images.
FAVOURITES_BATCH_IMAGES = 2048


def _relu_slope(output: np.ndarray) -> np.ndarray:
    return (output > 0).astype(output.dtype)


def _tanh_slope(output: np.ndarray) -> np.ndarray:
    return 1 - output * output


def _logistic_slope(output: np.ndarray) -> np.ndarray:
    return output * (1 - output)


def _elu_slope(output: np.ndarray) -> np.ndarray:
    # For z <= 0, elu(z) = e^z - 1, whose derivative e^z is the output plus one.
    return np.where(output > 0, 1.0, output + 1)


def _identity_slope(output: np.ndarray) -> np.ndarray:
    return np.ones_like(output)


#: Each activation's derivative, written in terms of the activation's output so
#: the backward pass needs only what the forward pass keeps (relu and elu are
#: positive exactly where their input is).
_SLOPES = {
    "relu": _relu_slope,
    "tanh": _tanh_slope,
    "logistic": _logistic_slope,
    "sigmoid": _logistic_slope,
    "elu": _elu_slope,
    "identity": _identity_slope,
    "linear": _identity_slope,
}


def activations(network: DenseNetwork, images: np.ndarray) -> list[np.ndarray]:
    """What every layer outputs for a batch of images.

    Args:
        network: the model to look inside.
        images: ``(n, 28, 28)``, ``(n, 784)``, or one ``(28, 28)`` image (a
            batch of one); float in [0, 1], or uint8 0–255 (scaled).

    Returns:
        One ``(n, units)`` float64 array per hidden layer, after its activation,
        then the output probabilities, equal to ``network.predict_outputs(images)``:
        ``(n, 10)``, or ``(n, 11)`` for a network that knows "not a digit".

    Raises:
        InvalidImageError: ``images`` is not 28×28 pixels.
    """
    rows = _scaled(_pixel_rows(images), np.float64)
    hidden = _forward(rows, _hidden_layers(network))
    last = hidden[-1] if hidden else rows
    return [*hidden, softmax(last @ network.weights[-1] + network.biases[-1])]


def saliency(network: DenseNetwork, image: np.ndarray, digit: int) -> np.ndarray:
    """Which pixels pushed the network towards ``digit``, and which pushed it away.

    The method is *gradient × input*: for each pixel, how fast the log-probability
    of ``digit`` changes as that pixel brightens, times the pixel's brightness.
    A positive value means the ink there made the network more sure of
    ``digit``; a negative one, that it argued against ``digit``; background
    pixels (0) are always 0. Values are in log-probability per pixel and only
    first-order (a pixel's effect if it alone changed a little), so compare
    pixels within one image. The gradient is computed by hand, backwards
    through each dense layer and activation, in float64; the result is the
    same whether pixels are counted in [0, 1] or 0–255.

    Args:
        network: the model to explain.
        image: one ``(28, 28)`` or ``(784,)`` image, float in [0, 1] or uint8 0–255.
        digit: the class to explain, 0–9 (often the predicted one).

    Returns:
        ``(28, 28)`` float64 saliency, positive towards ``digit``, negative away.

    Raises:
        InvalidImageError: ``image`` is not one 28×28 image.
        BadInputError: ``digit`` is not a whole number from 0 to 9.
    """
    rows = _scaled(_pixel_rows(image), np.float64)
    if len(rows) != 1:
        raise InvalidImageError(
            "Saliency explains one image at a time; {rows_count} images were given.", rows_count=len(rows)
        )
    if not _is_whole_number(digit) or not 0 <= digit < DIGITS:
        raise BadInputError("The digit to explain must be a whole number from 0 to 9, not {digit}.", digit=repr(digit))
    outputs = [output[0] for output in activations(network, rows)]
    # The gradient of log softmax(z)[digit] with respect to the logits z.
    gradient = -outputs[-1]
    gradient[digit] += 1
    for weight, name, output in zip(
        reversed(network.weights[1:]), reversed(network.activations), reversed(outputs[:-1]), strict=True
    ):
        gradient = (weight @ gradient) * _SLOPES[name](output)
    gradient = network.weights[0] @ gradient
    return (gradient * rows[0]).reshape(IMAGE_SIDE, IMAGE_SIDE)


def without_units(network: DenseNetwork, layer: int, units: int | Iterable[int]) -> DenseNetwork:
    """A copy of the network in which some units of one hidden layer are silenced.

    A silenced unit still computes, but its outgoing weights are zero, so
    nothing it outputs reaches the next layer: the same as if it always output
    0. (Zeroing its incoming weights and bias instead would not silence a
    logistic unit, which outputs 0.5 for an input of 0.) Silencing every unit
    of a layer leaves a network that gives every image the same answer.

    Args:
        network: the model to change; it is left as it is.
        layer: the hidden layer, from 1 (the layer that reads the pixels).
        units: the units to silence, numbered from 0 (one number, or several;
            none gives an unchanged copy).

    Returns:
        The changed network. Its arrays are read-only: the changed weight
        matrix is a copy, the others are shared with ``network``.

    Raises:
        BadInputError: ``layer`` or a unit does not exist in this network.
    """
    width = _layer_width(network, layer)
    chosen = _checked_units(units, layer, width)
    outgoing = network.weights[layer].copy()
    outgoing[chosen] = 0
    weights = tuple(outgoing if index == layer else weight for index, weight in enumerate(network.weights))
    return DenseNetwork(
        tuple(_read_only(weight) for weight in weights),
        tuple(_read_only(bias) for bias in network.biases),
        network.activations,
    )


def first_layer_images(network: DenseNetwork) -> np.ndarray:
    """Each first-layer unit's incoming weights, laid out as the 28×28 image they weigh.

    Pixel (row, column) of image ``j`` is the weight from that pixel to unit
    ``j``: positive where ink excites the unit, negative where ink holds it back.

    Args:
        network: the model to look inside.

    Returns:
        ``(units, 28, 28)``, a read-only view of ``network.weights[0]`` in its
        dtype (copy it to change it).
    """
    images = network.weights[0].T.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    return _read_only(images)


def unit_favourites(network: DenseNetwork, layer: int, unit: int, images: np.ndarray, *, k: int = 9) -> np.ndarray:
    """The images that excite one hidden unit most.

    Only the layers up to ``layer`` are computed, in float32 and in batches of
    ``FAVOURITES_BATCH_IMAGES``, and of ``layer`` itself only ``unit``. Over the
    10 000 MNIST test images on two cores that is about 2 ms for layer 1 and
    0.1 s for layer 2 of a 1024-1024 network (``python -m benchmarks.inside``),
    so a page should cache it.

    Args:
        network: the model to look inside.
        layer: the hidden layer, from 1 (the layer that reads the pixels).
        unit: the unit in that layer, from 0.
        images: ``(n, 28, 28)`` or ``(n, 784)`` images, uint8 0–255 or float in [0, 1].
        k: how many images to return (all of them when there are fewer).

    Returns:
        Indices into ``images`` of the ``k`` images with the highest activation
        of the unit, highest first. Ties, such as relu's zeros, are broken by the
        input to the activation, then by the lower index.

    Raises:
        BadInputError: ``layer``, ``unit`` or ``k`` is out of range.
        InvalidImageError: ``images`` is not a batch of 28×28 images.
    """
    width = _layer_width(network, layer)
    unit = _checked_unit(unit, layer, width)
    if not _is_whole_number(k) or k < 1:
        raise BadInputError("The number of images to show must be a whole number of at least 1, not {k}.", k=repr(k))
    pixels = _pixel_rows(images)
    below = [
        (weight.astype(np.float32), bias.astype(np.float32), name)
        for weight, bias, name in zip(
            network.weights[: layer - 1], network.biases[: layer - 1], network.activations[: layer - 1], strict=True
        )
    ]
    column = network.weights[layer - 1][:, unit].astype(np.float32)
    bias = np.float32(network.biases[layer - 1][unit])
    inputs = np.empty(len(pixels), dtype=np.float32)
    for start in range(0, len(pixels), FAVOURITES_BATCH_IMAGES):
        batch = _scaled(pixels[start : start + FAVOURITES_BATCH_IMAGES], np.float32)
        hidden = _forward(batch, below)
        inputs[start : start + len(batch)] = (hidden[-1] if hidden else batch) @ column + bias
    # Every activation here is non-decreasing, so ranking by its input ranks by
    # its output too, and still orders the images a relu unit maps to the same 0.
    return np.argsort(-inputs, kind="stable")[:k]


def strongest_units(network: DenseNetwork, image: np.ndarray, layer: int, *, share: float = 0.1) -> list[int]:
    """The units of hidden layer ``layer`` that fire most for ``image``: the top ``share`` of them (at least one)."""
    width = _layer_width(network, layer)
    outputs = activations(network, image)[layer - 1][0]
    return sorted(int(unit) for unit in np.argsort(-outputs, kind="stable")[: _how_many(width, share)])


def random_units(network: DenseNetwork, layer: int, *, share: float = 0.1, seed: int = 0) -> list[int]:
    """A seeded random ``share`` of the units of hidden layer ``layer`` (at least one)."""
    width = _layer_width(network, layer)
    chosen = np.random.default_rng(int(seed)).choice(width, size=_how_many(width, share), replace=False)
    return sorted(int(unit) for unit in chosen)


def _how_many(width: int, share: float) -> int:
    if not 0 < share <= 1:
        raise BadInputError("The share of units must be above 0 and at most 1, not {share}.", share=repr(share))
    return max(1, round(width * share))


@dataclass(frozen=True, eq=False)
class KnockOut:
    """A network with some units silenced, side by side with the intact one.

    Attributes:
        layer: the hidden layer (from 1).
        units: the silenced units, sorted.
        intact_accuracy, silenced_accuracy: test accuracy without and with the units.
        intact_probabilities, silenced_probabilities: the answer for one drawing (None without one).
    """

    layer: int
    units: tuple[int, ...]
    intact_accuracy: float
    silenced_accuracy: float
    intact_probabilities: np.ndarray | None
    silenced_probabilities: np.ndarray | None


def knock_out(
    network: DenseNetwork,
    layer: int,
    units: int | Iterable[int],
    *,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    image: np.ndarray | None = None,
) -> KnockOut:
    """Silence ``units`` of hidden layer ``layer`` and score both networks on the test set (and on ``image``)."""
    silenced = without_units(network, layer, units)
    chosen = tuple(sorted(set(_checked_units(units, layer, _layer_width(network, layer)))))

    def accuracy(model: DenseNetwork) -> float:
        return float((model.predict(test_images) == test_labels).mean())

    return KnockOut(
        layer=layer,
        units=chosen,
        intact_accuracy=accuracy(network),
        silenced_accuracy=accuracy(silenced),
        intact_probabilities=None if image is None else network.predict_proba(image)[0],
        silenced_probabilities=None if image is None else silenced.predict_proba(image)[0],
    )


def _hidden_layers(network: DenseNetwork) -> Iterator[tuple[np.ndarray, np.ndarray, str]]:
    return zip(network.weights[:-1], network.biases[:-1], network.activations, strict=True)


def _forward(rows: np.ndarray, layers: Iterable[tuple[np.ndarray, np.ndarray, str]]) -> list[np.ndarray]:
    """Each layer's output, computed as ``DenseNetwork.predict_proba`` computes it."""
    outputs = []
    for weight, bias, name in layers:
        rows = ACTIVATIONS[name](rows @ weight + bias)
        outputs.append(rows)
    return outputs


def _pixel_rows(images: np.ndarray) -> np.ndarray:
    """Images as ``(n, 784)`` rows of their own dtype (a view where it can be)."""
    array = np.asarray(images)
    one_image = array.shape == (IMAGE_SIDE, IMAGE_SIDE) or array.shape == (INPUT_UNITS,)
    batch = (array.ndim == 3 and array.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE)) or (
        array.ndim == 2 and array.shape[1] == INPUT_UNITS
    )
    if array.dtype.kind not in "uif" or not (one_image or batch):
        raise InvalidImageError(
            "Images must be 28×28 pixels: one (28, 28) image, or a batch shaped (n, 28, 28) or (n, 784), of "
            "numbers; got an array of shape {shape} and type {dtype}.",
            shape=array.shape,
            dtype=array.dtype,
        )
    return array.reshape(-1, INPUT_UNITS)


def _scaled(rows: np.ndarray, dtype: type[np.floating]) -> np.ndarray:
    """Pixel rows as floats in [0, 1], scaled exactly as ``DenseNetwork.predict_proba`` scales them."""
    if rows.dtype == np.uint8:
        rows = rows.astype(np.float32) / np.float32(255)
    return rows.astype(dtype, copy=False)


def _layer_width(network: DenseNetwork, layer: int) -> int:
    """The units in hidden layer ``layer`` (from 1), or BadInputError naming the layers there are."""
    count = len(network.hidden_layers)
    if not _is_whole_number(layer) or not 1 <= layer <= count:
        choice = f"choose one from 1 to {count}" if count else "it has none"
        raise BadInputError("This network has no hidden layer {layer}: {choice}.", layer=repr(layer), choice=choice)
    return network.hidden_layers[layer - 1]


def _checked_unit(unit: object, layer: int, width: int) -> int:
    """``unit`` as an int, or BadInputError naming the units layer ``layer`` has."""
    if not _is_whole_number(unit) or not 0 <= unit < width:  # type: ignore[operator]
        raise BadInputError(
            "Hidden layer {layer} has no unit {unit}: its units are numbered 0 to {value}.",
            layer=layer,
            unit=repr(unit),
            value=width - 1,
        )
    return int(unit)  # type: ignore[call-overload]


def _checked_units(units: object, layer: int, width: int) -> list[int]:
    """``units`` (one number or several) as a list of ints, or BadInputError."""
    if _is_whole_number(units):
        return [_checked_unit(units, layer, width)]
    try:
        candidates = list(units)  # type: ignore[call-overload]
    except TypeError:
        raise BadInputError("The units to silence must be whole numbers, not {units}.", units=repr(units)) from None
    return [_checked_unit(unit, layer, width) for unit in candidates]


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written through."""
    view = array.view()
    view.flags.writeable = False
    return view
