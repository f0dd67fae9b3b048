"""Plan pages inside a subject's case file: /subjects/<uuid>/plan/...

Each page opens the subject through ``subjects.views.CaseFileMixin`` (the subject's reason for
access covers its plan: asked once a session, kept in every consult event), then scopes the plan
and its versions with ``restrict``. Changes go through ``plans.services``; their coded errors land
on the form, a stale save (409) says which fields changed since the page was opened.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from core.forms import add_service_errors
from core.pages import ForcePageMixin
from core.roles import Perm
from core.tenancy import host_force, permissions_in
from organisation.models import Area
from organisation.practice import get_practice_settings
from subjects.models import Subject
from subjects.views import CaseFileMixin

from . import briefings, exports, services
from .choices import PlanPart, VersionStatus
from .errors import OwnPlan, PlanConflict
from .forms import MAX_ROWS, PART_FORMS, SendBackForm
from .models import Plan, PlanVersion, PlanVersionQuerySet

#: Where a service's field name shows on a part's form.
FIELD_FOR = {"tactical_options": "pillar_supervision", "sdash_answers": "sdash_1"}


def _field_for(form: Any, key: str) -> str | None:
    """The form field a service error lands on (risks to protected persons: the first such box)."""
    if key == "victim_risks":
        boxes = [name for name in form.fields if name.startswith("victim_risk_")]
        return boxes[0] if boxes else None
    return FIELD_FOR.get(key)


def _add_part_errors(form: Any, exc: ValidationError) -> None:
    """A service's errors on the part's form: a row's on that row (``RowsMixin.row_field_for``)."""
    if hasattr(exc, "error_dict") and hasattr(form, "row_field_for"):
        rest = {}
        for key, errors in exc.error_dict.items():
            if any(group.name == key for group in form.row_groups):
                for error in errors:
                    for message in error.messages:
                        form.add_error(form.row_field_for(key, message), message)
            else:
                rest[key] = errors
        if not rest:
            return
        exc = ValidationError(rest)
    add_service_errors(form, exc, field_for=lambda key: _field_for(form, key))


def overview_url(subject: Subject) -> str:
    return reverse("plans:overview", kwargs={"uuid": subject.uuid})


def version_url(version: PlanVersion) -> str:
    return reverse("plans:version", kwargs={"uuid": version.plan.subject.uuid, "version": version.uuid})


def part_url(version: PlanVersion, part: str) -> str:
    return reverse(
        "plans:part", kwargs={"uuid": version.plan.subject.uuid, "version": version.uuid, "part": part}
    )


class SubjectPlanMixin(CaseFileMixin, SingleObjectMixin, View):  # type: ignore[type-arg]
    """The subject (scoped) whose plan the page shows, with the reason given for opening it."""

    subject: Subject
    reason: str
    plan_action = "view"

    def open_case_file(self) -> HttpResponse | None:
        self.subject = self.get_object()  # type: ignore[attr-defined]
        reason = self.remembered_reason(self.subject)
        if reason is None:
            return self.ask_reason(self.subject, then=self.request.path)
        self.reason = reason
        return None

    def held(self) -> frozenset[str]:
        return permissions_in(self.request.user, host_force(self.request))

    def plan(self, action: str | None = None) -> Plan | None:
        return (
            Plan.objects.restrict(
                self.request.user, action or self.plan_action, force=host_force(self.request)
            )
            .filter(subject=self.subject)
            .first()
        )

    def the_version(self, action: str | None = None, uuid: Any = None) -> PlanVersion:
        try:
            scoped = PlanVersion.objects.restrict(
                self.request.user, action or self.plan_action, force=host_force(self.request)
            )
            return (
                cast(PlanVersionQuerySet, scoped)
                .with_parts()
                .get(plan__subject=self.subject, uuid=uuid or self.kwargs["version"])  # type: ignore[attr-defined]
            )
        except PlanVersion.DoesNotExist:
            raise Http404("No such plan version") from None

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        held = self.held()
        context.update(
            subject=self.subject,
            reason=self.reason,
            case_data=True,
            force=host_force(self.request),
            can_change=Perm.CHANGE_PLAN in held,
            can_approve=Perm.APPROVE_PLAN in held,
        )
        return render(self.request, template, context, status=status)


class PlanOverviewView(SubjectPlanMixin):
    """The subject's plan: its state, review date, versions, and what can be done next."""

    permission = Perm.VIEW_PLAN

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        plan = self.plan()
        versions = list(plan.versions.select_related("author", "approved_by")) if plan else []
        self.record_open(self.subject, self.reason)
        services.record_consulted(
            actor=request.user, records=[*([plan] if plan else []), *versions], reason=self.reason
        )
        return self.page(
            "plans/overview.html",
            {
                "plan": plan,
                "versions": versions,
                "open_version": next((v for v in versions if v.status in ("draft", "submitted")), None),
                "ready_to_close": bool(plan and services.ready_to_close(plan)),
            },
        )


class StartDraftView(SubjectPlanMixin):
    """Start (or go back to) the draft: POST only."""

    permission = Perm.CHANGE_PLAN
    scope_action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        try:
            version = services.start_draft(actor=request.user, subject=self.subject)
        except PlanConflict as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(overview_url(self.subject))
        return HttpResponseRedirect(part_url(version, PlanPart.OFFENDING))


class VersionDetailView(SubjectPlanMixin):
    """One version, all four parts, with the subject's devices, accounts and vehicles (Part 2)."""

    permission = Perm.VIEW_PLAN

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        return self.show(self.the_version())

    def show(
        self, version: PlanVersion, *, errors: list[str] | None = None, status: int = 200
    ) -> HttpResponse:
        services.record_consulted(actor=self.request.user, records=[version], reason=self.reason)
        self.record_open(self.subject, self.reason)
        subject = Subject.objects.with_profile().get(pk=self.subject.pk)
        previous = version.plan.versions.filter(number__lt=version.number).order_by("-number").first()
        return self.page(
            "plans/version.html",
            {
                "version": version,
                "profile": subject,
                "parts": _parts(version, self.request.user),
                "previous": previous,
                "errors": errors or [],
                "wrote_or_edited": services.wrote_or_edited(version, self.request.user),
            },
            status=status,
        )


def _parts(version: PlanVersion, viewer: Any) -> list[dict[str, Any]]:
    data = services.shown_content(version, viewer)
    return [
        {
            "part": part,
            "label": PlanPart(part).label,
            "fields": [
                {
                    "label": services._label(f)[:1].upper() + services._label(f)[1:],
                    "value": services._display(f, data[f]),
                    "name": f,
                }
                for f in fields
            ],
        }
        for part, fields in services.PART_FIELDS.items()
    ]


class PartEditView(SubjectPlanMixin):
    """One part of a draft: each save keeps the draft; a stale save names the fields changed since."""

    permission = Perm.CHANGE_PLAN
    scope_action = "change"
    plan_action = "change"

    def setup_part(self) -> tuple[PlanVersion, type[forms.Form], str]:
        part = self.kwargs["part"]
        if part not in PART_FORMS:
            raise Http404("No such part")
        return self.the_version(), PART_FORMS[part], part

    def persons(self) -> list[Any]:
        """The subject's protected persons this user may view (their risks are theirs to write)."""
        if not hasattr(self, "_persons"):
            visible = services.visible_protected_persons(self.request.user, self.subject.pk)
            self._persons = [visible[k] for k in sorted(visible)]
        return self._persons

    def make_form(self, form_class: Any, data: Any = None, initial: Any = None) -> Any:
        if form_class is not PART_FORMS[PlanPart.RISK]:
            return form_class(data, initial=initial)
        return form_class(
            data,
            initial=initial,
            tactical_options=list(get_practice_settings().tactical_options),
            persons=self.persons(),
        )

    def show(self, version: PlanVersion, form: Any, part: str, status: int = 200) -> HttpResponse:
        self.record_open(self.subject, self.reason)
        services.record_consulted(actor=self.request.user, records=[version], reason=self.reason)
        subject = (
            Subject.objects.with_profile().get(pk=self.subject.pk) if part == PlanPart.MANAGEMENT else None
        )
        return self.page(
            "plans/part_form.html",
            {
                "version": version,
                "form": form,
                "part": part,
                "heading": PlanPart(part).label,
                "parts": [(p.value, p.label, p.value == part) for p in PlanPart],
                "profile": subject,
                "max_rows": MAX_ROWS,
                "withheld_risks": (
                    sum(
                        1
                        for r in services.victim_risks_shown(version, self.request.user)
                        if r.get("withheld")
                    )
                    if part == PlanPart.RISK
                    else 0
                ),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version, form_class, part = self.setup_part()
        if not version.is_draft:
            messages.error(
                request,
                f"Version {version.number} is {version.get_status_display().lower()}: it cannot change.",
            )
            return HttpResponseRedirect(version_url(version))
        persons = self.persons() if part == PlanPart.RISK else []
        initial = form_class.initial_for(version, persons=persons)  # type: ignore[attr-defined]
        return self.show(version, self.make_form(form_class, initial=initial), part)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version, form_class, part = self.setup_part()
        form = self.make_form(form_class, data=request.POST)
        if request.POST.get("add_row") and getattr(form, "row_groups", None):
            # "Add another": the form comes back with one more blank row, neither checked nor
            # saved (htmx swaps in only the rows; without JavaScript this is the whole page).
            form._errors = ErrorDict()
            return self.show(version, form, part)
        if form.is_valid():
            try:
                version = services.save_part(
                    actor=request.user,
                    version=version,
                    part=part,
                    data=form.service_data(),
                    revision=form.cleaned_data.get("revision"),
                )
            except PlanConflict as exc:
                form.add_error(None, exc.message)
                return self.show(version, form, part, status=409)
            except ValidationError as exc:
                _add_part_errors(form, exc)
            else:
                messages.success(request, f"{PlanPart(part).label} has been saved in the draft.")
                following = request.POST.get("next")
                if following in PART_FORMS:
                    return HttpResponseRedirect(part_url(version, following))
                return HttpResponseRedirect(version_url(version))
        return self.show(version, form, part, status=400)


class WorkflowView(SubjectPlanMixin):
    """Submit, approve: POST only, from the version's page; refusals shown on that page."""

    http_method_names = ["post"]

    def act(self, version: PlanVersion, revision: int | None) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version = self.the_version()
        revision = _int(request.POST.get("revision"))
        detail = VersionDetailView()
        detail.setup(request, *args, **kwargs)
        detail.subject, detail.reason = self.subject, self.reason
        try:
            done = self.act(version, revision)
        except ValidationError as exc:
            return detail.show(self.the_version("view"), errors=exc.messages, status=400)
        except PlanConflict as exc:
            return detail.show(self.the_version("view"), errors=[exc.message], status=409)
        except OwnPlan as exc:
            return detail.show(self.the_version("view"), errors=[exc.message], status=403)
        messages.success(request, done)
        return HttpResponseRedirect(version_url(version))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SubmitView(WorkflowView):
    permission = Perm.CHANGE_PLAN
    scope_action = "change"
    plan_action = "change"

    def act(self, version: PlanVersion, revision: int | None) -> str:
        services.submit_version(actor=self.request.user, version=version, revision=revision)
        return f"Version {version.number} has been submitted for approval."


class ApproveView(WorkflowView):
    permission = Perm.APPROVE_PLAN
    plan_action = "approve"

    def act(self, version: PlanVersion, revision: int | None) -> str:
        version = services.approve_version(version=version, approver=self.request.user, revision=revision)
        due = version.plan.next_review_due
        return f"Version {version.number} is approved and active. The next review is due by {due:%-d %B %Y}."


class SendBackView(SubjectPlanMixin):
    permission = Perm.APPROVE_PLAN
    plan_action = "approve"

    def show(self, version: PlanVersion, form: Any, status: int = 200) -> HttpResponse:
        self.record_open(self.subject, self.reason)
        return self.page("plans/send_back.html", {"version": version, "form": form}, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version = self.the_version()
        return self.show(version, SendBackForm(initial={"revision": version.revision}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version = self.the_version()
        form = SendBackForm(request.POST)
        if form.is_valid():
            try:
                services.send_back_version(
                    actor=request.user,
                    version=version,
                    note=form.cleaned_data["note"],
                    revision=form.cleaned_data.get("revision"),
                )
            except PlanConflict as exc:
                form.add_error(None, exc.message)
                return self.show(version, form, status=409)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Version {version.number} has been sent back to its author.")
                return HttpResponseRedirect(version_url(version))
        return self.show(version, form, status=400)


class CompareView(SubjectPlanMixin):
    """Two versions side by side, field by field (by default a version and the one before it)."""

    permission = Perm.VIEW_PLAN

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        plan = self.plan()
        if plan is None:
            raise Http404("No plan")
        versions = list(plan.versions.order_by("number"))
        if len(versions) < 2:
            raise Http404("Nothing to compare")
        by_uuid = {str(v.uuid): v for v in versions}
        newer = by_uuid.get(request.GET.get("b", "")) or versions[-1]
        older = by_uuid.get(request.GET.get("a", "")) or next(
            (v for v in reversed(versions) if v.number < newer.number), versions[0]
        )
        older, newer = self.the_version(uuid=older.uuid), self.the_version(uuid=newer.uuid)
        self.record_open(self.subject, self.reason)
        services.record_consulted(actor=request.user, records=[older, newer], reason=self.reason)
        rows = services.compare_versions(older, newer, request.user)
        return self.page(
            "plans/compare.html",
            {
                "older": older,
                "newer": newer,
                "rows": rows,
                "changed": sum(1 for r in rows if r["changed"]),
                "versions": versions,
            },
        )


class ExportView(SubjectPlanMixin):
    """The PDF or JSON of an approved version: asks the reason (the case file's), logs a disclosure."""

    permission = Perm.VIEW_PLAN
    plan_action = "export"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        version = self.the_version()
        kind = self.kwargs["kind"]
        try:
            if kind == "pdf":
                body, content_type = exports.export_pdf(version, request.user), "application/pdf"
            else:
                import json

                body = json.dumps(exports.export_data(version, request.user), indent=2).encode()
                content_type = "application/json"
        except PlanConflict as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(version_url(version))
        exports.record_export(actor=request.user, version=version, reason=self.reason, kind=kind.upper())
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(version, kind)}"'
        response["Cache-Control"] = "private, no-store"
        return response


class ClosePlanView(SubjectPlanMixin):
    permission = Perm.CHANGE_PLAN
    plan_action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        plan = self.plan()
        if plan is None:
            raise Http404("No plan")
        try:
            services.close_plan(actor=request.user, plan=plan)
        except (ValidationError, PlanConflict) as exc:
            messages.error(
                request, " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
            )
        else:
            messages.success(request, "The plan has been closed.")
        return HttpResponseRedirect(overview_url(self.subject))


def plan_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """The plan's line in the case file (registered in ``core.case_file``)."""
    held = permissions_in(request.user, host_force(request))
    if Perm.VIEW_PLAN not in held:
        return None
    plan = (
        Plan.objects.restrict(request.user, "view", force=host_force(request)).filter(subject=subject).first()
    )
    current = plan.versions.filter(status=VersionStatus.ACTIVE).first() if plan else None
    if plan is not None:
        services.record_consulted(actor=request.user, records=[plan], reason=reason)
    return (
        "plans/case_file_plan.html",
        {
            "plan": plan,
            "current": current,
            "subject": subject,
            "ready_to_close": bool(plan and services.ready_to_close(plan)),
            "can_change_plan": Perm.CHANGE_PLAN in held,
        },
    )


# -- briefings: the workforce's view of subjects with an active plan ------------------------------
class BriefingListView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    """Briefings of the force's active plans, filterable by area; one consult event per page."""

    model = Plan
    permission = Perm.VIEW_BRIEFING
    scope_action = "brief"
    case_data = True
    paginate_by = briefings.BRIEFINGS_PER_PAGE
    template_name = "plans/briefing_list.html"

    def get_queryset(self) -> Any:
        queryset = briefings.briefing_queryset(super().get_queryset())
        area = self.request.GET.get("area", "")
        if area:
            try:
                queryset = queryset.filter(subject__area__uuid=uuid_module.UUID(area))
            except ValueError:
                queryset = queryset.none()
        return queryset

    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plans = list(context["page_obj"].object_list)
        briefings.record_briefings_read(actor=self.request.user, plans=plans, what="Briefings list")
        context.update(
            briefings=[briefings.briefing(p) for p in plans],
            # The filter's choices: the areas of the subjects whose briefings this reader may see.
            areas=list(
                Area.objects.filter(
                    pk__in=super().get_queryset().filter(status="active").values("subject__area")
                ).order_by("name")
            ),
            area=self.request.GET.get("area", ""),
        )
        return context


class BriefingDetailView(ForcePageMixin, DetailView):  # type: ignore[type-arg]
    """One printable briefing: no name in the title, no protected persons, no Part 4."""

    model = Plan
    permission = Perm.VIEW_BRIEFING
    scope_action = "brief"
    case_data = True
    slug_field = slug_url_kwarg = "uuid"
    template_name = "plans/briefing_detail.html"

    def get_queryset(self) -> Any:
        return briefings.briefing_queryset(super().get_queryset())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        briefings.record_briefings_read(actor=self.request.user, plans=[self.object], what="Briefing")
        context["b"] = briefings.briefing(self.object)
        return context


class BriefingPhotoView(ForcePageMixin, DetailView):  # type: ignore[type-arg]
    """The briefing's photograph (the subject's latest), to those who may read briefings; logged."""

    model = Plan
    permission = Perm.VIEW_BRIEFING
    scope_action = "brief"
    slug_field = slug_url_kwarg = "uuid"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        plan = self.get_object()
        photo = plan.subject.photos.first() if plan.status == "active" else None
        if photo is None:
            raise Http404
        briefings.record_briefings_read(actor=request.user, plans=[plan], what="Briefing photograph")
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, no-store"
        return response
