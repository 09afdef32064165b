"""The Models page: the store as a table, inspecting, deleting, and damaged folders."""

from __future__ import annotations

import json

from mnist_core.store import ModelStore
from studio import keys


def make_damaged_entry(store_root, name: str = "broken") -> None:
    folder = store_root / name
    folder.mkdir()
    (folder / "meta.json").write_text("{ this is not json")


def test_the_table_lists_every_model(open_app, pretrained_root, pretrained_ids):
    app = open_app(pretrained_root, "models")

    assert not app.exception
    assert any(str(pretrained_root) in m.value for m in app.markdown)
    table = app.dataframe[0].value
    assert sorted(table["name"]) == sorted(pretrained_ids)
    assert sorted(table["id"]) == sorted(pretrained_ids.values())
    assert set(table["framework"]) == {"sklearn"}
    assert table["test_accuracy"].between(0.85, 1).all()


def test_inspecting_a_model_shows_its_report(open_app, pretrained_root):
    app = open_app(pretrained_root, "models")
    inspect = next(s for s in app.selectbox if s.label == "Inspect")
    chosen = ModelStore(pretrained_root).get(inspect.value)

    assert [m.label for m in app.metric] == ["Test accuracy", "Train accuracy", "Training time", "Epochs", "Parameters"]
    assert app.metric[4].value == f"{chosen.parameters:,}"
    assert app.json[0].value  # the spec and library versions
    assert len(inspect.options) == 2
    layers = app.dataframe[1].value
    assert list(layers["layer"]) == ["input", "hidden_1", "output"]
    assert layers["parameters"].sum() == chosen.parameters
    (learning,) = [e for e in app.expander if e.label.startswith("Watch the first layer learn")]
    (animation,) = [json.loads(chart.proto.spec) for chart in learning.get("plotly_chart")]
    history = ModelStore(pretrained_root).load_weight_history(chosen.id)
    assert [frame["name"] for frame in animation["frames"]] == [str(epoch) for epoch in history.epochs]
    assert [step["label"] for step in animation["layout"]["sliders"][0]["steps"]] == [str(e) for e in history.epochs]


def test_deleting_a_model(open_app, scratch_store, pretrained_ids):
    app = open_app(scratch_store, "models")
    doomed = next(s for s in app.selectbox if s.label == "Inspect").value

    app.button(key=keys.MODELS_CONFIRM_DELETE).click().run()

    assert not app.exception
    assert doomed not in ModelStore(scratch_store)
    remaining = [model.id for model in ModelStore(scratch_store).models()]
    assert len(remaining) == 1
    assert list(app.dataframe[0].value["id"]) == remaining
    assert any(c.value == "1 model(s) in the store" for c in app.sidebar.caption)


def test_a_damaged_folder_is_shown_and_can_be_removed(open_app, scratch_store):
    make_damaged_entry(scratch_store)
    app = open_app(scratch_store, "models")

    assert not app.exception
    (warning,) = app.warning
    assert warning.value.startswith("**broken** is damaged: broken/meta.json cannot be read")
    assert len(app.dataframe[0].value) == 2  # the readable models are still listed

    app.button(key=keys.remove_damaged("broken")).click().run()

    assert not app.exception
    assert not app.warning
    assert not (scratch_store / "broken").exists()


def test_home_warns_about_a_damaged_folder(open_app, scratch_store):
    make_damaged_entry(scratch_store)
    app = open_app(scratch_store)

    assert not app.exception
    (warning,) = app.warning
    assert warning.value.startswith("Damaged model folder `broken`:")
