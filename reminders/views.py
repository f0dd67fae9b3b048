"""The inbox (/inbox/): one's own reminders, newest first, unread marked; opening one marks it
read and goes to the record; mark all read; email preferences per kind."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from core.forms import add_service_errors
from core.pages import ForcePageMixin
from core.roles import Perm
from core.tenancy import host_force

from . import services
from .choices import URGENT_KINDS, ReminderKind
from .forms import PreferencesForm, field_name
from .models import InboxItem, Reminder

PER_PAGE = 25


class InboxView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    model = InboxItem
    permission = Perm.USE_INBOX
    template_name = "reminders/inbox.html"
    context_object_name = "items"
    paginate_by = PER_PAGE

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-created_at", "-id")


class OpenItemView(ForcePageMixin, View):
    """Mark one's own item read and go to what it is about."""

    model = InboxItem
    permission = Perm.USE_INBOX

    def get(self, request: HttpRequest, item: Any) -> HttpResponse:
        found = (
            InboxItem.objects.restrict(request.user, "view", force=host_force(request))
            .filter(uuid=item)
            .first()
        )
        if found is None:
            raise Http404("No such item in your inbox.")
        services.mark_read(user=request.user, items=[found])
        link = found.link or reverse("reminders:inbox")
        if not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
            link = reverse("reminders:inbox")
        return HttpResponseRedirect(link)


class MarkAllReadView(ForcePageMixin, View):
    model = InboxItem
    permission = Perm.USE_INBOX
    scope_action = "change"

    def post(self, request: HttpRequest) -> HttpResponse:
        items = InboxItem.objects.restrict(request.user, "change", force=host_force(request)).filter(
            read_at__isnull=True
        )
        count = services.mark_read(user=request.user, items=list(items))
        messages.success(request, f"{count} reminder(s) marked as read.")
        return HttpResponseRedirect(reverse("reminders:inbox"))


class PreferencesView(ForcePageMixin, View):
    permission = Perm.USE_INBOX
    template_name = "reminders/preferences.html"

    def render(self, request: HttpRequest, form: PreferencesForm) -> HttpResponse:
        urgent = [k for k in ReminderKind if k in URGENT_KINDS]
        return render(request, self.template_name, {"form": form, "urgent_kinds": urgent})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, PreferencesForm(initial_modes=services.preferences_of(request.user)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PreferencesForm(request.POST, initial_modes=services.preferences_of(request.user))
        if form.is_valid():
            try:
                services.set_preferences(actor=request.user, choices=form.choices())
            except ValidationError as error:
                add_service_errors(form, error, field_for=field_name)
            else:
                messages.success(request, "Your email choices are saved.")
                return HttpResponseRedirect(reverse("reminders:preferences"))
        return self.render(request, form)


# -- operations: /force-admin/jobs/ ------------------------------------------------------------------
RECENT_DAYS = 7
FAILURES_SHOWN = 20


class JobsView(ForcePageMixin, View):
    """For force administrators: the last run of each periodic job for this force (outcome,
    detail), recent failures, and what the reminder jobs sent in the last week, by kind."""

    permission = Perm.MANAGE_SETTINGS
    template_name = "force_admin/jobs.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        import datetime as dt

        from django.db.models import Count, Q
        from django.utils import timezone
        from django_tenants.utils import get_public_schema_name, schema_context

        from jobs.models import JobRun
        from jobs.registry import all_jobs

        force = host_force(request)
        assert force is not None  # ForcePageMixin answered 404 on the regional host
        registered = {name: job for name, job in all_jobs().items() if job.per_force}
        since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
        # JobRun is read in public (the jobs app also has an empty table in each force schema).
        with schema_context(get_public_schema_name()):
            last = {
                run.job: run
                for run in JobRun.objects.filter(force_id=force.pk, job__in=list(registered))
                .order_by("job", "-day", "-started_at")
                .distinct("job")
            }
            failures = list(
                JobRun.objects.filter(
                    force_id=force.pk, outcome=JobRun.Outcome.FAILED, started_at__gte=since
                ).order_by("-started_at")[:FAILURES_SHOWN]
            )
        rows = [
            {"name": name, "description": " ".join(job.description.split()), "run": last.get(name)}
            for name, job in sorted(registered.items())
        ]
        labels = dict(ReminderKind.choices)
        sent = [
            {**row, "label": labels.get(row["kind"], row["kind"])}
            for row in Reminder.objects.filter(created_at__gte=since)
            .values("kind")
            .annotate(
                written=Count("id"),
                delivered=Count("id", filter=Q(delivered_at__isnull=False)),
                emailed=Count("id", filter=Q(emailed_at__isnull=False)),
            )
            .order_by("kind")
        ]
        return render(
            request,
            self.template_name,
            {"rows": rows, "failures": failures, "sent": sent, "recent_days": RECENT_DAYS},
        )
