"""Handouts in a real browser: the Models page downloads a model's page, and it prints on one A4 sheet."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from mnist_core.store import ModelStore
from tests.e2e.conftest import DOCS_SCREENSHOTS, SCREENSHOTS

pytestmark = pytest.mark.e2e

#: An A4 sheet at 96 dots per inch, for a picture of the handout as it prints.
A4 = {"width": 794, "height": 1123}


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF from Chromium holds."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_models_page_downloads_a_handout_that_prints_on_one_page(studio, e2e_store, browser, tmp_path: Path):
    studio.open("/models")
    with studio.page.expect_download() as download:
        studio.button("Handout: one page to print").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()

    model = ModelStore(e2e_store).get(re.fullmatch(r"handout-(.+)\.html", saved.name).group(1))
    shown = studio.page.get_by_test_id("stMetric").filter(has_text="Test accuracy").inner_text()
    assert f"{model.metrics['test_accuracy']:.2%}" in shown  # the handout of the model inspected
    assert html.escape(f"{model.name}: a network that reads handwritten digits") in text
    assert f"{model.metrics['test_accuracy']:.2%}" in text and '<table class="confusion">' in text
    assert text.count('alt="a ') == 12 and "<script" not in text and len(text.encode()) < 1_000_000

    printed = browser.new_page(viewport=A4)
    try:
        printed.goto(saved.as_uri())
        assert pdf_pages(printed.pdf(format="A4")) == 1
        printed.emulate_media(media="print")
        printed.add_style_tag(content="body { padding: 12mm; }")  # the sheet's margin, which a picture lacks
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        printed.screenshot(path=SCREENSHOTS / "handout.png", full_page=True)
        if os.environ.get("DIGIT_STUDIO_DOCS_SCREENSHOTS") == "1":  # the README's picture, only when asked
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            printed.screenshot(path=DOCS_SCREENSHOTS / "handout.png", full_page=True)
    finally:
        printed.close()
