"""The class's commands: a model's handout, and the class drawings (stats, export, score, clear, summary)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .. import handouts
from ..classroom.drawings import ClassDrawings
from ..classroom.lesson import LessonBoard
from ..classroom.roles import TEACHER
from ..classroom.roster import Roster
from ..engine import JobTable, database_path
from ..errors import BadInputError
from ..store import ModelStore, StoredModel
from . import common


def _html_out(target: str | None) -> Path:
    path = Path(target or "")
    if path.suffix.lower() not in (".html", ".htm"):
        raise BadInputError("Write the handout to a file ending in .html (open it in a browser; Print → PDF).")
    return path


def _write_handout(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(
        common.WORDS.text(
            "Handout written to {path} ({kilobytes:.0f} kB): open it in a browser, Print → PDF.",
            path=path, kilobytes=len(text.encode()) / 1000,
        )
    )  # fmt: skip


def _class_files(args: argparse.Namespace, store: ModelStore) -> tuple[ClassDrawings, Roster, JobTable]:
    drawings = ClassDrawings(args.class_db)
    return drawings, Roster(drawings.path), JobTable(database_path(store))


def cmd_report(args: argparse.Namespace) -> int:
    path = _html_out(args.out)
    store = ModelStore(args.models)
    model = store.get(args.id)
    drawings, roster, jobs = _class_files(args, store)
    handout = handouts.handout_for(
        model, store.load_network(model.id), common.load_dataset(), drawings=drawings, roster=roster, jobs=jobs
    )
    _write_handout(path, handouts.model_handout_html(handout, words=common.WORDS))
    return 0


def _class_report(args: argparse.Namespace) -> int:
    path = _html_out(args.out)
    store = ModelStore(args.models)
    drawings, roster, jobs = _class_files(args, store)
    models = [entry for entry in store.list() if isinstance(entry, StoredModel)]
    summary = handouts.summary_for(
        models,
        lambda model: store.load_network(model.id),
        lesson=LessonBoard(drawings).current(),
        drawings=drawings,
        roster=roster,
        jobs=jobs,
    )
    _write_handout(path, handouts.class_summary_html(summary, words=common.WORDS))
    return 0


def cmd_class(args: argparse.Namespace) -> int:
    if args.action == "report":
        return _class_report(args)
    drawings = ClassDrawings(args.class_db)
    if args.action == "stats":
        counts = drawings.counts()
        stats = {"path": str(drawings.path), "count": sum(counts.values()), "per_digit": counts}
        stats["sessions"] = drawings.sessions()
        if args.json:
            print(json.dumps(stats))
        else:
            per_digit = "  ".join(f"{digit}: {count}" for digit, count in counts.items())
            print(f"{stats['count']} class drawings from {stats['sessions']} sessions at {drawings.path}")
            print(per_digit)
        return 0
    if args.action == "export":
        path = Path(args.target or "")
        if path.suffix not in (".npz", ".csv"):
            raise BadInputError("Export to a file ending in .npz (MNIST's format) or .csv (label and 784 pixels).")
        written = drawings.export_npz(path) if path.suffix == ".npz" else drawings.export_csv(path)
        print(f"{written} class drawings written to {path}")
        return 0
    if args.action == "score":
        if not args.target:
            raise BadInputError("Say which model to score: `class score MODEL_ID`.")
        store = ModelStore(args.models)
        model = store.get(args.target)
        result = drawings.score(store.load_network(model.id))
        summary = {"id": model.id, "name": model.name, "count": result.count, "accuracy": result.accuracy}
        summary |= {"mnist_test_accuracy": model.metrics["test_accuracy"], "per_digit": result.per_digit}
        if args.json:
            print(json.dumps(summary))
        elif not result.count:
            print(common.WORDS.text("The class has kept no drawings yet: keep some on the Draw page."))
        else:
            print(
                common.WORDS.text(
                    "{model}: {accuracy} of {count} class drawings (MNIST test {mnist})",
                    model=model.name, accuracy=common.WORDS.percent(result.accuracy, digits=1), count=result.count,
                    mnist=common.WORDS.percent(model.metrics["test_accuracy"], digits=1),
                )
            )  # fmt: skip
        return 0
    if not args.yes:
        raise BadInputError("This removes all {value} class drawings; add --yes to do it.", value=drawings.count())
    print(
        common.WORDS.text("{count} class drawings removed", count=drawings.clear(by=TEACHER))
    )  # whoever runs the server is its teacher
    return 0
