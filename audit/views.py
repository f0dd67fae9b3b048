"""Web pages of the access log: search and CSV export, on a force host and on the regional host.

On a force host the force's auditors (``Perm.VIEW_AUDIT``) read the force's log, through the UI
base (``ForcePageMixin``: sign-in, the permission with an audited 403, ``restrict`` scoping). On the
regional host platform administrators read the platform's own log (public schema): onboarding,
sign-ins, failed sign-ins. Every search page and every export writes a CONSULT event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.views.generic.base import ContextMixin, TemplateResponseMixin, View
from django_tenants.utils import schema_context

from core.pages import ForcePageMixin, RegionalPageMixin
from core.roles import Perm
from core.tenancy import current_force

from .choices import AuditAction
from .filters import AuditEventFilter
from .models import AuditEvent
from .selectors import csv_lines, event_page, page_number
from .services import record_log_consulted

PLATFORM_ADMIN = "platform-admin"


class _AuditLogBase(TemplateResponseMixin, ContextMixin, View):
    """Search (``mode="search"``) or export (``mode="export"``) the log visible here."""

    model = AuditEvent
    template_name = "audit/search.html"
    mode = "search"

    def get_queryset(self) -> QuerySet[Any]:
        return AuditEvent.objects.all()

    def filter_query(self) -> str:
        """The submitted filter as a query string (for pagination and the export link)."""
        keys = AuditEventFilter.base_filters.keys()
        return urlencode([(k, v) for k, v in self.request.GET.items() if k in keys and v])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        filterset = AuditEventFilter(request.GET or None, queryset=self.get_queryset())
        if self.mode == "export":
            return self.export(filterset)
        context = self.get_context_data(filterset=filterset, form=filterset.form, searched=False)
        if filterset.is_bound:
            if not filterset.is_valid():
                return self.render_to_response(context, status=400)
            page = event_page(filterset.qs, page_number(request.GET.get("page")))
            record_log_consulted(
                description=f"{filterset.describe()}; page {page.number}",
                shown=[e.uuid for e in page.events],
            )
            context.update(page=page, searched=True, query=self.filter_query())
        return self.render_to_response(context)

    def export(self, filterset: AuditEventFilter) -> HttpResponseBase:
        if filterset.is_bound and not filterset.is_valid():
            context = self.get_context_data(filterset=filterset, form=filterset.form, searched=False)
            return self.render_to_response(context, status=400)
        if not filterset.is_bound:
            filterset = AuditEventFilter({}, queryset=self.get_queryset())
            filterset.is_valid()
        record_log_consulted(description=filterset.describe(), export=True)
        schema_name = connection.schema_name  # type: ignore[attr-defined]
        queryset = filterset.qs

        def stream() -> Iterator[str]:
            # The response is iterated after the view returns: stay in this log's schema.
            with schema_context(schema_name):
                yield from csv_lines(queryset)

        force = current_force()
        where = force.slug if force is not None else "platform"
        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        filename = f"access-log-{where}-{timezone.localtime():%Y%m%d-%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("case_data", True)  # UUIDs of case records and who read them
        context["platform_log"] = current_force() is None
        context["actions"] = AuditAction
        return context


class ForceAuditLogView(ForcePageMixin, _AuditLogBase):
    """A force's access log, for its auditors."""

    permission = Perm.VIEW_AUDIT
    case_data = True


class PlatformAuditLogView(RegionalPageMixin, _AuditLogBase):
    """The regional platform's own log (public schema), for platform administrators only."""

    permission_name = PLATFORM_ADMIN

    def allowed(self, user: Any) -> bool:
        return bool(user.is_platform_admin)

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().platform_log_for(self.request.user)  # type: ignore[attr-defined]
