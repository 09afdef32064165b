"""``python -m mnist_core``: download MNIST, train, list, evaluate, predict and delete models."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import data, handouts
from . import experiments as sweeping
from .classroom.drawings import ClassDrawings
from .classroom.lesson import LessonBoard
from .classroom.roles import TEACHER
from .classroom.roster import Roster
from .engine import Engine, JobTable, LocalEngine, TrainingQueue, database_path, scheduler_address, train_with
from .errors import BadInputError, EmptyImageError, InvalidImageError, MnistCoreError
from .experiments.findings import findings, report_html, report_markdown
from .images.drawn import cached_practice_drawings, practice_path
from .images.preprocess import canvas_to_mnist, read_image
from .images.scribbles import cached_practice_non_digits, practice_non_digits_path
from .language import LANGUAGES, Catalogue, catalogue, server_language
from .network.evaluation import evaluate
from .spec import (
    ACTIVATIONS,
    ALL_ACTIVATIONS,
    ALL_OPTIMIZERS,
    AUGMENTATIONS,
    FRAMEWORKS,
    LIMITS,
    OPTIMIZERS,
    PRESETS,
    SCHEDULES,
    ModelSpec,
    availability,
    preset,
)
from .store import DamagedEntry, ModelStore, StoredModel
from .training.records import EpochEvent
from .training.script import training_script

__all__ = ["main"]

# Exit statuses: 2 is what argparse uses for a usage error, and bad input is the same kind of mistake.
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


#: The language the command line speaks: --lang, else $DIGIT_STUDIO_LANGUAGE, else English (set by :func:`main`).
WORDS: Catalogue = catalogue("en")


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _ProgressBar:
    """One line per epoch; redrawn in place on a terminal."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.live = sys.stderr.isatty()

    def __call__(self, event: EpochEvent) -> None:
        done = round(20 * event.epoch / event.epochs)
        val = "" if event.val_accuracy is None else f" val_acc {event.val_accuracy:.4f}"
        line = (
            f"{self.title} epoch {event.epoch:>3}/{event.epochs} [{'#' * done}{'.' * (20 - done)}] "
            f"loss {event.loss:.4f} acc {event.accuracy:.4f}{val} ({event.seconds:.1f} s)"
        )
        end = "\n" if not self.live or event.epoch == event.epochs else ""
        print(("\r" if self.live else "") + line, end=end, file=sys.stderr, flush=True)


def _load_dataset() -> data.Dataset:
    return data.load(report=_err)


def _spec_from_args(args: argparse.Namespace) -> ModelSpec:
    base = preset(args.preset) if args.preset else ModelSpec()
    changes = {
        name: value
        for name in (field.name for field in fields(ModelSpec))
        if (value := getattr(args, name, None)) is not None
    }
    if getattr(args, "with_class", False):
        changes["class_set"] = ClassDrawings(args.class_db).snapshot()
    if isinstance(changes.get("activation"), list):
        changes["activation"] = (
            changes["activation"][0] if len(changes["activation"]) == 1 else tuple(changes["activation"])
        )
    if "hidden_layers" in changes:
        changes["hidden_layers"] = tuple(changes["hidden_layers"])
    if "dropout" in changes:
        changes["dropout"] = tuple(changes["dropout"])
    return base.replace(**changes) if changes else base


@contextlib.contextmanager
def _training_queue(args: argparse.Namespace, store: ModelStore, dataset: data.Dataset) -> Iterator[TrainingQueue]:
    """The queue the command trains through: the store's own job table, over the Dask cluster at
    ``--scheduler`` (or ``$DIGIT_STUDIO_SCHEDULER``), or over this process where there is none."""
    address = _scheduler(args)
    engine: Engine | LocalEngine = Engine(address) if address else LocalEngine(dataset)
    try:
        yield TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
    finally:
        engine.close()


def _train_one(queue: TrainingQueue, spec: ModelSpec, name: str | None, *, quiet: bool) -> tuple[StoredModel, bool]:
    return train_with(queue, spec, name=name, on_epoch=None if quiet else _ProgressBar(name or "train"))


def _scheduler(args: argparse.Namespace) -> str | None:
    return args.scheduler or scheduler_address()


def cmd_download(args: argparse.Namespace) -> int:
    dataset = _load_dataset()
    print(
        WORDS.text(
            "MNIST ready ({source}): {train} training and {test} test images at {path}",
            source=dataset.source, train=len(dataset.y_train), test=len(dataset.y_test), path=data.cache_path(),
        )
    )  # fmt: skip
    x, _ = cached_practice_drawings()
    print(WORDS.text("Practice drawings ready: {count} at {path}", count=len(x), path=practice_path()))
    x, _ = cached_practice_non_digits()
    print(WORDS.text("Practice non-digits ready: {count} at {path}", count=len(x), path=practice_non_digits_path()))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    spec = _spec_from_args(args)
    dataset = _load_dataset()
    store = ModelStore(args.models)
    with _training_queue(args, store, dataset) as queue:
        model, from_store = _train_one(queue, spec, args.name or args.preset, quiet=args.json)
    if args.json:
        print(json.dumps({**model.summary(), "from_store": from_store, "engine": _scheduler(args) or "in-process"}))
    else:
        if from_store:
            source = WORDS.text("already in the store")
        else:
            source = WORDS.text("trained in {seconds:.1f} s", seconds=model.train_seconds)
        print(
            WORDS.text(
                "{model}: {source}; train accuracy {train:.4f}, test accuracy {test:.4f}",
                model=model.id, source=source, train=model.metrics["train_accuracy"],
                test=model.metrics["test_accuracy"],
            )
        )  # fmt: skip
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    dataset = _load_dataset()
    store = ModelStore(args.models)
    with _training_queue(args, store, dataset) as queue:
        for name in args.presets or list(PRESETS):
            model, from_store = _train_one(queue, preset(name), name, quiet=False)
            source = "in store" if from_store else f"{model.train_seconds:.1f} s"
            print(
                f"{name:<22} {model.id:<34} train {model.metrics['train_accuracy']:.4f}  "
                f"test {model.metrics['test_accuracy']:.4f}  ({source})",
                flush=True,
            )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    entries = ModelStore(args.models).list()
    if args.json:
        rows = [e.summary() if isinstance(e, StoredModel) else {"id": e.id, "damaged": e.reason} for e in entries]
        print(json.dumps(rows))
        return 0
    if not entries:
        print(WORDS.text("The store is empty: train a model with `python -m mnist_core train --preset quick`."))
    for entry in entries:
        if isinstance(entry, DamagedEntry):
            print(f"{entry.id:<34} " + WORDS.text("DAMAGED: {reason}", reason=entry.reason))
        else:
            print(entry.summary_line())
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    store = ModelStore(args.models)
    model = store.get(args.id)
    dataset = _load_dataset()
    result = evaluate(store.load_network(args.id), dataset.seen_by(model.spec))
    report = {
        "id": model.id,
        **result.metrics(),
        "confusion": result.confusion.tolist(),
        "precision": [round(float(v), 4) for v in result.precision],
        "recall": [round(float(v), 4) for v in result.recall],
        "f1": [round(float(v), 4) for v in result.f1],
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(
        WORDS.text(
            "{model}: train accuracy {train:.4f}, test accuracy {test:.4f}, test log-loss {loss:.4f}",
            model=model.id, train=result.train_accuracy, test=result.test_accuracy, loss=result.test_log_loss,
        )
    )  # fmt: skip
    print("digit  precision  recall  f1")
    for digit in range(10):
        print(f"{digit:>5}  {result.precision[digit]:9.4f}  {result.recall[digit]:6.4f}  {result.f1[digit]:.4f}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Answers every readable file; a file that cannot be read is reported and makes the exit status 2."""
    network = ModelStore(args.models).load_network(args.id)
    results: list[dict[str, Any]] = []
    for path in args.images:
        try:
            image = canvas_to_mnist(read_image(path))
        except EmptyImageError:
            results.append({"path": path, "digit": None, "probabilities": [0.0] * 10})
            continue
        except InvalidImageError as error:
            results.append({"path": path, "error": str(error)})
            _err(WORDS.text("error: {message}", message=error.in_language(WORDS)))
            continue
        probabilities = network.predict_proba(image)[0]
        results.append(
            {
                "path": path,
                "digit": int(probabilities.argmax()),
                "probabilities": [round(float(p), 6) for p in probabilities],
            }
        )
    if args.json:
        print(json.dumps(results))
    else:
        for row in results:
            if "error" in row:
                continue
            if row["digit"] is None:
                print(f"{row['path']}: " + WORDS.text("empty image, no digit"))
            else:
                print(f"{row['path']}: {row['digit']} ({max(row['probabilities']):.1%})")
    return EXIT_BAD_INPUT if any("error" in row for row in results) else EXIT_OK


def _vary(text: str) -> tuple[str, str]:
    name, equals, values = text.partition("=")
    if not equals:
        raise BadInputError(
            "--vary takes FIELD=VALUE,VALUE (such as hidden_layers=32,64,128), not {text}.", text=repr(text)
        )
    return name, values


def cmd_sweep(args: argparse.Namespace) -> int:
    base = preset(args.base)
    changes = {name: getattr(args, name) for name in ("train_size", "epochs") if getattr(args, name) is not None}
    base = base.replace(**changes) if changes else base
    ranges = bool(args.random)
    vary = tuple(
        (name.replace("-", "_"), sweeping.parse_values(name, values, ranges=ranges))
        for name, values in map(_vary, args.vary)
    )
    sweep = sweeping.Sweep(base, vary, seeds=args.seeds, draws=args.random or 0, question=args.question or "")
    dataset = _load_dataset()
    store = ModelStore(args.models)
    engine = Engine(_scheduler(args), workers=args.workers)
    try:
        if engine.local_workers:
            engine.wait_for_workers(engine.local_workers)
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
        table = sweeping.SweepTable(database_path(store))
        started = time.monotonic()
        record = sweeping.start(queue, table, sweep, "command line")
        _err(f"sweep {record.id}: {sweep.run_count} runs on {engine.description}")
        bar = _SweepBar(sweep.run_count)

        def on_run(run: sweeping.Run) -> None:
            if args.json:
                print(json.dumps(run.summary()), flush=True)

        try:
            sweep_runs = sweeping.follow(queue, record, on_run=on_run, on_progress=None if args.json else bar)
        except KeyboardInterrupt:
            sweeping.stop(queue, table, record)
            sweeping.follow(queue, record, timeout=30)
            raise
        wall_seconds = time.monotonic() - started
    finally:
        engine.close()
    done = sweeping.results(sweep_runs)
    _err(f"sweep {record.id}: {len(done)} of {len(sweep_runs)} runs done in {wall_seconds:.1f} s wall time")
    result = findings(sweep, sweep_runs, words=WORDS)
    if not args.json:
        for run in sweep_runs:
            score = "—" if run.test_accuracy is None else f"{run.test_accuracy:.4f}"
            seconds = "" if run.model is None else f"{run.model.train_seconds:6.1f} s"
            print(f"{run.position + 1:>3}  {run.label:<60} {run.state:<9} {score}  {seconds}")
        print()
        print("\n".join(f"- {sentence}" for sentence in result.sentences))
    if args.report:
        path = Path(args.report)
        text = (
            report_markdown(sweep, sweep_runs, words=WORDS)
            if path.suffix.lower() == ".md"
            else report_html(sweep, sweep_runs, words=WORDS)
        )
        path.write_text(text, encoding="utf-8")
        _err(f"findings written to {path}")
    return 0 if len(done) == len(sweep_runs) else EXIT_FAILURE


class _SweepBar:
    """Runs done, running and waiting, redrawn in place on a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.live = sys.stderr.isatty()
        self.last = ""

    def __call__(self, sweep_runs: list[sweeping.Run]) -> None:
        states = [run.state for run in sweep_runs]
        done = sum(state not in ("queued", "running") for state in states)
        filled = round(30 * done / self.total)
        line = (
            f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} done, "
            f"{states.count('running')} running, {states.count('queued')} waiting"
        )
        if line != self.last:
            print(("\r" if self.live else "") + line, end="" if self.live else "\n", file=sys.stderr, flush=True)
            self.last = line
        if done == self.total and self.live:
            print(file=sys.stderr)


def _html_out(target: str | None) -> Path:
    path = Path(target or "")
    if path.suffix.lower() not in (".html", ".htm"):
        raise BadInputError("Write the handout to a file ending in .html (open it in a browser; Print → PDF).")
    return path


def _write_handout(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(
        WORDS.text(
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
        model, store.load_network(model.id), _load_dataset(), drawings=drawings, roster=roster, jobs=jobs
    )
    _write_handout(path, handouts.model_handout_html(handout, words=WORDS))
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
    _write_handout(path, handouts.class_summary_html(summary, words=WORDS))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    model = ModelStore(args.models).get(args.id)
    path = Path(args.code)
    if path.suffix != ".py":
        raise BadInputError("The script is Python code: name it something.py, not {name}.", name=path.name)
    path.write_text(training_script(model.spec, model_id=model.id), encoding="utf-8")
    print(f"{path}: trains {model.spec.architecture} with {model.spec.framework}; run: python {path}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    ModelStore(args.models).delete(args.id)
    print(WORDS.text("Deleted {model}.", model=args.id))
    return 0


CLASS_DB_HELP = "the class drawings database (default: $DIGIT_STUDIO_CLASS_DB or class.db in the data folder)"


def _range(name: str) -> str:
    return "–".join(str(int(v)) if float(v).is_integer() else f"{v:g}" for v in LIMITS[name])


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
            print(WORDS.text("The class has kept no drawings yet: keep some on the Draw page."))
        else:
            print(
                WORDS.text(
                    "{model}: {accuracy} of {count} class drawings (MNIST test {mnist})",
                    model=model.name, accuracy=WORDS.percent(result.accuracy, digits=1), count=result.count,
                    mnist=WORDS.percent(model.metrics["test_accuracy"], digits=1),
                )
            )  # fmt: skip
        return 0
    if not args.yes:
        raise BadInputError("This removes all {value} class drawings; add --yes to do it.", value=drawings.count())
    print(
        WORDS.text("{count} class drawings removed", count=drawings.clear(by=TEACHER))
    )  # whoever runs the server is its teacher
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mnist_core", description="Digit Studio's command line.")
    parser.add_argument(
        "--lang", choices=list(LANGUAGES),
        help="the language of the messages (default: $DIGIT_STUDIO_LANGUAGE or English); --json stays English",
    )  # fmt: skip
    parser.add_argument("--models", help="model store folder (default: $DIGIT_STUDIO_MODELS or ./models)")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train on the Dask cluster at ADDRESS, e.g. tcp://host:8786 (default: $DIGIT_STUDIO_SCHEDULER, "
        "or in this process)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("download", help="find MNIST and cache it").set_defaults(run=cmd_download)

    train = commands.add_parser("train", help="train one model (a preset, and/or any spec field)")
    train.add_argument("--preset", choices=list(PRESETS), help="start from a preset")
    train.add_argument("--name", help="a name to show in the app")
    train.add_argument("--framework", choices=FRAMEWORKS)
    train.add_argument(
        "--hidden",
        dest="hidden_layers",
        type=int,
        nargs="+",
        metavar="UNITS",
        help=f"units per hidden layer ({_range('units')}), {_range('layers')} layers",
    )
    train.add_argument(
        "--activation",
        nargs="+",
        choices=ALL_ACTIVATIONS,
        help=f"one activation, or one per layer: {availability(ACTIVATIONS)}",
    )
    train.add_argument("--optimizer", choices=ALL_OPTIMIZERS, help=availability(OPTIMIZERS))
    train.add_argument("--learning-rate", type=float, help=_range("learning_rate"))
    train.add_argument("--momentum", type=float, help=f"{_range('momentum')}, for sgd")
    train.add_argument("--epochs", type=int, help=_range("epochs"))
    train.add_argument("--batch-size", type=int, help=_range("batch_size"))
    train.add_argument("--l2", type=float, help=_range("l2"))
    train.add_argument(
        "--dropout", type=float, nargs="+", metavar="RATE", help=f"one rate per hidden layer, {_range('dropout')}"
    )
    train.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=None)
    train.add_argument("--patience", type=int, help=_range("patience"))
    train.add_argument("--validation-fraction", type=float, help=_range("validation_fraction"))
    train.add_argument("--train-size", type=int, help=_range("train_size"))
    train.add_argument("--seed", type=int, help=_range("seed"))
    train.add_argument(
        "--augment",
        nargs="?",
        const="light",
        choices=AUGMENTATIONS,
        help="train on distorted copies, like drawings: light (alone: --augment) or elastic",
    )
    train.add_argument("--no-augment", dest="augment", action="store_const", const="off", help="same as --augment off")
    train.add_argument(
        "--drawings",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also train on 6 000 practice digits drawn like the canvas (1s with flags, 7s with bars, …)",
    )
    train.add_argument(
        "--non-digits",
        action=argparse.BooleanOptionalAction,
        default=None,
        help='also learn an eleventh answer, "not a digit", from 6 000 scribbles, letters and shapes',
    )
    train.add_argument(
        "--schedule", choices=SCHEDULES, help="learning rate held (constant) or lowered to zero along a half cosine"
    )
    train.add_argument(
        "--with-class",
        action="store_true",
        help="also train on the training half of the class's kept drawings (frozen as they are now)",
    )
    train.add_argument("--class-db", help=CLASS_DB_HELP)
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(run=cmd_train)

    pretrain = commands.add_parser("pretrain", help="train every preset (skips those in the store)")
    pretrain.add_argument("presets", nargs="*", metavar="PRESET", help=f"some of: {', '.join(PRESETS)} (default: all)")
    pretrain.set_defaults(run=cmd_pretrain)

    listing = commands.add_parser("list", help="list the models in the store")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_list)

    evaluation = commands.add_parser("evaluate", help="score a model on MNIST")
    evaluation.add_argument("id")
    evaluation.add_argument("--json", action="store_true")
    evaluation.set_defaults(run=cmd_evaluate)

    predict = commands.add_parser("predict", help="read digits from PNG or JPEG files")
    predict.add_argument("id")
    predict.add_argument("images", nargs="+")
    predict.add_argument("--json", action="store_true")
    predict.set_defaults(run=cmd_predict)

    report = commands.add_parser("report", help="a model's one-page handout (HTML that prints on A4)")
    report.add_argument("id")
    report.add_argument("--out", required=True, metavar="FILE.html", help="where to write the handout")
    report.add_argument("--class-db", help=CLASS_DB_HELP)
    report.set_defaults(run=cmd_report)

    classroom = commands.add_parser(
        "class", help="the class: its drawings (stats, export, score, clear) and the teacher's summary (report)"
    )
    classroom.add_argument("action", choices=("stats", "export", "score", "clear", "report"))
    classroom.add_argument("target", nargs="?", metavar="FILE|MODEL_ID", help="export: a .npz or .csv; score: a model")
    classroom.add_argument("--class-db", help=CLASS_DB_HELP)
    classroom.add_argument("--yes", action="store_true", help="clear: really remove every drawing")
    classroom.add_argument("--out", metavar="FILE.html", help="report: where to write the class's summary")
    classroom.add_argument("--json", action="store_true")
    classroom.set_defaults(run=cmd_class)

    sweep = commands.add_parser("sweep", help="train runs varying 1–3 fields in parallel, and report the findings")
    sweep.add_argument("--base", choices=list(PRESETS), default="sklearn-seed", help="the preset every run starts from")
    sweep.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="FIELD=V1,V2",
        help=f"a field and its values (repeat for up to 3 fields); one of: {', '.join(sweeping.VARIABLE_FIELDS)}. "
        "hidden_layers=64,128-64; with --random, ranges such as learning_rate=0.0001:0.01",
    )
    sweep.add_argument("--random", type=int, metavar="N", help="N random settings from the values or ranges")
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per setting (the spread shows what is chance)")
    sweep.add_argument("--train-size", type=int, help=_range("train_size"))
    sweep.add_argument("--epochs", type=int, help=_range("epochs"))
    sweep.add_argument("--question", help="what the sweep asks, for the report")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: cores − 1)")
    sweep.add_argument("--report", metavar="FILE", help="write the findings: FILE.html (with figures) or FILE.md")
    sweep.add_argument("--json", action="store_true", help="one JSON object per run, as each ends")
    sweep.set_defaults(run=cmd_sweep)

    export = commands.add_parser("export", help="a model as a standalone Python training script")
    export.add_argument("id")
    export.add_argument("--code", required=True, metavar="FILE.py", help="where to write the script")
    export.set_defaults(run=cmd_export)

    delete = commands.add_parser("delete", help="remove a model from the store")
    delete.add_argument("id")
    delete.set_defaults(run=cmd_delete)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    global WORDS
    args = _parser().parse_args(argv)
    WORDS = catalogue(args.lang or server_language())
    try:
        return int(args.run(args))
    except BadInputError as error:
        _err(WORDS.text("error: {message}", message=error.in_language(WORDS)))
        return EXIT_BAD_INPUT
    except MnistCoreError as error:
        _err(WORDS.text("error: {message}", message=error.in_language(WORDS)))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _err(WORDS.text("interrupted"))
        return 130
