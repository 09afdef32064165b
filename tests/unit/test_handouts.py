"""Handouts: a model's one page and the class's summary hold what they say, computed from real models and drawings."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest

from mnist_core import data
from mnist_core.classroom import TEACHER, Challenge, ClassDrawings, Lesson, LessonBoard, Roster
from mnist_core.cli import main
from mnist_core.engine import JobTable, LocalEngine, TrainingQueue, database_path, train_with
from mnist_core.handouts import (
    MAX_BYTES,
    findings,
    handout_for,
    model_handout_html,
    spec_in_words,
    summary_for,
)
from mnist_core.handouts.classroom import class_summary_html
from mnist_core.images import render_digit
from mnist_core.language import catalogue
from mnist_core.network import evaluate
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.store import ModelStore, StoredModel

pytestmark = pytest.mark.slow  # trains two models through the queue

TINY = ModelSpec(
    hidden_layers=(32,), epochs=4, learning_rate=3e-3, train_size=2000, batch_size=64, validation_fraction=0.2, seed=0
)
#: 300 images for 40 epochs: a network that learns its training digits by heart.
MEMORISER = ModelSpec(hidden_layers=(64,), epochs=40, train_size=300, validation_fraction=0.0, seed=0)


class Class:
    """A real class on disk: a store, its job table, a roster with Ana, her model and a shared one, drawings."""

    def __init__(self, root: Path, mnist: data.Dataset) -> None:
        self.store = ModelStore(root / "models")
        self.jobs = JobTable(database_path(self.store))
        self.drawings = ClassDrawings(root / "class.db", per_minute=100)
        self.roster = Roster(root / "class.db")
        self.ana = self.roster.join("Ana")
        self.roster.join("Ben")
        engine = LocalEngine(mnist)
        try:
            queue = TrainingQueue(self.store, self.jobs, engine, fingerprint=mnist.fingerprint)
            self.anas, _ = train_with(queue, TINY, session=self.ana.actor.session, name="Ana's")
            self.shared, _ = train_with(queue, MEMORISER, session="server:first-start", name="shared")
        finally:
            engine.close()
        for index, digit in enumerate([7, 1, 0, 3, 7, 4, 2, 2, 8, 5, 6, 9] * 2):
            self.drawings.add(render_digit(digit, height=150 + 5 * index, pen=18), digit, self.ana.actor.session)
        LessonBoard(self.drawings).push(
            Lesson(spec=PRESETS["quick"], locked=("epochs",), challenge=Challenge("class", started=0)), by=TEACHER
        )


@pytest.fixture(scope="module")
def the_class(tmp_path_factory: pytest.TempPathFactory, mnist: data.Dataset) -> Class:
    return Class(tmp_path_factory.mktemp("handout-class"), mnist)


def words_percent(share: float, language: str) -> str:
    return catalogue(language).percent(share, digits=2)


def confusion_cells(page: str) -> np.ndarray:
    """The counts of the confusion table in ``page``, row by row."""
    body = re.search(r'<table class="confusion">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    return np.array([[int(cell) for cell in re.findall(r"<td[^>]*>(\d+)</td>", row)] for row in rows])


def self_contained(page: str) -> bool:
    """No script, and nothing fetched from elsewhere: every picture is inside the file."""
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    return "<script" not in page and all(source.startswith("data:image/png;base64,") for source in sources)


def test_a_model_handout_names_its_student_and_shows_its_own_numbers(the_class: Class, mnist: data.Dataset) -> None:
    """Ana's handout: her nickname, the spec in words, its confusion matrix, a dozen mistakes, the class's score."""
    model = the_class.store.get(the_class.anas.id)
    network = the_class.store.load_network(model.id)
    handout = handout_for(
        model, network, mnist, drawings=the_class.drawings, roster=the_class.roster, jobs=the_class.jobs
    )
    page = model_handout_html(handout)

    assert handout.nickname == "Ana" and "Trained by Ana" in page
    assert "784-32-10" in page and "4 epochs" in page and "20% more held out" in page
    result = evaluate(network, mnist)
    np.testing.assert_array_equal(confusion_cells(page), result.confusion)
    assert f"{result.test_accuracy:.2%}" in page
    mistakes = re.findall(r'alt="a (\d) the model read as (\d), \d+% sure"', page)
    assert len(mistakes) == 12 and all(true != said for true, said in mistakes)
    surest = result.wrong_indices[:12]
    assert [int(t) for t, _ in mistakes] == [int(result.test_labels[i]) for i in surest]
    score = the_class.drawings.score(network, "test")
    assert handout.class_score == score and f"{score.accuracy:.1%} of the class's {score.count} test drawings" in page
    sentences = findings(model, handout.evaluation, handout.class_score)
    assert len(sentences) == 3 and all(html.escape(sentence) in page for sentence in sentences)
    assert self_contained(page) and len(page.encode()) < MAX_BYTES / 10
    assert "@page { size: A4" in page and "@media print" in page

    german = model_handout_html(handout, words=catalogue("de"))
    assert '<html lang="de">' in german and "Trainiert von Ana" in german and "Konfusionsmatrix" in german
    assert words_percent(result.test_accuracy, "de") in german and "Trained by" not in german
    assert len(re.findall(r'alt="eine \d, die das Modell als \d las, zu \d+\xa0% sicher"', german)) == 12


def test_findings_are_computed_from_the_numbers(the_class: Class, mnist: data.Dataset) -> None:
    """A network trained on 300 digits learned them by heart; its worst mistake is its confusion's largest cell."""
    model = the_class.store.get(the_class.shared.id)
    result = evaluate(the_class.store.load_network(model.id), mnist)
    assert model.metrics["train_accuracy"] - result.test_accuracy > 0.05  # the premise
    memorising, mistake, third = findings(model, result)

    assert "by heart" in memorising and f"{model.metrics['train_accuracy']:.1%}" in memorising
    off_diagonal = result.confusion * (1 - np.eye(10, dtype=int))
    true_digit, said = np.unravel_index(off_diagonal.argmax(), off_diagonal.shape)
    assert f"reading a {true_digit} as a {said} ({off_diagonal.max()} of" in mistake
    assert "without a validation set" in third  # no validation split, no class score given


def test_the_spec_reads_as_three_sentences(the_class: Class) -> None:
    network, trained, learned = spec_in_words(PRESETS["quick"])
    assert "784-300-11" in network and "“not a digit”" in network and f"{PRESETS['quick'].parameter_count:,}" in network
    assert "cosine schedule" in trained and "adam" in trained
    assert "practice digits" in learned and "not digits" in learned and "54,000 MNIST digits" in learned
    network, trained, learned = spec_in_words(PRESETS["quick"], words=catalogue("es"))
    assert network.startswith("El MLPClassifier de scikit-learn, 784-300-11") and "«no es un dígito»" in network
    assert "238.811 pesos" in network and "calendario «coseno»" in trained and "tasa de aprendizaje 0,005" in trained
    assert "Aprendió de 54.000 dígitos de MNIST" in learned


def test_the_class_summary_ranks_each_student_and_shows_the_hardest_drawings(the_class: Class) -> None:
    """Ana's best model and both students; the lesson; the scoreboard; hardest drawings misread by most models."""
    models = [entry for entry in the_class.store.list() if isinstance(entry, StoredModel)]
    summary = summary_for(
        models,
        lambda model: the_class.store.load_network(model.id),
        lesson=LessonBoard(the_class.drawings).current(),
        drawings=the_class.drawings,
        roster=the_class.roster,
        jobs=the_class.jobs,
    )
    page = class_summary_html(summary)

    ana, ben = summary.students
    assert (ana.nickname, ana.best.id, ana.drawings) == ("Ana", the_class.anas.id, 24)
    assert (ben.nickname, ben.best, ben.models) == ("Ben", None, 0)
    assert summary.drawings == 24 and summary.models == 2
    assert [row["trained by"] for row in summary.scoreboard] == [
        "Ana" if row["id"] == the_class.anas.id else "the class" for row in summary.scoreboard
    ]
    assert "Fixed for everyone: epochs." in page and "the quick preset" in page and "Best on the class" in page
    assert confusion_cells(page).sum() == len(the_class.drawings.labels("test"))
    shares = [drawing.wrong_share for drawing in summary.hardest]
    assert shares == sorted(shares, reverse=True) and all(0 < share <= 1 for share in shares)
    assert all(drawing.said != drawing.drawn for drawing in summary.hardest)
    assert self_contained(page) and len(page.encode()) < MAX_BYTES


def test_the_command_line_writes_both_handouts_and_refuses_another_format(
    the_class: Class, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--models", str(the_class.store.root)]
    place = ["--class-db", str(the_class.drawings.path)]
    assert main([*root, "report", the_class.anas.id, "--out", str(tmp_path / "ana.html"), *place]) == 0
    assert "Trained by Ana" in (tmp_path / "ana.html").read_text()
    assert main([*root, "class", "report", "--out", str(tmp_path / "class.html"), *place]) == 0
    assert html.escape("The class's summary") in (tmp_path / "class.html").read_text()
    assert "Handout written to" in capsys.readouterr().out

    assert main([*root, "report", the_class.anas.id, "--out", str(tmp_path / "ana.pdf"), *place]) == 2
    assert "ending in .html" in capsys.readouterr().err
    assert main([*root, "report", "sklearn-nothing-0000000000", "--out", str(tmp_path / "x.html")]) != 0
