"""What the command line's commands share: its language, exit statuses, the dataset, specs and the queue."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import fields

from .. import data
from ..classroom.drawings import ClassDrawings
from ..engine import Engine, JobTable, LocalEngine, TrainingQueue, database_path, scheduler_address, train_with
from ..language import Catalogue, catalogue
from ..spec import LIMITS, ModelSpec, preset
from ..store import ModelStore, StoredModel
from ..training.records import EpochEvent

# Exit statuses: 2 is what argparse uses for a usage error, and bad input is the same kind of mistake.
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

#: The language the command line speaks: --lang, else $DIGIT_STUDIO_LANGUAGE, else English (set by ``main``).
WORDS: Catalogue = catalogue("en")


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class ProgressBar:
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


def load_dataset() -> data.Dataset:
    return data.load(report=err)


def spec_from_args(args: argparse.Namespace) -> ModelSpec:
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
def training_queue(args: argparse.Namespace, store: ModelStore, dataset: data.Dataset) -> Iterator[TrainingQueue]:
    """The queue the command trains through: the store's own job table, over the Dask cluster at
    ``--scheduler`` (or ``$DIGIT_STUDIO_SCHEDULER``), or over this process where there is none."""
    address = scheduler(args)
    engine: Engine | LocalEngine = Engine(address) if address else LocalEngine(dataset)
    try:
        yield TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
    finally:
        engine.close()


def train_one(queue: TrainingQueue, spec: ModelSpec, name: str | None, *, quiet: bool) -> tuple[StoredModel, bool]:
    return train_with(queue, spec, name=name, on_epoch=None if quiet else ProgressBar(name or "train"))


def scheduler(args: argparse.Namespace) -> str | None:
    return args.scheduler or scheduler_address()


CLASS_DB_HELP = "the class drawings database (default: $DIGIT_STUDIO_CLASS_DB or class.db in the data folder)"


def value_range(name: str) -> str:
    return "–".join(str(int(v)) if float(v).is_integer() else f"{v:g}" for v in LIMITS[name])
