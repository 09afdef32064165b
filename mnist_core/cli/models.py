"""The commands over MNIST and the store: download, train, pretrain, list, evaluate, predict, export, delete."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import data
from ..errors import BadInputError, EmptyImageError, InvalidImageError
from ..images.drawn import cached_practice_drawings, practice_path
from ..images.preprocess import canvas_to_mnist, read_image
from ..images.scribbles import cached_practice_non_digits, practice_non_digits_path
from ..network.evaluation import evaluate
from ..spec import PRESETS, preset
from ..store import DamagedEntry, ModelStore, StoredModel
from ..training.script import training_script
from . import common


def cmd_download(args: argparse.Namespace) -> int:
    dataset = common.load_dataset()
    print(
        common.WORDS.text(
            "MNIST ready ({source}): {train} training and {test} test images at {path}",
            source=dataset.source, train=len(dataset.y_train), test=len(dataset.y_test), path=data.cache_path(),
        )
    )  # fmt: skip
    x, _ = cached_practice_drawings()
    print(common.WORDS.text("Practice drawings ready: {count} at {path}", count=len(x), path=practice_path()))
    x, _ = cached_practice_non_digits()
    print(
        common.WORDS.text("Practice non-digits ready: {count} at {path}", count=len(x), path=practice_non_digits_path())
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    spec = common.spec_from_args(args)
    dataset = common.load_dataset()
    store = ModelStore(args.models)
    with common.training_queue(args, store, dataset) as queue:
        model, from_store = common.train_one(queue, spec, args.name or args.preset, quiet=args.json)
    if args.json:
        print(
            json.dumps({**model.summary(), "from_store": from_store, "engine": common.scheduler(args) or "in-process"})
        )
    else:
        if from_store:
            source = common.WORDS.text("already in the store")
        else:
            source = common.WORDS.text("trained in {seconds:.1f} s", seconds=model.train_seconds)
        print(
            common.WORDS.text(
                "{model}: {source}; train accuracy {train:.4f}, test accuracy {test:.4f}",
                model=model.id, source=source, train=model.metrics["train_accuracy"],
                test=model.metrics["test_accuracy"],
            )
        )  # fmt: skip
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    dataset = common.load_dataset()
    store = ModelStore(args.models)
    with common.training_queue(args, store, dataset) as queue:
        for name in args.presets or list(PRESETS):
            model, from_store = common.train_one(queue, preset(name), name, quiet=False)
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
        print(common.WORDS.text("The store is empty: train a model with `python -m mnist_core train --preset quick`."))
    for entry in entries:
        if isinstance(entry, DamagedEntry):
            print(f"{entry.id:<34} " + common.WORDS.text("DAMAGED: {reason}", reason=entry.reason))
        else:
            print(entry.summary_line())
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    store = ModelStore(args.models)
    model = store.get(args.id)
    dataset = common.load_dataset()
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
        common.WORDS.text(
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
            common.err(common.WORDS.text("error: {message}", message=error.in_language(common.WORDS)))
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
                print(f"{row['path']}: " + common.WORDS.text("empty image, no digit"))
            else:
                print(f"{row['path']}: {row['digit']} ({max(row['probabilities']):.1%})")
    return common.EXIT_BAD_INPUT if any("error" in row for row in results) else common.EXIT_OK


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
    print(common.WORDS.text("Deleted {model}.", model=args.id))
    return 0
