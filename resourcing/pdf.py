"""The regional report as a PDF (reportlab): the table of forces with totals and the 12-month chart."""

from __future__ import annotations

import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .report import RegionReport

BLUE, ORANGE, RED = colors.HexColor("#1d70b8"), colors.HexColor("#f47738"), colors.HexColor("#d4351c")


def _chart(report: RegionReport) -> Drawing:
    drawing = Drawing(700, 220)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, 640, 160
    history = report.history or [{"month": report.today, "demand_hours": 0.0, "capacity_hours": 0.0}]
    chart.data = [[h["demand_hours"] for h in history], [h["capacity_hours"] for h in history]]
    chart.categoryAxis.categoryNames = [h["month"].strftime("%b %y") for h in history]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor, chart.bars[1].fillColor = ORANGE, BLUE
    drawing.add(chart)
    return drawing


def report_pdf(report: RegionReport) -> bytes:
    from .views import CSV_HEADER, csv_row

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title="Resourcing report")
    styles = getSampleStyleSheet()
    region = report.region.name if report.region else "All regions"
    story = [
        Paragraph(f"Resourcing: {region}, {report.today:%d %B %Y}", styles["Title"]),
        Paragraph(
            "Weekly hours of the ancillary order units against demand, from each force's latest snapshot.",
            styles["Normal"],
        ),
    ]
    if not report.scenario.is_baseline:
        s = report.scenario
        story.append(
            Paragraph(
                f"Scenario: plan for every order type {'yes' if s.plan_every_order_type else 'no'}; "
                f"caseload {s.growth_percent:+g}%; response and neighbourhood teams take "
                f"{'as now' if s.visit_share is None else f'{s.visit_share}%'} of visits.",
                styles["Normal"],
            )
        )
    story.append(Spacer(1, 8))
    header = CSV_HEADER
    body = [csv_row(r) for r in report.rows]
    t = report.totals
    body.append(
        [
            "Total",
            "",
            f"{t['forces_short']} short",
            t["caseload"],
            t["demand_hours"],
            t["capacity_hours"],
            t["gap_hours"],
            t["backlog"],
            "",
            "",
            "",
        ]
    )
    cell = styles["BodyText"]
    cell.fontSize = 7
    table = Table(
        [[Paragraph(str(h), cell) for h in header]] + [[str(c) for c in r] for r in body], repeatRows=1
    )
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
    ]
    for i, row in enumerate(report.rows, start=1):
        if row.short:
            style.append(("TEXTCOLOR", (0, i), (-1, i), RED))
    table.setStyle(TableStyle(style))
    story += [
        table,
        Spacer(1, 12),
        Paragraph("Demand (orange) against capacity (blue), last 12 months", styles["Heading3"]),
        _chart(report),
    ]
    doc.build(story)
    return buffer.getvalue()
