"""Draw, then open Inside in the same session: the drawing flows through the layers; a clicked unit shows digits."""

from __future__ import annotations

import pytest

from tests.e2e.test_e2e_draw import ONE, answers, stroke

pytestmark = pytest.mark.e2e

# The centre of one unit's square in page pixels, from Plotly's own axes (trace 1 holds the clickable squares).
LOCATE_UNIT = """(plot, unit) => {
    const layout = plot._fullLayout, squares = plot._fullData[1], box = plot.getBoundingClientRect();
    return {
        x: box.left + layout.xaxis._offset + layout.xaxis.l2p(squares.x[unit]),
        y: box.top + layout.yaxis._offset + layout.yaxis.l2p(squares.y[unit]),
    };
}"""


def test_a_drawing_and_a_unit_inside_the_network(studio):
    studio.open("/draw")
    page = studio.page
    stroke(studio, ONE)
    answers(studio)

    studio.sidebar().get_by_role("link", name="Inside").click()  # the same session: it keeps the drawing
    page.get_by_role("heading", name="Inside the network").wait_for()
    studio.idle()
    page.get_by_role("tab", name="A drawing flows through").click()
    page.get_by_text("hidden layer 1 ·").first.wait_for()
    page.get_by_text("The answer: 1").wait_for()

    page.get_by_role("tab", name="What the first layer looks for").click()  # made once it is opened
    page.get_by_text("Each square is one unit of the first hidden layer").wait_for()
    studio.idle()
    plot = page.locator("[role=tabpanel]:visible .js-plotly-plot").first
    page.wait_for_function("plot => plot._fullLayout && plot._fullLayout.xaxis._length > 0", arg=plot.element_handle())
    square = plot.evaluate(LOCATE_UNIT, 7)
    page.mouse.move(square["x"], square["y"])
    page.mouse.click(square["x"], square["y"])
    page.get_by_text("Unit 7 of hidden layer 1").wait_for()
    page.get_by_text("The 9 test digits that make this unit fire most.").wait_for()
    studio.idle()
    studio.screenshot("inside", docs=True)
