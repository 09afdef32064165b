"""Test tiers for the whole suite.

``make test-fast`` runs ``-m "not slow and not e2e and not network"``: the
seconds-long loop a developer runs on every change. A test is ``slow`` when it
trains a Keras model (TensorFlow's start-up alone takes seconds), starts
another process (a Dask cluster's workers among them), or runs for more than
a few seconds; ``network`` when it fetches from the package index. Tests that
reach these costs through a shared fixture are marked here, so that no test
can forget it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator

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


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``-n``: the browser tests in one process, in order, the other tests spread module by module.

    The browser tests share one server and one browser, and mostly wait on them (a third of a core on
    average); one process runs them all while the others run the CPU-bound unit and app tests beside them.
    A module's tests stay together so that its module-scoped fixtures are made once.
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/e2e" if nodeid.startswith("tests/e2e/") else nodeid.split("::", 1)[0]

    return BrowserTestsTogether(config, log)


@pytest.fixture(scope="session", autouse=True)
def _installed_components_scanned_once() -> Iterator[None]:
    """Streamlit's installed components are looked for once per session, as a server does once at start-up.

    Every new ``AppTest`` otherwise reads the metadata of every installed package again: a tenth of a
    second or more each time, many seconds over the app tests. Only where the app tests are in the session.
    """
    if "streamlit.testing.v1" not in sys.modules:
        yield
        return
    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            manifest_scanner, "scan_component_manifests", functools.cache(manifest_scanner.scan_component_manifests)
        )
        yield
