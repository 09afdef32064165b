"""Which presets Home offers to train: those the store lacks, less those already queued."""

from __future__ import annotations

from pathlib import Path

from mnist_core import data
from mnist_core.network import evaluate
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore
from mnist_core.training import train


def test_the_presets_to_train_are_those_neither_stored_nor_queued(tmp_path: Path, mnist: data.Dataset) -> None:
    """A stored preset (by its spec) is not missing; a queued one is left out too; the order is PRESETS'."""
    small = mnist.subset(1000, seed=0)  # its own fingerprint: a preset trains here in a blink
    store = ModelStore(tmp_path / "models")
    assert store.missing_presets(small) == list(PRESETS)

    spec = PRESETS["sklearn-seed"]
    trained = train(spec, small)
    store.save(trained, evaluate(trained.network, small.seen_by(spec)), small, name="my own copy")
    missing = store.missing_presets(small)
    assert missing == [name for name in PRESETS if name != "sklearn-seed"]

    queued = [PRESETS["quick"].key(small.fingerprint), "some-other-job"]
    assert store.missing_presets(small, queued=queued) == [name for name in missing if name != "quick"]
    assert store.missing_presets(mnist) == list(PRESETS)  # trained on other data: not this preset
