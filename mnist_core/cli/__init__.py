"""``python -m mnist_core``: download MNIST, train, list, evaluate, predict and delete models.

One module per group of commands: :mod:`.models` (MNIST and the store), :mod:`.sweeps`
(experiments), :mod:`.lessons` (the class and handouts); :mod:`.common` holds what they
share, the language among it. This module builds the parser and runs a command.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .. import experiments as sweeping
from ..errors import BadInputError, MnistCoreError
from ..language import LANGUAGES, catalogue, server_language
from ..spec import (
    ACTIVATIONS,
    ALL_ACTIVATIONS,
    ALL_OPTIMIZERS,
    AUGMENTATIONS,
    FRAMEWORKS,
    OPTIMIZERS,
    PRESETS,
    SCHEDULES,
    availability,
)
from . import common
from .common import CLASS_DB_HELP, EXIT_BAD_INPUT, EXIT_FAILURE, err, value_range
from .lessons import cmd_class, cmd_report
from .models import cmd_delete, cmd_download, cmd_evaluate, cmd_export, cmd_list, cmd_predict, cmd_pretrain, cmd_train
from .sweeps import cmd_sweep

__all__ = ["main"]


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
        help=f"units per hidden layer ({value_range('units')}), {value_range('layers')} layers",
    )
    train.add_argument(
        "--activation",
        nargs="+",
        choices=ALL_ACTIVATIONS,
        help=f"one activation, or one per layer: {availability(ACTIVATIONS)}",
    )
    train.add_argument("--optimizer", choices=ALL_OPTIMIZERS, help=availability(OPTIMIZERS))
    train.add_argument("--learning-rate", type=float, help=value_range("learning_rate"))
    train.add_argument("--momentum", type=float, help=f"{value_range('momentum')}, for sgd")
    train.add_argument("--epochs", type=int, help=value_range("epochs"))
    train.add_argument("--batch-size", type=int, help=value_range("batch_size"))
    train.add_argument("--l2", type=float, help=value_range("l2"))
    train.add_argument(
        "--dropout", type=float, nargs="+", metavar="RATE", help=f"one rate per hidden layer, {value_range('dropout')}"
    )
    train.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=None)
    train.add_argument("--patience", type=int, help=value_range("patience"))
    train.add_argument("--validation-fraction", type=float, help=value_range("validation_fraction"))
    train.add_argument("--train-size", type=int, help=value_range("train_size"))
    train.add_argument("--seed", type=int, help=value_range("seed"))
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
    sweep.add_argument("--train-size", type=int, help=value_range("train_size"))
    sweep.add_argument("--epochs", type=int, help=value_range("epochs"))
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
    args = _parser().parse_args(argv)
    common.WORDS = words = catalogue(args.lang or server_language())
    try:
        return int(args.run(args))
    except BadInputError as error:
        err(words.text("error: {message}", message=error.in_language(words)))
        return EXIT_BAD_INPUT
    except MnistCoreError as error:
        err(words.text("error: {message}", message=error.in_language(words)))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        err(words.text("interrupted"))
        return 130
