"""The subject profile management plan (DOMAIN.md): one plan per subject, in numbered versions.

A version holds the four parts; only a draft changes (through ``plans.services``), every save
bumps its ``revision`` and notes, per field, the revision that last changed it, so a stale save
can be refused naming what changed since. Approval freezes ``snapshot``: the profile records,
orders and terms the version relied on, so it reads the same in five years.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from core.roles import Perm
from core.scoping import ForceScopedQuerySet
from organisation.choices import RiskLevel
from subjects.models import Subject

from .choices import (
    APPROVED_STATES,
    DisclosureDecision,
    DisclosureRoute,
    Pillar,
    PlanStatus,
    SdashAnswer,
    StalkerTypology,
    VersionStatus,
)

#: Reads of the plan need VIEW_PLAN; drafting CHANGE_PLAN; approval APPROVE_PLAN; the exports are
#: reads (each asks the reason and logs a disclosure); the briefing is the workforce's read.
PLAN_SCOPES = {
    "view": {Perm.VIEW_PLAN},
    "change": {Perm.CHANGE_PLAN},
    "approve": {Perm.APPROVE_PLAN},
    "export": {Perm.VIEW_PLAN},
    "brief": {Perm.VIEW_BRIEFING},
    "trends": {Perm.VIEW_TRENDS},  # counts only (compliance trends), never a row shown
}


class PlanQuerySet(ForceScopedQuerySet["Plan"]):
    scope_permissions = PLAN_SCOPES
    grant_permissions = {"view": ("subjects.share_plan",), "brief": ("subjects.share_briefing",)}
    grant_path = "subject"


class Plan(models.Model):
    """The subject's one living plan: its versions, its current state and its next review."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="plan")
    status = models.CharField("status", max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    next_review_due = models.DateField(
        "next review due",
        null=True,
        blank=True,
        help_text="Set when a version is approved, from the force's review interval for its risk level.",
    )
    closed_at = models.DateTimeField("closed", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["next_review_due", "id"]

    def __str__(self) -> str:
        return f"Plan {self.uuid}"


class PlanVersionQuerySet(ForceScopedQuerySet["PlanVersion"]):
    scope_permissions = PLAN_SCOPES
    grant_permissions = {"view": ("subjects.share_plan",)}
    grant_path = "plan__subject"

    def with_parts(self) -> PlanVersionQuerySet:
        """Everything a version's pages, API, compare and exports show, in a constant number of queries."""
        return self.select_related(
            "plan", "plan__subject", "author", "approved_by", "submitted_by"
        ).prefetch_related(
            "editors",
            "investigations",
            "tactical_options",
            models.Prefetch(
                "victim_risks",
                queryset=PlanVictimRisk.objects.select_related("protected_person").only(
                    "id",
                    "uuid",
                    "position",
                    "version_id",
                    "risk",
                    "protected_person__id",
                    "protected_person__uuid",
                ),
            ),
            "disclosures",
        )


class PlanVersion(models.Model):
    """One numbered version of a plan: the four parts, who wrote and who approved it."""

    #: Plan text can name victims, partners and places: its values never go into the audit log.
    RESTRICTED_FIELDS = (
        "offending_summary",
        "safeguarding_options",
        "management_strategies",
        "risk_rationale",
        "risk_to_future_victims",
        "risk_factors",
        "protective_factors",
        "on_contact",
        "investigations",
        "tactical_options",
        "victim_risks",
        "disclosures",
        "sdash_answers",
        "send_back_note",
    )

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version", help_text="1 for the first version of the plan.")
    status = models.CharField(
        "status", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    revision = models.PositiveIntegerField(
        "revision", default=1, help_text="Bumped by every save; a save must carry the revision it read."
    )
    field_revisions = models.JSONField(
        default=dict, editable=False, help_text="Field name -> the revision that last changed it."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="author",
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        help_text="Everyone who saved a part of this version (none of them may approve it).",
    )
    # Part 1 --------------------------------------------------------------------------------
    offending_summary = models.TextField(
        "offending summary", blank=True, help_text="The behaviour that led to the order(s)."
    )
    safeguarding_options = models.TextField(
        "safeguarding options", blank=True, help_text="Options for safeguarding the victims."
    )
    # Part 2 (devices, accounts and vehicles are the subject's records, shown from it) --------
    management_strategies = models.TextField("management strategies", blank=True)
    # Part 3 --------------------------------------------------------------------------------
    risk_level = models.CharField("risk level", max_length=16, choices=RiskLevel.choices, blank=True)
    risk_rationale = models.TextField("rationale for the risk level", blank=True)
    risk_to_future_victims = models.TextField("risk to future victims", blank=True)
    risk_factors = models.TextField("risk factors", blank=True)
    protective_factors = models.TextField("protective factors", blank=True)
    sdash_answers = ArrayField(
        models.CharField(max_length=10, choices=SdashAnswer.choices, blank=True),
        verbose_name="S-DASH answers",
        default=list,
        blank=True,
        help_text="The 11 answers of the S-DASH checklist, in order (optional).",
    )
    stalker_typology = models.CharField(
        "stalker typology", max_length=20, choices=StalkerTypology.choices, blank=True
    )
    on_contact = models.TextField(
        "what to do on contact", blank=True, help_text="What an officer meeting the subject should do."
    )
    # Workflow ------------------------------------------------------------------------------
    submitted_at = models.DateTimeField("submitted", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("approved", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="approved by",
    )
    send_back_note = models.TextField("why it was sent back", blank=True)
    snapshot = models.JSONField(
        "snapshot",
        default=dict,
        blank=True,
        help_text="Frozen at approval: the profile records, orders and terms this version relied on.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_number_per_plan")]

    def __str__(self) -> str:
        return f"Version {self.number} of plan {self.plan.uuid}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status in APPROVED_STATES


class PlanRowQuerySet(ForceScopedQuerySet[Any]):
    """Rows of a version are part of it: the plan's permissions open them."""

    scope_permissions = PLAN_SCOPES


class PlanRow(models.Model):
    """A row of one of a version's lists, kept in the order typed (replaced whole on each save)."""

    #: The fields a service takes for the row (set by each list).
    FIELDS: tuple[str, ...] = ()

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = PlanRowQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{type(self)._meta.verbose_name} {self.position}"

    def as_dict(self) -> dict[str, Any]:
        """The row's fields as JSON-ready values (dates as ISO text, UUIDs as text)."""
        out: dict[str, Any] = {}
        for field in self.FIELDS:
            value = getattr(self, field)
            if isinstance(value, uuid.UUID):
                value = str(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            out[field] = value
        return out


class PlanInvestigation(PlanRow):
    """Part 2: an investigation since the order, with its Niche occurrence number."""

    FIELDS = ("occurrence_ref", "started_on", "summary")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="investigations")
    occurrence_ref = models.CharField("Niche occurrence number", max_length=30)
    started_on = models.DateField("date", null=True, blank=True)
    summary = models.TextField("summary", blank=True)

    class Meta(PlanRow.Meta):
        pass


class PlanTacticalOption(PlanRow):
    """Part 3: a tactical option chosen from the force's list, under one pillar.

    Kept as text, so a later change to the force's list leaves old versions as they were.
    """

    FIELDS = ("pillar", "option", "detail")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="tactical_options")
    pillar = models.CharField("pillar", max_length=32, choices=Pillar.choices)
    option = models.CharField("tactical option", max_length=120)
    detail = models.TextField("detail", blank=True, help_text="How, how often, by whom.")

    class Meta(PlanRow.Meta):
        pass


class PlanVictimRisk(PlanRow):
    """Part 3: the risk to one of the subject's protected persons (``orders.ProtectedPerson``).

    The person is a link, never a copy: their name stays encrypted in ``orders`` and is shown only
    to a reader who may view them (the managing team, or ``VIEW_ANY_PROTECTED_PERSON``); anyone
    else is told a risk is recorded. Risks to people not yet known are the version's
    ``risk_to_future_victims``. Never in a briefing.
    """

    FIELDS = ("protected_person", "risk")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="victim_risks")
    protected_person = models.ForeignKey(
        "orders.ProtectedPerson",
        on_delete=models.CASCADE,  # erasing the person erases what the plans said of them
        related_name="plan_risks",
        verbose_name="protected person",
        help_text="One of the subject's protected persons (by UUID).",
    )
    risk = models.TextField("risk", help_text="The harm foreseen to this person and how likely it is.")

    class Meta(PlanRow.Meta):
        pass

    def as_dict(self) -> dict[str, Any]:
        person = self.protected_person if self.protected_person_id else None
        return {"protected_person": str(person.uuid) if person else None, "risk": self.risk}


class PlanDisclosure(PlanRow):
    """Part 4: a developing relationship, the checks made and the disclosure decision."""

    FIELDS = (
        "partner",
        "checks",
        "route",
        "decision",
        "rationale",
        "decision_maker",
        "decided_on",
        "recipient",
    )

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="disclosures")
    partner = models.CharField("new partner", max_length=200)
    checks = models.TextField("checks made", blank=True)
    route = models.CharField("route", max_length=16, choices=DisclosureRoute.choices, blank=True)
    decision = models.CharField(
        "decision", max_length=16, choices=DisclosureDecision.choices, default=DisclosureDecision.PENDING
    )
    rationale = models.TextField("rationale", blank=True)
    decision_maker = models.CharField("decision maker", max_length=200, blank=True)
    decided_on = models.DateField("date of decision", null=True, blank=True)
    recipient = models.CharField("disclosed to", max_length=200, blank=True)

    class Meta(PlanRow.Meta):
        pass
