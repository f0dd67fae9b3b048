"""Searching the access log: one FilterSet shared by the web pages and the API.

Every field is checked before any row is read, so bad input is a field-level message (never a 500,
and never a half-run search that would itself have to be logged).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.forms import GovukFormMixin

from .choices import AuditAction
from .models import AuditEvent

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"]
DATE_HINT = "For example, 27/03/2026"
# Dates far outside the platform's life would overflow the time arithmetic; refuse them plainly.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
OBJECT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class AuditFilterForm(GovukFormMixin, forms.Form):
    """Cross-field checks and clear wording for the log's search form."""

    def clean_user(self) -> str:
        value = (self.cleaned_data.get("user") or "").strip()
        if not value:
            return ""
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                "Enter the person's email address (e.g. a.officer@force.police.uk) or their user id "
                "(a UUID).",
                code="invalid_user",
            ) from None
        return value.lower()

    def clean_object_type(self) -> str:
        value = (self.cleaned_data.get("object_type") or "").strip().lower()
        if value and not OBJECT_TYPE_PATTERN.match(value):
            raise ValidationError(
                "Enter a record type as lower-case letters, e.g. subject or force.", code="invalid_type"
            )
        return value

    def _reasonable_date(self, name: str, label: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise ValidationError(
                f"Enter a '{label}' date between {EARLIEST:%Y} and {LATEST:%Y}.", code="out_of_range"
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._reasonable_date("date_from", "from")

    def clean_date_to(self) -> dt.date | None:
        return self._reasonable_date("date_to", "to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date.")
        return cleaned


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in UK time (what an auditor means by a date)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


class AuditEventFilter(django_filters.FilterSet):
    """Filters: a record's id (a subject's, or any other), a person, an action and a period."""

    subject = django_filters.UUIDFilter(
        method="filter_subject",
        label="Record id",
        help_text="The id of a subject (or any other record) named by the event.",
        error_messages={
            "invalid": "Enter the record's id as a UUID, e.g. 0f8c2a9e-3b1d-4c55-9e0a-1234567890ab."
        },
    )
    user = django_filters.CharFilter(
        method="filter_user",
        label="Person",
        help_text="Email address or user id of the person who acted.",
        max_length=254,
    )
    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices,
        label="Action",
        empty_label="Any action",
        error_messages={"invalid_choice": "Choose an action from the list (%(value)s is not one of them)."},
    )
    object_type = django_filters.CharFilter(
        method="filter_object_type", label="Record type", help_text="e.g. subject, force", max_length=64
    )
    date_from = django_filters.DateFilter(
        method="filter_from",
        label="From",
        help_text=DATE_HINT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": f"Enter the 'from' date as a real date. {DATE_HINT}."},
    )
    date_to = django_filters.DateFilter(
        method="filter_to",
        label="To",
        help_text=DATE_HINT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": f"Enter the 'to' date as a real date. {DATE_HINT}."},
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    # -- filters -------------------------------------------------------------------------------
    def filter_subject(self, queryset: QuerySet[AuditEvent], name: str, value: uuid.UUID) -> QuerySet[Any]:
        return queryset.filter(object_ids__contains=[value])  # uses the GIN index

    def filter_user(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[Any]:
        try:
            return queryset.filter(actor_uuid=uuid.UUID(value))
        except ValueError:
            pass
        from django.contrib.auth import get_user_model

        User = get_user_model()

        # The person as they are now (by their id), and as the log copied them then (their email
        # may have changed since, or the account been removed).
        current = User.objects.filter(email__iexact=value).values_list("uuid", flat=True).first()
        by_copy = Q(actor_name__iendswith=f"<{value}>") | Q(actor_name__iexact=value)
        return queryset.filter(Q(actor_uuid=current) | by_copy if current else by_copy)

    def filter_object_type(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(object_type=value)

    def filter_from(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(occurred_at__gte=_start_of(value))

    def filter_to(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(occurred_at__lt=_start_of(value + dt.timedelta(days=1)))

    # -- describing the search (for the CONSULT event it writes) ------------------------------
    def describe(self) -> str:
        """The filter in words, for the justification of the event that logs this search."""
        data = self.form.cleaned_data if self.form.is_valid() else {}
        parts = [f"{key}={data[key]}" for key in self.filters if data.get(key) not in (None, "")]
        return ", ".join(parts) if parts else "no filter (the whole log)"
