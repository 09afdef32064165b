"""Speed and accuracy of Digit Studio, measured side by side in one run.

    python -m benchmarks.run                  # everything but the slow presets
    python -m benchmarks.run --presets all    # every preset (about ten minutes)
    python -m benchmarks.run --skip data prediction overhead presets   # only keras-seed: CLI vs bare fit

Prints a report and writes it as JSON to ``artifacts/bench.json``. The machine
is shared and noisy, so read the ratios (measured back to back in one process)
rather than any single time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_core import data
from mnist_core.network import evaluate
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.training import split_for_training, train

OUT = Path("artifacts/bench.json")
DEFAULT_PRESETS = ["quick", "sklearn-seed", "keras-seed"]
#: Alternating rounds of the keras-seed comparison (each is a bare fit and a CLI run, about 25 s).
KERAS_SEED_ROUNDS = 2


def median_seconds(call: Callable[[], object], *, repeat: int, warmup: int = 2) -> float:
    """Median wall time of ``call`` over ``repeat`` runs, after warm-up runs."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matmul_flops() -> float:
    """This machine's float32 matrix-multiply rate (FLOP/s), the ceiling for dense layers."""
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    seconds = median_seconds(lambda: a @ a, repeat=20)
    return 2 * 1024**3 / seconds


def training_flops(spec: ModelSpec, samples: int, epochs: int) -> float:
    """Multiply-adds of forward and backward passes: about 6 per weight per image."""
    units = (784, *spec.hidden_layers, 10)
    weights = sum(a * b for a, b in itertools.pairwise(units))
    return 6.0 * weights * samples * epochs


def bench_data() -> dict[str, float]:
    seconds = median_seconds(lambda: data.load(allow_download=False), repeat=5, warmup=1)
    return {"cache_load_seconds": seconds}


def bench_presets(names: list[str], dataset: data.Dataset, peak: float) -> list[dict[str, object]]:
    rows = []
    for name in names:
        spec = PRESETS[name]
        trained = train(spec, dataset)
        result = evaluate(trained.network, dataset.seen_by(spec))
        fit_rows = round(spec.train_size * (1 - spec.validation_fraction))
        achieved = training_flops(spec, fit_rows, trained.epochs_run) / trained.train_seconds
        rows.append(
            {
                "preset": name,
                "train_seconds": round(trained.train_seconds, 2),
                "epochs_run": trained.epochs_run,
                "train_accuracy": round(result.train_accuracy, 4),
                "test_accuracy": round(result.test_accuracy, 4),
                "share_of_matmul_peak": round(achieved / peak, 3),
            }
        )
        print(f"  {name:<22} {rows[-1]}", flush=True)
    return rows


def bench_overhead(dataset: data.Dataset) -> dict[str, float]:
    """Our training loop against the bare framework call, same spec, same data, back to back."""
    from sklearn.exceptions import ConvergenceWarning

    from mnist_core import _keras, _sklearn

    report: dict[str, float] = {}
    sk_spec = ModelSpec(
        framework="sklearn",
        hidden_layers=(100,),
        optimizer="adam",
        epochs=4,
        batch_size=128,
        validation_fraction=0.0,
        train_size=30000,
    )
    split = split_for_training(sk_spec, dataset)

    def bare_sklearn() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _sklearn.make_classifier(sk_spec).fit(split.x_fit, split.y_fit)

    ours = [median_seconds(lambda: train(sk_spec, dataset), repeat=1, warmup=0) for _ in range(3)]
    bare = [median_seconds(bare_sklearn, repeat=1, warmup=0) for _ in range(3)]
    report["sklearn_ours_seconds"] = statistics.median(ours)
    report["sklearn_bare_seconds"] = statistics.median(bare)
    report["sklearn_overhead"] = report["sklearn_ours_seconds"] / report["sklearn_bare_seconds"] - 1

    k_spec = ModelSpec(
        framework="keras",
        hidden_layers=(128, 64),
        optimizer="adam",
        epochs=2,
        batch_size=128,
        validation_fraction=0.1,
        train_size=30000,
    )
    k_split = split_for_training(k_spec, dataset)

    def bare_keras() -> None:
        # Our compiled model (steps_per_execution included): this measures our loop, not the compile.
        model = _keras.build_model(k_spec)
        model.fit(
            k_split.x_fit,
            k_split.y_fit,
            batch_size=k_spec.batch_size,
            epochs=k_spec.epochs,
            validation_data=(k_split.x_val, k_split.y_val),
            verbose=0,
        )

    bare_keras()  # warm-up: the first fit pays for graph tracing
    ours = [median_seconds(lambda: train(k_spec, dataset), repeat=1, warmup=0) for _ in range(3)]
    bare = [median_seconds(bare_keras, repeat=1, warmup=0) for _ in range(3)]
    report["keras_ours_seconds"] = statistics.median(ours)
    report["keras_bare_seconds"] = statistics.median(bare)
    report["keras_overhead"] = report["keras_ours_seconds"] / report["keras_bare_seconds"] - 1
    return {key: round(value, 4) for key, value in report.items()}


def bench_keras_seed(dataset: data.Dataset, rounds: int = KERAS_SEED_ROUNDS) -> dict[str, object]:
    """keras-seed through the CLI against a bare, default ``model.fit`` of the same network, alternated.

    The bare fit is the notebook's way: the same layers, ``compile`` with its
    defaults (one step per execution), batch 32, 5 epochs, the preset's
    validation rows; its time is the ``fit`` call alone. The CLI run is a fresh
    process training into an empty store, so its wall time also pays for
    starting Python, importing TensorFlow, evaluating and saving.
    """
    from mnist_core.training._keras import steps_per_execution
    from mnist_core.training._keras_import import import_keras

    keras = import_keras()
    spec = PRESETS["keras-seed"]
    assert spec.activations == ("relu",) * len(spec.hidden_layers) and not any(spec.dropout_rates)
    split = split_for_training(spec, dataset)
    x_test = data.to_features(dataset.x_test)

    def bare_fit() -> tuple[float, float]:
        keras.utils.set_random_seed(spec.seed)
        model = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                *(keras.layers.Dense(units, activation="relu") for units in spec.hidden_layers),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(spec.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        started = time.perf_counter()
        model.fit(
            split.x_fit,
            split.y_fit,
            batch_size=spec.batch_size,
            epochs=spec.epochs,
            validation_data=split.validation,
            verbose=0,
        )
        seconds = time.perf_counter() - started
        predicted = model.predict(x_test, batch_size=1024, verbose=0).argmax(axis=1)
        return seconds, float((predicted == dataset.y_test).mean())

    def cli_train() -> tuple[float, dict[str, Any]]:
        env = {name: value for name, value in os.environ.items() if name != "DIGIT_STUDIO_SCHEDULER"}
        with tempfile.TemporaryDirectory() as models:
            command = [
                *(sys.executable, "-m", "mnist_core", "--models", models),
                *("train", "--preset", "keras-seed", "--json"),
            ]
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert not summary["from_store"] and summary["engine"] == "in-process", summary
        return seconds, summary

    bare_runs: list[tuple[float, float]] = []
    cli_runs: list[tuple[float, dict[str, Any]]] = []
    for _ in range(rounds):
        bare_runs.append(bare_fit())
        cli_runs.append(cli_train())
    bare = statistics.median(seconds for seconds, _ in bare_runs)
    cli_wall = statistics.median(seconds for seconds, _ in cli_runs)
    cli_train_seconds = statistics.median(float(summary["train_seconds"]) for _, summary in cli_runs)
    report: dict[str, object] = {
        "steps_per_execution": steps_per_execution(spec),
        "bare_fit_seconds": round(bare, 2),
        "bare_test_accuracy": round(min(accuracy for _, accuracy in bare_runs), 4),
        "cli_wall_seconds": round(cli_wall, 2),
        "cli_train_seconds": round(cli_train_seconds, 2),
        "cli_test_accuracy": round(min(float(summary["test_accuracy"]) for _, summary in cli_runs), 4),
        "cli_wall_over_bare": round(cli_wall / bare, 3),
        "train_seconds_over_bare": round(cli_train_seconds / bare, 3),
        "rounds": [
            {
                "bare_fit_seconds": round(bare_seconds, 2),
                "bare_test_accuracy": round(bare_accuracy, 4),
                "cli_wall_seconds": round(cli_seconds, 2),
                "cli_train_seconds": summary["train_seconds"],
                "cli_test_accuracy": round(float(summary["test_accuracy"]), 4),
            }
            for (bare_seconds, bare_accuracy), (cli_seconds, summary) in zip(bare_runs, cli_runs, strict=True)
        ],
    }
    return report


def bench_prediction(dataset: data.Dataset) -> dict[str, float]:
    """One image, four ways: our NumPy path, Keras predict, Keras call, scikit-learn."""
    from mnist_core import _keras, _sklearn

    spec_k = ModelSpec(framework="keras", hidden_layers=(128, 64), epochs=1, train_size=5000, batch_size=128)
    spec_s = ModelSpec(framework="sklearn", hidden_layers=(128, 64), epochs=1, train_size=5000, batch_size=128)
    keras_model = train(spec_k, dataset)
    sklearn_model = train(spec_s, dataset)
    image = data.to_features(dataset.x_test[:1])
    times = {
        "numpy_keras_weights": median_seconds(lambda: keras_model.network.predict_proba(image), repeat=200),
        "keras_predict": median_seconds(lambda: keras_model.estimator.predict(image, verbose=0), repeat=30),
        "keras_call": median_seconds(lambda: keras_model.estimator(image, training=False), repeat=100),
        "numpy_sklearn_weights": median_seconds(lambda: sklearn_model.network.predict_proba(image), repeat=200),
        "sklearn_predict_proba": median_seconds(lambda: sklearn_model.estimator.predict_proba(image), repeat=200),
    }
    del _keras, _sklearn
    report = {f"{name}_ms": round(seconds * 1000, 4) for name, seconds in times.items()}
    report["keras_predict_over_numpy"] = round(times["keras_predict"] / times["numpy_keras_weights"], 1)
    report["keras_call_over_numpy"] = round(times["keras_call"] / times["numpy_keras_weights"], 1)
    report["sklearn_over_numpy"] = round(times["sklearn_predict_proba"] / times["numpy_sklearn_weights"], 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="*", default=DEFAULT_PRESETS, help="preset names, or 'all'")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["data", "presets", "overhead", "prediction", "keras-seed"]
    )
    args = parser.parse_args()
    names = list(PRESETS) if args.presets == ["all"] else args.presets
    dataset = data.load()
    report: dict[str, object] = {"cpu_count": os.cpu_count()}
    peak = matmul_flops()
    report["matmul_gflops"] = round(peak / 1e9, 1)
    print(f"float32 matmul: {peak / 1e9:.1f} GFLOP/s", flush=True)
    if "data" not in args.skip:
        report["data"] = bench_data()
        print(f"data: {report['data']}", flush=True)
    if "prediction" not in args.skip:
        report["prediction"] = bench_prediction(dataset)
        print(f"prediction, one image: {report['prediction']}", flush=True)
    if "overhead" not in args.skip:
        report["overhead"] = bench_overhead(dataset)
        print(f"training-loop overhead: {report['overhead']}", flush=True)
    if "keras-seed" not in args.skip:
        report["keras_seed_cli_vs_bare_fit"] = bench_keras_seed(dataset)
        print(f"keras-seed, CLI vs a bare default model.fit: {report['keras_seed_cli_vs_bare_fit']}", flush=True)
    if "presets" not in args.skip:
        print("presets:", flush=True)
        report["presets"] = bench_presets(names, dataset, peak)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
