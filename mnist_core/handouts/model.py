"""A model's handout: what it is in plain words, how it learned, where it goes wrong, and what that means."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from ..classroom.drawings import ClassDrawings, ClassScore
from ..classroom.ownership import model_owner
from ..classroom.roster import Roster
from ..data import Dataset
from ..engine import JobTable
from ..network.dense import DenseNetwork
from ..network.evaluation import Evaluation, evaluate
from ..pictures import confusion_html, curves_svg
from ..spec import ModelSpec
from ..store import StoredModel
from .page import figures, page, table

__all__ = [
    "MISTAKES",
    "Mistake",
    "ModelHandout",
    "findings",
    "handout_for",
    "model_handout",
    "model_handout_html",
    "spec_in_words",
]

#: How many of its mistakes a handout shows (the most confident first).
MISTAKES = 12
#: Training accuracy this many points above test accuracy reads as memorising.
MEMORISING_POINTS = 1.5

_FRAMEWORKS = {"sklearn": "scikit-learn's MLPClassifier", "keras": "a Keras Sequential model"}
_ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "logistic": "logistic (sigmoid)", "elu": "ELU"}


@dataclass(frozen=True)
class Mistake:
    """One test digit the model got wrong: its pixels, the true digit, the answer and how sure it was."""

    image: np.ndarray
    true_digit: int
    answer: int
    confidence: float


@dataclass(frozen=True)
class ModelHandout:
    """Everything one model's handout shows, computed from its numbers.

    Attributes:
        model: the stored model.
        evaluation: its results on MNIST's test set.
        mistakes: a dozen of its test mistakes, the most confident first.
        class_score: its results on the class's drawings, or None when the class has kept none.
        nickname: the student who trained it, or None.
        findings: two or three sentences about it.
    """

    model: StoredModel
    evaluation: Evaluation
    mistakes: tuple[Mistake, ...]
    class_score: ClassScore | None
    nickname: str | None
    findings: tuple[str, ...]


def spec_in_words(spec: ModelSpec, *, epochs_run: int | None = None) -> list[str]:
    """A spec as three sentences a student reads: the network, how it was trained, on what."""
    hidden = spec.hidden_layers
    activations = sorted(set(spec.activations))
    units = " and ".join(_ACTIVATIONS.get(name, name) for name in activations)
    layers = (
        f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''} of "
        + ", ".join(str(size) for size in hidden)
        + f" {units} units"
    )
    outputs = "ten digits and “not a digit”" if spec.non_digits else "the ten digits"
    network = (
        f"{_FRAMEWORKS[spec.framework]}, {spec.architecture}: 784 pixels in, {layers}, "
        f"and {spec.outputs} outputs for {outputs}; {spec.parameter_count:,} weights and biases."
    )
    ran = spec.epochs if epochs_run is None else epochs_run
    how = [f"{spec.optimizer} at learning rate {spec.learning_rate:g}"]
    if spec.schedule != "constant":
        how.append(f"a {spec.schedule} schedule")
    how.append(f"{spec.batch_size} images per step")
    if spec.l2:
        how.append(f"L2 penalty {spec.l2:g}")
    if spec.dropout and any(spec.dropout):
        how.append("dropout " + ", ".join(f"{rate:g}" for rate in spec.dropout))
    epochs = f"{ran} of {spec.epochs} epochs" if ran != spec.epochs else f"{spec.epochs} epochs"
    stopping = f", stopping early after {spec.patience} epochs without progress" if spec.early_stopping else ""
    trained = f"Trained for {epochs} with " + ", ".join(how) + stopping + "."
    images = round(spec.train_size * (1 - spec.validation_fraction))
    extras = []
    if spec.validation_fraction:
        extras.append(f"{spec.validation_fraction:.0%} more held out to draw the validation curves")
    if spec.augment != "off":
        extras.append(f"{spec.augment} random distortions each epoch")
    if spec.drawings:
        extras.append("6,000 practice digits drawn like the canvas draws")
    if spec.non_digits:
        extras.append("6,000 scribbles, letters and shapes that are not digits")
    if spec.class_set:
        extras.append("half of the class's own drawings")
    data = f"It learned from {images:,} MNIST digits" + ("; " + "; ".join(extras) if extras else "") + "."
    return [network, trained, data]


def findings(model: StoredModel, evaluation: Evaluation, class_score: ClassScore | None = None) -> list[str]:
    """Three sentences computed from a model's numbers: memorising, its mistakes, the class or its curves."""
    train, test = model.metrics["train_accuracy"], evaluation.test_accuracy
    gap = (train - test) * 100
    if gap >= MEMORISING_POINTS:
        first = (
            f"It gets {train:.1%} of its training digits right but {test:.1%} of the 10 000 test digits it never "
            f"saw: {gap:.1f} points apart, so it partly learned its training digits by heart; more data, "
            "distortions, L2 or dropout narrow such a gap."
        )
    else:
        first = (
            f"It reads new digits almost as well as the ones it trained on ({test:.1%} against {train:.1%}): "
            "it learned the shapes of digits rather than the examples."
        )
    confusion = evaluation.confusion
    mistakes = confusion * (1 - np.eye(10, dtype=confusion.dtype))
    true_digit, answer = (int(i) for i in np.unravel_index(int(mistakes.argmax()), mistakes.shape))
    recall = evaluation.recall
    weakest = int(recall.argmin())
    second = (
        f"Its most frequent mistake is reading a {true_digit} as a {answer} "
        f"({int(mistakes[true_digit, answer])} of {int(confusion[true_digit].sum()):,} test {true_digit}s)"
    )
    if weakest == true_digit:
        second += f", and {weakest} is the digit it finds least often ({recall[weakest]:.1%})."
    else:
        second += f"; the digit it finds least often is {weakest} ({recall[weakest]:.1%})."
    return [first, second, _third_finding(model, test, class_score)]


def _third_finding(model: StoredModel, test: float, class_score: ClassScore | None) -> str:
    if class_score is not None and class_score.count:
        points = (class_score.accuracy - test) * 100
        if points < -5:
            why = "the class draws on screens, not with MNIST's pens; practice drawings or the class's own narrow that."
        elif points > 5:
            why = "the class's drawings are clearer to it than MNIST's scanned handwriting."
        else:
            why = "it reads the class's handwriting about as well as MNIST's."
        side = "below" if points < 0 else "above"
        return (
            f"On the class's {class_score.count} drawings it reads {class_score.accuracy:.0%}, "
            f"{abs(points):.0f} points {side} MNIST: {why}"
        )
    losses = [event.val_loss for event in model.history if event.val_loss is not None]
    accuracies = [event.val_accuracy for event in model.history if event.val_accuracy is not None]
    if len(losses) >= 3 and len(accuracies) == len(losses):
        best = int(np.argmin(losses)) + 1
        if best < len(losses) - 1 and losses[-1] > 1.02 * losses[best - 1]:
            return (
                f"Its validation loss was lowest after epoch {best} and rose over the {len(losses) - best} epochs "
                f"after: it began to memorise, and early stopping would have kept epoch {best}."
            )
        rise = (accuracies[-1] - accuracies[-2]) * 100
        if rise > 0.2:
            return f"Validation accuracy still rose in the last epoch (+{rise:.1f} points): more epochs would help."
        return f"Validation accuracy levelled off at {accuracies[-1]:.1%}: more epochs alone would add little."
    return f"It trained {model.epochs_run} epochs in {model.train_seconds:.0f} s, without a validation set to watch."


def model_handout(
    model: StoredModel,
    evaluation: Evaluation,
    dataset: Dataset,
    *,
    class_score: ClassScore | None = None,
    nickname: str | None = None,
) -> ModelHandout:
    """Gather one model's handout.

    Args:
        model: the stored model.
        evaluation: its results on ``dataset``'s test set (:func:`~mnist_core.network.evaluate`).
        dataset: MNIST, for the pictures of its mistakes.
        class_score: its score on the class's drawings, if the class has kept some.
        nickname: the student who trained it, if a student did.
    """
    wrong = evaluation.wrong_indices[:MISTAKES]
    mistakes = tuple(
        Mistake(
            dataset.x_test[index],
            int(evaluation.test_labels[index]),
            int(evaluation.test_predictions[index]),
            float(evaluation.test_probabilities[index].max()),
        )
        for index in wrong
    )
    scored = class_score if class_score is not None and class_score.count else None
    return ModelHandout(model, evaluation, mistakes, scored, nickname, tuple(findings(model, evaluation, scored)))


def handout_for(
    model: StoredModel,
    network: DenseNetwork,
    dataset: Dataset,
    *,
    evaluation: Evaluation | None = None,
    drawings: ClassDrawings | None = None,
    roster: Roster | None = None,
    jobs: JobTable | None = None,
) -> ModelHandout:
    """A stored model's handout, read from the class's files where they are given.

    Args:
        model, network, dataset: the model, its network and MNIST.
        evaluation: its results on MNIST's test set, when already computed.
        drawings: the class's drawings, to score it on the half no model trained on.
        roster, jobs: who is in the class and which job trained which model, to name its student.
    """
    result = evaluation if evaluation is not None else evaluate(network, dataset.seen_by(model.spec))
    score = drawings.score(network, "test") if drawings is not None and drawings.count() else None
    owner = model_owner(jobs, model.id) if jobs is not None else None
    nickname = roster.nickname(owner) if roster is not None and owner else None
    return model_handout(model, result, dataset, class_score=score, nickname=nickname)


def model_handout_html(handout: ModelHandout) -> str:
    """The handout as one self-contained HTML page (well under :data:`~mnist_core.handouts.MAX_BYTES`)."""
    model, result = handout.model, handout.evaluation
    by = f"Trained by {handout.nickname} · " if handout.nickname else ""
    subtitle = f"{by}{model.created[:16].replace('T', ' ')} · model {model.id}"
    headline = (
        f"<p><strong>{result.test_accuracy:.2%}</strong> of MNIST's 10 000 test digits read right · "
        f"{model.metrics['train_accuracy']:.2%} of its training digits · {model.epochs_run} epochs in "
        f"{model.train_seconds:.0f} s · {model.parameters:,} parameters</p>"
    )
    words = "".join(f"<li>{html.escape(line)}</li>" for line in spec_in_words(model.spec, epochs_run=model.epochs_run))
    found = "".join(f"<li>{html.escape(line)}</li>" for line in handout.findings)
    curves = curves_svg(model.history, epochs=model.spec.epochs)
    confusion = confusion_html(result.confusion, caption="Rows: the true digit. Columns: the model's answer.")
    wrong = figures(
        (
            mistake.image,
            f"✗ {mistake.true_digit} → {mistake.answer}, {mistake.confidence:.0%}",
            f"a {mistake.true_digit} the model read as {mistake.answer}, {mistake.confidence:.0%} sure",
        )
        for mistake in handout.mistakes
    )
    parts = [
        headline,
        f"<h2>The network</h2><ul>{words}</ul>",
        f'<h2>What its numbers say</h2><ul class="findings">{found}</ul>',
        f"<section><h2>Training curves</h2>{curves}</section>",
        '<div class="grid">',
        f"<section><h2>Confusion matrix</h2>{confusion}</section>",
        f"<section><h2>{len(handout.mistakes)} of its mistakes, the surest first</h2>"
        f'<p class="meta">Each picture: the true digit → what the model said, and how sure it was.</p>'
        f"{wrong}</section>",
        "</div>",
    ]
    if handout.class_score is not None:
        score = handout.class_score
        per_digit = sorted(score.per_digit.items())
        parts.append(
            f"<h2>On the class's drawings</h2><p>{score.accuracy:.1%} of the class's {score.count} test drawings "
            "(the half that no model trains on) read right.</p>"
            + table(
                ["digit drawn", *(str(d) for d, _ in per_digit)], [["read right", *(f"{s:.0%}" for _, s in per_digit)]]
            )
        )
    return page(f"{model.name}: a network that reads handwritten digits", "".join(parts), subtitle=subtitle)
