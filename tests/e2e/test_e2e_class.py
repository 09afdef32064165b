"""The class's drawings in a real browser: draw, say which digit it is, keep it, find it on Class."""

from __future__ import annotations

import pytest

from tests.e2e.test_e2e_draw import ONE, answers, stroke

pytestmark = pytest.mark.e2e


def test_a_kept_drawing_appears_on_the_class_page(studio):
    studio.open("/draw")
    stroke(studio, ONE)
    assert answers(studio) == ["1"]

    studio.page.get_by_test_id("stButtonGroup").get_by_text("1", exact=True).click()
    studio.idle()
    studio.button("Keep it for the class").click()
    studio.page.get_by_text("Kept as a 1: the class has 1 drawings now.").wait_for()

    studio.open("/classroom")
    studio.page.get_by_role("heading", name="The class's own handwriting").wait_for()
    kept = studio.page.get_by_test_id("stMetric").filter(has_text="Drawings kept")
    assert kept.get_by_test_id("stMetricValue").inner_text() == "1"
    studio.page.get_by_text("1 of 1 shown, newest first").wait_for()
    studio.screenshot("class", docs=True)


def test_a_shared_link_restores_the_train_settings(studio):
    """Share makes a link; opening it in a fresh tab fills the controls with the same settings."""
    studio.open("/train")
    assert studio.set_slider("Epochs", "Home", "ArrowRight", "ArrowRight") == 3
    studio.button("Share these settings").click()
    studio.idle()
    link = studio.page.get_by_test_id("stCode").inner_text().strip()
    assert "epochs=3" in link

    studio.page.goto(link if link.startswith("http") else studio.url + link)
    studio.idle()
    studio.expect_slider("Epochs", 3)  # read without pressing a key
