"""Compliance pages: the review queue and a review term by term, my visits and their outcomes,
recording a breach, the trends, and the compliance section of the case file.

Pages are ``ForcePageMixin`` views (one permission, ``restrict`` scoping); case-file pages open
the subject through ``subjects.views.CaseFileMixin`` (the reason asked once a session). Changes go
through ``compliance.services``; their coded errors land on the form's fields, nothing is saved.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin

from audit.services import AuditAction, RecordType, record_by_type, record_event
from core.forms import add_service_errors
from core.pages import ForcePageMixin, deny
from core.roles import Perm
from core.tenancy import host_force, permissions_in
from orders.models import NotificationRequirement, OrderTerm, ProtectedPerson, ProtectiveOrder
from organisation.practice import get_practice_settings
from plans.models import Plan
from subjects.models import Subject
from subjects.views import CaseFileMixin, page_links

from . import charts, selectors, services
from .choices import ReviewOutcome
from .errors import NotManagingTeam
from .forms import BreachForm, ReviewForm, VisitOutcomeForm, term_field
from .models import Breach, ComplianceReview, Visit

VISITS_PER_PAGE = 25
MAX_PAGE_SIZE = 100
TREND_MONTHS = 12


# -- the review queue ------------------------------------------------------------------------------
class ReviewQueueView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    """Plans whose review is overdue, due within a week, or upcoming within the reminder lead time."""

    model = Plan
    permission = Perm.CONDUCT_REVIEW
    case_data = True
    template_name = "compliance/review_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        queue = selectors.review_queue(self.get_queryset(), settings_row=get_practice_settings())
        record_by_type(
            action=AuditAction.CONSULT,
            records=queue.plans,
            justification="Review queue",
            actor=self.request.user,
        )
        context.update(queue=queue, today=timezone.localdate())
        return context


class SubjectPageMixin(CaseFileMixin, SingleObjectMixin, View):  # type: ignore[type-arg]
    """A compliance page of one subject's case file: scoped subject, reason asked once a session."""

    subject: Subject
    reason: str

    def open_case_file(self) -> HttpResponse | None:
        self.subject = self.get_object()  # type: ignore[attr-defined]
        reason = self.remembered_reason(self.subject)
        if reason is None:
            return self.ask_reason(self.subject, then=self.request.path)
        self.reason = reason
        return None

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        self.record_open(self.subject, self.reason)
        context.update(subject=self.subject, case_data=True, force=host_force(self.request))
        return render(self.request, template, context, status=status)


class ReviewView(SubjectPageMixin):
    """A review of the subject's plan, term by term; only the managing team (others: 403, logged)."""

    permission = Perm.CONDUCT_REVIEW

    def _terms(self) -> list[OrderTerm]:
        return list(services.terms_in_force(self.subject))

    def _refuse(self) -> PermissionDenied:
        return deny(self.request, permission=Perm.CONDUCT_REVIEW, object_type="subject")

    def _render(self, form: ReviewForm, status: int = 200) -> HttpResponse:
        plan = Plan.objects.filter(subject=self.subject).first()
        return self.page(
            "compliance/review_form.html",
            {
                "form": form,
                "plan": plan,
                "notification_status": services.notification_status(self.subject),
                "last_review": ComplianceReview.objects.filter(subject=self.subject).first(),
            },
            status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        try:
            services.check_reviewer(actor=request.user, subject=self.subject)
        except NotManagingTeam:
            raise PermissionDenied("Only the subject's managing team reviews") from None
        return self._render(ReviewForm(terms=self._terms(), initial={"outcome": ReviewOutcome.UNCHANGED}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        terms = self._terms()
        form = ReviewForm(request.POST, terms=terms)
        if not form.is_valid():
            return self._render(form, 400)
        try:
            services.complete_review(
                actor=request.user,
                subject=self.subject,
                assessments=form.assessments(),
                outcome=form.cleaned_data["outcome"],
                next_review_due=form.cleaned_data.get("next_review_due"),
                notes=form.cleaned_data.get("notes", ""),
            )
        except NotManagingTeam:
            raise PermissionDenied("Only the subject's managing team reviews") from None
        except ValidationError as exc:
            first = term_field(terms[0]) if terms else None
            add_service_errors(form, exc, field_for=lambda name: first if name == "assessments" else None)
            return self._render(form, 400)
        messages.success(request, f"Review of {self.subject.display_name} completed.")
        return HttpResponseRedirect(reverse("compliance:review-queue"))


# -- visits ----------------------------------------------------------------------------------------
def _page_size(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page_size", VISITS_PER_PAGE)), MAX_PAGE_SIZE))
    except ValueError:
        return VISITS_PER_PAGE


class MyVisitsView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    """Visits tasked to the user's teams or to them, with the briefing; one consult event a page."""

    model = Visit
    permission = Perm.RECORD_VISIT
    case_data = True
    template_name = "compliance/my_visits.html"
    context_object_name = "visits"

    def get_paginate_by(self, queryset: Any) -> int:
        return _page_size(self.request)

    def get_queryset(self) -> Any:
        from django.db.models import Q

        from organisation.models import TeamMember

        user: Any = self.request.user
        teams = TeamMember.objects.filter(user_id=user.pk).values("team_id")
        return (
            super()
            .get_queryset()
            .filter(Q(assigned_team_id__in=teams) | Q(assigned_officer_id=user.pk))
            .select_related("subject", "subject__plan", "assigned_team")
            .order_by("outcome", "window_from", "id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        shown = list(context["visits"])
        record_by_type(
            action=AuditAction.CONSULT, records=shown, justification="My visits", actor=self.request.user
        )
        page = context.get("page_obj")
        size = _page_size(self.request)
        context.update(
            today=timezone.localdate(),
            visits=shown,
            # Windowed page links (first, last, two around this one): a team with years of visits
            # would otherwise get a link per page, thousands of them on a page of 5.
            page_links=page_links(page) if page is not None else [],
            list_query=f"page_size={size}" if size != VISITS_PER_PAGE else "",
        )
        return context


class VisitOutcomeView(ForcePageMixin, View):
    """Record what happened on a visit (the user's team's or their own)."""

    model = Visit
    permission = Perm.RECORD_VISIT
    scope_action = "change"
    case_data = True

    def _visit(self) -> Visit:
        visit = (
            Visit.objects.restrict(self.request.user, "change", force=host_force(self.request))
            .select_related("subject", "subject__plan", "assigned_team")
            .filter(uuid=self.kwargs["visit"])
            .first()
        )
        if visit is None:
            raise Http404("No such visit")
        return visit

    def _render(self, visit: Visit, form: VisitOutcomeForm, status: int = 200) -> HttpResponse:
        record_event(
            action=AuditAction.CONSULT,
            object_type=RecordType.VISIT,
            object_ids=[visit.uuid],
            justification="Recording a visit outcome",
            actor=self.request.user,
        )
        return render(
            self.request,
            "compliance/visit_outcome.html",
            {"visit": visit, "form": form, "case_data": True, "force": host_force(self.request)},
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self._visit(), VisitOutcomeForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = self._visit()
        form = VisitOutcomeForm(request.POST)
        if not form.is_valid():
            return self._render(visit, form, 400)
        try:
            services.record_visit_outcome(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(visit, form, 400)
        messages.success(request, "Visit outcome recorded.")
        return HttpResponseRedirect(reverse("compliance:my-visits"))


# -- breaches --------------------------------------------------------------------------------------
class BreachCreateView(SubjectPageMixin):
    """Record a breach of one of the subject's terms."""

    permission = Perm.RECORD_BREACH

    def _terms(self) -> list[OrderTerm]:
        return list(
            OrderTerm.objects.filter(order__subject=self.subject)
            .select_related("order__order_type")
            .order_by("order_id", "id")
        )

    def _protected_persons(self) -> list[ProtectedPerson]:
        """The subject's protected persons this user may read (the managing team's, or a reader of
        any); their names are shown, so the page's consult names them."""
        persons = list(
            ProtectedPerson.objects.restrict(self.request.user, "view", force=host_force(self.request))
            .filter(subject=self.subject)
            .order_by("id")
        )
        if persons:
            record_by_type(
                action=AuditAction.CONSULT,
                records=persons,
                justification=self.reason,
                actor=self.request.user,
            )
        return persons

    def _form(self, data: Any = None) -> BreachForm:
        return BreachForm(data, terms=self._terms(), protected_persons=self._protected_persons())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        return self.page("compliance/breach_form.html", {"form": self._form()})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        form = self._form(request.POST)
        if not form.is_valid():
            return self.page("compliance/breach_form.html", {"form": form}, 400)
        try:
            services.record_breach(actor=request.user, subject=self.subject, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.page("compliance/breach_form.html", {"form": form}, 400)
        messages.success(request, "Breach recorded.")
        return HttpResponseRedirect(reverse("subjects:subject-detail", kwargs={"uuid": self.subject.uuid}))


# -- the case file's compliance section ------------------------------------------------------------
def compliance_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """Escalation and the timeline (orders, breaches, visits, reviews, notifications), logged."""
    force = host_force(request)
    held = permissions_in(request.user, force)
    if Perm.VIEW_SUBJECT not in held:
        return None
    user = request.user
    breaches = list(
        Breach.objects.restrict(user, "view", force=force).filter(subject=subject).select_related("term")
    )
    visits = list(Visit.objects.restrict(user, "view", force=force).filter(subject=subject))
    reviews = list(ComplianceReview.objects.restrict(user, "view", force=force).filter(subject=subject))
    orders: list[ProtectiveOrder] = []
    requirements: list[NotificationRequirement] = []
    if Perm.VIEW_ORDER in held:
        orders = list(
            ProtectiveOrder.objects.restrict(user, "view", force=force)
            .filter(subject=subject)
            .select_related("order_type")
        )
        requirements = list(
            NotificationRequirement.objects.restrict(user, "view", force=force).filter(order__subject=subject)
        )
    record_by_type(
        action=AuditAction.CONSULT, records=[*breaches, *visits, *reviews], justification=reason, actor=user
    )
    settings_row = get_practice_settings()
    return (
        "compliance/case_file_compliance.html",
        {
            "subject": subject,
            "escalation": selectors.escalation_of(subject, settings_row=settings_row),
            "timeline": selectors.timeline(
                orders=orders, breaches=breaches, visits=visits, reviews=reviews, requirements=requirements
            ),
            "can_breach": Perm.RECORD_BREACH in held,
            "can_review": Perm.CONDUCT_REVIEW in held,
        },
    )


# -- the dashboard's escalations ------------------------------------------------------------------
def escalations_panel(request: Any) -> tuple[str, dict[str, Any]] | None:
    """Subjects the escalation rules flag (one query for the force), for case-file readers; the
    names shown are logged in one consult event."""
    force = host_force(request)
    if Perm.VIEW_SUBJECT not in permissions_in(request.user, force):
        return None
    settings_row = get_practice_settings()
    flagged = selectors.escalated_subjects(
        Subject.objects.restrict(request.user, "view", force=force), settings_row=settings_row
    )
    record_by_type(
        action=AuditAction.CONSULT,
        records=[s for s, _r in flagged],
        justification="Escalations on the home page",
        actor=request.user,
    )
    return "compliance/home_escalations.html", {"flagged": flagged, "case_data": bool(flagged)}


# -- trends ----------------------------------------------------------------------------------------
def _month_label(day: dt.date) -> str:
    return day.strftime("%b %Y")


def trend_tables(request: HttpRequest) -> dict[str, dict[str, Any]]:
    """Every trend as a table (caption, header, rows), from grouped queries only."""
    force = host_force(request)
    user = request.user
    today = timezone.localdate()
    months = selectors.months_back(today, TREND_MONTHS)
    since = months[0]
    labels = [_month_label(m) for m in months]

    breach_rows = selectors.breaches_by_month(
        Breach.objects.restrict(user, "trends", force=force), since=since
    )
    kinds = sorted({f"{r['order_type']} {r['term_kind']}" for r in breach_rows})
    counts = {(r["month"], f"{r['order_type']} {r['term_kind']}"): r["count"] for r in breach_rows}
    breaches = {
        "caption": "Breaches per month by order type and term kind",
        "header": ["Month", *kinds, "Total"],
        "rows": [
            [label, *(counts.get((m, k), 0) for k in kinds), sum(counts.get((m, k), 0) for k in kinds)]
            for m, label in zip(months, labels, strict=True)
        ],
        "series": [(k, [counts.get((m, k), 0) for m in months]) for k in kinds],
        "stacked": True,
    }
    review_rows = {
        r["month"]: r
        for r in selectors.reviews_on_time_by_month(
            ComplianceReview.objects.restrict(user, "trends", force=force), since=since
        )
    }
    reviews = {
        "caption": "Reviews done on time per month",
        "header": ["Month", "Reviews", "On time", "On time (%)"],
        "rows": [
            [
                label,
                review_rows.get(m, {}).get("total", 0),
                review_rows.get(m, {}).get("punctual", 0),
                round(100 * review_rows[m]["punctual"] / review_rows[m]["total"]) if m in review_rows else "",
            ]
            for m, label in zip(months, labels, strict=True)
        ],
        "series": [
            ("On time", [review_rows.get(m, {}).get("punctual", 0) for m in months]),
            (
                "Late",
                [
                    review_rows.get(m, {}).get("total", 0) - review_rows.get(m, {}).get("punctual", 0)
                    for m in months
                ],
            ),
        ],
        "stacked": True,
    }
    visit_rows = {
        r["month"]: r
        for r in selectors.visits_by_month(
            Visit.objects.restrict(user, "trends", force=force), since=since, today=today
        )
    }
    visits = {
        "caption": "Visits done against visits planned per month",
        "header": ["Month", "Planned", "Done"],
        "rows": [
            [label, visit_rows.get(m, {}).get("planned", 0), visit_rows.get(m, {}).get("done", 0)]
            for m, label in zip(months, labels, strict=True)
        ],
        "series": [
            ("Planned", [visit_rows.get(m, {}).get("planned", 0) for m in months]),
            ("Done", [visit_rows.get(m, {}).get("done", 0) for m in months]),
        ],
        "stacked": False,
    }
    overdue = selectors.overdue_counts(
        plans=Plan.objects.restrict(user, "trends", force=force),
        visits=Visit.objects.restrict(user, "trends", force=force),
        requirements=NotificationRequirement.objects.restrict(user, "trends", force=force),
        today=today,
    )
    overdue_table = {
        "caption": "Overdue now",
        "header": ["What", "Overdue"],
        "rows": [
            ["Plan reviews", overdue["reviews"]],
            ["Visits", overdue["visits"]],
            ["Notifications", overdue["notifications"]],
        ],
        "series": [("Overdue", [overdue["reviews"], overdue["visits"], overdue["notifications"]])],
        "categories": ["Plan reviews", "Visits", "Notifications"],
        "stacked": False,
    }
    return {"breaches": breaches, "reviews": reviews, "visits": visits, "overdue": overdue_table}


CHARTS = ("breaches", "reviews", "visits", "overdue")


class TrendsView(ForcePageMixin, View):
    """Aggregates only (``VIEW_TRENDS``): no names, no case file; each chart with its table and CSV."""

    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tables = trend_tables(request)
        return render(
            request,
            "compliance/trends.html",
            {"tables": [(name, tables[name]) for name in CHARTS], "force": host_force(request)},
        )


class TrendChartView(ForcePageMixin, View):
    """One trend as an SVG image drawn by reportlab (served, never inline: the CSP stays strict)."""

    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, chart: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if chart not in CHARTS:
            raise Http404("No such chart")
        table = trend_tables(request)[chart]
        categories = table.get("categories") or [row[0] for row in table["rows"]]
        svg = charts.bar_chart(
            title=table["caption"], categories=categories, series=table["series"], stacked=table["stacked"]
        )
        response = HttpResponse(svg, content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response


class TrendCsvView(ForcePageMixin, View):
    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, chart: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if chart not in CHARTS:
            raise Http404("No such table")
        table = trend_tables(request)[chart]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="trends-{chart}.csv"'
        writer = csv.writer(response)
        writer.writerow(table["header"])
        writer.writerows(table["rows"])
        return response


# -- outcomes: before and after the plan ----------------------------------------------------------
def outcome_figures_for(request: HttpRequest) -> selectors.OutcomeFigures:
    """The force's outcome figures from querysets scoped for counting (``trends``) by this user."""
    from orders.models import ContactLogEntry

    force = host_force(request)
    user = request.user
    return selectors.outcome_figures(
        plans=Plan.objects.restrict(user, "trends", force=force),
        orders=ProtectiveOrder.objects.restrict(user, "trends", force=force),
        breaches=Breach.objects.restrict(user, "trends", force=force),
        contacts=ContactLogEntry.objects.restrict(user, "trends", force=force),
        reviews=ComplianceReview.objects.restrict(user, "trends", force=force),
        visits=Visit.objects.restrict(user, "trends", force=force),
    )


#: Short names for the charts' axes.
OUTCOME_SHORT = {
    "breaches": "Breaches",
    "offences": "Further offences",
    "contacts": "Contacts",
    "reassured": "Reassured",
    "reviews_on_time": "Reviews on time",
    "visits_on_time": "Visits in window",
}
#: The two charts: counts as rates per 100 subject-months, and shares as percentages.
OUTCOME_CHARTS = {
    "rates": "Per 100 subject-months, before and after the plan",
    "shares": "Share (%), before and after the plan",
}


def outcome_rows(figures: selectors.OutcomeFigures) -> list[dict[str, Any]]:
    """Each measure as it may be shown: counts under 10 as "fewer than 10", rates only over them."""
    rows = []
    for m in figures.measures:
        before, after = figures.rate(m, "before"), figures.rate(m, "after")
        unit = "%" if m.is_share else " per 100 subject-months"
        rows.append(
            {
                "key": m.key,
                "label": m.label,
                "before": selectors.suppressed(m.before),
                "after": selectors.suppressed(m.after),
                "before_rate": f"{before}{unit}" if before is not None else "not shown",
                "after_rate": f"{after}{unit}" if after is not None else "not shown",
                # Charted only where both rates may be shown; counts and shares apart.
                "chart": ("shares" if m.is_share else "rates")
                if before is not None and after is not None
                else None,
            }
        )
    return rows


class OutcomesView(ForcePageMixin, View):
    """Whether breaches and harm fall once plans are in place (``VIEW_TRENDS``; counts only)."""

    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        figures = outcome_figures_for(request)
        rows = outcome_rows(figures)
        return render(
            request,
            "compliance/outcomes.html",
            {
                "figures": figures,
                "rows": rows,
                "charts": [
                    (kind, title, [r for r in rows if r["chart"] == kind])
                    for kind, title in OUTCOME_CHARTS.items()
                    if any(r["chart"] == kind for r in rows)
                ],
                "subjects": selectors.suppressed(figures.subjects),
                "subject_months": round(figures.subject_months)
                if figures.subjects >= selectors.SMALL_COUNT
                else "not shown",
                "too_recent": selectors.suppressed(figures.too_recent),
                "small": selectors.SMALL_COUNT,
                "force": host_force(request),
            },
        )


class OutcomesChartView(ForcePageMixin, View):
    """Before against after, as an SVG image: ``?kind=rates`` (per 100 subject-months, the
    default) or ``?kind=shares`` (percentages); only measures whose rates may be shown both sides."""

    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        kind = request.GET.get("kind", "rates")
        if kind not in OUTCOME_CHARTS:
            raise Http404("No such chart")
        figures = outcome_figures_for(request)
        shown = [
            m
            for m in figures.measures
            if m.is_share == (kind == "shares")
            and figures.rate(m, "before") is not None
            and figures.rate(m, "after") is not None
        ]
        svg = charts.bar_chart(
            title=OUTCOME_CHARTS[kind] if shown else "Too few to chart: fewer than 10 on a side",
            categories=[OUTCOME_SHORT.get(m.key, m.label) for m in shown],
            series=[
                ("Before the plan", [figures.rate(m, "before") or 0 for m in shown]),
                ("After", [figures.rate(m, "after") or 0 for m in shown]),
            ],
        )
        response = HttpResponse(svg, content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response


class OutcomesCsvView(ForcePageMixin, View):
    """The outcome figures for an evaluation, suppressed as on the page."""

    permission = Perm.VIEW_TRENDS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        figures = outcome_figures_for(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="outcomes.csv"'
        writer = csv.writer(response)
        writer.writerow(["Measure", "Before the plan", "After the plan", "Rate before", "Rate after"])
        writer.writerow(["Subjects compared", selectors.suppressed(figures.subjects), "", "", ""])
        for row in outcome_rows(figures):
            writer.writerow(
                [row["label"], row["before"], row["after"], row["before_rate"], row["after_rate"]]
            )
        writer.writerow(["Produced on", figures.today.isoformat(), "", "", ""])
        return response
