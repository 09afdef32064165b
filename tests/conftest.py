"""Test tiers for the whole suite.

``make test-fast`` runs ``-m "not slow and not e2e and not network"``: the
seconds-long loop a developer runs on every change. A test is ``slow`` when it
trains a Keras model (TensorFlow's start-up alone takes seconds), starts
another process (a Dask cluster's workers among them), or runs for more than
a few seconds; ``network`` when it
fetches from the package index. Tests that reach these costs through a shared
fixture are marked here, so that no test can forget it.
"""

from __future__ import annotations

import pytest

# Fixture → the markers every test that uses it gets.
FIXTURE_MARKERS = {
    "keras_model": ("slow",),
    "engine": ("slow",),
    "mirror_wheel": ("slow", "network"),
    "fresh_load": ("slow", "network"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            for marker in FIXTURE_MARKERS.get(fixture, ()):
                item.add_marker(marker)
