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
    NAME_CHANGE = "name-change", "Change of name"
    ADDRESS_CHANGE = "address-change", "Change of home address"
    NO_HOME_ADDRESS = "no-home-address", "No longer has a home address"
    REGISTRATION_END = "registration-end", "End of sex offender registration"


#: The triggers an order type's first notification period can start from (the others follow a change).
INITIAL_TRIGGERS = (NotificationTrigger.SERVICE, NotificationTrigger.MAKING)


class OffenceCode(models.TextChoices):
    """What an offence code in ``OrderType.offence_codes`` is for (the keys of that mapping)."""

    BREACH = "breach", "Breach of the order"
    FAIL_TO_NOTIFY = "fail-to-notify", "Failing to notify after service or making"
    NAME_CHANGE = "name-change", "Failing to notify a new name"
    ADDRESS_CHANGE = "address-change", "Failing to notify a new address"
    REFUSE_FINGERPRINTS = "refuse-fingerprints", "Refusing fingerprints or photographs"
    FALSE_INFORMATION = "false-information", "Giving false information"


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
    interim_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interim_types",
        verbose_name="interim order of",
        help_text="For an interim order: the full order type it precedes (ISPO: SPO).",
    )
    maximum_duration_months = models.PositiveSmallIntegerField(
        "maximum duration (months)",
        null=True,
        blank=True,
        help_text="Longest duration the order may have; empty when there is no limit.",
    )
    notify_on_name_change = models.BooleanField(
        "notify a change of name", default=False, help_text="A new name must be notified within the period."
    )
    notify_on_address_change = models.BooleanField(
        "notify a change of address",
        default=False,
        help_text="A new home address must be notified within the period.",
    )
    notify_on_no_home_address = models.BooleanField(
        "notify having no home address",
        default=False,
        help_text="No longer having a home address must be notified within the period.",
    )
    suspended_while_registered = models.BooleanField(
        "suspended while on the sex offender register",
        default=False,
        help_text="No notification while the subject is registered; the period starts when registration ends.",
    )
    none_when_replacing_notified_interim = models.BooleanField(
        "none when replacing a notified interim order",
        default=False,
        help_text="No new notification when the order replaces an interim order that already carried one.",
    )
    offence_codes = models.JSONField(
        "offence codes",
        default=dict,
        blank=True,
        help_text=(
            'Police record offence codes by what they are for, e.g. {"breach": "H20164", '
            '"fail-to-notify": "H20165", "name-change": "H20166", "address-change": "H20167"}.'
        ),
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
            # NULL > 0 is NULL, which a CHECK lets through: the period must be stated, not only
            # positive, or a notifying type with an empty period would be saved.
            models.CheckConstraint(
                condition=models.Q(notification_required=False)
                | (
                    models.Q(notification_days__isnull=False)
                    & models.Q(notification_days__gt=0)
                    & ~models.Q(notification_trigger="")
                ),
                name="order_type_notification_needs_period_and_trigger",
                violation_error_code="notification_period_required",
                violation_error_message=(
                    "An order type that requires notification needs a notification period of at "
                    "least one day and a trigger."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def notifies_on(self, trigger: str) -> bool:
        """Whether a notification period starts from ``trigger`` under this order type."""
        if not self.notification_required:
            return False
        return {
            NotificationTrigger.SERVICE: self.notification_trigger == NotificationTrigger.SERVICE,
            NotificationTrigger.MAKING: self.notification_trigger == NotificationTrigger.MAKING,
            NotificationTrigger.NAME_CHANGE: self.notify_on_name_change,
            NotificationTrigger.ADDRESS_CHANGE: self.notify_on_address_change,
            NotificationTrigger.NO_HOME_ADDRESS: self.notify_on_no_home_address,
            NotificationTrigger.REGISTRATION_END: self.suspended_while_registered,
        }.get(NotificationTrigger(trigger), False)

    def offence_code_for(self, trigger: str) -> str:
        """The offence code of failing to notify after ``trigger`` (empty if none is recorded)."""
        codes = self.offence_codes or {}
        if trigger in (NotificationTrigger.NAME_CHANGE, NotificationTrigger.ADDRESS_CHANGE):
            return str(codes.get(trigger) or "")
        return str(codes.get(OffenceCode.FAIL_TO_NOTIFY) or "")
