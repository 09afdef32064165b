"""Accuracy on real handwriting, as paper and phones show it, next to MNIST and the drawn benchmark.

    python -m benchmarks.handwriting                       # every preset (trains the missing ones)
    python -m benchmarks.handwriting --presets quick best
    python -m benchmarks.handwriting --presets --models ID …

The sets (:mod:`mnist_core.images.paper`), none drawn by the canvas renderer:

- ``writers``: scikit-learn's 1 797 digits by 43 writers no model trained on,
  enlarged and soft, anywhere on the canvas, half dark on light;
- ``paper``: MNIST test digits (never trained on) enlarged and soft, thin, as
  written and thick pens, tilted, off-centre, dark on light paper;
- ``photo``: the same digits with grain, uneven light and JPEG, read through the
  photo path (:func:`~mnist_core.images.photo.photo_ink`);
- ``numbers``: numbers of two to four such digits side by side, photographed, a
  fifth of them with two digits touching: read left to right, digit by digit;
- ``drawn``: the drawn benchmark (:func:`~mnist_core.images.drawn.draw_digits`).

Each digit set is read with the pen-width step as it is by default (``auto``: only
strokes outside ``EVEN_BAND``), ``always`` and ``off``. ``--bands`` also scores
other bands, from the same two readings. Writes ``artifacts/handwriting.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from mnist_core import data
from mnist_core.engine import train_in_process
from mnist_core.errors import MnistCoreError
from mnist_core.images import EVEN_BAND, canvas_to_mnist, draw_digits, preprocess_steps
from mnist_core.images.paper import paper_digits, paper_numbers, writers_digits
from mnist_core.images.photo import photo_ink
from mnist_core.network import DenseNetwork, NumberReading, read_drawing
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore

OUT = Path("artifacts/handwriting.json")
SETS = ("writers", "paper", "photo", "drawn")
BANDS = ((1.5, 4.4), (1.5, 6.5), (1.5, 8.0), (1.2, 8.0), (1.5, 9.0), (1.5, 10.0), (1.5, 12.0))


class Readings:
    """One set's model inputs with the pen step off and always on, and each digit's width as written."""

    def __init__(self, pictures: list[np.ndarray]) -> None:
        off, always, widths = [], [], []
        for picture in pictures:
            steps = preprocess_steps(picture, stroke="always")
            plain = canvas_to_mnist(picture, stroke=False)
            off.append(plain)
            always.append(steps.result)
            widths.append(steps.width_as_written)
        self.off, self.always, self.widths = np.stack(off), np.stack(always), np.array(widths)

    def banded(self, band: tuple[float, float]) -> np.ndarray:
        """The inputs with the step applied only outside ``band``."""
        inside = (self.widths >= band[0]) & (self.widths <= band[1])
        return np.where(inside[:, None, None], self.off, self.always)


def photo_pictures(pictures: np.ndarray) -> tuple[list[np.ndarray], int]:
    """The ink the photo path finds in each picture (a blank where it finds none), and how many it missed."""
    found, missed = [], 0
    for picture in pictures:
        try:
            found.append(photo_ink(picture))
        except MnistCoreError:
            missed += 1
            found.append(np.pad(np.ones((4, 4), np.float32), 10))  # a dot: read, and scored as wrong
    return found, missed


def read_numbers(network: DenseNetwork, pictures: np.ndarray) -> list[str]:
    """What ``network`` reads in each photo of a number, left to right, as the Draw page reads it ("?" for none)."""
    said = []
    for picture in pictures:
        try:
            reading = read_drawing(photo_ink(picture), {"m": network})
        except MnistCoreError:
            said.append("?")
            continue
        number = reading.number
        said.append(str(reading.answers["m"].top_digit) if number is None else _top_digits(number))
    return said


def _top_digits(number: NumberReading) -> str:
    return "".join(str(reply.top_digit) for reply in number.answers["m"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--models", nargs="*", default=[], help="ids of stored models to score as well")
    parser.add_argument("--per-digit", type=int, default=200, help="MNIST test digits per digit on paper")
    parser.add_argument("--numbers", type=int, default=300)
    parser.add_argument("--bands", action="store_true", help="also score other bands of the pen step")
    args = parser.parse_args()

    dataset = data.load()
    rng = np.random.default_rng(7)
    picks = np.concatenate(
        [rng.choice(np.flatnonzero(dataset.y_test == d), args.per_digit, replace=False) for d in range(10)]
    )
    started = time.perf_counter()
    writers = writers_digits()
    paper = paper_digits(dataset.x_test[picks], dataset.y_test[picks], seed=1)
    photos = paper_digits(dataset.x_test[picks], dataset.y_test[picks], seed=2, photo=True)
    drawn = draw_digits(100)
    photo_inks, photo_missed = photo_pictures(photos.images)
    numbers = paper_numbers(dataset.x_test, dataset.y_test, args.numbers, seed=3)
    labels = {"writers": writers.labels, "paper": paper.labels, "photo": photos.labels, "drawn": drawn.labels}
    readings = {
        "writers": Readings(list(writers.images)),
        "paper": Readings(list(paper.images)),
        "photo": Readings(photo_inks),
        "drawn": Readings(list(drawn.images)),
    }
    print(
        f"{len(writers.labels)} writers' digits, {len(paper.labels)} on paper, {len(photos.labels)} photographed "
        f"(no ink found in {photo_missed}), {len(numbers.numbers)} numbers, {len(drawn.labels)} drawn; "
        f"read in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    for name, reading in readings.items():
        inside = (reading.widths >= EVEN_BAND[0]) & (reading.widths <= EVEN_BAND[1])
        print(f"  {name}: widths as written p5/p50/p95 {np.percentile(reading.widths, [5, 50, 95]).round(2)}, "
              f"left as written {inside.mean():.0%}")  # fmt: skip

    store = ModelStore()
    entries = [(name, train_in_process(PRESETS[name], dataset, store, name=name)[0]) for name in args.presets]
    entries += [(store.get(model_id).name, store.get(model_id)) for model_id in args.models]
    header = "".join(f"{f'{s} auto/always/off':>26}" for s in SETS)
    print(f"\n{'model':<22}{'MNIST':>8}{header}{'numbers':>9}{'digits':>8}{'touching':>10}")
    rows = []
    for name, model in entries:
        network = store.load_network(model.id)
        row: dict[str, object] = {"model": name, "id": model.id, "mnist_test_accuracy": model.metrics["test_accuracy"],
                                  "train_seconds": model.train_seconds}  # fmt: skip
        cells = ""
        for set_name in SETS:
            reading, truth = readings[set_name], labels[set_name]
            scores = {
                "auto": float((network.predict(reading.banded(EVEN_BAND)) == truth).mean()),
                "always": float((network.predict(reading.always) == truth).mean()),
                "off": float((network.predict(reading.off) == truth).mean()),
            }
            if args.bands:
                scores |= {f"band {low}-{high}": float((network.predict(reading.banded((low, high))) == truth).mean())
                           for low, high in BANDS}  # fmt: skip
            row[set_name] = scores
            cells += f"{scores['auto']:>12.1%}/{scores['always']:.1%}/{scores['off']:.1%}"
        said = read_numbers(network, numbers.images)
        exact = np.array([s == n for s, n in zip(said, numbers.numbers, strict=True)])
        counted = [(s, n) for s, n in zip(said, numbers.numbers, strict=True) if len(s) == len(n)]
        digit_hits = sum(a == b for s, n in counted for a, b in zip(s, n, strict=True))
        row["numbers"] = {
            "exact": float(exact.mean()),
            "digits_right": digit_hits / sum(len(n) for n in numbers.numbers),
            "touching_exact": float(exact[numbers.touching].mean()) if numbers.touching.any() else 0.0,
            "apart_exact": float(exact[~numbers.touching].mean()),
        }
        rows.append(row)
        n = row["numbers"]
        print(f"{name:<22}{model.metrics['test_accuracy']:>8.2%}{cells}{n['exact']:>9.1%}{n['digits_right']:>8.1%}"
              f"{n['touching_exact']:>10.1%}", flush=True)  # fmt: skip
        if args.bands:
            for set_name in SETS:
                print(f"    {set_name:<8}" + "  ".join(f"{k} {v:.1%}" for k, v in row[set_name].items()))  # type: ignore[attr-defined]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"band": EVEN_BAND, "photo_missed": photo_missed, "models": rows}, indent=2))
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
