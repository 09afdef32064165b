"""Every page passes an automated accessibility check (axe-core) in a real browser, and Draw works
without a mouse: its keyboard alternative reads a test digit and a screen reader hears the answer."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

PAGES = ("/", "/train", "/draw", "/evaluate", "/inside", "/classroom", "/experiments", "/models", "/data", "/teacher")
#: The impacts that fail the check; "moderate" and "minor" findings are written to the report only.
FAILING = ("serious", "critical")


def findings(page) -> list[dict]:
    """axe-core's violations on the page as it is now, each with the first few elements it names."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "count": len(violation["nodes"]),
            "elements": [node["html"][:200] for node in violation["nodes"][:3]],
            "why": [check["message"] for node in violation["nodes"][:3] for check in node["any"] + node["all"]],
        }
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(studio, path):
    """axe-core on each page once it is drawn; every finding is kept in artifacts/axe-<page>.json."""
    studio.open(path)
    studio.page.wait_for_timeout(300)  # let charts and components finish drawing
    found = findings(studio.page)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{path.strip('/') or 'home'}.json").write_text(json.dumps(found, indent=2))
    failing = [finding for finding in found if finding["impact"] in FAILING]
    assert not failing, json.dumps(failing, indent=2)


def test_draw_by_keyboard_alone_reads_a_test_digit_and_announces_the_answer(studio):
    """Focus and Enter only: choose "A test digit", pick 7, and the live region says what the model read."""
    studio.open("/draw")
    studio.page.get_by_role("radio", name="A test digit", exact=True).focus()
    studio.page.keyboard.press("Enter")
    studio.idle()
    seven = studio.page.get_by_role("radio", name="7", exact=True)
    seven.wait_for()
    seven.focus()
    studio.page.keyboard.press("Enter")
    studio.idle()
    spoken = studio.page.locator("[role='status'][aria-live='polite']").first
    spoken.wait_for(state="attached")
    assert re.search(r"test-sklearn says \d, [\d.]+% sure", spoken.inner_text())
    assert studio.page.get_by_text(re.compile(r"MNIST test digit no\. [\d,]+")).count() == 1
    assert studio.page.get_by_test_id("stException").count() == 0


def test_the_address_opens_draw_in_german_and_the_answer_is_spoken_in_german(studio):
    """``?lang=de``: the page, its menu and the answer in German, and the language stays on the next page."""
    studio.open("/draw?lang=de")
    studio.page.get_by_role("heading", name="Zeichne eine Ziffer").wait_for()
    studio.page.get_by_role("radio", name="Eine Testziffer", exact=True).click()
    studio.idle()
    studio.page.get_by_role("radio", name="7", exact=True).click()
    studio.idle()
    spoken = studio.page.locator("[role='status'][aria-live='polite']").first
    spoken.wait_for(state="attached")
    assert re.search(r"test-sklearn sagt \d, [\d,]+\s% sicher", spoken.inner_text())
    studio.screenshot("draw-german", docs=True)
    studio.sidebar().get_by_role("link", name="Bewerten").click()
    studio.idle()
    studio.sidebar().get_by_text("Aktive Modelle").wait_for()  # the next page keeps the language
    studio.page.wait_for_url(re.compile(r"/evaluate\?.*lang=de"))
