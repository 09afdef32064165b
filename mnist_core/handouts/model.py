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
from ..language import ENGLISH, Catalogue, marked
from ..network.dense import DenseNetwork
from ..network.evaluation import Evaluation, evaluate
from ..pictures import confusion_html, curves_svg
from ..spec import ModelSpec
from ..store import StoredModel
from .page import figures, heading, page, paragraph, table

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

_FRAMEWORKS = {"sklearn": marked("scikit-learn's MLPClassifier"), "keras": marked("A Keras Sequential model")}
_ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "logistic": marked("logistic (sigmoid)"), "elu": "ELU"}
_SCHEDULES = {"cosine": marked("cosine")}
_AUGMENTS = {"light": marked("light"), "elastic": marked("elastic")}


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

    What its numbers say in words, :func:`findings`, is written in the reader's language with the page.
    """

    model: StoredModel
    evaluation: Evaluation
    mistakes: tuple[Mistake, ...]
    class_score: ClassScore | None
    nickname: str | None


def spec_in_words(spec: ModelSpec, *, epochs_run: int | None = None, words: Catalogue = ENGLISH) -> list[str]:
    """A spec as three sentences a student reads, in ``words``' language: the network, how it was trained, on what."""
    return [_network_in_words(spec, words), _training_in_words(spec, epochs_run, words), _data_in_words(spec, words)]


def _network_in_words(spec: ModelSpec, words: Catalogue) -> str:
    hidden = spec.hidden_layers
    units = _and([words.text(_ACTIVATIONS.get(name, name)) for name in sorted(set(spec.activations))], words)
    sizes = ", ".join(str(size) for size in hidden)
    if len(hidden) == 1:
        layers = words.text("1 hidden layer of {sizes} {units} units", sizes=sizes, units=units)
    else:
        layers = words.text(
            "{count} hidden layers of {sizes} {units} units", count=len(hidden), sizes=sizes, units=units
        )
    return words.text(
        "{framework}, {architecture}: 784 pixels in, {layers}, and {outputs} outputs for {what}; "
        "{weights} weights and biases.",
        framework=words.text(_FRAMEWORKS[spec.framework]),
        architecture=spec.architecture,
        layers=layers,
        outputs=spec.outputs,
        what=words.text("ten digits and “not a digit”") if spec.non_digits else words.text("the ten digits"),
        weights=words.number(spec.parameter_count),
    )


def _training_in_words(spec: ModelSpec, epochs_run: int | None, words: Catalogue) -> str:
    how = [
        words.text(
            "{optimizer} at learning rate {rate}", optimizer=spec.optimizer, rate=words.decimal(spec.learning_rate)
        )
    ]
    if spec.schedule != "constant":
        how.append(
            words.text("a {schedule} schedule", schedule=words.text(_SCHEDULES.get(spec.schedule, spec.schedule)))
        )
    how.append(words.text("{count} images per step", count=spec.batch_size))
    if spec.l2:
        how.append(words.text("L2 penalty {penalty}", penalty=words.decimal(spec.l2)))
    if spec.dropout and any(spec.dropout):
        how.append(words.text("dropout {rates}", rates=", ".join(words.decimal(rate) for rate in spec.dropout)))
    ran = spec.epochs if epochs_run is None else epochs_run
    if ran != spec.epochs:
        epochs = words.text("{ran} of {epochs} epochs", ran=ran, epochs=spec.epochs)
    else:
        epochs = words.text("{epochs} epochs", epochs=spec.epochs)
    if spec.early_stopping:
        return words.text(
            "Trained for {epochs} with {how}, stopping early after {patience} epochs without progress.",
            epochs=epochs,
            how=", ".join(how),
            patience=spec.patience,
        )
    return words.text("Trained for {epochs} with {how}.", epochs=epochs, how=", ".join(how))


def _data_in_words(spec: ModelSpec, words: Catalogue) -> str:
    extras = []
    if spec.validation_fraction:
        extras.append(
            words.text(
                "{share} more held out to draw the validation curves", share=words.percent(spec.validation_fraction)
            )
        )
    if spec.augment != "off":
        extras.append(
            words.text(
                "{augment} random distortions each epoch", augment=words.text(_AUGMENTS.get(spec.augment, spec.augment))
            )
        )
    if spec.drawings:
        extras.append(words.text("{count} practice digits drawn like the canvas draws", count=words.number(6000)))
    if spec.non_digits:
        extras.append(words.text("{count} scribbles, letters and shapes that are not digits", count=words.number(6000)))
    if spec.class_set:
        extras.append(words.text("half of the class's own drawings"))
    images = words.number(round(spec.train_size * (1 - spec.validation_fraction)))
    if extras:
        return words.text("It learned from {count} MNIST digits; {extras}.", count=images, extras="; ".join(extras))
    return words.text("It learned from {count} MNIST digits.", count=images)


def _and(items: list[str], words: Catalogue) -> str:
    """``a``, ``a and b``, ``a, b and c``, in ``words``' language."""
    if len(items) < 2:
        return "".join(items)
    return words.text("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def findings(
    model: StoredModel, evaluation: Evaluation, class_score: ClassScore | None = None, *, words: Catalogue = ENGLISH
) -> list[str]:
    """Three sentences computed from a model's numbers: memorising, its mistakes, the class or its curves."""
    train, test = model.metrics["train_accuracy"], evaluation.test_accuracy
    gap = (train - test) * 100
    if gap >= MEMORISING_POINTS:
        first = words.text(
            "It gets {train} of its training digits right but {test} of the 10 000 test digits it never saw: "
            "{gap} points apart, so it partly learned its training digits by heart; more data, distortions, L2 or "
            "dropout narrow such a gap.",
            train=words.percent(train, digits=1),
            test=words.percent(test, digits=1),
            gap=words.decimal(gap, digits=1),
        )
    else:
        first = words.text(
            "It reads new digits almost as well as the ones it trained on ({test} against {train}): it learned "
            "the shapes of digits rather than the examples.",
            test=words.percent(test, digits=1),
            train=words.percent(train, digits=1),
        )
    confusion = evaluation.confusion
    mistakes = confusion * (1 - np.eye(10, dtype=confusion.dtype))
    true_digit, answer = (int(i) for i in np.unravel_index(int(mistakes.argmax()), mistakes.shape))
    recall = evaluation.recall
    weakest = int(recall.argmin())
    values = {
        "digit": true_digit,
        "answer": answer,
        "count": int(mistakes[true_digit, answer]),
        "total": words.number(int(confusion[true_digit].sum())),
        "weakest": weakest,
        "recall": words.percent(float(recall[weakest]), digits=1),
    }
    if weakest == true_digit:
        second = words.text(
            "Its most frequent mistake is reading a {digit} as a {answer} ({count} of {total} test {digit}s), and "
            "{weakest} is the digit it finds least often ({recall}).",
            **values,
        )
    else:
        second = words.text(
            "Its most frequent mistake is reading a {digit} as a {answer} ({count} of {total} test {digit}s); the "
            "digit it finds least often is {weakest} ({recall}).",
            **values,
        )
    return [first, second, _third_finding(model, test, class_score, words)]


def _third_finding(model: StoredModel, test: float, class_score: ClassScore | None, words: Catalogue) -> str:
    if class_score is not None and class_score.count:
        points = (class_score.accuracy - test) * 100
        values = {
            "count": class_score.count,
            "accuracy": words.percent(class_score.accuracy),
            "points": f"{abs(points):.0f}",
        }
        if points < -5:
            return words.text(
                "On the class's {count} drawings it reads {accuracy}, {points} points below MNIST: the class draws "
                "on screens, not with MNIST's pens; practice drawings or the class's own narrow that.",
                **values,
            )
        if points > 5:
            return words.text(
                "On the class's {count} drawings it reads {accuracy}, {points} points above MNIST: the class's "
                "drawings are clearer to it than MNIST's scanned handwriting.",
                **values,
            )
        if points < 0:
            return words.text(
                "On the class's {count} drawings it reads {accuracy}, {points} points below MNIST: it reads the "
                "class's handwriting about as well as MNIST's.",
                **values,
            )
        return words.text(
            "On the class's {count} drawings it reads {accuracy}, {points} points above MNIST: it reads the "
            "class's handwriting about as well as MNIST's.",
            **values,
        )
    losses = [event.val_loss for event in model.history if event.val_loss is not None]
    accuracies = [event.val_accuracy for event in model.history if event.val_accuracy is not None]
    if len(losses) >= 3 and len(accuracies) == len(losses):
        best = int(np.argmin(losses)) + 1
        if best < len(losses) - 1 and losses[-1] > 1.02 * losses[best - 1]:
            return words.text(
                "Its validation loss was lowest after epoch {best} and rose over the {after} epochs after: it began "
                "to memorise, and early stopping would have kept epoch {best}.",
                best=best,
                after=len(losses) - best,
            )
        rise = (accuracies[-1] - accuracies[-2]) * 100
        if rise > 0.2:
            return words.text(
                "Validation accuracy still rose in the last epoch (+{rise} points): more epochs would help.",
                rise=words.decimal(rise, digits=1),
            )
        return words.text(
            "Validation accuracy levelled off at {accuracy}: more epochs alone would add little.",
            accuracy=words.percent(accuracies[-1], digits=1),
        )
    return words.text(
        "It trained {epochs} epochs in {seconds} s, without a validation set to watch.",
        epochs=model.epochs_run,
        seconds=round(model.train_seconds),
    )


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
    return ModelHandout(model, evaluation, mistakes, scored, nickname)


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


def model_handout_html(handout: ModelHandout, *, words: Catalogue = ENGLISH) -> str:
    """The handout as one self-contained HTML page in ``words``' language (well under
    :data:`~mnist_core.handouts.MAX_BYTES`)."""
    model, result = handout.model, handout.evaluation
    made = model.created[:16].replace("T", " ")
    if handout.nickname:
        subtitle = words.text("Trained by {name} · {made} · model {id}", name=handout.nickname, made=made, id=model.id)
    else:
        subtitle = words.text("{made} · model {id}", made=made, id=model.id)
    headline = words.text(
        "{test} of MNIST's 10 000 test digits read right · {train} of its training digits · {epochs} epochs in "
        "{seconds} s · {parameters} parameters",
        test=words.percent(result.test_accuracy, digits=2),
        train=words.percent(model.metrics["train_accuracy"], digits=2),
        epochs=model.epochs_run,
        seconds=round(model.train_seconds),
        parameters=words.number(model.parameters),
    )
    sentences = spec_in_words(model.spec, epochs_run=model.epochs_run, words=words)
    spec = "".join(f"<li>{html.escape(line)}</li>" for line in sentences)
    found = "".join(
        f"<li>{html.escape(line)}</li>" for line in findings(model, result, handout.class_score, words=words)
    )
    curves = curves_svg(model.history, epochs=model.spec.epochs, words=words)
    confusion = confusion_html(
        result.confusion, caption=words.text("Rows: the true digit. Columns: the model's answer."), words=words
    )
    wrong = figures(
        (
            mistake.image,
            f"✗ {mistake.true_digit} → {mistake.answer}, {words.percent(mistake.confidence)}",
            words.text(
                "a {digit} the model read as {answer}, {sure} sure",
                digit=mistake.true_digit,
                answer=mistake.answer,
                sure=words.percent(mistake.confidence),
            ),
        )
        for mistake in handout.mistakes
    )
    mistakes_heading = words.text("{count} of its mistakes, the surest first", count=len(handout.mistakes))
    mistakes_caption = words.text("Each picture: the true digit → what the model said, and how sure it was.")
    parts = [
        f"<p>{_strong_first(headline)}</p>",
        heading(words.text("The network")) + f"<ul>{spec}</ul>",
        heading(words.text("What its numbers say")) + f'<ul class="findings">{found}</ul>',
        "<section>" + heading(words.text("Training curves")) + f"{curves}</section>",
        '<div class="grid">',
        "<section>" + heading(words.text("Confusion matrix")) + f"{confusion}</section>",
        "<section>" + heading(mistakes_heading) + paragraph(mistakes_caption, meta=True) + f"{wrong}</section>",
        "</div>",
    ]
    if handout.class_score is not None:
        score = handout.class_score
        per_digit = sorted(score.per_digit.items())
        read = words.text(
            "{accuracy} of the class's {count} test drawings (the half that no model trains on) read right.",
            accuracy=words.percent(score.accuracy, digits=1),
            count=score.count,
        )
        parts.append(
            heading(words.text("On the class's drawings"))
            + paragraph(read)
            + table(
                [words.text("digit drawn"), *(str(d) for d, _ in per_digit)],
                [[words.text("read right"), *(words.percent(s) for _, s in per_digit)]],
            )
        )
    title = words.text("{name}: a network that reads handwritten digits", name=model.name)
    return page(title, "".join(parts), subtitle=subtitle, words=words)


def _strong_first(line: str) -> str:
    """``line`` escaped, its first figure (up to the first space) in bold."""
    first, _, rest = html.escape(line).partition(" ")
    return f"<strong>{first}</strong> {rest}"
