"""Reading a drawing in one call: the model input, its steps, and every model's answer with its threshold."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core import TrainedModel, data
from mnist_core.errors import EmptyImageError
from mnist_core.images import MNIST_STROKE_WIDTH, canvas_to_mnist, noise_image
from mnist_core.network import DEFAULT_THRESHOLD, read_drawing, read_image, saliency

from .conftest import opaque_rgba, paint


def test_a_drawn_test_digit_is_read_as_the_canvas_steps_make_it(mnist: data.Dataset, sklearn_model: TrainedModel):
    """The model input is exactly what canvas_to_mnist makes; the answer is the digit, sure above the threshold."""
    canvas = opaque_rgba(paint(mnist.x_test[0]))  # a 7
    reading = read_drawing(canvas, {"a": sklearn_model.network}, thresholds={"a": 0.5})

    np.testing.assert_array_equal(reading.model_input, canvas_to_mnist(canvas))
    (reply,) = reading.answers.values()
    assert reply.threshold == 0.5
    assert reply.answer.digit == reply.top_digit == mnist.y_test[0]
    np.testing.assert_allclose(reply.probabilities.sum(), 1, rtol=1e-5)
    assert reply.answer.guesses[0][1] == pytest.approx(reply.probabilities.max())
    assert reply.saliency is None
    assert reading.top_digits() == {"a": int(mnist.y_test[0])}


def test_each_model_says_not_sure_below_its_own_threshold_or_the_one_given(
    mnist: data.Dataset, sklearn_model: TrainedModel
):
    """Own thresholds apply per model (the default without one); a threshold given for all replaces them."""
    canvas = opaque_rgba(paint(mnist.x_test[1]))
    networks = {"sure": sklearn_model.network, "strict": sklearn_model.network, "plain": sklearn_model.network}
    top = float(read_drawing(canvas, networks).answers["sure"].probabilities.max())

    reading = read_drawing(canvas, networks, thresholds={"sure": 0.5, "strict": top + 1e-3})
    assert list(reading.answers) == ["sure", "strict", "plain"]
    assert reading.answers["sure"].answer.digit == mnist.y_test[1]
    strict = reading.answers["strict"]
    assert strict.answer.digit is None and strict.threshold == top + 1e-3
    (first, _), (second, _) = strict.answer.guesses
    assert first == mnist.y_test[1] and second != first  # "not sure: 2 or ?" names the top two
    assert reading.answers["plain"].threshold == DEFAULT_THRESHOLD

    everyone = read_drawing(canvas, networks, thresholds={"sure": 0.5}, threshold=top + 1e-3)
    assert all(reply.answer.digit is None for reply in everyone.answers.values())


def test_the_steps_switch_off_and_the_strokes_are_as_wide_as_mnists(mnist: data.Dataset, sklearn_model: TrainedModel):
    canvas = opaque_rgba(paint(mnist.x_test[2], scale=4))  # small, in a corner
    evened = read_drawing(canvas, {"a": sklearn_model.network})
    assert abs(evened.stroke_width - MNIST_STROKE_WIDTH) < 1.0

    steps_off = {"crop": False, "centre": False, "stroke": False}
    uncropped = read_drawing(canvas, {"a": sklearn_model.network}, **steps_off)
    np.testing.assert_array_equal(uncropped.model_input, canvas_to_mnist(canvas, **steps_off))
    assert np.abs(uncropped.model_input - evened.model_input).mean() > 0.02
    assert uncropped.steps.cropped.shape == canvas.shape[:2]  # "not cropped": the whole canvas


def test_an_empty_canvas_is_reported_not_guessed(sklearn_model: TrainedModel):
    with pytest.raises(EmptyImageError):
        read_drawing(np.zeros((280, 280, 4), dtype=np.uint8), {"a": sklearn_model.network})


def test_explaining_gives_each_model_the_saliency_of_its_answer(mnist: data.Dataset, sklearn_model: TrainedModel):
    reading = read_drawing(opaque_rgba(paint(mnist.x_test[3])), {"a": sklearn_model.network}, explain=True)
    reply = reading.answers["a"]
    assert reply.saliency is not None and reply.saliency.shape == (28, 28)
    np.testing.assert_allclose(reply.saliency, saliency(sklearn_model.network, reading.model_input, reply.top_digit))


def test_a_model_input_is_read_as_it_is(sklearn_model: TrainedModel):
    """Random noise is not preprocessed: every model spreads its probability over the ten digits all the same."""
    noise = noise_image(7)
    (reply,) = read_image(noise, {"a": sklearn_model.network}).values()
    np.testing.assert_allclose(reply.probabilities, sklearn_model.network.predict_proba(noise)[0])
