"""Inside the network: layer outputs agree with both frameworks, saliency with finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS

from mnist_core import data
from mnist_core.errors import BadInputError, InvalidImageError
from mnist_core.network import (
    activations,
    first_layer_images,
    knock_out,
    random_units,
    saliency,
    strongest_units,
    unit_favourites,
    without_units,
)
from mnist_core.network.dense import ACTIVATIONS, DenseNetwork
from mnist_core.training import TrainedModel

#: float32 frameworks against our float64 pass: the bound test_inference uses for probabilities.
FLOAT32_TOLERANCE = 1e-5
#: Central-difference step in [0, 1] pixel units: truncation (~step²) and rounding (~1e-16 / step) both stay below 1e-9.
FINITE_DIFFERENCE_STEP = 1e-5


def small_network(
    hidden_activations: tuple[str, ...], *, units: tuple[int, ...] = (8, 6), seed: int = 0
) -> DenseNetwork:
    """A random 784-8-6-10 network (by default) whose first layer sees pre-activations of order 1 on MNIST digits."""
    rng = np.random.default_rng(seed)
    sizes = (784, *units, 10)
    weights = tuple(rng.normal(0, 1 / np.sqrt(0.1 * a), (a, b)) for a, b in itertools.pairwise(sizes))
    biases = tuple(rng.normal(0, 0.3, b) for b in sizes[1:])
    return DenseNetwork(weights, biases, hidden_activations)


def log_probability(network: DenseNetwork, pixels: np.ndarray, digit: int) -> float:
    """log p(digit) for one image of float64 pixels in [0, 1]."""
    return float(np.log(network.predict_proba(pixels[None])[0, digit]))


def accuracy(network: DenseNetwork, mnist: data.Dataset) -> float:
    """Share of the MNIST test set the network reads right."""
    return float((network.predict(mnist.x_test) == mnist.y_test).mean())


# --- activations -------------------------------------------------------------------------------------------------


def test_last_activation_is_exactly_predict_proba(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """The last entry is bit for bit predict_proba, for uint8 batches, float rows and one image alike."""
    network = sklearn_model.network
    for images in (mnist.x_test[:50], data.to_features(mnist.x_test[:50]), mnist.x_test[7]):
        layers = activations(network, images)
        assert [layer.shape[1] for layer in layers] == [64, 10]
        np.testing.assert_array_equal(layers[-1], network.predict_proba(images))
    assert all(layer.shape[0] == 1 for layer in activations(network, mnist.x_test[7]))


def test_activations_match_sklearn(sklearn_model: TrainedModel, test_features: np.ndarray) -> None:
    """Hidden outputs equal a recomputation from coefs_ and sklearn's own activations; the last equals predict_proba."""
    classifier = sklearn_model.estimator
    ours = activations(sklearn_model.network, test_features)
    hidden = test_features
    for layer, (coef, intercept) in enumerate(zip(classifier.coefs_[:-1], classifier.intercepts_[:-1], strict=True)):
        hidden = hidden @ coef + intercept
        SKLEARN_ACTIVATIONS[classifier.activation](hidden)
        np.testing.assert_allclose(ours[layer], hidden, rtol=FLOAT32_TOLERANCE, atol=FLOAT32_TOLERANCE)
    expected = classifier.predict_proba(test_features)
    np.testing.assert_allclose(ours[-1], expected, rtol=FLOAT32_TOLERANCE, atol=FLOAT32_TOLERANCE)


def test_activations_match_keras(keras_model: TrainedModel, test_features: np.ndarray) -> None:
    """Each Dense hidden layer (elu, tanh, logistic, dropout between) equals Keras's own output at inference."""
    import keras

    model = keras_model.estimator
    ours = activations(keras_model.network, test_features)
    assert len(ours) == 4
    for index, layer in enumerate(ours[:-1], start=1):
        probe = keras.Model(model.input, model.get_layer(f"hidden_{index}").output)
        expected = np.asarray(probe(test_features, training=False))
        np.testing.assert_allclose(layer, expected, rtol=FLOAT32_TOLERANCE, atol=FLOAT32_TOLERANCE)
    expected = np.asarray(model(test_features, training=False))
    np.testing.assert_allclose(ours[-1], expected, rtol=FLOAT32_TOLERANCE, atol=FLOAT32_TOLERANCE)


def test_activations_refuse_images_of_another_size() -> None:
    """Arrays that are not 28×28 images raise InvalidImageError with the shape in the message."""
    network = small_network(("relu", "relu"))
    for wrong in (np.zeros((27, 28)), np.zeros((3, 785)), np.zeros((2, 2, 28, 28)), np.array(["a"] * 784)):
        with pytest.raises(InvalidImageError, match="28×28"):
            activations(network, wrong)


# --- saliency ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_saliency_matches_finite_differences(activation: str, mnist: data.Dataset) -> None:
    """For every activation the network accepts, saliency equals central differences × pixel on every inked pixel."""
    network = small_network((activation, activation))
    pixels = mnist.x_test[0].reshape(-1).astype(np.float64) / 255
    for digit in (int(network.predict(pixels[None])[0]), 3):
        result = saliency(network, mnist.x_test[0], digit).reshape(-1)
        inked = np.flatnonzero(pixels)
        expected = []
        for pixel in inked:
            step = np.zeros_like(pixels)
            step[pixel] = FINITE_DIFFERENCE_STEP
            slope = (
                log_probability(network, pixels + step, digit) - log_probability(network, pixels - step, digit)
            ) / (2 * FINITE_DIFFERENCE_STEP)
            expected.append(slope * pixels[pixel])
        np.testing.assert_allclose(result[inked], expected, rtol=1e-6, atol=1e-8)
        assert not result[pixels == 0].any()


def test_saliency_through_mixed_layers_and_a_trained_model(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """Mixed activations (elu, logistic, tanh) and the trained sklearn model agree with central differences too."""
    pixels = mnist.x_test[1].reshape(-1).astype(np.float64) / 255
    brightest = np.argsort(pixels)[-20:]
    for network in (small_network(("elu", "logistic", "tanh"), units=(8, 6, 5)), sklearn_model.network):
        result = saliency(network, pixels, 2).reshape(-1)
        for pixel in brightest:
            step = np.zeros_like(pixels)
            step[pixel] = FINITE_DIFFERENCE_STEP
            slope = (log_probability(network, pixels + step, 2) - log_probability(network, pixels - step, 2)) / (
                2 * FINITE_DIFFERENCE_STEP
            )
            assert result[pixel] == pytest.approx(slope * pixels[pixel], rel=1e-6, abs=1e-8)


def test_saliency_of_a_blank_image_is_zero_and_scale_free(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """A blank image has zero saliency; uint8 and [0, 1] pixels give the same 28×28 map (up to float32 scaling)."""
    network = sklearn_model.network
    blank = saliency(network, np.zeros((28, 28), dtype=np.uint8), 5)
    assert blank.shape == (28, 28)
    assert not blank.any()
    as_uint8 = saliency(network, mnist.x_test[4], 4)
    scale = np.abs(as_uint8).max()  # float32 rounding is relative to the map, not to each near-zero pixel
    np.testing.assert_allclose(as_uint8, saliency(network, mnist.x_test[4] / 255, 4), rtol=1e-6, atol=1e-6 * scale)


def test_saliency_refuses_bad_digits_and_batches(mnist: data.Dataset) -> None:
    """Digits outside 0–9 (or not whole numbers) and batches of several images are refused with a sentence."""
    network = small_network(("tanh", "tanh"))
    for digit in (-1, 10, 2.0, True):
        with pytest.raises(BadInputError, match="from 0 to 9"):
            saliency(network, mnist.x_test[0], digit)  # type: ignore[arg-type]
    with pytest.raises(InvalidImageError, match="one image at a time"):
        saliency(network, mnist.x_test[:2], 0)


# --- without_units -----------------------------------------------------------------------------------------------


def test_silencing_all_of_layer_one_leaves_chance(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """Without any first-layer unit the model answers the same for every image: accuracy falls to about 10 %."""
    network = sklearn_model.network
    assert accuracy(network, mnist) > 0.85
    silenced = without_units(network, 1, range(64))
    probabilities = silenced.predict_proba(mnist.x_test)
    np.testing.assert_allclose(probabilities, probabilities[:1].repeat(len(probabilities), axis=0), atol=1e-12)
    assert accuracy(silenced, mnist) <= 0.2


def test_silencing_cuts_off_logistic_units_too(mnist: data.Dataset) -> None:
    """Silenced logistic units (0.5 at rest) reach nothing: silencing the last layer leaves only the output bias."""
    network = small_network(("logistic", "logistic"))
    silenced = without_units(network, 2, range(6))
    expected = np.exp(network.biases[-1]) / np.exp(network.biases[-1]).sum()
    np.testing.assert_allclose(silenced.predict_proba(mnist.x_test[:100]), np.tile(expected, (100, 1)), atol=1e-12)
    first = without_units(network, 1, range(8)).predict_proba(mnist.x_test[:100])
    np.testing.assert_allclose(first, first[:1].repeat(100, axis=0), atol=1e-12)


def test_silenced_unit_acts_as_if_it_output_zero(mnist: data.Dataset) -> None:
    """Silencing units equals zeroing their outputs and finishing the forward pass by hand."""
    network = small_network(("elu", "tanh"))
    first, _, _ = activations(network, mnist.x_test[:100])
    first[:, [1, 4]] = 0
    second = np.tanh(first @ network.weights[1] + network.biases[1])
    logits = second @ network.weights[2] + network.biases[2]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        without_units(network, 1, [1, 4]).predict_proba(mnist.x_test[:100]), expected, atol=1e-12
    )


def test_silencing_nothing_changes_nothing_and_the_original_is_kept(
    sklearn_model: TrainedModel, mnist: data.Dataset
) -> None:
    """No units: the same predictions; some units: the original's weights unchanged and the copy read-only."""
    network = sklearn_model.network
    before = [array.copy() for array in network.weights + network.biases]
    np.testing.assert_array_equal(
        without_units(network, 1, []).predict_proba(mnist.x_test), network.predict_proba(mnist.x_test)
    )
    silenced = without_units(network, 1, np.arange(0, 64, 2))
    assert not np.array_equal(silenced.predict_proba(mnist.x_test[:200]), network.predict_proba(mnist.x_test[:200]))
    for original, kept in zip(network.weights + network.biases, before, strict=True):
        np.testing.assert_array_equal(original, kept)
    for array in silenced.weights + silenced.biases:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1
    assert without_units(network, 1, 3).weights[1][3].sum() == 0


@pytest.mark.parametrize(
    ("layer", "units", "message"),
    [
        (0, [1], "choose one from 1 to 2"),
        (3, [1], "no hidden layer 3"),
        (1.0, [1], "no hidden layer 1.0"),
        (1, [8], "numbered 0 to 7"),
        (2, [-1], "no unit -1"),
        (2, [2, 6], "numbered 0 to 5"),
        (1, [1.5], "no unit 1.5"),
        (1, [True], "no unit True"),
        (1, 2.5, "must be whole numbers"),
    ],
)
def test_silencing_refuses_units_that_do_not_exist(layer: object, units: object, message: str) -> None:
    """Layers and units outside the network raise BadInputError naming the valid range."""
    with pytest.raises(BadInputError, match=message):
        without_units(small_network(("relu", "relu")), layer, units)  # type: ignore[arg-type]


# --- first_layer_images ------------------------------------------------------------------------------------------


def test_first_layer_images_follow_sklearn_layout(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """Image j is coefs_[0][:, j] as 28×28, and weighing a digit's pixels by it gives unit j's input."""
    network = sklearn_model.network
    images = first_layer_images(network)
    coefs = sklearn_model.estimator.coefs_[0]
    assert coefs.shape == (784, 64)
    assert images.shape == (64, 28, 28)
    for unit in (0, 17, 63):
        np.testing.assert_array_equal(images[unit], coefs[:, unit].reshape(28, 28).astype(np.float64))
    digit = mnist.x_test[0] / 255
    unit_inputs = (images * digit).sum(axis=(1, 2)) + network.biases[0]
    np.testing.assert_allclose(np.maximum(unit_inputs, 0), activations(network, digit)[0][0], atol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        images[0, 0, 0] = 1


def test_first_layer_images_follow_keras_layout(keras_model: TrainedModel) -> None:
    """The Keras hidden_1 kernel is (784, units) too, and maps to images the same way."""
    kernel, _ = keras_model.estimator.get_layer("hidden_1").get_weights()
    assert kernel.shape == (784, 48)
    images = first_layer_images(keras_model.network)
    assert images.shape == (48, 28, 28)
    for unit in range(48):
        np.testing.assert_array_equal(images[unit], kernel[:, unit].reshape(28, 28).astype(np.float64))


# --- unit_favourites ---------------------------------------------------------------------------------------------


def check_favourites(network: DenseNetwork, layer: int, unit: int, images: np.ndarray, k: int) -> np.ndarray:
    """Assert unit_favourites gives k distinct images in order of activation, the first the most active."""
    chosen = unit_favourites(network, layer, unit, images, k=k)
    assert len(chosen) == k == len(set(chosen.tolist()))
    unit_outputs = activations(network, images)[layer - 1][:, unit]
    ranked = unit_outputs[chosen]
    # float32 batches against float64 activations: order within float32 rounding.
    slack = 1e-5 * max(1.0, float(np.abs(unit_outputs).max()))
    assert (np.diff(ranked) <= slack).all()
    assert ranked[0] >= unit_outputs.max() - slack
    others = np.delete(unit_outputs, chosen)
    assert ranked[-1] >= others.max() - slack
    return chosen


def test_unit_favourites_of_trained_models(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """For the trained model and for a deeper layer of a small network, the top k of all 10 000 test images."""
    chosen = check_favourites(sklearn_model.network, 1, 5, mnist.x_test, 9)
    assert chosen.dtype.kind == "i"
    check_favourites(small_network(("elu", "logistic")), 2, 3, mnist.x_test, 12)
    check_favourites(small_network(("relu", "tanh"), units=(300, 20)), 2, 0, data.to_features(mnist.x_test), 5)


def test_unit_favourites_of_the_deepest_keras_layer(keras_model: TrainedModel, mnist: data.Dataset) -> None:
    """The float32 batched pass through three Keras layers ranks like the float64 activations."""
    check_favourites(keras_model.network, 3, 7, mnist.x_test, 9)


def test_unit_favourites_limits(mnist: data.Dataset) -> None:
    """k larger than the images gives them all; k below 1 and missing units are refused."""
    network = small_network(("relu", "relu"))
    assert sorted(unit_favourites(network, 1, 0, mnist.x_test[:4], k=9).tolist()) == [0, 1, 2, 3]
    with pytest.raises(BadInputError, match="at least 1"):
        unit_favourites(network, 1, 0, mnist.x_test, k=0)
    with pytest.raises(BadInputError, match="numbered 0 to 5"):
        unit_favourites(network, 2, 6, mnist.x_test)


def test_knocking_out_units_scores_both_networks(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """knock_out reports the intact and the silenced network side by side; silencing every unit drops to chance."""
    network = sklearn_model.network
    width = network.hidden_layers[0]
    digit = mnist.x_test[0]
    everything = knock_out(network, 1, range(width), test_images=mnist.x_test, test_labels=mnist.y_test, image=digit)
    assert everything.units == tuple(range(width))
    assert everything.intact_accuracy == float((network.predict(mnist.x_test) == mnist.y_test).mean())
    assert everything.silenced_accuracy <= 0.2 < everything.intact_accuracy
    np.testing.assert_allclose(everything.intact_probabilities, network.predict_proba(digit)[0])
    strongest = strongest_units(network, digit, 1, share=0.1)
    outputs = activations(network, digit)[0][0]
    assert len(strongest) == round(width * 0.1) and min(outputs[strongest]) >= np.sort(outputs)[-len(strongest)]
    few = knock_out(
        network, 1, random_units(network, 1, share=0.1, seed=3), test_images=mnist.x_test, test_labels=mnist.y_test
    )
    assert few.intact_probabilities is None and few.silenced_accuracy > 0.5  # a few units rarely matter much
    assert random_units(network, 1, share=0.1, seed=3) == list(few.units)
