"""Protective orders, their terms and history, the notification requirements they bring, and the
people they protect (with the log of contacts with them).

The statutory rules come from ``statute.OrderType`` (data, the same for every force); these rows
live in the force's schema. Only ``orders.services`` changes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import EmailValidator, RegexValidator
from django.db import models
from django.utils import timezone

from core.encryption import EncryptedTextField
from core.roles import Perm
from core.scoping import ForceScopedQuerySet
from core.tenancy import ForceLike, permissions_in
from statute.models import NotificationTrigger, OrderType
from subjects.models import Subject

#: "trends": counts only (compliance trends), never a row shown.
ORDER_SCOPES = {"view": {Perm.VIEW_ORDER}, "change": {Perm.CHANGE_ORDER}, "trends": {Perm.VIEW_TRENDS}}


class OrderStatus(models.TextChoices):
    """Where an order is in its life (DOMAIN.md); the legal moves are ``orders.transitions``."""

    APPLIED = "applied", "Applied for"
    REFUSED = "refused", "Refused"
    MADE = "made", "Made, not yet served"
    ACTIVE = "active", "In force"
    UNDER_APPEAL = "under-appeal", "Under appeal"
    DISCHARGED = "discharged", "Discharged"
    EXPIRED = "expired", "Expired"
    REPLACED = "replaced", "Replaced by a later order"


#: Statuses of an order that binds the subject now (made, served, or under appeal): the orders the
#: caseload counts for "needs a plan", expiry and the next key date.
LIVE_STATUSES = (OrderStatus.MADE, OrderStatus.ACTIVE, OrderStatus.UNDER_APPEAL)


class ProtectiveOrderQuerySet(ForceScopedQuerySet["ProtectiveOrder"]):
    scope_permissions = ORDER_SCOPES
    grant_permissions = {"view": ("subjects.share_orders",)}
    grant_path = "subject"


class ProtectiveOrder(models.Model):
    """One order a court made (or was asked to make) against a subject."""

    #: Values never copied into the audit log.
    RESTRICTED_FIELDS = ("case_number", "niche_occurrence_ref")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="orders")
    order_type = models.ForeignKey(OrderType, on_delete=models.PROTECT, related_name="+")
    court = models.CharField("court", max_length=200, help_text="e.g. Lincoln Magistrates' Court")
    case_number = models.CharField("court case number", max_length=50, blank=True)
    applicant = models.CharField(
        "applicant", max_length=200, blank=True, help_text="e.g. Chief Constable of Lincolnshire Police"
    )
    applied_on = models.DateField("applied for on", null=True, blank=True)
    made_on = models.DateField("made on", null=True, blank=True)
    served_on = models.DateField("served on", null=True, blank=True)
    expires_on = models.DateField("expires on", null=True, blank=True)
    until_further_order = models.BooleanField("until further order", default=False)
    status = models.CharField(
        "status", max_length=16, choices=OrderStatus.choices, default=OrderStatus.APPLIED
    )
    niche_occurrence_ref = models.CharField("Niche occurrence reference", max_length=30, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The earlier order (e.g. an interim order) this one replaces.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = ProtectiveOrderQuerySet.as_manager()

    class Meta:
        ordering = ["subject_id", "-made_on", "id"]

    def __str__(self) -> str:
        return f"{self.order_type.code} {self.case_number or self.uuid}"

    @property
    def start_date(self) -> dt.date | None:
        return self.made_on or self.served_on


class OrderEventKind(models.TextChoices):
    APPLICATION = "application", "Application"
    MADE = "made", "Made"
    REFUSED = "refused", "Refused"
    SERVED = "served", "Served"
    VARIATION = "variation", "Variation"
    RENEWAL = "renewal", "Renewal"
    APPEAL = "appeal", "Appeal"
    APPEAL_DECIDED = "appeal-decided", "Appeal decided"
    DISCHARGE = "discharge", "Discharge"
    EXPIRY = "expiry", "Expiry"
    REPLACED = "replaced", "Replaced"


class OrderEventQuerySet(ForceScopedQuerySet["OrderEvent"]):
    scope_permissions = ORDER_SCOPES


class OrderEvent(models.Model):
    """The order's history: each application to the court and its outcome, kept for good."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(ProtectiveOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("what happened", max_length=16, choices=OrderEventKind.choices)
    occurred_on = models.DateField("date")
    status_from = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True)
    status_to = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True)
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField("recorded", default=timezone.now, editable=False)

    objects = OrderEventQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class TermKind(models.TextChoices):
    PROHIBITION = "prohibition", "Prohibition"
    REQUIREMENT = "requirement", "Requirement"


class OrderTermQuerySet(ForceScopedQuerySet["OrderTerm"]):
    scope_permissions = ORDER_SCOPES
    grant_permissions = {"view": ("subjects.share_orders",)}
    grant_path = "order__subject"


class OrderTerm(models.Model):
    """One term of an order: something forbidden or required, with its own dates."""

    #: Wording and zones may name a victim or where they live: never copied into the audit log.
    RESTRICTED_FIELDS = ("wording", "exclusion_zone")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(ProtectiveOrder, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField("kind", max_length=16, choices=TermKind.choices)
    wording = models.TextField("wording", help_text="The term as the order words it.")
    exclusion_zone = models.TextField("exclusion zone", blank=True, help_text="Streets or area, if any.")
    starts_on = models.DateField("starts on", null=True, blank=True)
    ends_on = models.DateField("ends on", null=True, blank=True)
    varied_by = models.ForeignKey(
        OrderEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="varied_terms"
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = OrderTermQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.wording[:40]}"


class RequirementState(models.TextChoices):
    MET = "met", "Notified"
    SUSPENDED = "suspended", "Suspended while registered"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"


class NotificationRequirementQuerySet(ForceScopedQuerySet["NotificationRequirement"]):
    scope_permissions = ORDER_SCOPES

    # ``NotificationRequirement.state()`` in SQL, for lists that filter and count (the caseload):
    # tests/orders/test_caseload.py checks that both agree.
    def open(self) -> NotificationRequirementQuerySet:
        """Requirements still to be met: not notified and not suspended (due or overdue)."""
        return self.filter(notified_on__isnull=True, suspended=False)

    def overdue(self, today: dt.date | None = None) -> NotificationRequirementQuerySet:
        """Open requirements whose last day has passed (``RequirementState.OVERDUE``)."""
        return self.open().filter(last_day__lt=today or timezone.localdate())


class NotificationRequirement(models.Model):
    """A period in which the subject must notify names and home address at a police station.

    Made by the order services from the order type. The last day is the trigger day plus the
    notification period less one (the trigger day is day one). Whether it is overdue is worked
    out when read, from today's date, never stored.
    """

    RESTRICTED_FIELDS = ("notes",)

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        ProtectiveOrder, on_delete=models.CASCADE, related_name="notification_requirements"
    )
    trigger = models.CharField("trigger", max_length=16, choices=NotificationTrigger.choices)
    trigger_date = models.DateField("trigger day")
    last_day = models.DateField("last day to notify")
    suspended = models.BooleanField(
        "suspended", default=False, help_text="Suspended while the subject is on the sex offender register."
    )
    notified_on = models.DateField("notified on", null=True, blank=True)
    notified_what = models.CharField("what was notified", max_length=200, blank=True)
    station = models.CharField("police station", max_length=120, blank=True)
    officer = models.CharField("officer who took it", max_length=120, blank=True)
    acknowledgement = models.CharField("written acknowledgement reference", max_length=60, blank=True)
    fingerprints_taken = models.BooleanField("fingerprints taken", default=False)
    photograph_taken = models.BooleanField("photograph taken", default=False)
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = NotificationRequirementQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "last_day", "id"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} by {self.last_day}"

    def state(self, today: dt.date | None = None) -> RequirementState:
        if self.notified_on:
            return RequirementState.MET
        if self.suspended:
            return RequirementState.SUSPENDED
        if (today or timezone.localdate()) > self.last_day:
            return RequirementState.OVERDUE
        return RequirementState.DUE

    @property
    def current_state(self) -> RequirementState:
        return self.state()

    @property
    def is_overdue(self) -> bool:
        return self.state() == RequirementState.OVERDUE

    @property
    def offence_code(self) -> str:
        """The offence code of failing to notify, when overdue (empty otherwise)."""
        if not self.is_overdue:
            return ""
        return self.order.order_type.offence_code_for(self.trigger)


# -- protected persons -------------------------------------------------------------------------
class Relationship(models.TextChoices):
    """How the protected person knows the subject (kept in clear: the outcome figures count by it)."""

    CURRENT_PARTNER = "partner", "Current partner"
    FORMER_PARTNER = "former-partner", "Former partner"
    FAMILY = "family", "Family member"
    ACQUAINTANCE = "acquaintance", "Acquaintance or friend"
    COLLEAGUE = "colleague", "Colleague"
    STRANGER = "stranger", "Stranger"
    OTHER = "other", "Other"


#: Who may know that a subject has protected persons, without any detail of them (DOMAIN.md:
#: "others see only that one exists"): whoever may read the subject, its orders or its briefing.
KNOW_OF_PROTECTED_PERSONS = {
    Perm.VIEW_SUBJECT,
    Perm.VIEW_ORDER,
    Perm.VIEW_BRIEFING,
    Perm.VIEW_PROTECTED_PERSON,
}


def _managing_team_rule(queryset: Any, user: Any, action: str, *, force: ForceLike, subject_path: str) -> Any:
    """The row rule of protected persons and their contact log: the rows of subjects whose managing
    team has ``user`` as a member; ``VIEW_ANY_PROTECTED_PERSON`` lifts it for reading; ``know_of``
    (a count, never a detail) and ``trends`` (the outcomes' counts) are not narrowed."""
    if action in ("know_of", "trends"):
        return queryset
    if action == "view" and Perm.VIEW_ANY_PROTECTED_PERSON in permissions_in(user, force):
        return queryset
    return queryset.filter(**{f"{subject_path}__managing_team__team_members__user": user})


def subjects_open_to_protected_persons(user: Any, *, force: ForceLike | None) -> Any:
    """The subjects whose protected persons ``user`` may record: with the permission, those whose
    managing team has them as a member (the row rule of ``change``, for a person not yet made)."""
    if Perm.CHANGE_PROTECTED_PERSON not in permissions_in(user, force):
        return Subject.objects.none()
    return Subject.objects.restrict(user, "view", force=force).filter(managing_team__team_members__user=user)


class ProtectedPersonQuerySet(ForceScopedQuerySet["ProtectedPerson"]):
    """Read by the subject's managing team (and supervisors of the force); counted by anyone who
    may read the subject, its orders or its briefing."""

    scope_permissions = {
        "view": {Perm.VIEW_PROTECTED_PERSON, Perm.VIEW_ANY_PROTECTED_PERSON},
        "change": {Perm.CHANGE_PROTECTED_PERSON},
        "delete": {Perm.CHANGE_PROTECTED_PERSON},
        "know_of": KNOW_OF_PROTECTED_PERSONS,
    }
    grant_permissions = {"view": ("subjects.share_protected_persons",)}
    grant_path = "subject"

    def narrow(self, user: Any, action: str, *, force: ForceLike) -> ProtectedPersonQuerySet:
        return _managing_team_rule(self, user, action, force=force, subject_path="subject")  # type: ignore[no-any-return]


class ProtectedPerson(models.Model):
    """A person an order protects (the victim): named by the subject's orders, reassured by contact.

    Their identity and whereabouts are the most sensitive data the platform holds (DOMAIN.md), so
    every detail of them is an ``EncryptedTextField`` and no value of theirs enters the audit log.
    """

    #: Fields whose values are encrypted at rest (``core.encryption``).
    ENCRYPTED_FIELDS = ("name", "address", "phone", "email", "safe_contact", "safety_measures", "notes")
    #: Values never copied into the audit log: all of them (only field names and UUIDs are logged).
    RESTRICTED_FIELDS = ("relationship", "orders", *ENCRYPTED_FIELDS)

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        related_name="protected_persons",
        help_text="The subject they are protected from.",
    )
    orders = models.ManyToManyField(
        ProtectiveOrder,
        related_name="protected_persons",
        blank=True,
        verbose_name="orders protecting them",
        help_text="The subject's orders that name or protect this person.",
    )
    relationship = models.CharField(
        "relationship to the subject", max_length=20, choices=Relationship.choices, blank=True
    )
    name = EncryptedTextField("name", max_length=200, help_text="Full name as the order gives it.")
    address = EncryptedTextField("address", max_length=500, blank=True, help_text="Where they live now.")
    phone = EncryptedTextField(
        "telephone",
        max_length=50,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()-]{4,48}$",
                "Enter a telephone number, like 01632 960 001 or +44 7700 900 982.",
                code="invalid_phone",
            )
        ],
    )
    email = EncryptedTextField(
        "email",
        max_length=254,
        blank=True,
        validators=[EmailValidator("Enter an email address, like name@example.com.", code="invalid_email")],
    )
    safe_contact = EncryptedTextField(
        "how to contact them safely",
        max_length=1000,
        blank=True,
        help_text="For example, text first, never leave a voicemail, not after 6pm.",
    )
    safety_measures = EncryptedTextField(
        "safety measures",
        max_length=2000,
        blank=True,
        help_text="For example, a panic alarm, a marker on the address, a safe room.",
    )
    notes = EncryptedTextField("notes", max_length=5000, blank=True)
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = ProtectedPersonQuerySet.as_manager()

    class Meta:
        ordering = ["subject_id", "id"]

    def __str__(self) -> str:
        return f"Protected person {self.uuid}"  # never the name: str() ends up in logs


class ContactMethod(models.TextChoices):
    IN_PERSON = "in-person", "In person"
    PHONE = "phone", "Telephone"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    VIDEO = "video", "Video call"
    LETTER = "letter", "Letter"


class Reassurance(models.TextChoices):
    """Whether the protected person said they felt reassured (the practice's intended outcome)."""

    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class ContactLogEntryQuerySet(ForceScopedQuerySet["ContactLogEntry"]):
    """As the protected person it belongs to; ``trends`` counts them (the outcomes), no row shown."""

    scope_permissions = {
        "view": {Perm.VIEW_PROTECTED_PERSON, Perm.VIEW_ANY_PROTECTED_PERSON},
        "change": {Perm.CHANGE_PROTECTED_PERSON},
        "trends": {Perm.VIEW_TRENDS},
    }

    def narrow(self, user: Any, action: str, *, force: ForceLike) -> ContactLogEntryQuerySet:
        return _managing_team_rule(  # type: ignore[no-any-return]
            self, user, action, force=force, subject_path="protected_person__subject"
        )


class ContactLogEntry(models.Model):
    """One contact with a protected person: when, how, by whom, what was said, whether they felt
    reassured. Kept as written (a log): a mistake is put right by a later entry."""

    ENCRYPTED_FIELDS = ("summary",)
    RESTRICTED_FIELDS = ("contacted_on", "method", "officer", "reassured", "summary", "protected_person")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    protected_person = models.ForeignKey(
        ProtectedPerson, on_delete=models.CASCADE, related_name="contacts", verbose_name="protected person"
    )
    contacted_on = models.DateField("date of contact")
    method = models.CharField("how", max_length=16, choices=ContactMethod.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="officer",
        help_text="The member of the force who made the contact (empty if their account was removed).",
    )
    summary = EncryptedTextField("what was said", max_length=5000)
    reassured = models.CharField(
        "felt reassured", max_length=8, choices=Reassurance.choices, help_text="As they said it."
    )
    created_at = models.DateTimeField("recorded", default=timezone.now, editable=False)

    objects = ContactLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["protected_person_id", "-contacted_on", "-id"]
        verbose_name_plural = "contact log entries"

    def __str__(self) -> str:
        return f"Contact {self.contacted_on}"
