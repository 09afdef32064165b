"""How long each look inside the network takes, at the size of the largest preset.

    python -m benchmarks.inside
    python -m benchmarks.inside --repeat 500 --favourites-repeat 5

Builds a 784-1024-1024-10 relu network with random (seeded) weights, times each
call of ``mnist_core.network.inside`` on one MNIST test image (median of ``--repeat``
runs after warm-up) against the page's budget of 5 ms, and ``unit_favourites``
over all 10 000 test images for a unit of each hidden layer (the page caches
that one). ``predict_proba`` on the same image is timed as the yardstick.
Prints a table and writes ``artifacts/inside.json``. The machine is shared, so
run it again if a figure looks out of line.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.run import median_seconds
from mnist_core import data
from mnist_core.network import DenseNetwork, activations, first_layer_images, saliency, unit_favourites, without_units

OUT = Path("artifacts/inside.json")
LAYER_SIZES = (784, 1024, 1024, 10)
SEED = 0
#: What one call on one image may cost so the page redraws as the user drags a slider.
BUDGET_MS = 5.0


def random_network(seed: int = SEED) -> DenseNetwork:
    """A relu network of LAYER_SIZES with He-scaled normal weights, float64 like a loaded model."""
    rng = np.random.default_rng(seed)
    weights = tuple(
        rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out)) for fan_in, fan_out in itertools.pairwise(LAYER_SIZES)
    )
    biases = tuple(rng.normal(0, 0.01, fan_out) for fan_out in LAYER_SIZES[1:])
    return DenseNetwork(weights, biases, ("relu",) * (len(LAYER_SIZES) - 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=300, help="timed runs of each one-image call")
    parser.add_argument("--favourites-repeat", type=int, default=5, help="timed runs of unit_favourites")
    args = parser.parse_args()

    test_images = data.load().x_test
    network = random_network()
    image = test_images[0]
    digit = int(network.predict(image)[0])
    half_of_layer_one = range(LAYER_SIZES[1] // 2)
    one_image: dict[str, Callable[[], object]] = {
        "predict_proba (yardstick)": lambda: network.predict_proba(image),
        "activations": lambda: activations(network, image),
        "saliency": lambda: saliency(network, image, digit),
        "without_units (512 units of layer 1)": lambda: without_units(network, 1, half_of_layer_one),
        "first_layer_images": lambda: first_layer_images(network),
    }
    architecture = "-".join(map(str, LAYER_SIZES))
    print(f"{architecture} relu network (seed {SEED}), one MNIST test image, median of {args.repeat} runs")
    print(f"{'call':<40}{'ms':>10}{'within 5 ms':>14}")
    one_image_ms = {}
    for name, call in one_image.items():
        milliseconds = median_seconds(call, repeat=args.repeat, warmup=10) * 1000
        one_image_ms[name] = round(milliseconds, 4)
        print(f"{name:<40}{milliseconds:>10.3f}{'yes' if milliseconds <= BUDGET_MS else 'NO':>14}", flush=True)

    print(f"unit_favourites over {len(test_images)} test images, k=9, median of {args.favourites_repeat} runs")
    favourites_ms = {}
    for layer in range(1, len(LAYER_SIZES) - 1):
        call = functools.partial(unit_favourites, network, layer, 0, test_images)
        seconds = median_seconds(call, repeat=args.favourites_repeat, warmup=1)
        favourites_ms[f"layer_{layer}"] = round(seconds * 1000, 2)
        print(f"{f'layer {layer}, unit 0':<40}{seconds * 1000:>10.1f}", flush=True)

    report = {
        "cpu_count": os.cpu_count(),
        "network": f"{architecture} relu, random weights, seed {SEED}",
        "repeat": args.repeat,
        "budget_ms": BUDGET_MS,
        "one_image_ms": one_image_ms,
        "all_within_budget": all(
            ms <= BUDGET_MS for name, ms in one_image_ms.items() if not name.startswith("predict_proba")
        ),
        "unit_favourites_test_set_ms": favourites_ms,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
