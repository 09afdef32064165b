"""Click a confusion-matrix cell in the real Plotly chart and see the test digits behind it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

# The largest off-diagonal cell and its centre in page pixels, from Plotly's own axes.
LOCATE_CELL = """plot => {
    const layout = plot._fullLayout, z = plot._fullData[0].z, box = plot.getBoundingClientRect();
    let cell = null;
    for (let row = 0; row < 10; row++)
        for (let col = 0; col < 10; col++)
            if (row !== col && (cell === null || z[row][col] > cell.count)) cell = {row, col, count: z[row][col]};
    return {
        ...cell,
        x: box.left + layout.xaxis._offset + layout.xaxis.l2p(cell.col),
        y: box.top + layout.yaxis._offset + layout.yaxis.l2p(cell.row),
    };
}"""


def test_clicking_a_cell_shows_its_digits(studio):
    studio.open("/evaluate")
    page = studio.page
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for()
    page.wait_for_function("plot => plot._fullLayout && plot._fullLayout.xaxis._length > 0", arg=plot.element_handle())
    page.get_by_text("Click a cell of the matrix").wait_for()

    cell = plot.evaluate(LOCATE_CELL)
    assert cell["count"] > 0
    page.mouse.move(cell["x"], cell["y"])
    page.mouse.click(cell["x"], cell["y"])

    heading = page.get_by_text("test image(s) of a")
    heading.wait_for()
    studio.idle()
    assert heading.inner_text() == f"{cell['count']} test image(s) of a {cell['row']} read as {cell['col']}"
    assert page.get_by_text("Under each digit").is_visible()
    studio.screenshot("evaluate", docs=True)
