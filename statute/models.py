"""Protective order types and their statutory rules (public schema), the same for every force."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models

from core.roles import Perm
from core.scoping import ForceScopedQuerySet


class NotificationTrigger(models.TextChoices):
    """The day a statutory notification period starts from (that day counts as day one)."""

    SERVICE = "service", "Service of the order"
    MAKING = "making", "Making of the order"


class OrderTypeQuerySet(ForceScopedQuerySet["OrderType"]):
    """Every force reads the order types (with the settings permission); none changes them there."""

    scope_permissions = {"view": {Perm.VIEW_SETTINGS}}


class OrderType(models.Model):
    """A type of protective order and its statutory rules, the same for every force.

    Maintained centrally by platform administrators (Django admin on the regional host); forces
    read it and refer to it by ``code`` (their practice settings) or by foreign key from their
    schema. Rules are data, not code: a change in law is an edit here, not a release.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        "code",
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9-]{1,15}$", "Use capitals, digits or hyphens, e.g. SPO.")],
        help_text="Short stable code used by forces' settings and the API, e.g. SPO.",
    )
    name = models.CharField("name", max_length=120, help_text="e.g. Stalking protection order")
    law = models.CharField(
        "law", max_length=200, help_text="The statute (England and Wales), e.g. Stalking Protection Act 2019"
    )
    minimum_duration_months = models.PositiveSmallIntegerField(
        "minimum duration (months)",
        null=True,
        blank=True,
        help_text="Shortest duration the order may have; empty when the court decides freely.",
    )
    minimum_duration_is_statutory = models.BooleanField(
        "minimum set by law",
        default=False,
        help_text="Unticked when the minimum is a practice default rather than fixed by statute.",
    )
    duration_notes = models.CharField(
        "duration notes",
        max_length=300,
        blank=True,
        help_text="e.g. 'until the main application is decided', 'or until further order'.",
    )
    notification_required = models.BooleanField(
        "notification required",
        default=False,
        help_text="Whether the statute itself requires the subject to notify names and address.",
    )
    notification_days = models.PositiveSmallIntegerField(
        "notification period (days)",
        null=True,
        blank=True,
        help_text="Length of the period to notify, counting the trigger day as day one.",
    )
    notification_trigger = models.CharField(
        "notification trigger",
        max_length=16,
        choices=NotificationTrigger.choices,
        blank=True,
        help_text="The event the notification period begins with.",
    )
    notification_notes = models.TextField(
        "notification notes",
        blank=True,
        help_text="Further rules: changes of name or address, exemptions, suspension.",
    )
    is_active = models.BooleanField(
        "in use", default=True, help_text="Untick to stop new orders of this type being recorded."
    )
    sort_order = models.PositiveSmallIntegerField("sort order", default=100)

    objects = OrderTypeQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notification_required=False)
                | (models.Q(notification_days__gt=0) & ~models.Q(notification_trigger="")),
                name="order_type_notification_has_period_and_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
