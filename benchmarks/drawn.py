"""Accuracy on digits drawn like the canvas draws them, next to MNIST test accuracy.

    python -m benchmarks.drawn                          # every preset (trains the missing ones)
    python -m benchmarks.drawn --presets quick best
    python -m benchmarks.drawn --presets --models ID …  # stored models by id

For each model: MNIST test accuracy; accuracy on 1 400 generated drawings
(:mod:`mnist_core.images.drawn`) with the full preprocessing and with each step
switched off; with the full preprocessing, accuracy in each situation (typical,
thick pen on a small digit, touching the edge, …), per pen width and per size
of the drawing; and, at the model's own "not sure" threshold, the share of
drawings it answers and the share of 200 non-digits it refuses. Writes
``artifacts/drawn.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from mnist_core import data
from mnist_core.engine import train_in_process
from mnist_core.images import SITUATIONS, DrawnSet, canvas_to_mnist, draw_digits, draw_non_digits
from mnist_core.network import DenseNetwork
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore

OUT = Path("artifacts/drawn.json")
#: Every step on, then each one off, then all off.
VARIANTS = {
    "full": {},
    "no_stroke": {"stroke": False},
    "no_crop": {"crop": False},
    "no_centre": {"centre": False},
    "none": {"crop": False, "centre": False, "stroke": False},
}
PEN_BINS = {"pen 8–15": (8, 16), "pen 16–25": (16, 26), "pen 26–40": (26, 41)}
SIZE_BINS = {"under 80 px": (0, 80), "80–160 px": (80, 160), "160 px and over": (160, 281)}


def model_inputs(drawn: DrawnSet, timings: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """The drawings through each preprocessing variant, as 28×28 model inputs.

    ``timings``, when given, receives each variant's median milliseconds per drawing.
    """
    inputs = {}
    for name, switches in VARIANTS.items():
        results, seconds = [], []
        for image in drawn.images:
            started = time.perf_counter()
            results.append(canvas_to_mnist(image, **switches))
            seconds.append(time.perf_counter() - started)
        inputs[name] = np.stack(results)
        if timings is not None:
            timings[name] = 1000 * statistics.median(seconds)
    return inputs


def groups(drawn: DrawnSet) -> dict[str, np.ndarray]:
    """Masks of the drawings in each situation, pen-width bin and size bin."""
    situations = np.array(drawn.situations)
    masks = {name: situations == name for name in SITUATIONS}
    masks |= {name: (drawn.pens >= low) & (drawn.pens < high) for name, (low, high) in PEN_BINS.items()}
    masks |= {name: (drawn.sizes >= low) & (drawn.sizes < high) for name, (low, high) in SIZE_BINS.items()}
    return masks


def score(
    network: DenseNetwork,
    threshold: float,
    digits: DrawnSet,
    inputs: dict[str, np.ndarray],
    non_digit_inputs: np.ndarray,
) -> dict[str, object]:
    """One model's results on the drawn set: per variant, per group, answered and refused."""
    right = {variant: network.predict(x) == digits.labels for variant, x in inputs.items()}
    probabilities = network.predict_proba(inputs["full"])
    answered = probabilities.max(axis=1) >= threshold
    masks = groups(digits)
    return {
        **{f"drawn_{variant}": float(hits.mean()) for variant, hits in right.items()},
        "groups": {name: float(right["full"][mask].mean()) for name, mask in masks.items() if mask.any()},
        "groups_without_stroke": {
            name: float(right["no_stroke"][mask].mean()) for name, mask in masks.items() if mask.any()
        },
        "group_sizes": {name: int(mask.sum()) for name, mask in masks.items()},
        "threshold": threshold,
        "drawn_answered": float(answered.mean()),
        "drawn_answered_accuracy": float(right["full"][answered].mean()) if answered.any() else 0.0,
        "non_digits_refused": float((network.predict_proba(non_digit_inputs).max(axis=1) < threshold).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--models", nargs="*", default=[], help="ids of stored models to score as well")
    parser.add_argument("--per-digit", type=int, default=140)
    args = parser.parse_args()

    dataset = data.load()
    store = ModelStore()
    digits, others = draw_digits(args.per_digit), draw_non_digits(200)
    timings: dict[str, float] = {}
    inputs = model_inputs(digits, timings)
    non_digit_inputs = np.stack([canvas_to_mnist(image) for image in others.images])
    print(f"{len(digits.labels)} drawn digits, {len(others.labels)} non-digits", flush=True)
    print("preprocessing, median ms per drawing: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    entries = [(name, train_in_process(PRESETS[name], dataset, store, name=name)[0]) for name in args.presets]
    entries += [(store.get(model_id).name, store.get(model_id)) for model_id in args.models]
    print(
        f"{'model':<22}{'MNIST':>8}{'drawn':>8}{'no stroke':>10}{'no crop':>9}{'no centre':>10}{'none':>7}"
        f"{'answered':>10}{'right':>8}{'non-digits refused':>20}{'train s':>9}"
    )
    rows = []
    for name, model in entries:
        result = score(store.load_network(model.id), model.reject_threshold, digits, inputs, non_digit_inputs)
        row = {
            "model": name,
            "id": model.id,
            "mnist_test_accuracy": model.metrics["test_accuracy"],
            "train_seconds": model.train_seconds,
            **result,
        }
        rows.append(row)
        print(
            f"{name:<22}{row['mnist_test_accuracy']:>8.2%}"
            + "".join(f"{row[f'drawn_{v}']:>{w}.1%}" for v, w in zip(VARIANTS, (8, 10, 9, 10, 7), strict=True))
            + f"{row['drawn_answered']:>10.1%}{row['drawn_answered_accuracy']:>8.1%}"
            f"{row['non_digits_refused']:>20.1%}{model.train_seconds:>9.0f}",
            flush=True,
        )
    print("\nwith every step on, by group (without the pen-width step in brackets)")
    width = max([18, *(len(name) + 2 for name, _ in entries)])
    print(f"{'group':<24}{'n':>5}" + "".join(f"{name:>{width}}" for name, _ in entries))
    for group, size in rows[0]["group_sizes"].items() if rows else ():
        cells = "".join(
            f"{row['groups'][group]:>{width - 9}.1%} ({row['groups_without_stroke'][group]:>5.1%})" for row in rows
        )
        print(f"{group:<24}{size:>5}{cells}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"preprocessing_ms": timings, "models": rows}, indent=2))
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
