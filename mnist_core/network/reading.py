"""Reading a drawing: the canvas made into a model input, step by step, and every model's answer to it.

This is the Draw page's use case in one call: :func:`read_drawing` runs the
preprocessing steps a student can switch on and off, then asks each network,
and says for each whether it names a digit or is not sure (below its threshold).
Several digits side by side are also read as a number, left to right
(:attr:`Reading.number`). :func:`read_photo_of_writing` does the same for a photo
of paper, once its ink is found (:mod:`mnist_core.images.photo`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..images.photo import Digit, cut_in_two, digit_groups, photo_ink, read_photo
from ..images.preprocess import Steps, preprocess_steps
from ..images.strokes import stroke_width
from .dense import OUTPUT_UNITS, DenseNetwork
from .evaluation import DEFAULT_THRESHOLD, Answer, answer
from .inside import saliency

__all__ = [
    "ModelAnswer",
    "NumberReading",
    "Reading",
    "read_drawing",
    "read_image",
    "read_number",
    "read_photo_of_writing",
]


@dataclass(frozen=True, eq=False)
class ModelAnswer:
    """What one network says about one image.

    Attributes:
        probabilities: ``(10,)`` softmax output, one per digit (summing to less than 1
            for a network that also answers "not a digit").
        answer: the digit, or a refusal (``answer.digit`` None) with the top two guesses:
            "not sure", or "not a digit" (``answer.not_a_digit``).
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
class NumberReading:
    """Several digits side by side, read left to right.

    Attributes:
        inputs: ``(n, 28, 28)`` each digit as the models saw it.
        answers: for each network (by key), its answer to each digit, left to right.
        split: for each digit, whether it was cut from ink that held touching digits.
    """

    inputs: np.ndarray
    answers: dict[str, list[ModelAnswer]]
    split: tuple[bool, ...]

    def text(self, key: str) -> str:
        """What the network under ``key`` reads, "2026", with "?" for a digit it is not sure of."""
        return "".join("?" if reply.answer.digit is None else str(reply.answer.digit) for reply in self.answers[key])

    @property
    def unsure_split(self) -> bool:
        """Whether some digits touched and had to be cut apart (the cut may be wrong)."""
        return any(self.split)


@dataclass(frozen=True, eq=False)
class Reading:
    """A drawing as the models saw it, and what each of them answered.

    Attributes:
        steps: every stage from the canvas to the model input (``steps.result``).
        answers: each network's answer, by the key it was given under, in that order.
        number: with two or more digits side by side, each read on its own, left to
            right; else None.
    """

    steps: Steps
    answers: dict[str, ModelAnswer]
    number: NumberReading | None = None

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
        (reply,) = _answers(network, image, threshold or own.get(key, DEFAULT_THRESHOLD))
        if explain:
            reply = replace(reply, saliency=saliency(network, image, reply.top_digit))
        answers[key] = reply
    return answers


def _answers(network: DenseNetwork, inputs: np.ndarray, threshold: float) -> list[ModelAnswer]:
    """The network's answer to each input, "not a digit" included when it has learned it."""
    outputs = network.predict_outputs(inputs)
    digits, others = outputs[:, :OUTPUT_UNITS], network.non_digit_proba_of(outputs)
    return [ModelAnswer(p, answer(p, threshold, other), threshold) for p, other in zip(digits, others, strict=True)]


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
    numbers: bool = True,
) -> Reading:
    """A drawing made into the model input with the chosen steps, and every network's answer to it.

    Args:
        canvas: the drawing as the canvas sends it (RGBA; any image :func:`~mnist_core.images.ink` reads).
        networks, thresholds, threshold, explain: as for :func:`read_image`.
        crop, centre, stroke: the preprocessing steps (see :func:`~mnist_core.images.canvas_to_mnist`).
        numbers: also read two or more digits side by side as a number (:attr:`Reading.number`).

    Raises:
        EmptyImageError: nothing is drawn yet.
        InvalidImageError: the canvas is not an image.
    """
    steps = preprocess_steps(canvas, crop=crop, centre=centre, stroke=stroke)
    answers = read_image(steps.result, networks, thresholds=thresholds, threshold=threshold, explain=explain)
    number = None
    if numbers:
        number = read_number(
            steps.ink, networks, thresholds=thresholds, threshold=threshold, stroke=stroke, whole=answers
        )
    return Reading(steps, answers, number)


#: A whole mark read with less confidence than this may be two touching digits (see :func:`read_number`).
UNSURE_WHOLE = 0.9
#: ... and it is cut in two when both halves are read with at least this confidence.
SURE_HALVES = 0.9


def read_number(
    amount: np.ndarray,
    networks: Mapping[str, DenseNetwork],
    *,
    thresholds: Mapping[str, float] | None = None,
    threshold: float | None = None,
    stroke: bool = True,
    whole: Mapping[str, ModelAnswer] | None = None,
) -> NumberReading | None:
    """The digits of ``amount`` (ink 0 to 1) read left to right, or None when it holds only one.

    A mark that may be two touching digits (wide, and read with less than :data:`UNSURE_WHOLE`
    confidence) is cut where its ink is thinnest when the models read both halves with at
    least :data:`SURE_HALVES`; such digits are marked as cut, since the cut may be wrong.

    Args:
        whole: the answers to the whole of ``amount`` read as one digit, when known: a
            single mark they are sure of is then one digit without reading it again.
    """
    sure_of_whole = whole is not None and _confidence_of(whole.values()) >= UNSURE_WHOLE
    digits = digit_groups(amount, several=sure_of_whole)
    if not digits or not networks:
        return None
    digits = [part for digit in digits for part in _maybe_two(digit, networks, stroke)]
    if len(digits) < 2:
        return None
    inputs = np.stack([preprocess_steps(digit.ink, stroke=stroke).result for digit in digits])
    own = thresholds or {}
    answers = {}
    for key, network in networks.items():
        answers[key] = _answers(network, inputs, threshold or own.get(key, DEFAULT_THRESHOLD))
    return NumberReading(inputs, answers, tuple(digit.split for digit in digits))


def _confidence_of(replies: Iterable[ModelAnswer]) -> float:
    """The models' mean confidence in their top digit."""
    return float(np.mean([reply.probabilities.max() for reply in replies]))


def _maybe_two(digit: Digit, networks: Mapping[str, DenseNetwork], stroke: bool) -> tuple[Digit, ...]:
    """``digit``, or its two halves when it is wide and the models read the halves far better than the whole."""
    halves = None if digit.split else cut_in_two(digit)
    if halves is None:
        return (digit,)
    inputs = np.stack([preprocess_steps(part.ink, stroke=stroke).result for part in (digit, *halves)])
    sure = np.mean([network.predict_proba(inputs).max(axis=1) for network in networks.values()], axis=0)
    return halves if sure[0] < UNSURE_WHOLE and sure[1:].min() >= SURE_HALVES else (digit,)


def read_photo_of_writing(
    source: str | Path | bytes,
    networks: Mapping[str, DenseNetwork],
    *,
    thresholds: Mapping[str, float] | None = None,
    threshold: float | None = None,
    stroke: bool = True,
    explain: bool = False,
) -> tuple[np.ndarray, Reading]:
    """A photo (or a picture) of a digit or a number on paper, read as a drawing is.

    Its light is flattened and its ink found first (:func:`~mnist_core.images.photo.photo_ink`);
    then the steps and the answers are a drawing's, ``steps.ink`` being the ink found.

    Returns:
        The photo as read (upright, shrunk, RGB) and the reading.

    Raises:
        ImageTooLargeError, InvalidImageError: the file cannot be read safely.
        EmptyImageError: no writing was found in it.
        TooManyMarksError: it holds too much to find a digit in.
    """
    picture = read_photo(source)
    found = photo_ink(picture)
    reading = read_drawing(found, networks, thresholds=thresholds, threshold=threshold, stroke=stroke, explain=explain)
    return picture, reading
