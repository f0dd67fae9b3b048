"""Charts drawn on the server with reportlab.graphics (the plan PDF's library), as SVG images.

Served by a view as ``image/svg+xml``, so the page holds only an ``<img>``: nothing inline for the
CSP to meet, and the same drawings can go into a PDF. Every chart has its table and CSV beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

#: GOV.UK palette: blue, orange, turquoise, pink, green, purple.
PALETTE = ["#1d70b8", "#f47738", "#28a197", "#d53880", "#00703c", "#4c2c92"]
WIDTH, HEIGHT = 640, 300


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    stacked: bool = False,
) -> str:
    """An SVG bar chart: one bar (or stack) per category, one colour per series, with a legend."""
    drawing = Drawing(WIDTH, HEIGHT)
    drawing.add(String(10, HEIGHT - 18, title, fontName="Helvetica-Bold", fontSize=12))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 60, WIDTH - 200, HEIGHT - 100
    data = [list(values) or [0] for _name, values in series] or [[0]]
    chart.data = data
    chart.categoryAxis.categoryNames = list(categories) or [""]
    # A few categories read across; many (months) turn to fit.
    if len(categories) > 6:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    else:
        chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max((sum(col) if stacked else max(col)) for col in zip(*data, strict=False)) if data[0] else 0
    chart.valueAxis.valueMax = max(top, 1) * 1.1
    chart.valueAxis.labels.fontSize = 8
    if stacked:
        chart.categoryAxis.style = "stacked"
    for i in range(len(data)):
        chart.bars[i].fillColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 140, HEIGHT - 50
    legend.fontSize = 9
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(PALETTE[i % len(PALETTE)]), name) for i, (name, _v) in enumerate(series)
    ]
    drawing.add(legend)
    return renderSVG.drawToString(drawing)
