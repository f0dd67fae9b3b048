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
from .models import InboxItem

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
