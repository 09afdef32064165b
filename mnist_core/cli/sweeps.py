"""The sweep command: many runs that vary a few settings, followed to the end, and their findings."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .. import experiments as sweeping
from ..engine import Engine, JobTable, TrainingQueue, database_path
from ..errors import BadInputError
from ..experiments.findings import findings, report_html, report_markdown
from ..spec import preset
from ..store import ModelStore
from . import common


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
    dataset = common.load_dataset()
    store = ModelStore(args.models)
    engine = Engine(common.scheduler(args), workers=args.workers)
    try:
        if engine.local_workers:
            engine.wait_for_workers(engine.local_workers)
        queue = TrainingQueue(store, JobTable(database_path(store)), engine, fingerprint=dataset.fingerprint)
        table = sweeping.SweepTable(database_path(store))
        started = time.monotonic()
        record = sweeping.start(queue, table, sweep, "command line")
        common.err(f"sweep {record.id}: {sweep.run_count} runs on {engine.description}")
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
    common.err(f"sweep {record.id}: {len(done)} of {len(sweep_runs)} runs done in {wall_seconds:.1f} s wall time")
    result = findings(sweep, sweep_runs, words=common.WORDS)
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
            report_markdown(sweep, sweep_runs, words=common.WORDS)
            if path.suffix.lower() == ".md"
            else report_html(sweep, sweep_runs, words=common.WORDS)
        )
        path.write_text(text, encoding="utf-8")
        common.err(f"findings written to {path}")
    return 0 if len(done) == len(sweep_runs) else common.EXIT_FAILURE


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
