"""ModelStore: round trips, damage, safe formats, ids, deletion, atomic writes and the training lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import signal
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.neural_network import MLPClassifier

from mnist_core import data
from mnist_core.engine import JobTable, database_path, train_in_process
from mnist_core.errors import DamagedModelError, InvalidModelIdError, ModelNotFoundError
from mnist_core.network import Evaluation, evaluate
from mnist_core.spec import PRESETS, ModelSpec
from mnist_core.store import DamagedEntry, ModelStore, StoredModel, default_active
from mnist_core.training import TrainedModel, train

from .conftest import FORKS, KERAS_SPEC, ROOT, SKLEARN_SPEC, fork_python, run_python

TINY = ModelSpec(hidden_layers=(8,), epochs=1, batch_size=32, train_size=100, validation_fraction=0.0)


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    """An empty store in a temporary folder."""
    return ModelStore(tmp_path / "models")


@pytest.fixture(scope="module")
def tiny_models(mnist: data.Dataset) -> list[tuple[TrainedModel, Evaluation]]:
    """Three different small scikit-learn models (seeds 0–2) and their evaluations."""
    models = []
    for seed in range(3):
        trained = train(TINY.replace(seed=seed), mnist)
        models.append((trained, evaluate(trained.network, mnist.seen_by(trained.spec))))
    return models


@pytest.fixture(scope="module")
def keras_evaluation(keras_model: TrainedModel, mnist: data.Dataset) -> Evaluation:
    """keras_model scored on the images it saw and the test set."""
    return evaluate(keras_model.network, mnist.seen_by(KERAS_SPEC))


def _save_tiny(store: ModelStore, tiny_models, mnist: data.Dataset) -> list[StoredModel]:
    return [store.save(trained, evaluation, mnist) for trained, evaluation in tiny_models]


def _rewrite_with_hash(entry: StoredModel, file_name: str, raw: bytes) -> None:
    """Replace one file of an entry and record its new hash, as a careful attacker would."""
    (entry.path / file_name).write_bytes(raw)
    meta = json.loads((entry.path / "meta.json").read_text())
    meta["sha256"][file_name] = hashlib.sha256(raw).hexdigest()
    (entry.path / "meta.json").write_text(json.dumps(meta))


# -- round trips ----------------------------------------------------------------


def test_sklearn_round_trip(
    store: ModelStore,
    sklearn_model: TrainedModel,
    sklearn_evaluation: Evaluation,
    mnist: data.Dataset,
    test_features: np.ndarray,
) -> None:
    """A saved scikit-learn model lists, reads back its metadata and predicts as before, from weights and from skops."""
    saved = store.save(sklearn_model, sklearn_evaluation, mnist, name="demo")
    assert saved.id == SKLEARN_SPEC.key(mnist.fingerprint)
    assert saved.id in store
    assert store.list() == [saved] == store.models()
    assert store.get(saved.id) == saved
    assert sorted(path.name for path in store.root.iterdir()) == [saved.id]
    assert sorted(path.name for path in saved.path.iterdir()) == [
        "first_layer_history.npz",
        "meta.json",
        "model.skops",
        "weights.npz",
    ]

    assert saved.name == "demo"
    assert saved.spec == SKLEARN_SPEC
    assert saved.metrics == sklearn_evaluation.metrics()
    assert saved.history == sklearn_model.history
    assert saved.epochs_run == SKLEARN_SPEC.epochs
    assert saved.layers == sklearn_model.layers
    assert saved.parameters == sklearn_model.network.parameter_count
    assert saved.train_seconds == pytest.approx(sklearn_model.train_seconds)
    assert saved.dataset == mnist.fingerprint
    assert {"python", "numpy", "scikit-learn", "skops"} <= set(saved.versions)
    assert dt.datetime.fromisoformat(saved.created).tzinfo is not None
    assert not saved.stopped and not saved.stopped_early
    assert "demo · sklearn 784-64-10 · " in saved.label

    network = store.load_network(saved.id)
    np.testing.assert_allclose(
        network.predict_proba(test_features), sklearn_model.network.predict_proba(test_features), atol=1e-5
    )
    estimator = store.load_estimator(saved.id)
    assert type(estimator) is MLPClassifier
    np.testing.assert_array_equal(
        estimator.predict_proba(test_features), sklearn_model.estimator.predict_proba(test_features)
    )


@pytest.mark.slow
def test_keras_round_trip(
    store: ModelStore,
    keras_model: TrainedModel,
    keras_evaluation: Evaluation,
    mnist: data.Dataset,
    test_features: np.ndarray,
) -> None:
    """A saved Keras model reads back as a .keras model (safe mode) and as NumPy weights that predict as before."""
    saved = store.save(keras_model, keras_evaluation, mnist)
    assert saved.framework == "keras"
    assert saved.name == "custom"
    assert (saved.path / "model.keras").is_file()
    assert saved.history == keras_model.history
    assert saved.layers == keras_model.layers

    expected = keras_model.estimator.predict(test_features, batch_size=2000, verbose=0)
    model = store.load_estimator(saved.id)
    np.testing.assert_allclose(model.predict(test_features, batch_size=2000, verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(store.load_network(saved.id).predict_proba(test_features), expected, atol=1e-5)


def test_saving_the_same_model_twice_keeps_one_entry(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """Saving a model whose id is already stored returns the stored entry and leaves nothing else behind."""
    trained, evaluation = tiny_models[0]
    first = store.save(trained, evaluation, mnist)
    second = store.save(trained, evaluation, mnist, name="another name")
    assert second == first
    assert [path.name for path in store.root.iterdir()] == [first.id]


def test_stopped_model_gets_its_own_id(store: ModelStore, mnist: data.Dataset) -> None:
    """A run the user stopped is saved under the spec's id plus its epochs, never as the finished model."""
    spec = TINY.replace(epochs=3)
    stopped = train(spec, mnist, should_stop=lambda: True)
    saved = store.save(stopped, evaluate(stopped.network, mnist.seen_by(spec)), mnist)
    assert saved.id == f"{spec.key(mnist.fingerprint)}-e1"
    assert saved.stopped and saved.epochs_run == 1
    assert "stopped at epoch 1" in saved.name
    assert spec.key(mnist.fingerprint) not in store


def test_list_is_newest_first(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """list() orders entries by creation time, newest first."""
    saved = _save_tiny(store, tiny_models, mnist)
    for age, entry in enumerate(saved):
        meta = json.loads((entry.path / "meta.json").read_text())
        meta["created"] = f"2024-01-0{age + 1}T00:00:00+00:00"
        (entry.path / "meta.json").write_text(json.dumps(meta))
    assert [entry.id for entry in store.list()] == [entry.id for entry in reversed(saved)]


def test_archive_holds_the_whole_entry(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """archive() zips every file of the entry under its id."""
    (entry,) = _save_tiny(store, tiny_models[:1], mnist)
    with zipfile.ZipFile(io.BytesIO(store.archive(entry.id))) as archive:
        assert sorted(archive.namelist()) == [
            f"{entry.id}/{name}" for name in ("first_layer_history.npz", "meta.json", "model.skops", "weights.npz")
        ]
        assert archive.read(f"{entry.id}/weights.npz") == (entry.path / "weights.npz").read_bytes()


def test_saving_sweeps_away_stale_temporary_folders(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """A temporary folder left by a writer killed over an hour ago is removed by the next save; a recent one is kept."""
    store.root.mkdir(parents=True)
    stale, recent = store.root / ".tmp-stale-abc", store.root / ".tmp-recent-def"
    for folder in (stale, recent):
        folder.mkdir()
        (folder / "weights.npz").write_bytes(b"half a model")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    _save_tiny(store, tiny_models[:1], mnist)
    assert not stale.exists()
    assert recent.exists()


def test_empty_or_missing_store_lists_nothing(tmp_path: Path) -> None:
    """A store folder that does not exist yet lists no entries."""
    assert ModelStore(tmp_path / "not-yet").list() == []


# -- damage ----------------------------------------------------------------------


def test_damaged_entries_are_listed_with_reasons(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """Bad meta.json, a missing file or a half-written folder are DamagedEntry rows; the good entry still loads."""
    bad_json, missing_file, good = _save_tiny(store, tiny_models, mnist)
    (bad_json.path / "meta.json").write_text("{not json")
    (missing_file.path / "weights.npz").unlink()
    (store.root / "half-written").mkdir()
    incomplete = store.root / "incomplete"
    incomplete.mkdir()
    (incomplete / "meta.json").write_text(json.dumps({"spec": good.spec.to_dict(), "sha256": {}}))
    (store.root / ".tmp-something-abc").mkdir()  # a save in progress is never listed
    (store.root / "stray.txt").write_text("not an entry")

    entries = {entry.id: entry for entry in store.list()}
    assert set(entries) == {bad_json.id, missing_file.id, good.id, "half-written", "incomplete"}
    assert isinstance(entries[good.id], StoredModel)
    reasons = {name: entry.reason for name, entry in entries.items() if isinstance(entry, DamagedEntry)}
    assert "meta.json cannot be read" in reasons[bad_json.id]
    assert "missing weights.npz" in reasons[missing_file.id]
    assert "no meta.json" in reasons["half-written"]
    assert "incomplete or malformed" in reasons["incomplete"]
    assert store.models() == [entries[good.id]]

    assert store.load_network(good.id).predict(mnist.x_test[:5]).shape == (5,)
    with pytest.raises(DamagedModelError, match=r"meta\.json"):
        store.get(bad_json.id)
    with pytest.raises(DamagedModelError, match=r"missing weights\.npz"):
        store.load_network(missing_file.id)


def test_changed_weights_file_is_refused(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """A weights file replaced after saving (even by valid weights) raises DamagedModelError."""
    first, second, _ = _save_tiny(store, tiny_models, mnist)
    (first.path / "weights.npz").write_bytes((second.path / "weights.npz").read_bytes())
    with pytest.raises(DamagedModelError, match="has changed since it was saved"):
        store.load_network(first.id)
    (second.path / "model.skops").write_bytes(b"tampered")
    with pytest.raises(DamagedModelError, match="has changed since it was saved"):
        store.load_estimator(second.id)


def test_skops_file_with_an_untrusted_type_is_refused(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """A skops file that holds an unexpected type (here os.system) is refused even when its hash matches."""
    (entry,) = _save_tiny(store, tiny_models[:1], mnist)
    estimator = store.load_estimator(entry.id)
    estimator.payload = os.system
    raw = skops.io.dumps(estimator)
    assert "posix.system" in skops.io.get_untrusted_types(data=raw)
    _rewrite_with_hash(entry, "model.skops", raw)
    with pytest.raises(DamagedModelError, match=r"does not trust: posix\.system"):
        store.load_estimator(entry.id)
    # The NumPy weights are untouched and still load.
    assert store.load_network(entry.id).hidden_layers == (8,)


def test_skops_file_that_is_not_skops_is_damaged(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """A model.skops that is not a skops file raises DamagedModelError, not a skops exception."""
    (entry,) = _save_tiny(store, tiny_models[:1], mnist)
    _rewrite_with_hash(entry, "model.skops", b"PK\x03\x04 not really a zip")
    with pytest.raises(DamagedModelError, match="cannot be read"):
        store.load_estimator(entry.id)


@pytest.mark.slow
def test_keras_file_with_a_lambda_layer_is_refused(
    store: ModelStore, keras_model: TrainedModel, keras_evaluation: Evaluation, mnist: data.Dataset, tmp_path: Path
) -> None:
    """A .keras file holding a Lambda layer (arbitrary code) is refused by safe mode even when its hash matches."""
    import keras

    saved = store.save(keras_model, keras_evaluation, mnist)
    inputs = keras.Input(shape=(784,))
    hidden = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    unsafe = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    path = tmp_path / "unsafe.keras"
    unsafe.save(path)
    _rewrite_with_hash(saved, "model.keras", path.read_bytes())
    with pytest.raises(DamagedModelError, match="Keras file cannot be read"):
        store.load_estimator(saved.id)


# -- ids and deletion ----------------------------------------------------------


@pytest.mark.parametrize(
    "model_id", ["../x", "..", "a/b", "/etc/passwd", "Upper", "", ".hidden", "a b", "x" * 121, "nul\x00byte", "é"]
)
def test_unsafe_ids_are_refused(store: ModelStore, model_id: str) -> None:
    """Ids that could escape the store folder raise InvalidModelIdError from every method."""
    for method in (store.get, store.load_network, store.load_estimator, store.delete, store.archive):
        with pytest.raises(InvalidModelIdError, match="is not a model id"):
            method(model_id)
    with pytest.raises(InvalidModelIdError):
        _ = model_id in store


def test_unknown_id_is_not_found(store: ModelStore) -> None:
    """A well-formed id with no entry raises ModelNotFoundError with an unquoted message."""
    with pytest.raises(ModelNotFoundError) as caught:
        store.get("sklearn-10-0123456789")
    assert str(caught.value).startswith("There is no model 'sklearn-10-0123456789'")
    assert "sklearn-10-0123456789" not in store
    with pytest.raises(ModelNotFoundError):
        store.delete("sklearn-10-0123456789")


def test_delete_removes_entries_damaged_or_not(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """delete() removes an entry completely, damaged ones too, and deleting twice is ModelNotFoundError."""
    first, second, third = _save_tiny(store, tiny_models, mnist)
    (second.path / "meta.json").write_text("garbage")
    store.delete(first.id)
    store.delete(second.id)
    assert [entry.id for entry in store.list()] == [third.id]
    assert sorted(path.name for path in store.root.iterdir()) == [third.id]
    assert first.id not in store
    with pytest.raises(ModelNotFoundError):
        store.delete(first.id)
    with pytest.raises(ModelNotFoundError):
        store.load_network(first.id)


def test_default_root_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a root, the store uses $DIGIT_STUDIO_MODELS."""
    monkeypatch.setenv("DIGIT_STUDIO_MODELS", str(tmp_path / "elsewhere"))
    assert ModelStore().root == tmp_path / "elsewhere"


# -- training into the store once, atomic saves and the lock -------------------------------------


def test_train_in_process_trains_once_then_reads(store: ModelStore, mnist: data.Dataset) -> None:
    """The first train_in_process trains and saves; the second reads the stored model."""
    events: list[object] = []
    first, first_from_store = train_in_process(TINY, mnist, store, name="tiny", on_epoch=events.append)
    second, second_from_store = train_in_process(TINY, mnist, store, on_epoch=events.append)
    assert (first_from_store, second_from_store) == (False, True)
    assert first == second
    assert first.name == "tiny"
    assert len(events) == 1
    # The metrics are the stored network's, on the images it was trained on and the whole test set.
    expected = evaluate(store.load_network(first.id), mnist.seen_by(TINY)).metrics()
    assert first.metrics == pytest.approx(expected, abs=1e-6)


KILLED_WRITER = """
import time
import mnist_core.store as store_module
from mnist_core import data, evaluate, train
from mnist_core.store import ModelStore

real_write = store_module._write

def write_then_hang(path, raw):
    real_write(path, raw)
    report.send(path.name)
    time.sleep(300)

store_module._write = write_then_hang
dataset = data.load()
trained = train(spec, dataset)
ModelStore(root).save(trained, evaluate(trained.network, dataset.seen_by(trained.spec)), dataset)
"""


@pytest.mark.slow
def test_writer_killed_mid_save_leaves_no_entry(store: ModelStore, mnist: data.Dataset) -> None:
    """A process killed with SIGKILL after writing its first file leaves nothing listed, and a new save works."""
    written, report = FORKS.Pipe(duplex=False)
    writer = fork_python(KILLED_WRITER, root=str(store.root), spec=TINY, report=report)
    try:
        deadline = time.monotonic() + 120
        while not written.poll(0.1):
            assert writer.is_alive(), f"the writer ended with {writer.exitcode} before writing (see its output)"
            assert time.monotonic() < deadline, "the writer wrote nothing in time"
        first_file = written.recv()
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(30)
        assert writer.exitcode == -signal.SIGKILL
    finally:
        if writer.is_alive():
            writer.kill()
            writer.join()

    leftovers = list(store.root.glob(".tmp-*"))
    assert len(leftovers) == 1 and (leftovers[0] / first_file).is_file(), "the writer was not killed mid-save"
    assert store.list() == []
    assert TINY.key(mnist.fingerprint) not in store

    trained = train(TINY, mnist)
    saved = store.save(trained, evaluate(trained.network, mnist.seen_by(TINY)), mnist)
    assert store.list() == [saved]
    assert store.load_network(saved.id).hidden_layers == (8,)


RACER = """
from mnist_core import data
from mnist_core.engine import JobTable, database_path, train_in_process
from mnist_core.store import ModelStore

dataset = data.load()
start.wait()  # both start training together
model, from_store = train_in_process(spec, dataset, ModelStore(root))
results.put({"id": model.id, "from_store": from_store})
"""


@pytest.mark.slow
def test_two_processes_train_one_spec_once(store: ModelStore, mnist: data.Dataset) -> None:
    """Two processes calling train_in_process on one spec at the same moment train it once; the other reads it."""
    spec = ModelSpec(hidden_layers=(32,), epochs=2, batch_size=32, train_size=2000, validation_fraction=0.0, seed=2)
    JobTable(database_path(store))  # made first, as a store in use has it: the race under test is the training's
    start, results = FORKS.Barrier(2), FORKS.SimpleQueue()
    racers = [fork_python(RACER, root=str(store.root), spec=spec, start=start, results=results) for _ in range(2)]
    for racer in racers:
        racer.join(300)
        assert racer.exitcode == 0, f"a racer ended with {racer.exitcode} (see its output)"
    answers = [results.get() for _ in racers]
    assert sorted(answer["from_store"] for answer in answers) == [False, True]
    assert {answer["id"] for answer in answers} == {spec.key(mnist.fingerprint)}
    assert [entry.id for entry in store.list()] == [spec.key(mnist.fingerprint)]


@pytest.mark.slow
def test_store_never_writes_into_the_repository() -> None:
    """The test session's default store is a temporary folder, not the repository's models/."""
    done = run_python("-c", "from mnist_core.store import ModelStore; print(ModelStore().root)")
    assert Path(done.stdout.strip()) != ROOT / "models"


def test_a_preset_is_ready_by_its_spec_not_by_a_name(store: ModelStore, mnist: data.Dataset) -> None:
    """A custom model named "quick" does not make the preset ready; the preset's own spec, under any name, does."""
    small = mnist.subset(1000, seed=0)  # its own fingerprint: presets train here in a blink
    assert store.presets(small) == dict.fromkeys(PRESETS)
    custom = train_in_process(TINY, small, store, name="quick")[0]
    assert custom.name == "quick" and store.presets(small)["quick"] is None

    seed_preset, _ = train_in_process(PRESETS["sklearn-seed"], small, store, name="my own copy")
    ready = store.presets(small)
    assert ready["sklearn-seed"] == seed_preset
    assert [name for name, model in ready.items() if model is not None] == ["sklearn-seed"]
    assert store.find(PRESETS["sklearn-seed"], mnist) is None  # trained on other data: not this preset


def test_default_active_models_are_the_best_finished_one_per_framework(
    store: ModelStore, tiny_models, mnist: data.Dataset
) -> None:
    """The most accurate model of each framework, best first; a stopped run never stands in for a finished one."""
    saved = _save_tiny(store, tiny_models, mnist)
    best = max(saved, key=lambda m: m.metrics["test_accuracy"])
    assert default_active(saved) == [best.id]
    stopped = train(TINY.replace(epochs=2, seed=7), mnist, should_stop=lambda: True)
    stopped_model = store.save(stopped, evaluate(stopped.network, mnist.seen_by(stopped.spec)), mnist)
    assert stopped_model.stopped
    assert default_active([stopped_model, *saved]) == [best.id]
    assert default_active([]) == []


def test_summary_is_one_json_ready_row(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """summary() holds what a table of models shows, as JSON values; summary_line() fits it on one line."""
    model = _save_tiny(store, tiny_models, mnist)[0]
    row = json.loads(json.dumps(model.summary()))
    assert row["id"] == model.id and row["architecture"] == "784-8-10"
    assert row["test_accuracy"] == model.metrics["test_accuracy"]
    assert row["epochs_run"] == 1 and row["parameters"] == 784 * 8 + 8 + 8 * 10 + 10
    line = model.summary_line()
    assert "\n" not in line and model.id in line and f"{model.metrics['test_accuracy']:.4f}" in line


def test_the_weight_history_is_stored_with_the_model(store: ModelStore, tiny_models, mnist: data.Dataset) -> None:
    """The first layer's snapshots come back from the store as they were; a changed file is refused."""
    trained, evaluation = tiny_models[0]
    saved = store.save(trained, evaluation, mnist)
    history = store.load_weight_history(saved.id)
    assert history is not None and history.epochs == trained.weight_history.epochs
    np.testing.assert_array_equal(history.frames[-1], trained.weight_history.frames[-1])
    (saved.path / "first_layer_history.npz").write_bytes(b"not the history")
    with pytest.raises(DamagedModelError, match="has changed since it was saved"):
        store.load_weight_history(saved.id)
