"""Every page passes an automated accessibility check (axe-core) in a real browser, and Draw works
without a mouse: its keyboard alternative reads a test digit and a screen reader hears the answer."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

#: Every page, by its title in the navigation.
PAGES = ("Home", "Train", "Experiments", "Draw", "Inside", "Evaluate", "Class", "Models", "Data", "Teacher")
#: The impacts that fail the check; "moderate" and "minor" findings are written to the report only.
FAILING = ("serious", "critical")


#: True when the element that ``selector`` names is the label of a disabled control: WCAG 1.4.3 sets no
#: contrast for "text that is part of an inactive user interface component" (Streamlit greys it out).
INACTIVE = """selector => {
    const widget = document.querySelector(selector)?.closest('[data-testid^="st"][class*="st-key-"], .stSlider');
    return !!widget && !!widget.querySelector('[aria-disabled="true"], :disabled');
}"""


def findings(page) -> list[dict]:
    """axe-core's violations on the page as it is now, each with the first few elements it names.

    Contrast findings on the labels of disabled controls are left out (see :data:`INACTIVE`).
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        nodes = violation["nodes"]
        if violation["id"] == "color-contrast":
            nodes = [node for node in nodes if not page.evaluate(INACTIVE, node["target"][-1])]
        if nodes:
            found.append(
                {
                    "id": violation["id"],
                    "impact": violation["impact"],
                    "help": violation["help"],
                    "count": len(nodes),
                    "elements": [node["html"][:200] for node in nodes[:3]],
                    "why": [check["message"] for node in nodes[:3] for check in node["any"] + node["all"]],
                }
            )
    return found


def test_axe_finds_no_serious_or_critical_violation_on_any_page(studio):
    """axe-core on each page, reached through the navigation as a student would; every finding is kept in
    artifacts/axe.json, and a serious or critical one fails the test with the page it is on."""
    studio.open("/")
    report: dict[str, list[dict]] = {}
    for title in PAGES:
        if title != "Home":
            studio.sidebar().get_by_role("link", name=title, exact=True).click()
        studio.idle()
        studio.page.wait_for_timeout(300)  # let charts and components finish drawing
        report[title] = findings(studio.page)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=2))
    failing = {title: [f for f in found if f["impact"] in FAILING] for title, found in report.items()}
    failing = {title: found for title, found in failing.items() if found}
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
