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
from ..network.dense import DenseNetwork
from ..pictures import confusion_html
from ..spec import preset_name
from ..store import StoredModel
from .model import spec_in_words
from .page import figures, page, table

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


def _lesson_lines(lesson: Lesson) -> list[str]:
    if lesson.spec is None:
        start = "Students start from a network of their own choosing."
    else:
        name = preset_name(lesson.spec)
        start = f"Students start from {f'the {name} preset: ' if name else ''}{spec_in_words(lesson.spec)[0]}"
    lines = [start]
    if lesson.locked:
        lines.append("Fixed for everyone: " + ", ".join(name.replace("_", " ") for name in lesson.locked) + ".")
    lines.append("Pages shown: " + (", ".join(lesson.pages) if lesson.pages else "every page") + ".")
    if lesson.challenge:
        lines.append(f"Challenge: {lesson.challenge.title}.")
    minutes = lesson.budget_seconds / 60
    lines.append(f"Each student's training may run up to {minutes:g} min." if minutes >= 1.5 else
                 f"Each student's training may run up to {lesson.budget_seconds:.0f} s.")  # fmt: skip
    return lines


def class_summary_html(summary: ClassSummary) -> str:
    """The summary as one self-contained HTML page that prints on an A4 sheet."""
    drawn = summary.drawings > 0
    lesson = "".join(f"<li>{html.escape(line)}</li>" for line in _lesson_lines(summary.lesson))
    rows = []
    for student in summary.students:
        best = student.best
        rows.append(
            [
                student.nickname,
                student.models,
                student.drawings,
                best.name if best else "—",
                f"{best.mnist_accuracy:.1%}" if best else "—",
                f"{best.class_accuracy:.1%}" if best and drawn else "—",
            ]
        )
    students = (
        table(
            ["student", "models", "drawings kept", "best model", "MNIST test", "class drawings"],
            rows,
            caption="Each student's best model: on the class's drawings, or on MNIST before there are any.",
        )
        if rows
        else "<p>No student has joined yet.</p>"
    )
    parts = [
        f"<p><strong>{len(summary.students)}</strong> students · <strong>{summary.models}</strong> models · "
        f"<strong>{summary.drawings}</strong> drawings kept</p>",
        f"<h2>The lesson</h2><ul>{lesson}</ul>",
        f"<h2>The students</h2>{students}",
    ]
    if summary.lesson.challenge:
        challenge = summary.lesson.challenge
        board = summary.scoreboard[:10]
        ranked = "class drawings" if challenge.kind == "class" else "MNIST test"
        parts.append(
            f"<h2>The challenge: {html.escape(challenge.title)}</h2>"
            + (
                table(
                    ["place", "model", "trained by", "parameters", ranked],
                    [
                        [place, row["model"], row["trained by"], f"{row['parameters']:,}", f"{row[ranked]:.1%}"]
                        for place, row in enumerate(board, start=1)
                    ],
                )
                if board
                else "<p>No model meets the challenge yet.</p>"
            )
        )
    if summary.best is not None and summary.confusion is not None:
        caption = (
            f"{summary.best.name}, the best reader of the class's drawings ({summary.best.class_accuracy:.1%}), "
            "on the half of them no model trained on. Rows: the digit drawn. Columns: its answer."
        )
        parts.append(f"<h2>The class's confusion matrix</h2>{confusion_html(summary.confusion, caption=caption)}")
    if summary.hardest:
        pictures = figures(
            (
                drawing.image,
                f"{drawing.drawn} → {drawing.said}, {drawing.wrong_share:.0%} wrong",
                f"a {drawing.drawn} that {drawing.wrong_share:.0%} of the models misread, most as {drawing.said}",
            )
            for drawing in summary.hardest
        )
        parts.append(
            "<h2>The drawings the models found hardest</h2>"
            f'<p class="meta">The digit drawn → the answer most models gave, and the share of the '
            f"{summary.models} models that got it wrong.</p>"
            f"{pictures}"
        )
    elif not drawn:
        parts.append("<h2>The class's drawings</h2><p>The class has kept no drawings yet.</p>")
    return page("The class's summary", "".join(parts), subtitle="Digit Studio · for the teacher")
