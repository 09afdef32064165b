"""Every page opens by its URL in a real browser, with the sidebar, and the navigation links work."""

from __future__ import annotations

import pytest

from mnist_core.store import ModelStore

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("path", "heading", "content"),
    [
        ("/", "Digit Studio", "MNIST is ready: 60,000 training and 10,000 test images."),
        ("/models", "Models in the store", "Delete this model"),
        ("/data", "The MNIST data", "Ten samples of every digit"),
    ],
)
def test_page_opens_with_its_content(studio, e2e_store, path, heading, content):
    studio.open(path)
    stored = len(ModelStore(e2e_store).models())  # other tests may have trained more by now

    studio.page.get_by_role("heading", name=heading).wait_for()
    studio.page.get_by_text(content).first.wait_for()
    studio.sidebar().get_by_test_id("stMultiSelect").get_by_text("test-sklearn").first.wait_for()
    assert "Active models" in studio.sidebar().inner_text()
    assert f"{stored} model(s) in the store" in studio.sidebar().inner_text()
    assert studio.page.get_by_test_id("stException").count() == 0
    studio.screenshot({"/": "home", "/models": "models", "/data": "data"}[path])


def test_navigation_links_open_each_page(studio):
    studio.open("/")
    for title, heading in [("Train", "Train a network"), ("Evaluate", "Evaluate"), ("Models", "Models in the store")]:
        studio.sidebar().get_by_role("link", name=title).click()
        studio.page.get_by_role("heading", name=heading, exact=True).wait_for()
        studio.idle()
        assert studio.page.url.endswith("/" + title.lower())
        assert studio.page.get_by_test_id("stException").count() == 0
