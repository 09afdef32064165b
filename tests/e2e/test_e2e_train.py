"""Train from the page with the keyboard-set sliders: live progress, the result, and Stop."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

TRAINING_TIMEOUT_MS = 180_000


def test_training_shows_progress_then_the_result(studio):
    studio.open("/train")
    assert studio.set_slider("Training images", "Home", "PageUp") == 6100
    # Enough epochs that the live progress shows before the run ends (quick's own 4 can be done sooner).
    epochs = 12
    assert studio.set_slider("Epochs", "ArrowRight", "ArrowLeft", *["ArrowRight"] * 8) == epochs

    studio.button("Train").click()
    studio.page.get_by_text(re.compile(rf"Training .*: epoch \d+ of {epochs}")).wait_for(timeout=TRAINING_TIMEOUT_MS)
    # The live curves come with the epochs that the progress counts (drawn from the same events, in the same run
    # of the live fragment), and the first layer's weights beside them.
    studio.page.get_by_role("img", name=re.compile(rf"^after epoch \d+ of {epochs}: loss")).wait_for(timeout=10_000)
    studio.page.get_by_role("img", name=re.compile(r"incoming weights of \d+ first-layer units")).wait_for(
        timeout=10_000
    )
    success = studio.page.get_by_text("Trained and saved as")
    success.wait_for(timeout=TRAINING_TIMEOUT_MS)
    studio.idle()

    assert re.fullmatch(r"Trained and saved as sklearn-\d+-[0-9a-f]{10}\.", success.inner_text().strip())
    assert studio.page.get_by_text("Test accuracy").first.is_visible()
    assert studio.page.get_by_test_id("stMetricValue").nth(3).inner_text() == f"{epochs} / {epochs}"
    studio.screenshot("train", docs=True)

    studio.page.get_by_text("Watch the first layer learn").click()
    studio.page.get_by_text("▶ Play").wait_for()
    studio.page.get_by_text("Watch the first layer learn").scroll_into_view_if_needed()
    studio.screenshot("weights", docs=True)


def test_a_long_run_can_be_stopped(studio):
    studio.open("/train")
    studio.set_slider("Training images", "Home", "PageUp")
    assert studio.set_slider("Epochs", "End") == 200

    studio.button("Train").click()
    studio.page.get_by_text(re.compile(r"Training .*: epoch \d+ of 200")).wait_for(timeout=TRAINING_TIMEOUT_MS)
    studio.button("Stop").click()
    stopped = studio.page.get_by_text("Stopped at epoch")
    stopped.wait_for(timeout=TRAINING_TIMEOUT_MS)

    epochs_run = int(re.search(r"Stopped at epoch (\d+)", stopped.inner_text()).group(1))
    assert 0 < epochs_run < 200
