"""The class's summary for the teacher: the lesson, each student's best model, the challenge, and the
drawings the models found hardest."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import data
from ..classroom.drawings import ClassDrawings
from ..classroom.lesson import CLASS_NAME, Lesson
from ..classroom.ownership import model_owner
from ..classroom.roster import Roster, RosterEntry, roll_call
from ..classroom.scores import ModelScore, score_models
from ..engine import JobTable
from ..language import ENGLISH, Catalogue
from ..network.dense import DenseNetwork
from ..pictures import confusion_html
from ..spec import field_name, preset_name
from ..store import StoredModel
from .model import spec_in_words
from .page import figures, heading, page, paragraph, table

__all__ = [
    "HARDEST",
    "ClassSummary",
    "HardDrawing",
    "StudentResult",
    "class_summary",
    "class_summary_html",
    "summary_for",
]

#: How many of the class's drawings the summary shows as the hardest.
HARDEST = 12


@dataclass(frozen=True)
class StudentResult:
    """One student: their best model on the class's drawings (None before they trained one)."""

    nickname: str
    models: int
    drawings: int
    best: ModelScore | None


@dataclass(frozen=True)
class HardDrawing:
    """A class drawing most models misread: its pixels, the digit drawn, the answer most models gave."""

    image: np.ndarray
    drawn: int
    said: int
    wrong_share: float


@dataclass(frozen=True)
class ClassSummary:
    """What the teacher's summary shows.

    Attributes:
        lesson: the lesson as it stands.
        students: every student who joined, in the order they joined.
        scoreboard: the challenge's rows (:meth:`~mnist_core.classroom.Challenge.scoreboard`), empty without one.
        drawings: how many drawings the class kept; the scores use the half kept for testing.
        best: the model that reads the class's drawings best, or None.
        confusion: that model's confusion matrix on those drawings, or None.
        hardest: the drawings the models misread most often, hardest first.
        models: how many models were scored.
    """

    lesson: Lesson
    students: tuple[StudentResult, ...]
    scoreboard: list[dict[str, Any]]
    drawings: int
    best: ModelScore | None
    confusion: np.ndarray | None
    hardest: tuple[HardDrawing, ...]
    models: int


def class_summary(
    lesson: Lesson,
    roll: Sequence[RosterEntry],
    scores: Sequence[ModelScore],
    owners: Mapping[str, str],
    networks: Mapping[str, DenseNetwork],
    images: np.ndarray,
    labels: np.ndarray,
    *,
    kept: int,
) -> ClassSummary:
    """Gather the class's summary.

    Args:
        lesson: the current lesson.
        roll: the students (:func:`~mnist_core.classroom.roll_call`).
        scores: every model on MNIST and the class's test half (:func:`~mnist_core.classroom.score_models`).
        owners: the session that trained each model, by model id (models nobody owns are left out).
        networks: each scored model's network, by id.
        images, labels: the class's test half, as model inputs (uint8 like MNIST) and the digits drawn.
        kept: how many drawings the class kept in all.
    """
    drawn = len(labels) > 0
    by_session: dict[str, list[ModelScore]] = {}
    for score in scores:  # best on the class first
        if session := owners.get(score.id):
            by_session.setdefault(session, []).append(score)
    students = tuple(
        StudentResult(
            entry.student.nickname,
            entry.jobs,
            entry.drawings,
            _best(by_session.get(entry.student.actor.session, []), drawn=drawn),
        )
        for entry in roll
    )
    scoreboard = lesson.challenge.scoreboard(scores, _nicknames(roll, owners)) if lesson.challenge else []
    best = _best(list(scores), drawn=True) if drawn else None  # the best reader of the class's drawings
    confusion = None
    hardest: tuple[HardDrawing, ...] = ()
    if best is not None:
        features = data.to_features(images)
        labels = np.asarray(labels, dtype=np.int64)
        predictions = networks[best.id].predict_proba(features).argmax(axis=1)
        confusion = np.bincount(labels * 10 + predictions, minlength=100).reshape(10, 10)
        hardest = _hardest([networks[score.id] for score in scores], images, features, labels)
    return ClassSummary(lesson, students, scoreboard, int(kept), best, confusion, hardest, len(scores))


def summary_for(
    models: Sequence[StoredModel],
    network: Callable[[StoredModel], DenseNetwork],
    *,
    lesson: Lesson,
    drawings: ClassDrawings,
    roster: Roster,
    jobs: JobTable,
) -> ClassSummary:
    """The class's summary, read from its files: every stored model scored on the class's test half.

    Args:
        models: the stored models.
        network: loads a model's network (the app passes its cached one).
        lesson, drawings, roster, jobs: the lesson, the class's drawings, its students and the job table.
    """
    images, labels = drawings.images("test"), drawings.labels("test")
    networks = {model.id: network(model) for model in models}
    scores = score_models(models, networks, images, labels)
    owners = {model.id: owner for model in models if (owner := model_owner(jobs, model.id))}
    roll = roll_call(roster, drawings, jobs)
    return class_summary(lesson, roll, scores, owners, networks, images, labels, kept=drawings.count())


def _best(scores: list[ModelScore], *, drawn: bool) -> ModelScore | None:
    if not scores:
        return None
    key = (lambda s: (s.class_accuracy, s.mnist_accuracy)) if drawn else (lambda s: (s.mnist_accuracy, 0.0))
    return max(scores, key=key)


def _nicknames(roll: Sequence[RosterEntry], owners: Mapping[str, str]) -> dict[str, str]:
    names = {entry.student.actor.session: entry.student.nickname for entry in roll}
    return {model_id: names.get(session, CLASS_NAME) for model_id, session in owners.items()}


def _hardest(
    networks: Sequence[DenseNetwork], images: np.ndarray, features: np.ndarray, labels: np.ndarray
) -> tuple[HardDrawing, ...]:
    answers = np.stack([network.predict_proba(features).argmax(axis=1) for network in networks])  # (models, n)
    wrong = (answers != labels[None, :]).mean(axis=0)
    order = [int(i) for i in np.argsort(-wrong, kind="stable")[:HARDEST] if wrong[i] > 0]
    return tuple(
        HardDrawing(
            images[i],
            int(labels[i]),
            int(np.bincount(answers[:, i][answers[:, i] != labels[i]], minlength=10).argmax()),
            float(wrong[i]),
        )
        for i in order
    )


def _lesson_lines(lesson: Lesson, words: Catalogue) -> list[str]:
    if lesson.spec is None:
        start = words.text("Students start from a network of their own choosing.")
    elif name := preset_name(lesson.spec):
        start = words.text(
            "Students start from the {name} preset: {network}",
            name=name,
            network=spec_in_words(lesson.spec, words=words)[0],
        )
    else:
        start = words.text("Students start from {network}", network=spec_in_words(lesson.spec, words=words)[0])
    lines = [start]
    if lesson.locked:
        fixed = ", ".join(words.text(field_name(name)) for name in lesson.locked)
        lines.append(words.text("Fixed for everyone: {fields}.", fields=fixed))
    if lesson.pages:
        lines.append(words.text("Pages shown: {pages}.", pages=", ".join(words.text(page) for page in lesson.pages)))
    else:
        lines.append(words.text("Pages shown: every page."))
    if lesson.challenge:
        lines.append(words.text("Challenge: {title}.", title=lesson.challenge.title(words)))
    minutes = lesson.budget_seconds / 60
    if minutes >= 1.5:
        lines.append(words.text("Each student's training may run up to {minutes} min.", minutes=words.decimal(minutes)))
    else:
        lines.append(
            words.text("Each student's training may run up to {seconds} s.", seconds=round(lesson.budget_seconds))
        )
    return lines


def class_summary_html(summary: ClassSummary, *, words: Catalogue = ENGLISH) -> str:
    """The summary as one self-contained HTML page in ``words``' language that prints on an A4 sheet."""
    drawn = summary.drawings > 0
    lesson = "".join(f"<li>{html.escape(line)}</li>" for line in _lesson_lines(summary.lesson, words))
    rows = []
    for student in summary.students:
        best = student.best
        rows.append(
            [
                student.nickname,
                student.models,
                student.drawings,
                best.name if best else "—",
                words.percent(best.mnist_accuracy, digits=1) if best else "—",
                words.percent(best.class_accuracy, digits=1) if best and drawn else "—",
            ]
        )
    header = [
        words.text("student"),
        words.text("models"),
        words.text("drawings kept"),
        words.text("best model"),
        words.text("MNIST test"),
        words.text("class drawings"),
    ]
    caption = words.text("Each student's best model: on the class's drawings, or on MNIST before there are any.")
    students = table(header, rows, caption=caption) if rows else paragraph(words.text("No student has joined yet."))
    counts = words.text(
        "{students} students · {models} models · {drawings} drawings kept",
        students=len(summary.students),
        models=summary.models,
        drawings=summary.drawings,
    )
    parts = [
        f"<p>{html.escape(counts)}</p>",
        heading(words.text("The lesson")) + f"<ul>{lesson}</ul>",
        heading(words.text("The students")) + students,
    ]
    if summary.lesson.challenge:
        parts.append(_challenge_html(summary, words))
    if summary.best is not None and summary.confusion is not None:
        caption = words.text(
            "{model}, the best reader of the class's drawings ({accuracy}), on the half of them no model trained on. "
            "Rows: the digit drawn. Columns: its answer.",
            model=summary.best.name,
            accuracy=words.percent(summary.best.class_accuracy, digits=1),
        )
        parts.append(
            heading(words.text("The class's confusion matrix"))
            + confusion_html(summary.confusion, caption=caption, words=words)
        )
    if summary.hardest:
        pictures = figures(
            (
                drawing.image,
                words.text(
                    "{drawn} → {said}, {share} wrong",
                    drawn=drawing.drawn,
                    said=drawing.said,
                    share=words.percent(drawing.wrong_share),
                ),
                words.text(
                    "a {drawn} that {share} of the models misread, most as {said}",
                    drawn=drawing.drawn,
                    share=words.percent(drawing.wrong_share),
                    said=drawing.said,
                ),
            )
            for drawing in summary.hardest
        )
        explained = words.text(
            "The digit drawn → the answer most models gave, and the share of the {models} models that got it wrong.",
            models=summary.models,
        )
        parts.append(
            heading(words.text("The drawings the models found hardest")) + paragraph(explained, meta=True) + pictures
        )
    elif not drawn:
        parts.append(
            heading(words.text("The class's drawings")) + paragraph(words.text("The class has kept no drawings yet."))
        )
    return page(
        words.text("The class's summary"),
        "".join(parts),
        subtitle=words.text("Digit Studio · for the teacher"),
        words=words,
    )


def _challenge_html(summary: ClassSummary, words: Catalogue) -> str:
    challenge = summary.lesson.challenge
    assert challenge is not None
    board = summary.scoreboard[:10]
    ranked = "class drawings" if challenge.kind == "class" else "MNIST test"
    title = heading(words.text("The challenge: {title}", title=challenge.title(words)))
    if not board:
        return title + paragraph(words.text("No model meets the challenge yet."))
    header = [
        words.text("place"),
        words.text("model"),
        words.text("trained by"),
        words.text("parameters"),
        words.text(ranked),
    ]
    rows = [
        [
            place,
            row["model"],
            words.shown(row["trained by"]),
            words.number(row["parameters"]),
            words.percent(row[ranked], digits=1),
        ]
        for place, row in enumerate(board, start=1)
    ]
    return title + table(header, rows)
