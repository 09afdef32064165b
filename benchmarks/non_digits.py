"""How well each model says "that is not a digit", and how often it says so of a real digit.

    python -m benchmarks.non_digits                        # every preset (trains the missing ones)
    python -m benchmarks.non_digits --presets quick best --both
    python -m benchmarks.non_digits --presets --models ID …

A model refuses as the Draw page does (:func:`mnist_core.network.refused`): "not a
digit" when it has learned that answer and gives it at least ``NOT_A_DIGIT_FROM``,
"not sure" when its top digit is less likely than its threshold. The
non-digits are the drawn benchmark's (:func:`~mnist_core.images.drawn.draw_non_digits`:
noise, blobs, lines, letters, looping scribbles, pictures and stray marks, none of
them trained on). The real digits are MNIST's test set, the 43 writers' digits,
MNIST test digits on paper and the drawn benchmark (:mod:`benchmarks.handwriting`).

For every model: the share refused of each set at its own threshold, the
non-digits refused by kind, and the trade-off curve over thresholds. ``--both``
also scores each preset trained the other way (with "not a digit" if it has
none, without it if it has), side by side. Writes ``artifacts/non_digits.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from mnist_core import data
from mnist_core.engine import train_in_process
from mnist_core.images import canvas_to_mnist, draw_digits, draw_non_digits
from mnist_core.images.paper import paper_digits, writers_digits
from mnist_core.network import DenseNetwork
from mnist_core.network import refused as answers_refused
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore

OUT = Path("artifacts/non_digits.json")
CURVE = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
#: Probabilities of "not a digit" at which a model that knows it could say so.
NOT_A_DIGIT_CURVE = (0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9)


def refused(network: DenseNetwork, inputs: np.ndarray, threshold: float) -> np.ndarray:
    """Which inputs the network refuses at ``threshold``, as Draw does."""
    return answers_refused(network.predict_proba(inputs), threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--models", nargs="*", default=[], help="ids of stored models to score as well")
    parser.add_argument("--both", action="store_true", help="also train each preset with non_digits switched")
    parser.add_argument("--count", type=int, default=700, help="non-digits (a hundred of each kind)")
    args = parser.parse_args()

    started = time.perf_counter()
    dataset = data.load()
    others = draw_non_digits(args.count)
    kinds = np.array(others.kinds)
    rng = np.random.default_rng(7)
    picks = np.concatenate([rng.choice(np.flatnonzero(dataset.y_test == d), 100, replace=False) for d in range(10)])
    digit_sets = {
        "mnist": dataset.x_test,
        "writers": writers_digits().images,
        "paper": paper_digits(dataset.x_test[picks], dataset.y_test[picks], seed=1).images,
        "drawn": draw_digits(60).images,
    }
    inputs = {name: np.stack([canvas_to_mnist(p) for p in pictures]) for name, pictures in digit_sets.items()
              if name != "mnist"}  # fmt: skip
    inputs["mnist"] = dataset.x_test.astype(np.float32) / 255
    non_digits = np.stack([canvas_to_mnist(image) for image in others.images])
    print(f"{len(non_digits)} non-digits, " + ", ".join(f"{len(x)} {name}" for name, x in inputs.items())
          + f"; drawn in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip

    store = ModelStore()
    specs = [(name, PRESETS[name]) for name in args.presets]
    if args.both:
        specs += [(f"{name} {'without' if s.non_digits else 'with'} non-digits", s.replace(non_digits=not s.non_digits))
                  for name, s in specs]  # fmt: skip
    entries = [(name, train_in_process(spec, dataset, store, name=name)[0]) for name, spec in specs]
    entries += [(store.get(model_id).name, store.get(model_id)) for model_id in args.models]

    names = ("mnist", "writers", "paper", "drawn")
    print(
        f"\n{'model':<34}{'threshold':>10}{'non-digits refused':>20}" + "".join(f"{n + ' refused':>17}" for n in names)
    )
    rows = []
    for name, model in entries:
        network = store.load_network(model.id)
        threshold = model.reject_threshold
        refused_non = refused(network, non_digits, threshold)
        outputs = network.predict_outputs(non_digits)
        row: dict[str, object] = {
            "model": name,
            "id": model.id,
            "knows_non_digits": network.knows_non_digits,
            "mnist_test_accuracy": model.metrics["test_accuracy"],
            "train_seconds": model.train_seconds,
            "threshold": threshold,
            "non_digits_refused": float(refused_non.mean()),
            "said_not_a_digit": float((outputs.argmax(axis=1) == 10).mean()) if network.knows_non_digits else 0.0,
            "by_kind": {kind: float(refused_non[kinds == kind].mean()) for kind in dict.fromkeys(others.kinds)},
            "digits_refused": {n: float(refused(network, inputs[n], threshold).mean()) for n in names},
            "curve": [
                {
                    "threshold": t,
                    "non_digits": float(refused(network, non_digits, t).mean()),
                    **{n: float(refused(network, inputs[n], t).mean()) for n in names},
                }
                for t in CURVE
            ],
        }
        if network.knows_non_digits:
            row["not_a_digit_curve"] = [
                {"probability": t, "non_digits": float((network.non_digit_proba(non_digits) >= t).mean()),
                 **{n: float((network.non_digit_proba(inputs[n]) >= t).mean()) for n in names}}
                for t in NOT_A_DIGIT_CURVE
            ]  # fmt: skip
        rows.append(row)
        digits = row["digits_refused"]
        print(f"{name:<34}{threshold:>10.2f}{row['non_digits_refused']:>20.1%}"
              + "".join(f"{digits[n]:>17.1%}" for n in names), flush=True)  # type: ignore[index]  # fmt: skip
        print("    by kind: " + ", ".join(f"{k} {v:.0%}" for k, v in row["by_kind"].items()))  # type: ignore[attr-defined]
        for point in row["curve"]:  # type: ignore[attr-defined]
            print(f"    at {point['threshold']:.2f}: non-digits {point['non_digits']:.1%}, "
                  + ", ".join(f"{n} {point[n]:.1%}" for n in names))  # fmt: skip
        for point in row.get("not_a_digit_curve", []):  # type: ignore[attr-defined]
            print(f"    not a digit at {point['probability']:.2f}: non-digits {point['non_digits']:.1%}, "
                  + ", ".join(f"{n} {point[n]:.1%}" for n in names))  # fmt: skip
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"curve_thresholds": CURVE, "models": rows}, indent=2))
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
