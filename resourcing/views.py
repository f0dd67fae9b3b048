"""Resourcing pages: the force's ``/resourcing/`` and the regional ``/region/report/`` (with CSV, PDF, charts)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from compliance import charts
from core.pages import ForcePageMixin, RegionalPageMixin
from core.roles import Perm
from core.tenancy import host_force

from . import report
from .models import ForceSnapshot
from .selectors import force_figures

QUARTER_DAYS = 91


def _month_label(day: dt.date) -> str:
    return day.strftime("%b %Y")


def force_page_context(force: Any, today: dt.date) -> dict[str, Any]:
    """Now (live), the last 12 months (snapshots) and next quarter at the caseload's recent growth."""
    figures = force_figures(today)
    history = report.monthly_history([force.pk], today)
    past = (
        ForceSnapshot.objects.filter(force_id=force.pk, day__lte=today - dt.timedelta(days=QUARTER_DAYS))
        .order_by("-day")
        .values_list("caseload", flat=True)
        .first()
    )
    growth = (figures.caseload / past - 1) if past else 0.0
    teams: list[dict[str, Any]] = sorted(
        (
            {
                "name": load.name,
                "kind": load.kind,
                "demand": round(load.demand_hours, 1),
                "capacity": round(load.capacity_hours, 1),
                "gap": round(load.gap_hours, 1),
                "over": load.demand_hours > load.capacity_hours,
            }
            for load in figures.teams.values()
            if load.demand_hours or load.capacity_hours
        ),
        key=lambda t: float(t["gap"]),
    )
    return {
        "figures": figures,
        "gap": round(figures.capacity_hours - figures.demand_hours, 1),
        "short": figures.demand_hours > figures.capacity_hours,
        "teams": teams,
        "history": [{**h, "label": _month_label(h["month"])} for h in history],
        "growth_percent": round(growth * 100, 1),
        "next_quarter_demand": round(figures.demand_hours * (1 + growth), 1),
        "next_quarter_caseload": round(figures.caseload * (1 + growth)),
    }


class ForceResourcingView(ForcePageMixin, View):
    """Demand against capacity for this force: numbers and team names only, no subject."""

    permission = Perm.VIEW_RESOURCING

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        force = host_force(request)
        context = force_page_context(force, timezone.localdate())
        return render(request, "resourcing/force.html", {**context, "force": force})


def history_chart(history: list[dict[str, Any]], title: str) -> str:
    return charts.bar_chart(
        title=title,
        categories=[_month_label(h["month"]) for h in history],
        series=[
            ("Demand (hours a week)", [round(h["demand_hours"], 1) for h in history]),
            ("Capacity (hours a week)", [round(h["capacity_hours"], 1) for h in history]),
        ],
    )


def _svg(svg: str) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


class ForceResourcingChartView(ForcePageMixin, View):
    permission = Perm.VIEW_RESOURCING

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        force = host_force(request)
        assert force is not None  # ForcePageMixin: force hosts only
        history = report.monthly_history([force.pk], timezone.localdate())
        return _svg(history_chart(history, "Demand against capacity, last 12 months"))


# -- regional -----------------------------------------------------------------------------------
class RegionReportMixin(RegionalPageMixin):
    """Regional administrators and analysts (their regions), platform administrators (any or all)."""

    permission_name = "regional report (regional administrator or analyst)"

    def allowed(self, user: Any) -> bool:
        return report.may_read_reports(user)

    def build(self, request: HttpRequest) -> tuple[report.RegionReport | None, dict[str, list[str]]]:
        found, region = report.resolve_region(request.user, request.GET.get("region"))
        if not found:
            raise Http404("No such region")
        try:
            scenario = report.parse_scenario(request.GET)
        except ValidationError as exc:
            baseline = report.region_report(region, today=timezone.localdate())
            return baseline, exc.message_dict
        return report.region_report(region, today=timezone.localdate(), scenario=scenario), {}


class RegionReportView(RegionReportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result, errors = self.build(request)
        context = {
            "report": result,
            "totals": result.totals if result else {},
            "errors": errors,
            "regions": report.report_regions(request.user).order_by("name"),
            "all_regions": getattr(request.user, "is_platform_admin", False),
            "query": request.GET.urlencode(),
            "values": request.GET,
        }
        template = (
            "resourcing/_region_table.html" if request.headers.get("HX-Request") else "resourcing/region.html"
        )
        return render(
            request,
            template,
            context,
            status=400 if errors and not request.headers.get("HX-Request") else 200,
        )


class RegionReportCsvView(RegionReportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result, errors = self.build(request)
        if errors or result is None:
            return HttpResponse("Invalid scenario", status=400, content_type="text/plain")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = result.region.slug if result.region else "all"
        response["Content-Disposition"] = f'attachment; filename="resourcing-{name}-{result.today}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for row in result.rows:
            writer.writerow(csv_row(row))
        t = result.totals
        writer.writerow(
            [
                "Total",
                "",
                "",
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
        return response


CSV_HEADER = [
    "Force",
    "Snapshot day",
    "Short of capacity",
    "Caseload",
    "Demand (hours a week)",
    "Capacity (hours a week)",
    "Gap (hours a week)",
    "Backlog (overdue reviews and visits)",
    "Breaches (90 days)",
    "Visits done / planned (90 days)",
    "Reviews on time / done (90 days)",
]


def csv_row(row: report.ForceRow) -> list[Any]:
    if not row.has_data:
        return [row.name, "no data yet", "", "", "", "", "", "", "", "", ""]
    return [
        row.name,
        row.day.isoformat() if row.day else "",
        "yes" if row.short else "no",
        round(row.caseload),
        round(row.demand_hours, 1),
        round(row.capacity_hours, 1),
        round(row.gap_hours, 1),
        row.backlog,
        row.breaches_shown,
        row.visits_shown,
        row.reviews_shown,
    ]


class RegionReportChartView(RegionReportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result, _errors = self.build(request)
        assert result is not None
        return _svg(history_chart(result.history, "Region: demand against capacity, last 12 months"))


class RegionReportPdfView(RegionReportMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from .pdf import report_pdf

        result, errors = self.build(request)
        if errors or result is None:
            return HttpResponse("Invalid scenario", status=400, content_type="text/plain")
        response = HttpResponse(report_pdf(result), content_type="application/pdf")
        name = result.region.slug if result.region else "all"
        response["Content-Disposition"] = f'attachment; filename="resourcing-{name}-{result.today}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
