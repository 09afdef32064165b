"""Models scored on the class's drawings beside MNIST: one table for the Class page and the challenge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnist_core import TrainedModel, data
from mnist_core.classroom import ClassDrawings, score_models
from mnist_core.images import canvas_to_mnist, render_digit
from mnist_core.network import Evaluation, evaluate
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore, StoredModel
from mnist_core.training import train


@pytest.fixture(scope="module")
def two_models(
    tmp_path_factory: pytest.TempPathFactory,
    sklearn_model: TrainedModel,
    sklearn_evaluation: Evaluation,
    mnist: data.Dataset,
) -> list[StoredModel]:
    """The session's sklearn model and a far weaker one (8 units, 300 images), in one store."""
    store = ModelStore(tmp_path_factory.mktemp("scored-models"))
    weak_spec = ModelSpec(hidden_layers=(8,), epochs=1, train_size=300, validation_fraction=0.0, seed=0)
    weak = train(weak_spec, mnist)
    store.save(weak, evaluate(weak.network, mnist.seen_by(weak_spec)), mnist, name="weak")
    store.save(sklearn_model, sklearn_evaluation, mnist, name="strong")
    return store.models()


def test_every_model_is_scored_on_the_drawings_and_ranked_by_them(two_models: list[StoredModel], mnist: data.Dataset):
    """The class accuracy is the share read right; MNIST's is the stored one; the best on the class comes first."""
    images = np.round(np.stack([canvas_to_mnist(mnist.x_test[i]) for i in range(40)]) * 255).astype(np.uint8)
    labels = mnist.y_test[:40]
    networks = {model.id: ModelStore(model.path.parent).load_network(model.id) for model in two_models}

    scores = score_models(two_models, networks, images, labels)

    assert sorted(score.name for score in scores) == ["strong", "weak"]
    assert [score.class_accuracy for score in scores] == sorted((s.class_accuracy for s in scores), reverse=True)
    for score in scores:
        model = next(model for model in two_models if model.id == score.id)
        read = networks[score.id].predict_proba(data.to_features(images)).argmax(axis=1)
        assert score.class_accuracy == pytest.approx((read == labels).mean())
        assert score.mnist_accuracy == model.metrics["test_accuracy"]
        assert score.gap == pytest.approx(score.class_accuracy - score.mnist_accuracy)
        assert (score.parameters, score.created) == (model.parameters, model.created)
    assert scores[0].name == "strong"


def test_the_class_test_half_scores_as_the_drawings_own_evaluation(two_models: list[StoredModel], tmp_path: Path):
    """Scoring the drawings' test half agrees with ClassDrawings.score on that half; no drawings scores 0."""
    drawings = ClassDrawings(tmp_path / "class.db")
    for index, digit in enumerate([7, 1, 0, 3, 7, 4, 2, 2]):
        drawings.add(render_digit(digit, height=150 + 10 * index, pen=18), digit, "student")
    networks = {model.id: ModelStore(model.path.parent).load_network(model.id) for model in two_models}

    scores = score_models(two_models, networks, drawings.images("test"), drawings.labels("test"))
    for score in scores:
        assert score.class_accuracy == pytest.approx(drawings.score(networks[score.id], "test").accuracy)

    empty = score_models(two_models, networks, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    assert [score.class_accuracy for score in empty] == [0.0, 0.0]
