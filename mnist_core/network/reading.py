"""Reading a drawing: the canvas made into a model input, step by step, and every model's answer to it.

This is the Draw page's use case in one call: :func:`read_drawing` runs the
preprocessing steps a student can switch on and off, then asks each network,
and says for each whether it names a digit or is not sure (below its threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..images.preprocess import Steps, preprocess_steps
from ..images.strokes import stroke_width
from .dense import DenseNetwork
from .evaluation import DEFAULT_THRESHOLD, Answer, answer
from .inside import saliency

__all__ = ["ModelAnswer", "Reading", "read_drawing", "read_image"]


@dataclass(frozen=True, eq=False)
class ModelAnswer:
    """What one network says about one image.

    Attributes:
        probabilities: ``(10,)`` softmax output, one per digit.
        answer: the digit, or "not sure" (``answer.digit`` None) with the top two guesses.
        threshold: the confidence under which this network said "not sure".
        saliency: ``(28, 28)`` which pixels pushed it towards its top digit (see
            :func:`~mnist_core.network.inside.saliency`), when asked for; else None.
    """

    probabilities: np.ndarray
    answer: Answer
    threshold: float
    saliency: np.ndarray | None = None

    @property
    def top_digit(self) -> int:
        """The most probable digit, whether or not the network is sure of it."""
        return self.answer.guesses[0][0]


@dataclass(frozen=True, eq=False)
class Reading:
    """A drawing as the models saw it, and what each of them answered.

    Attributes:
        steps: every stage from the canvas to the model input (``steps.result``).
        answers: each network's answer, by the key it was given under, in that order.
    """

    steps: Steps
    answers: dict[str, ModelAnswer]

    @property
    def model_input(self) -> np.ndarray:
        """The 28×28 image the networks read, float in [0, 1]."""
        return self.steps.result

    @property
    def stroke_width(self) -> float:
        """The mean width of the model input's strokes, in its pixels (MNIST's are about 2.5)."""
        return stroke_width(self.steps.result)

    def top_digits(self) -> dict[str, int]:
        """Each network's most probable digit, by key (what a kept class drawing records)."""
        return {key: reply.top_digit for key, reply in self.answers.items()}


def read_image(
    image: np.ndarray,
    networks: Mapping[str, DenseNetwork],
    *,
    thresholds: Mapping[str, float] | None = None,
    threshold: float | None = None,
    explain: bool = False,
) -> dict[str, ModelAnswer]:
    """Every network's answer to one model input (a 28×28 image, or 784 pixels).

    Args:
        image: what the networks read, float in [0, 1] or uint8 0–255.
        networks: the networks to ask, by a key of the caller's (a model id).
        thresholds: each network's own "not sure" threshold by key; a network
            without one uses :data:`~mnist_core.network.evaluation.DEFAULT_THRESHOLD`.
        threshold: one threshold for every network instead of their own.
        explain: also compute each network's saliency for its top digit.

    Returns:
        The answers by key, in the order of ``networks``.
    """
    own = thresholds or {}
    answers = {}
    for key, network in networks.items():
        probabilities = network.predict_proba(image)[0]
        used = threshold or own.get(key, DEFAULT_THRESHOLD)
        said = answer(probabilities, used)
        pixels = saliency(network, image, said.guesses[0][0]) if explain else None
        answers[key] = ModelAnswer(probabilities, said, used, pixels)
    return answers


def read_drawing(
    canvas: np.ndarray,
    networks: Mapping[str, DenseNetwork],
    *,
    thresholds: Mapping[str, float] | None = None,
    threshold: float | None = None,
    crop: bool = True,
    centre: bool = True,
    stroke: bool = True,
    explain: bool = False,
) -> Reading:
    """A drawing made into the model input with the chosen steps, and every network's answer to it.

    Args:
        canvas: the drawing as the canvas sends it (RGBA; any image :func:`~mnist_core.images.ink` reads).
        networks, thresholds, threshold, explain: as for :func:`read_image`.
        crop, centre, stroke: the preprocessing steps (see :func:`~mnist_core.images.canvas_to_mnist`).

    Raises:
        EmptyImageError: nothing is drawn yet.
        InvalidImageError: the canvas is not an image.
    """
    steps = preprocess_steps(canvas, crop=crop, centre=centre, stroke=stroke)
    answers = read_image(steps.result, networks, thresholds=thresholds, threshold=threshold, explain=explain)
    return Reading(steps, answers)
