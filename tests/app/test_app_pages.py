"""Every page runs without an exception, with an empty store and with models in it, and shows its content."""

from __future__ import annotations

import pytest

from mnist_core.engine import train_in_process
from mnist_core.spec import PRESETS
from mnist_core.store import ModelStore
from tests.pretrained import small_spec

TITLES = {
    "home": "✍️ Digit Studio",
    "train": "Train a network",
    "experiments": "Experiments",
    "draw": "Draw a digit",
    "inside": "Inside the network",
    "evaluate": "Evaluate",
    "classroom": "The class's own handwriting",
    "models": "Models in the store",
    "data": "The MNIST data",
    "teacher": "Teacher",
}


@pytest.mark.parametrize("page", list(TITLES))
@pytest.mark.parametrize("store", ["empty", "populated"])
def test_every_page_runs_cleanly(open_app, empty_store, pretrained_root, page, store):
    app = open_app(empty_store if store == "empty" else pretrained_root, page)

    assert not app.exception
    assert [title.value for title in app.title] == [TITLES[page]]
    # The shared sidebar from app.py is there too: the page ran inside st.navigation, not on its own.
    assert [picker.label for picker in app.sidebar.multiselect] == ["Active models"]
    assert any("MNIST ready: 60,000 training, 10,000 test images" in c.value for c in app.sidebar.caption)
    expected_count = 0 if store == "empty" else 2
    assert any(c.value == f"{expected_count} model(s) in the store" for c in app.sidebar.caption)


def test_pages_without_models_say_what_to_do(open_app, empty_store):
    for page, hint in [
        ("draw", "No model is active yet"),
        ("evaluate", "Nothing to evaluate yet"),
        ("inside", "Nothing to look inside yet"),
        ("models", "The store is empty"),
    ]:
        app = open_app(empty_store, page)
        assert not app.exception
        assert any(hint in info.value for info in app.info), page


def test_home_shows_data_status_and_presets(open_app, empty_store):
    app = open_app(empty_store)

    assert [s.value for s in app.success] == ["MNIST is ready: 60,000 training and 10,000 test images."]
    assert f"**0** model(s) in the store, 0 of {len(PRESETS)} presets ready." in [m.value for m in app.markdown]
    presets = next(m for m in app.multiselect if m.label == "Presets to train")
    assert presets.value == list(PRESETS)
    assert any(b.label == "Train the missing presets" for b in app.button)


def test_home_counts_stored_models(open_app, pretrained_root):
    app = open_app(pretrained_root)

    assert f"**2** model(s) in the store, 0 of {len(PRESETS)} presets ready." in [m.value for m in app.markdown]
    assert not app.warning


def test_home_counts_a_preset_by_its_spec_not_its_name(open_app, scratch_store, mnist):
    """A custom model someone named "quick" leaves the quick preset on the list of presets to train."""
    train_in_process(small_spec(16), mnist.subset(2000), ModelStore(scratch_store), name="quick")
    app = open_app(scratch_store)

    assert f"**3** model(s) in the store, 0 of {len(PRESETS)} presets ready." in [m.value for m in app.markdown]
    presets = next(m for m in app.multiselect if m.label == "Presets to train")
    assert "quick" in presets.value


def test_home_explains_missing_mnist(open_app, empty_store, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIT_STUDIO_DATA", str(tmp_path / "no-mnist-here"))
    app = open_app(empty_store)

    assert not app.exception
    assert len(app.error) == 1
    assert "MNIST" in app.error[0].value
    assert any(b.label == "Download MNIST now" for b in app.button)
    assert not app.success


def test_active_models_default_to_the_best_of_each_framework(open_app, pretrained_root, pretrained_ids):
    app = open_app(pretrained_root)

    (picker,) = app.sidebar.multiselect
    assert picker.label == "Active models"
    assert picker.value == [pretrained_ids["test-sklearn"]]  # both are sklearn: only the more accurate one
    assert sorted(picker.options) == sorted(model.label for model in ModelStore(pretrained_root).models())


def test_data_page_shows_mnist(open_app, empty_store, mnist):
    app = open_app(empty_store, "data")

    assert any("**60,000 training** and **10,000 test**" in m.value for m in app.markdown)
    assert [s.value for s in app.header] == [
        "Ten samples of every digit",
        "How many of each",
        "The average digit",
        "From label to one-hot vector",
        "One image as numbers",
    ]
    one_hot = app.dataframe[0].value
    assert list(one_hot["label"]) == list(mnist.y_train[:8])
    assert (one_hot.drop(columns="label").sum(axis=1) == 1).all()
    assert app.dataframe[1].value.shape == (28, 28)
