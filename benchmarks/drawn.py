"""Accuracy on digits drawn like the canvas draws them, next to MNIST test accuracy.

    python -m benchmarks.drawn                     # every preset in the store (trains the missing ones)
    python -m benchmarks.drawn --presets quick best

For each preset: MNIST test accuracy; accuracy on 1 200 generated drawings with
the full preprocessing, without cropping and fitting, without centring, and
with neither; and, at the model's own "not sure" threshold, the share of
drawings it answers and the share of 200 non-digits it refuses. Writes
``artifacts/drawn.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from mnist_core import data
from mnist_core.drawn import DrawnSet, draw_digits, draw_non_digits
from mnist_core.engine import train_in_process
from mnist_core.preprocess import canvas_to_mnist
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore

OUT = Path("artifacts/drawn.json")
VARIANTS = {
    "full": {"crop": True, "centre": True},
    "no_crop": {"crop": False, "centre": True},
    "no_centre": {"crop": True, "centre": False},
    "none": {"crop": False, "centre": False},
}


def model_inputs(drawn: DrawnSet) -> dict[str, np.ndarray]:
    """The drawings through each preprocessing variant, as 28×28 model inputs."""
    return {
        name: np.stack([canvas_to_mnist(image, **switches) for image in drawn.images])
        for name, switches in VARIANTS.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--per-digit", type=int, default=120)
    args = parser.parse_args()

    dataset = data.load()
    store = ModelStore()
    digits, others = draw_digits(args.per_digit), draw_non_digits(200)
    inputs = model_inputs(digits)
    non_digit_inputs = np.stack([canvas_to_mnist(image) for image in others.images])
    print(f"{len(digits.labels)} drawn digits, {len(others.labels)} non-digits", flush=True)
    header = (
        f"{'preset':<22}{'MNIST':>8}{'drawn':>8}{'no crop':>9}{'no centre':>10}{'neither':>9}"
        f"{'threshold':>11}{'answered':>10}{'right':>8}{'non-digits refused':>20}"
    )
    print(header)
    rows = []
    for name in args.presets:
        model, _ = train_in_process(PRESETS[name], dataset, store, name=name)
        network = store.load_network(model.id)
        accuracy = {variant: float((network.predict(x) == digits.labels).mean()) for variant, x in inputs.items()}
        probabilities = network.predict_proba(inputs["full"])
        answered = probabilities.max(axis=1) >= model.reject_threshold
        right = (
            float((probabilities.argmax(axis=1)[answered] == digits.labels[answered]).mean()) if answered.any() else 0
        )
        refused = float((network.predict_proba(non_digit_inputs).max(axis=1) < model.reject_threshold).mean())
        row = {
            "preset": name,
            "model": model.id,
            "mnist_test_accuracy": model.metrics["test_accuracy"],
            **{f"drawn_{variant}": value for variant, value in accuracy.items()},
            "threshold": model.reject_threshold,
            "drawn_answered": float(answered.mean()),
            "drawn_answered_accuracy": right,
            "non_digits_refused": refused,
        }
        rows.append(row)
        print(
            f"{name:<22}{row['mnist_test_accuracy']:>8.2%}{accuracy['full']:>8.1%}{accuracy['no_crop']:>9.1%}"
            f"{accuracy['no_centre']:>10.1%}{accuracy['none']:>9.1%}{model.reject_threshold:>11.0%}"
            f"{row['drawn_answered']:>10.1%}{right:>8.1%}{refused:>20.1%}",
            flush=True,
        )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2))
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
