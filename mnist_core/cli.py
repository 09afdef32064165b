"""``python -m mnist_core``: download MNIST, train, list, evaluate, predict and delete models."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from . import data
from .errors import EmptyImageError, MnistCoreError
from .evaluation import evaluate
from .preprocess import canvas_to_mnist, read_image
from .spec import LIMITS, PRESETS, ModelSpec, preset
from .store import DamagedEntry, ModelStore, StoredModel
from .training import EpochEvent

__all__ = ["main"]


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


def _summary(model: StoredModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "framework": model.framework,
        "architecture": model.spec.architecture,
        **model.metrics,
        "train_seconds": round(model.train_seconds, 3),
        "epochs_run": model.epochs_run,
        "parameters": model.parameters,
        "created": model.created,
        "stopped": model.stopped,
    }


def _load_dataset() -> data.Dataset:
    return data.load(report=_err)


def _spec_from_args(args: argparse.Namespace) -> ModelSpec:
    base = preset(args.preset) if args.preset else ModelSpec()
    changes = {
        name: value
        for name in (field.name for field in fields(ModelSpec))
        if (value := getattr(args, name)) is not None
    }
    if isinstance(changes.get("activation"), list):
        changes["activation"] = (
            changes["activation"][0] if len(changes["activation"]) == 1 else tuple(changes["activation"])
        )
    if "hidden_layers" in changes:
        changes["hidden_layers"] = tuple(changes["hidden_layers"])
    if "dropout" in changes:
        changes["dropout"] = tuple(changes["dropout"])
    return base.replace(**changes) if changes else base


def _train_one(
    store: ModelStore, spec: ModelSpec, dataset: data.Dataset, name: str | None, *, quiet: bool
) -> tuple[StoredModel, bool]:
    progress = None if quiet else _ProgressBar(name or "train")
    return store.get_or_train(spec, dataset, name=name, on_epoch=progress)


def cmd_download(args: argparse.Namespace) -> int:
    dataset = _load_dataset()
    print(
        f"MNIST ready ({dataset.source}): {len(dataset.y_train)} training and "
        f"{len(dataset.y_test)} test images at {data.cache_path()}"
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    spec = _spec_from_args(args)
    dataset = _load_dataset()
    store = ModelStore(args.models)
    model, from_store = _train_one(store, spec, dataset, args.name or args.preset, quiet=args.json)
    if args.json:
        print(json.dumps({**_summary(model), "from_store": from_store}))
    else:
        source = "already in the store" if from_store else f"trained in {model.train_seconds:.1f} s"
        print(
            f"{model.id}: {source}; train accuracy {model.metrics['train_accuracy']:.4f}, "
            f"test accuracy {model.metrics['test_accuracy']:.4f}"
        )
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    dataset = _load_dataset()
    store = ModelStore(args.models)
    for name in args.presets or list(PRESETS):
        model, from_store = _train_one(store, preset(name), dataset, name, quiet=False)
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
        rows = [_summary(e) if isinstance(e, StoredModel) else {"id": e.id, "damaged": e.reason} for e in entries]
        print(json.dumps(rows))
        return 0
    if not entries:
        print("The store is empty: train a model with `python -m mnist_core train --preset quick`.")
    for entry in entries:
        if isinstance(entry, DamagedEntry):
            print(f"{entry.id:<34} DAMAGED: {entry.reason}")
        else:
            print(
                f"{entry.id:<34} {entry.name:<22} {entry.spec.architecture:<20} "
                f"test {entry.metrics['test_accuracy']:.4f}  {entry.train_seconds:7.1f} s  {entry.created}"
            )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    store = ModelStore(args.models)
    model = store.get(args.id)
    dataset = _load_dataset()
    result = evaluate(store.load_network(args.id), dataset.subset(model.spec.train_size, seed=model.spec.seed))
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
        f"{model.id}: train accuracy {result.train_accuracy:.4f}, test accuracy {result.test_accuracy:.4f}, "
        f"test log-loss {result.test_log_loss:.4f}"
    )
    print("digit  precision  recall  f1")
    for digit in range(10):
        print(f"{digit:>5}  {result.precision[digit]:9.4f}  {result.recall[digit]:6.4f}  {result.f1[digit]:.4f}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    network = ModelStore(args.models).load_network(args.id)
    results = []
    for path in args.images:
        try:
            image = canvas_to_mnist(read_image(path))
        except EmptyImageError:
            results.append({"path": path, "digit": None, "probabilities": [0.0] * 10})
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
            if row["digit"] is None:
                print(f"{row['path']}: empty image, no digit")
            else:
                print(f"{row['path']}: {row['digit']} ({max(row['probabilities']):.1%})")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    ModelStore(args.models).delete(args.id)
    print(f"Deleted {args.id}.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mnist_core", description="Digit Studio's command line.")
    parser.add_argument("--models", help="model store folder (default: $DIGIT_STUDIO_MODELS or ./models)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("download", help="find MNIST and cache it").set_defaults(run=cmd_download)

    train = commands.add_parser("train", help="train one model (a preset, and/or any spec field)")
    train.add_argument("--preset", choices=list(PRESETS), help="start from a preset")
    train.add_argument("--name", help="a name to show in the app")
    train.add_argument("--framework", choices=["sklearn", "keras"])
    train.add_argument(
        "--hidden", dest="hidden_layers", type=int, nargs="+", metavar="UNITS", help="units per hidden layer"
    )
    train.add_argument("--activation", nargs="+", help="one activation, or one per layer")
    train.add_argument("--optimizer", choices=["sgd", "adam", "rmsprop"])
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--momentum", type=float)
    train.add_argument("--epochs", type=int, help=f"{LIMITS['epochs'][0]:g}–{LIMITS['epochs'][1]:g}")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--l2", type=float)
    train.add_argument("--dropout", type=float, nargs="+", metavar="RATE", help="one rate per hidden layer (Keras)")
    train.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=None)
    train.add_argument("--patience", type=int)
    train.add_argument("--validation-fraction", type=float)
    train.add_argument("--train-size", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="train on distorted copies, like drawings",
    )
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

    delete = commands.add_parser("delete", help="remove a model from the store")
    delete.add_argument("id")
    delete.set_defaults(run=cmd_delete)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except MnistCoreError as error:
        _err(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
