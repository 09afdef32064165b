"""On a phone: draw with a finger, see the answer without scrolling; every page fits the screen's width."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, Studio, fresh_tab

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
CANVAS = "canvas.upper-canvas"
PREDICTION = ".prediction"
BARS = ".probability-bars"
# Strokes as fractions of the canvas side, so they draw the same digit on a canvas of any size.
ONE = [(0.5, 0.18 + 0.032 * step) for step in range(21)]
SEVEN = [(0.25 + 0.025 * step, 0.22) for step in range(21)] + [
    (0.75 - 0.015 * step, 0.22 + 0.03 * step) for step in range(1, 21)
]
# Every page by its address, with a heading that says it has opened.
PAGES = [
    ("/", "Digit Studio"),
    ("/train", "Train a network"),
    ("/experiments", "Experiments"),
    ("/draw", "Draw a digit"),
    ("/inside", "Inside the network"),
    ("/evaluate", "Evaluate"),
    ("/classroom", "The class's own handwriting"),
    ("/models", "Models in the store"),
    ("/data", "The MNIST data"),
    ("/teacher", "Teacher"),
]
# How far every scroll container in the page has scrolled, added up: the page itself and Streamlit's main area.
SCROLLED = """() => [document.scrollingElement, ...document.querySelectorAll('*')]
    .reduce((total, element) => total + element.scrollTop, 0)"""
# The widest content of the page and of Streamlit's main area, against the screen's width.
WIDTHS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return {
        screen: window.innerWidth,
        page: document.scrollingElement.scrollWidth,
        main: main.scrollWidth,
        main_visible: main.clientWidth,
    };
}"""
# Buttons whose box reaches past the screen's left or right edge.
BUTTONS_OFF_SCREEN = """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
    // Shown ones only: a table's toolbar waits unseen (opacity 0) until the table is touched.
    .filter((button) => button.checkVisibility({opacityProperty: true, visibilityProperty: true}))
    .map((button) => [
        button.innerText.trim() || button.getAttribute('aria-label') || button.title
            || `a button in ${button.closest('[data-testid]')?.dataset.testid}`,
        button.getBoundingClientRect(),
    ])
    .filter(([, box]) => box.width > 0 && (box.left < 0 || box.right > window.innerWidth))
    .map(([name, box]) => `${name}: ${Math.round(box.left)}…${Math.round(box.right)} px`)"""


@pytest.fixture(scope="session")
def phone_screen(browser: Any, app_url: str) -> Iterator[Any]:
    """A phone-sized touch screen that the ``phone`` tabs open on (its cache keeps the app's scripts)."""
    context = browser.new_context(is_mobile=True, has_touch=True, viewport=PHONE)
    yield context
    context.close()


@pytest.fixture
def phone(phone_screen: Any, app_url: str) -> Iterator[Studio]:
    """A fresh tab on the phone."""
    with fresh_tab(phone_screen, app_url) as tab:
        yield tab


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def settled_canvas(phone: Studio) -> dict:
    """The canvas's box once it has its final size and takes strokes."""
    canvas = phone.page.locator(CANVAS)
    deadline = time.monotonic() + 15
    previous = None
    while True:
        canvas.wait_for()
        phone.idle()
        box = canvas.bounding_box()
        if previous is not None and box == previous:
            break
        assert time.monotonic() < deadline, "the canvas never settled on a size"
        previous = box
        phone.page.wait_for_timeout(300)
    while canvas.evaluate("element => element.style.cursor") != "crosshair":  # fabric's drawing mode is on
        assert time.monotonic() < deadline, "the canvas never switched to drawing mode"
        phone.page.mouse.move(box["x"] + 3, box["y"] + 3)
        phone.page.wait_for_timeout(50)
    return box


def touch_stroke(phone: Studio, box: dict, points: list[tuple[float, float]]) -> None:
    """One stroke with a finger: real touch events through the browser's input pipeline."""
    touch = phone.page.context.new_cdp_session(phone.page)

    def send(kind: str, point: tuple[float, float] | None) -> None:
        points = (
            []
            if point is None
            else [{"x": box["x"] + point[0] * box["width"], "y": box["y"] + point[1] * box["height"]}]
        )
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    send("touchStart", points[0])
    for point in points[1:]:
        send("touchMove", point)
    send("touchEnd", None)
    touch.detach()


def answer_after_drawing(phone: Studio, points: list[tuple[float, float]]) -> tuple[str, dict, dict]:
    """Draw ``points`` on a fresh canvas; returns the answer and the boxes of the answer and its bars."""
    box = settled_canvas(phone)
    assert phone.page.evaluate(SCROLLED) == 0
    touch_stroke(phone, box, points)
    answer = phone.page.locator(PREDICTION).first
    answer.wait_for()
    phone.idle()
    assert phone.page.evaluate(SCROLLED) == 0, "the page scrolled while the finger drew"
    return answer.inner_text().strip(), answer.bounding_box(), phone.page.locator(BARS).first.bounding_box()


def assert_on_screen(box: dict, what: str) -> None:
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (
        f"{what} is at {box['y']:.0f}…{box['y'] + box['height']:.0f} px, outside the {PHONE['height']} px screen"
    )
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what} is cut off at the side"


def assert_fills_the_screen_width(canvas_box: dict) -> None:
    assert canvas_box["width"] >= 0.85 * PHONE["width"], f"the canvas is {canvas_box['width']:.0f} px wide"
    assert canvas_box["x"] >= 0 and canvas_box["x"] + canvas_box["width"] <= PHONE["width"]


@pytest.mark.parametrize(("digit", "points"), [("1", ONE), ("7", SEVEN)])
def test_a_digit_drawn_with_a_finger_is_answered_on_screen(phone, digit, points):
    """Right after the finger lifts, the answer and its bars are on the screen, without any scrolling."""
    phone.open("/draw")
    assert_fills_the_screen_width(settled_canvas(phone))

    answer, answer_box, bars_box = answer_after_drawing(phone, points)

    assert answer == digit
    assert_on_screen(answer_box, "the answer")
    assert_on_screen(bars_box, "the probability bars")
    phone.page.screenshot(path=screenshot_path(f"phone-draw-{digit}"))


def test_after_clear_the_next_digit_is_answered_on_screen_too(phone):
    phone.open("/draw")
    assert answer_after_drawing(phone, ONE)[0] == "1"

    old_canvas = phone.page.locator(CANVAS).element_handle()
    phone.button("Clear").tap()
    phone.page.wait_for_function("element => !element.isConnected", arg=old_canvas)
    phone.idle()
    phone.page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")  # a thumb's flick back up
    assert_fills_the_screen_width(settled_canvas(phone))
    answer, answer_box, bars_box = answer_after_drawing(phone, SEVEN)
    assert answer == "7"
    assert_on_screen(answer_box, "the second answer")
    assert_on_screen(bars_box, "the second answer's bars")


def test_two_models_answer_side_by_side_on_screen(phone):
    """With two active models (a class's default: the best of each framework) both answers fit the first screen."""
    phone.open("/draw")
    phone.page.get_by_test_id("stExpandSidebarButton").tap()
    picker = phone.sidebar().get_by_test_id("stMultiSelect")
    # Which models are active by default depends on what earlier tests trained: add any second one.
    if picker.locator("[data-baseweb='tag']").count() < 2:
        picker.locator("input").click()
        phone.page.get_by_role("option").first.click()
        phone.page.keyboard.press("Escape")
        phone.idle()
    phone.sidebar().get_by_test_id("stSidebarCollapseButton").get_by_role("button").tap()
    phone.page.get_by_test_id("stSidebar").wait_for(state="hidden")

    touch_stroke(phone, settled_canvas(phone), ONE)
    phone.page.locator(PREDICTION).nth(1).wait_for()
    phone.idle()
    assert phone.page.locator(PREDICTION).all_inner_texts() == ["1", "1"]
    for index in range(2):
        assert_on_screen(phone.page.locator(PREDICTION).nth(index).bounding_box(), f"answer {index + 1}")
        assert_on_screen(phone.page.locator(BARS).nth(index).bounding_box(), f"the bars of answer {index + 1}")
    assert phone.page.evaluate(SCROLLED) == 0
    phone.page.screenshot(path=screenshot_path("phone-draw-two-models"))


def assert_nothing_scrolls_sideways(phone: Studio) -> None:
    widths = phone.page.evaluate(WIDTHS)
    assert widths["page"] <= widths["screen"], f"the page scrolls sideways: {widths}"
    assert widths["main"] <= widths["main_visible"], f"the main area scrolls sideways: {widths}"
    assert phone.page.evaluate(BUTTONS_OFF_SCREEN) == []


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_every_page_fits_a_phone_screen(phone, path, heading):
    """No page scrolls sideways at 390 px, and every button is within the screen's width."""
    phone.open(path)
    phone.page.get_by_role("heading", name=heading).first.wait_for()
    phone.page.wait_for_timeout(500)  # charts and images lay themselves out after the script has run

    assert_nothing_scrolls_sideways(phone)
    assert phone.page.get_by_test_id("stException").count() == 0


def test_draw_fits_a_phone_screen_with_its_steps_and_the_noise_shown(phone):
    phone.open("/draw")
    assert answer_after_drawing(phone, ONE)[0] == "1"
    phone.page.get_by_text("Each step from canvas to model input").tap()
    phone.button("Show random noise").tap()
    phone.idle()
    phone.page.get_by_text("random pixels").wait_for()
    phone.page.wait_for_timeout(500)

    assert_nothing_scrolls_sideways(phone)
    assert phone.page.get_by_test_id("stException").count() == 0
