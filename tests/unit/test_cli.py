"""``python -m mnist_core``: train, list, evaluate, predict, delete and its errors.

Training, the scheduler's address and the exported script run in a real subprocess (what a
user types); the other commands call the same ``main`` in this process, which is what
``python -m mnist_core`` runs, without a second's interpreter start per command.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_core import data
from mnist_core.cli import main
from mnist_core.engine import Engine, JobTable
from mnist_core.images import canvas_to_mnist, read_image
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore

from .conftest import opaque_rgba, paint, run_python

TRAIN_ARGS = [
    "--hidden", "64", "--epochs", "3", "--train-size", "3000", "--validation-fraction", "0",
    "--batch-size", "64", "--learning-rate", "0.003", "--seed", "0",
]  # fmt: skip
TRAIN_SPEC = ModelSpec(
    hidden_layers=(64,), epochs=3, train_size=3000, validation_fraction=0, batch_size=64, learning_rate=0.003, seed=0
)


@dataclass(frozen=True)
class Ran:
    """How one command ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def cli(models: Path, *args: str) -> Ran:
    """``python -m mnist_core --models <models> *args``, run by its ``main`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["--models", str(models), *args])
        except SystemExit as exit_:  # argparse's usage errors
            status = exit_.code if isinstance(exit_.code, int) else 2
    return Ran(status, out.getvalue(), err.getvalue())


def cli_process(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mnist_core --models <models> *args`` in a new process."""
    return run_python("-m", "mnist_core", "--models", str(models), *args)


def assert_clean_failure(done: Ran | subprocess.CompletedProcess[str], message: str) -> None:
    """A non-zero exit with one readable line on stderr and no traceback anywhere."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A store holding one model trained through ``train --json``, and what the command printed."""
    models = tmp_path_factory.mktemp("cli-store")
    done = cli_process(models, "train", "--json", *TRAIN_ARGS)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return models, json.loads(lines[0])


def _png_header(width: int, height: int) -> bytes:
    """A valid PNG that claims ``width`` × ``height`` pixels in a few bytes: only its header is ever read."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _png(path: Path, rgba: np.ndarray) -> Path:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.slow
def test_train_json_reports_the_model(trained: tuple[Path, dict], mnist: data.Dataset) -> None:
    """train --json prints one object with the id, accuracies, training time and epochs run."""
    _, summary = trained
    assert summary["id"] == TRAIN_SPEC.key(mnist.fingerprint)
    assert summary["from_store"] is False
    assert summary["epochs_run"] == 3
    assert 0 < summary["train_seconds"] < 300
    assert 0.85 < summary["test_accuracy"] <= summary["train_accuracy"] <= 1
    assert summary["framework"] == "sklearn" and summary["architecture"] == "784-64-10"


@pytest.mark.slow
def test_train_leaves_the_same_records_as_the_app(trained: tuple[Path, dict]) -> None:
    """The command line trains through the store's job table: a finished job with every epoch and its model."""
    models, summary = trained
    table = JobTable(models / "studio.db")
    (job,) = [job for job in table.jobs() if job.attempts]  # a later answer from the store trains nothing
    assert job.state == "done" and job.model_id == summary["id"]
    assert job.worker is not None and job.worker.startswith("in-process:")
    with table.read() as db:
        assert [event.epoch for event in table.epochs(db, job.id)] == [1, 2, 3]


@pytest.mark.slow
def test_train_again_reads_the_store(trained: tuple[Path, dict]) -> None:
    """Training the same spec again answers from the store with the same figures."""
    models, summary = trained
    done = cli(models, "train", "--json", *TRAIN_ARGS)
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    assert again["from_store"] is True
    assert again["id"] == summary["id"]
    assert again["test_accuracy"] == summary["test_accuracy"]


@pytest.mark.slow
def test_list_json(trained: tuple[Path, dict]) -> None:
    """list --json prints the stored model with its figures."""
    models, summary = trained
    done = cli(models, "list", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["id"] == summary["id"]
    assert row["test_accuracy"] == summary["test_accuracy"]
    assert row["epochs_run"] == 3 and row["stopped"] is False


def test_list_json_shows_damaged_entries(tmp_path: Path) -> None:
    """list --json reports a damaged entry with its reason instead of failing."""
    (tmp_path / "broken-entry").mkdir()
    done = cli(tmp_path, "list", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["id"] == "broken-entry"
    assert "no meta.json" in row["damaged"]


@pytest.mark.slow
def test_evaluate_json(trained: tuple[Path, dict]) -> None:
    """evaluate --json repeats the training accuracies, with a 10 000-image confusion matrix and per-digit figures."""
    models, summary = trained
    done = cli(models, "evaluate", summary["id"], "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["id"] == summary["id"]
    assert report["test_accuracy"] == summary["test_accuracy"]
    assert report["train_accuracy"] == summary["train_accuracy"]
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert np.trace(confusion) / 10000 == pytest.approx(report["test_accuracy"])
    for name in ("precision", "recall", "f1"):
        assert len(report[name]) == 10 and all(0 <= value <= 1 for value in report[name])


@pytest.mark.slow
def test_predict_json_reads_digits_from_png_files(
    trained: tuple[Path, dict], mnist: data.Dataset, tmp_path: Path
) -> None:
    """predict --json names the right digit for PNGs of MNIST digits the model knows, and null for an empty PNG."""
    models, summary = trained
    network = ModelStore(models).load_network(summary["id"])
    proba = network.predict_proba(mnist.x_test[:100])
    known = [i for i in range(100) if proba[i].argmax() == mnist.y_test[i] and proba[i].max() > 0.9][:5]
    assert len(known) == 5
    paths = [_png(tmp_path / f"digit-{i}.png", opaque_rgba(paint(mnist.x_test[i]))) for i in known]
    empty = _png(tmp_path / "empty.png", opaque_rgba(np.zeros((280, 280), np.uint8)))

    done = cli(models, "predict", summary["id"], *map(str, paths), str(empty), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [row["path"] for row in rows] == [*map(str, paths), str(empty)]
    assert [row["digit"] for row in rows[:-1]] == [int(mnist.y_test[i]) for i in known]
    for row, path in zip(rows[:-1], paths, strict=True):
        expected = network.predict_proba(canvas_to_mnist(read_image(path)))[0]
        np.testing.assert_allclose(row["probabilities"], expected, atol=1e-6)
    assert rows[-1]["digit"] is None
    assert rows[-1]["probabilities"] == [0.0] * 10


@pytest.mark.slow
def test_predict_refuses_a_file_that_is_not_an_image(trained: tuple[Path, dict], tmp_path: Path) -> None:
    """predict on a text file exits with 2 (bad input) and a one-line message, no traceback."""
    models, summary = trained
    text = tmp_path / "notes.txt"
    text.write_text("these are not pixels\n")
    done = cli(models, "predict", summary["id"], str(text))
    assert_clean_failure(done, "not a readable PNG or JPEG")
    assert done.returncode == 2
    assert str(text) in done.stderr
    assert done.stdout == ""


@pytest.mark.slow
def test_predict_answers_the_good_files_of_a_batch_and_reports_the_bad_ones(
    trained: tuple[Path, dict], mnist: data.Dataset, tmp_path: Path
) -> None:
    """One unreadable and one far too large file among good ones: the good are answered, each bad one named."""
    models, summary = trained
    good = [_png(tmp_path / f"digit-{i}.png", opaque_rgba(paint(mnist.x_test[i]))) for i in range(2)]
    text = tmp_path / "notes.txt"
    text.write_text("these are not pixels\n")
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_header(30_000, 30_000))
    paths = [str(good[0]), str(text), str(huge), str(good[1])]

    done = cli(models, "predict", summary["id"], *paths, "--json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    rows = json.loads(done.stdout)
    assert [row["path"] for row in rows] == paths
    assert [row.get("digit") for row in (rows[0], rows[3])] == [
        int(d)
        for d in ModelStore(models)
        .load_network(summary["id"])
        .predict(np.stack([canvas_to_mnist(read_image(path)) for path in good]))
    ]
    assert "not a readable PNG or JPEG" in rows[1]["error"]
    assert "30,000 × 30,000 pixels" in rows[2]["error"]
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 2 and str(text) in errors[0] and str(huge) in errors[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "sklearn", "--dropout", "0.5"], "has no dropout"),
        (["--train-size", "100", "--batch-size", "512", "--validation-fraction", "0"], "larger than the 100"),
        (["--hidden", "8", "8", "8", "8", "8"], "1 to 4 hidden layers"),
    ],
)
def test_impossible_spec_fails_cleanly(tmp_path: Path, args: list[str], message: str) -> None:
    """An impossible spec exits with 2 (bad input) and the spec's own message, no traceback, and trains nothing."""
    done = cli(tmp_path / "models", "train", "--json", *args)
    assert_clean_failure(done, message)
    assert done.returncode == 2
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_unknown_and_unsafe_ids_fail_cleanly(tmp_path: Path) -> None:
    """evaluate with an unknown id and predict with an unsafe one exit with one-line messages."""
    unknown = cli(tmp_path, "evaluate", "sklearn-64-0123456789", "--json")
    assert_clean_failure(unknown, "There is no model")
    unsafe = cli(tmp_path, "predict", "../escape", "x.png")
    assert_clean_failure(unsafe, "is not a model id")
    assert unknown.returncode == unsafe.returncode == 2


@pytest.mark.slow
def test_exit_status_tells_usage_and_bad_input_from_failures(trained: tuple[Path, dict], tmp_path: Path) -> None:
    """2 for a mistyped command (argparse's own) and for bad input; 1 when something the user did not give fails."""
    models, summary = trained
    assert cli(models, "train", "--epochs", "many").returncode == 2
    damaged = tmp_path / "damaged"
    shutil.copytree(models, damaged)
    (damaged / summary["id"] / "weights.npz").write_bytes(b"not the weights that were saved")
    done = cli(damaged, "predict", summary["id"], "x.png")
    assert_clean_failure(done, "has changed since it was saved")
    assert done.returncode == 1


@pytest.mark.slow
def test_delete_removes_the_model(trained: tuple[Path, dict], tmp_path: Path) -> None:
    """delete removes the entry: list --json is empty afterwards."""
    models, summary = trained
    copy = tmp_path / "copy"
    shutil.copytree(models, copy)
    done = cli(copy, "delete", summary["id"])
    assert done.returncode == 0, done.stderr
    assert summary["id"] in done.stdout
    assert json.loads(cli(copy, "list", "--json").stdout) == []
    assert [row["id"] for row in json.loads(cli(models, "list", "--json").stdout)] == [summary["id"]]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real Dask cluster on this machine (a scheduler and one worker process); yields its address."""
    engine = Engine(workers=1, warm=False)
    engine.wait_for_workers(1)
    yield engine.cluster.scheduler_address
    engine.close()


@pytest.mark.slow
def test_train_on_a_scheduler_by_flag_or_environment(
    cluster: str, tmp_path: Path, mnist: data.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--scheduler (or DIGIT_STUDIO_SCHEDULER) trains on that cluster and says so; the model lands in this store."""
    by_flag = run_python(
        "-m", "mnist_core", "--models", str(tmp_path / "a"), "--scheduler", cluster, "train", "--json", *TRAIN_ARGS
    )
    assert by_flag.returncode == 0, by_flag.stderr
    report = json.loads(by_flag.stdout)
    assert report["engine"] == cluster and not report["from_store"]
    assert report["id"] == TRAIN_SPEC.key(mnist.fingerprint) in ModelStore(tmp_path / "a")

    monkeypatch.setenv("DIGIT_STUDIO_SCHEDULER", cluster)
    by_environment = cli(tmp_path / "b", "train", "--json", *TRAIN_ARGS)
    assert by_environment.returncode == 0, by_environment.stderr
    assert json.loads(by_environment.stdout)["engine"] == cluster
    assert "Traceback" not in by_flag.stderr + by_environment.stderr


@pytest.mark.slow
def test_no_scheduler_at_the_address_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler address where nothing listens: one line saying so, exit 1, nothing trained."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("DIGIT_STUDIO_CONNECT_SECONDS", "1")  # the product waits 10 s for a scheduler to answer
    done = cli(tmp_path / "models", "--scheduler", closed, "train", *TRAIN_ARGS)
    assert_clean_failure(done, f"No Dask scheduler answers at {closed}")
    assert done.returncode == 1
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize(
    ("flags", "augment", "schedule", "drawings"),
    [
        ([], "off", "constant", False),
        (["--augment"], "light", "constant", False),
        (["--augment", "elastic", "--schedule", "cosine", "--drawings"], "elastic", "cosine", True),
        (["--preset", "quick", "--no-augment", "--no-drawings"], "off", "cosine", False),
    ],
)
def test_train_flags_for_augmentation_schedule_and_drawings(
    flags: list[str], augment: str, schedule: str, drawings: bool
) -> None:
    """--augment alone means light; a level, --schedule and --drawings set their fields; --no-… clear a preset's."""
    from mnist_core.cli import _parser
    from mnist_core.cli.common import spec_from_args as _spec_from_args

    spec = _spec_from_args(_parser().parse_args(["train", *flags]))
    assert (spec.augment, spec.schedule, spec.drawings) == (augment, schedule, drawings)


@pytest.mark.slow
def test_sweep_json_report_and_a_second_run_from_the_store(cluster: str, tmp_path: Path) -> None:
    """sweep --json prints one object per run and writes the report; the same sweep again trains nothing."""
    args = [
        "--scheduler", cluster, "sweep", "--base", "sklearn-seed", "--vary", "hidden_layers=16,32",
        "--train-size", "1000", "--epochs", "2", "--json",
    ]  # fmt: skip
    done = cli(tmp_path / "models", *args, "--report", str(tmp_path / "findings.html"))
    assert done.returncode == 0, done.stderr
    runs = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert sorted(run["spec"]["hidden_layers"] for run in runs) == [[16], [32]]
    assert all(run["state"] == "done" and 0 < run["test_accuracy"] <= 1 and run["train_seconds"] > 0 for run in runs)
    assert {run["parameters"] for run in runs} == {784 * 16 + 16 + 170, 784 * 32 + 32 + 330}
    report = (tmp_path / "findings.html").read_text()
    assert "Hidden layers 16 → 32" in report and "runs done in" in done.stderr

    again = cli(tmp_path / "models", *args, "--report", str(tmp_path / "findings.md"))
    assert again.returncode == 0, again.stderr
    assert {run["id"] for run in map(json.loads, again.stdout.splitlines())} == {run["id"] for run in runs}
    assert (tmp_path / "findings.md").read_text().startswith("# How do hidden layers change")


def test_a_bad_sweep_fails_cleanly(tmp_path: Path) -> None:
    assert_clean_failure(cli(tmp_path, "sweep", "--vary", "hidden_layers"), "--vary takes FIELD=VALUE")
    assert_clean_failure(cli(tmp_path, "sweep", "--vary", "colour=red"), "cannot vary 'colour'")
    assert_clean_failure(cli(tmp_path, "sweep", "--vary", "hidden_layers=2000"), "1 to 1024 units")


EXPORTED = [
    ModelSpec(
        framework="sklearn", hidden_layers=(32,), epochs=4, train_size=2000, learning_rate=0.01,
        schedule="cosine", early_stopping=True, patience=1, seed=3,
    ),
    ModelSpec(
        framework="keras", hidden_layers=(32, 16), dropout=(0.2, 0.0), epochs=3, train_size=2000,
        batch_size=64, schedule="cosine", seed=2,
    ),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("spec", EXPORTED, ids=["sklearn", "keras"])
def test_an_exported_script_trains_the_same_network(spec: ModelSpec, mnist: data.Dataset, tmp_path: Path) -> None:
    """export --code writes a script that needs only numpy and the framework; run on its own, it builds the
    same layers and scores what the app's model scored (within 0.5 points: the same data, seed and steps)."""
    from mnist_core.engine import train_in_process

    store = ModelStore(tmp_path / "models")
    model, _ = train_in_process(spec, mnist, store)
    script = tmp_path / "train.py"
    done = cli(store.root, "export", model.id, "--code", str(script))
    assert done.returncode == 0, done.stderr
    assert "mnist_core" not in script.read_text() and "digit_studio" not in script.read_text()
    ran = subprocess.run(
        [sys.executable, str(script), "--data", str(data.cache_path()), "--train-size", str(spec.train_size)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.strip().splitlines()
    assert lines[-2].startswith(f"network {spec.architecture}, {spec.parameter_count} parameters")
    accuracy = float(lines[-1].removeprefix("test accuracy "))
    assert abs(accuracy - model.metrics["test_accuracy"]) <= 0.005
    assert_clean_failure(cli(store.root, "export", model.id, "--code", str(tmp_path / "x.txt")), "name it")


def test_the_command_line_speaks_the_chosen_language_and_keeps_json_english(tmp_path: Path, monkeypatch) -> None:
    """--lang de (or $DIGIT_STUDIO_LANGUAGE) writes the messages in German; --json keys stay English."""
    from mnist_core.errors import ModelNotFoundError
    from mnist_core.language import catalogue

    unknown = "sklearn-64-0123456789"
    with pytest.raises(ModelNotFoundError) as raised:
        ModelStore(tmp_path).load_network(unknown)
    german = catalogue("de")
    expected = german.text("error: {message}", message=raised.value.in_language(german))
    english = cli(tmp_path, "evaluate", unknown)
    assert english.stderr.strip() == f"error: {raised.value}"
    assert cli(tmp_path, "--lang", "de", "evaluate", unknown).stderr.strip() == expected != english.stderr.strip()
    monkeypatch.setenv("DIGIT_STUDIO_LANGUAGE", "de")
    assert cli(tmp_path, "evaluate", unknown).stderr.strip() == expected
    assert json.loads(cli(tmp_path, "list", "--json").stdout) == []  # an empty store, in any language
