"""The NumPy forward pass agrees with both frameworks and reads back what it writes."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mnist_core import data
from mnist_core.errors import DamagedModelError
from mnist_core.network import DenseNetwork, evaluate
from mnist_core.network.dense import BATCH_ROWS
from mnist_core.spec import ModelSpec
from mnist_core.store import ModelStore
from mnist_core.training import TrainedModel, train

from .conftest import run_python


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_numpy_matches_sklearn_on_the_whole_test_set(
    mnist: data.Dataset, test_features: np.ndarray, activation: str
) -> None:
    """For each scikit-learn activation, NumPy equals predict_proba to 1e-5 on all 10 000 test images."""
    spec = ModelSpec(
        hidden_layers=(48, 24), activation=activation, learning_rate=5e-3, epochs=2, batch_size=64, train_size=1000
    )
    trained = train(spec, mnist)
    expected = trained.estimator.predict_proba(test_features)
    for network in (trained.network, DenseNetwork.from_sklearn(trained.estimator)):
        assert network.activations == (activation, activation)
        np.testing.assert_allclose(network.predict_proba(mnist.x_test), expected, rtol=0, atol=1e-5)
    assert (trained.network.predict(test_features) == trained.estimator.predict(test_features)).mean() > 0.999


def test_numpy_matches_keras_on_the_whole_test_set(keras_model: TrainedModel, test_features: np.ndarray) -> None:
    """With elu, tanh and logistic layers and dropout, the NumPy probabilities equal model.predict to 1e-5."""
    expected = keras_model.estimator.predict(test_features, batch_size=2000, verbose=0)
    assert keras_model.network.activations == ("elu", "tanh", "sigmoid")
    assert keras_model.network.hidden_layers == (48, 32, 24)
    np.testing.assert_allclose(keras_model.network.predict_proba(test_features), expected, rtol=0, atol=1e-5)
    again = DenseNetwork.from_keras(keras_model.estimator)
    np.testing.assert_allclose(again.predict_proba(test_features), expected, rtol=0, atol=1e-5)


def test_input_layouts_give_the_same_answer(sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """uint8 images, float rows and one 28×28 image all give the same probabilities, summing to 1."""
    network = sklearn_model.network
    from_uint8 = network.predict_proba(mnist.x_test[:20])
    from_rows = network.predict_proba(data.to_features(mnist.x_test[:20]))
    one = network.predict_proba(mnist.x_test[3].astype(np.float32) / 255)
    assert from_uint8.shape == (20, 10)
    np.testing.assert_allclose(from_uint8, from_rows, atol=1e-12)
    np.testing.assert_allclose(one, from_uint8[3:4], atol=1e-6)
    np.testing.assert_allclose(from_uint8.sum(axis=1), 1, rtol=1e-9)
    assert (network.predict(mnist.x_test[:20]) == from_uint8.argmax(axis=1)).all()


def test_many_images_are_scored_in_batches_with_the_same_answers(
    sklearn_model: TrainedModel, mnist: data.Dataset
) -> None:
    """Past BATCH_ROWS images the forward pass runs in parts: the same probabilities, the uneven last part too."""
    network = sklearn_model.network
    images = mnist.x_test[: 2 * BATCH_ROWS + 5]
    together = network.predict_outputs(images)
    one_by_one = np.concatenate(
        [network.predict_outputs(images[start : start + 100]) for start in range(0, len(images), 100)]
    )
    assert together.shape == (len(images), 10)
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(together.argmax(axis=1), one_by_one.argmax(axis=1))


def test_bytes_round_trip(keras_model: TrainedModel, sklearn_model: TrainedModel, mnist: data.Dataset) -> None:
    """to_bytes then from_bytes keeps the layers, activations and predictions (weights kept as float32)."""
    for network in (keras_model.network, sklearn_model.network):
        again = DenseNetwork.from_bytes(network.to_bytes())
        assert again.activations == network.activations
        assert again.hidden_layers == network.hidden_layers
        assert again.parameter_count == network.parameter_count
        for ours, theirs in zip(again.weights + again.biases, network.weights + network.biases, strict=True):
            np.testing.assert_array_equal(ours, theirs.astype(np.float32))
        np.testing.assert_allclose(again.predict_proba(mnist.x_test), network.predict_proba(mnist.x_test), atol=1e-6)


def test_load_reads_a_weights_file(sklearn_model: TrainedModel, tmp_path: Path) -> None:
    """DenseNetwork.load reads a file written from to_bytes."""
    path = tmp_path / "weights.npz"
    path.write_bytes(sklearn_model.network.to_bytes())
    assert DenseNetwork.load(path).hidden_layers == (64,)


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _damaged_files() -> dict[str, bytes]:
    good = DenseNetwork((np.zeros((784, 10)),), (np.zeros(10),), ())
    raw = good.to_bytes()
    weight, bias = np.zeros((784, 10), np.float32), np.zeros(10, np.float32)
    return {
        "garbage": b"these bytes are not a weights file",
        "empty": b"",
        "truncated": raw[: len(raw) // 2],
        "zip-header-only": b"PK\x03\x04" + b"\x00" * 40,
        "no-activations": _npz(weight_0=weight, bias_0=bias),
        "missing-layer": _npz(activations=np.array(["relu"]), weight_0=weight, bias_0=bias),
        "wrong-input-size": _npz(activations=np.array([], dtype=str), weight_0=np.zeros((100, 10)), bias_0=bias),
        "wrong-output-size": _npz(activations=np.array([], dtype=str), weight_0=np.zeros((784, 9)), bias_0=bias[:9]),
        "unknown-activation": _npz(
            activations=np.array(["swish"]),
            weight_0=np.zeros((784, 4)),
            bias_0=np.zeros(4),
            weight_1=np.zeros((4, 10)),
            bias_1=bias,
        ),
        "pickled-objects": _npz(activations=np.array([object()], dtype=object), weight_0=weight, bias_0=bias),
    }


@pytest.mark.parametrize("name", list(_damaged_files()))
def test_damaged_bytes_raise_damaged_model_error(name: str) -> None:
    """Bytes that are not a valid weights file raise DamagedModelError, never another exception."""
    with pytest.raises(DamagedModelError):
        DenseNetwork.from_bytes(_damaged_files()[name])


@pytest.mark.slow
def test_keras_model_with_a_non_dense_layer_is_refused() -> None:
    """A Keras model holding weights outside Dense layers cannot be read as a DenseNetwork."""
    import keras

    inputs = keras.Input(shape=(784,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(8)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    with pytest.raises(DamagedModelError, match="not a dense layer"):
        DenseNetwork.from_keras(model)


@pytest.mark.slow
def test_prediction_from_the_store_never_imports_tensorflow(
    keras_model: TrainedModel, sklearn_model: TrainedModel, mnist: data.Dataset, tmp_path: Path
) -> None:
    """A fresh process imports mnist_core, lists the store and predicts with both models, without TensorFlow."""
    store = ModelStore(tmp_path / "store")
    for trained in (keras_model, sklearn_model):
        store.save(trained, evaluate(trained.network, mnist.seen_by(trained.spec)), mnist)
    expected = {entry.id: store.load_network(entry.id).predict(mnist.x_test[:100]).tolist() for entry in store.models()}
    script = textwrap.dedent(
        f"""
        import json, sys
        import mnist_core, mnist_core.cli, mnist_core.images.preprocess
        from mnist_core import data
        from mnist_core.store import ModelStore
        store = ModelStore({str(tmp_path / "store")!r})
        images = data.load().x_test[:100]
        predictions = {{m.id: store.load_network(m.id).predict(images).tolist() for m in store.models()}}
        heavy = sorted(name for name in ("tensorflow", "keras", "torch", "jax") if name in sys.modules)
        print(json.dumps({{"predictions": predictions, "heavy": heavy}}))
        """
    )
    done = run_python("-c", script)
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout)
    assert result["heavy"] == []
    assert result["predictions"] == expected
    assert {entry.framework for entry in store.models()} == {"keras", "sklearn"}
