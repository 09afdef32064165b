"""The small models that the app and end-to-end suites put in their temporary stores.

Both suites train them into the same folder, so running the two together trains them once.
"""

from mnist_core.spec import ModelSpec

# Name and hidden units of each model (about 93 % on the test set).
PRETRAINED = (("test-sklearn", 64), ("test-sklearn-small", 32))


def small_spec(units: int) -> ModelSpec:
    """A scikit-learn MLP that trains in seconds and still reads digits well."""
    return ModelSpec(
        framework="sklearn",
        hidden_layers=(units,),
        optimizer="adam",
        learning_rate=2e-3,
        epochs=3,
        train_size=20000,
        seed=0,
    )
