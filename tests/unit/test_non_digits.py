"""What "not a digit" means here: the training non-digits, the eleventh output, the answer a student sees."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mnist_core import data
from mnist_core.errors import DamagedModelError
from mnist_core.images import NOT_A_DIGIT, canvas_to_mnist, draw_non_digits, practice_non_digits
from mnist_core.images.scribbles import KINDS
from mnist_core.network import NOT_A_DIGIT_FROM, DenseNetwork, answer, read_drawing, refused
from mnist_core.spec import ModelSpec
from mnist_core.training import train
from studio.answers import refusal_rule
from studio.report import NOT_A_DIGIT_MARK, verdict


def eleven_outputs(non_digit_bias: float) -> DenseNetwork:
    """A small random network with an eleventh output, pushed towards it by ``non_digit_bias``."""
    rng = np.random.default_rng(0)
    bias = np.zeros(11)
    bias[NOT_A_DIGIT] = non_digit_bias
    return DenseNetwork((rng.normal(0, 0.05, (784, 8)), rng.normal(0, 0.5, (8, 11))), (np.zeros(8), bias), ("relu",))


def test_practice_non_digits_are_inked_labelled_and_reproducible() -> None:
    """Every kind is drawn in turn, each image has ink, all are labelled NOT_A_DIGIT, and a seed repeats them."""
    x, y = practice_non_digits(2 * len(KINDS), seed=3)
    assert x.shape == (2 * len(KINDS), 784) and x.dtype == np.float32
    assert (y == NOT_A_DIGIT).all()
    assert (x.max(axis=1) > 0.5).all()
    np.testing.assert_array_equal(x, practice_non_digits(2 * len(KINDS), seed=3)[0])


def test_the_digit_probabilities_leave_room_for_not_a_digit() -> None:
    """With an eleventh output the ten digits' probabilities sum to 1 minus "not a digit"."""
    network = eleven_outputs(6.0)
    images = np.random.default_rng(1).random((5, 784))
    digits, other = network.predict_proba(images), network.non_digit_proba(images)
    assert network.knows_non_digits and digits.shape == (5, 10)
    np.testing.assert_allclose(digits.sum(axis=1) + other, 1.0)
    assert (other > 0.5).all()
    again = DenseNetwork.from_bytes(network.to_bytes())
    np.testing.assert_allclose(again.non_digit_proba(images), other, atol=1e-6)


def test_a_network_of_ten_outputs_never_says_not_a_digit() -> None:
    """A network that never learned it gives "not a digit" no probability; twelve outputs are refused."""
    rng = np.random.default_rng(2)
    ten = DenseNetwork((rng.normal(0, 0.05, (784, 10)),), (np.zeros(10),), ())
    assert not ten.knows_non_digits
    assert (ten.non_digit_proba(rng.random((3, 784))) == 0).all()
    with pytest.raises(DamagedModelError, match="10 outputs"):
        DenseNetwork((rng.normal(0, 0.05, (784, 12)),), (np.zeros(12),), ())


def test_the_answer_is_not_a_digit_from_a_tenth_of_that_answer() -> None:
    """A refusal is "not a digit" once that output reaches NOT_A_DIGIT_FROM, whatever the digits say; else
    "not sure" under the threshold; a sure digit stays. By default the share the digits leave is used."""
    assert NOT_A_DIGIT_FROM == 0.1
    probabilities = np.array([0.05, 0.1, 0.05, 0, 0, 0, 0, 0, 0, 0])
    said = answer(probabilities, 0.6, non_digit=0.8)
    assert said.digit is None and said.not_a_digit
    assert verdict(said)[0] == NOT_A_DIGIT_MARK and "not a digit: 80% (from 10% it refuses)" in verdict(said)[1]
    doubt = answer(np.array([0.3, 0.35, 0.2, 0, 0, 0, 0, 0, 0, 0.1]), 0.6, non_digit=0.05)
    assert doubt.digit is None and not doubt.not_a_digit and verdict(doubt)[0] == "?"
    sure = answer(np.array([0, 0, 0, 0, 0, 0, 0, 0.95, 0, 0]), 0.6, non_digit=0.05)
    assert sure.digit == 7 and not sure.not_a_digit
    enough = answer(np.array([0, 0, 0, 0, 0, 0, 0, 0.85, 0, 0]), 0.6)  # 0.15 left over: "not a digit"
    assert enough.digit is None and enough.not_a_digit and enough.non_digit == pytest.approx(0.15)
    ten = np.array([0, 0, 0, 0, 0, 0, 0, 0.7, 0.3, 0])  # ten answers: nothing left over
    assert answer(ten, 0.6).digit == 7
    rows = np.array([ten, [0, 0, 0, 0, 0, 0, 0, 0.85, 0, 0], [0.55, 0.45, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert refused(rows, 0.6).tolist() == [False, True, True]


def test_the_draw_page_names_the_rule() -> None:
    """Draw says how a model refuses: "not sure" alone, or "not a digit" as well for a model that learned it."""
    reading = read_drawing(draw_non_digits(1).images[0], {"m": eleven_outputs(0.0)})
    plain = SimpleNamespace(spec=ModelSpec())  # only a stored model's spec is read
    knowing = SimpleNamespace(spec=ModelSpec(non_digits=True))
    assert refusal_rule(plain, reading.answers["m"]) == f"says 'not sure' below {reading.answers['m'].threshold:.0%}"
    assert "says 'not a digit' from 10%, else 'not sure' below" in refusal_rule(knowing, reading.answers["m"])


@pytest.mark.slow
def test_a_model_trained_with_non_digits_refuses_the_benchmarks_and_reads_digits(mnist: data.Dataset) -> None:
    """Trained on MNIST and the practice non-digits, a small model says "not a digit" to most of the benchmark's
    non-digits (shapes it never saw) and of almost no MNIST test digit."""
    spec = ModelSpec(hidden_layers=(64,), epochs=3, train_size=30000, non_digits=True, learning_rate=3e-3)
    network = train(spec, mnist).network
    assert network.knows_non_digits
    others = np.stack([canvas_to_mnist(image) for image in draw_non_digits(140).images])
    digits = mnist.x_test[:2000]
    assert (network.non_digit_proba(others) >= 0.3).mean() > 0.6
    assert (network.non_digit_proba(digits) >= 0.5).mean() < 0.03
    assert (network.predict(digits) == mnist.y_test[:2000]).mean() > 0.93
    scribble = read_drawing(draw_non_digits(5).images[4], {"m": network})  # a looping scribble
    assert scribble.answers["m"].answer.not_a_digit
