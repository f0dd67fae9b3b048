"""Compliance work on a subject (DOMAIN.md, "Managing compliance"): reviews term by term, visits
tasked to teams or officers, and breaches of terms. Only ``compliance.services`` changes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.roles import Perm
from core.scoping import ForceScopedQuerySet
from core.tenancy import ForceLike, permissions_in
from orders.models import OrderTerm, ProtectedPerson
from organisation.models import Team, TeamMember
from plans.models import Plan
from subjects.models import Subject

from .choices import (
    AssessmentResult,
    BreachOutcome,
    BreachSource,
    ReviewOutcome,
    TimeBand,
    VisitOutcome,
    VisitState,
)

#: Reviews are part of the case file; the unit conducts them; analysts count them.
REVIEW_SCOPES = {
    "view": {Perm.VIEW_SUBJECT},
    "change": {Perm.CONDUCT_REVIEW},
    "trends": {Perm.VIEW_TRENDS},
}
BREACH_SCOPES = {
    "view": {Perm.VIEW_SUBJECT},
    "change": {Perm.RECORD_BREACH},
    "trends": {Perm.VIEW_TRENDS},
}
#: Visits: the case file's readers see all; visiting officers (``RECORD_VISIT`` without
#: ``VIEW_SUBJECT``) only their teams' and their own (``VisitQuerySet.narrow``). The unit tasks them.
VISIT_SCOPES = {
    "view": {Perm.VIEW_SUBJECT, Perm.RECORD_VISIT},
    "change": {Perm.RECORD_VISIT},
    "schedule": {Perm.CONDUCT_REVIEW},
    "trends": {Perm.VIEW_TRENDS},
}


class ComplianceReviewQuerySet(ForceScopedQuerySet["ComplianceReview"]):
    scope_permissions = REVIEW_SCOPES


class ComplianceReview(models.Model):
    """One review of a subject's plan: each term in force assessed, and what happens next."""

    RESTRICTED_FIELDS = ("notes",)

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="compliance_reviews")
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="reviewer",
    )
    reviewed_on = models.DateField("reviewed on", default=timezone.localdate)
    due_on = models.DateField(
        "was due on", null=True, blank=True, help_text="The plan's review date this review answered."
    )
    notification_status = models.CharField(
        "notification status",
        max_length=200,
        blank=True,
        help_text="The subject's notification requirements as they stood at the review.",
    )
    visits_since_last = models.PositiveIntegerField(
        "visits since the last review", default=0, help_text="Visits with an outcome since the last review."
    )
    outcome = models.CharField("outcome", max_length=16, choices=ReviewOutcome.choices)
    next_review_due = models.DateField("next review due", null=True, blank=True)
    notes = models.TextField("notes", blank=True, max_length=4000)
    created_at = models.DateTimeField("recorded", default=timezone.now, editable=False)

    objects = ComplianceReviewQuerySet.as_manager()

    class Meta:
        ordering = ["subject_id", "-reviewed_on", "-id"]
        indexes = [models.Index(fields=["subject", "reviewed_on"])]

    def __str__(self) -> str:
        return f"Review of {self.reviewed_on}"

    @property
    def on_time(self) -> bool:
        return self.due_on is None or self.reviewed_on <= self.due_on


class TermAssessmentQuerySet(ForceScopedQuerySet["TermAssessment"]):
    scope_permissions = REVIEW_SCOPES


class TermAssessment(models.Model):
    """What one review found for one term in force."""

    RESTRICTED_FIELDS = ("evidence", "notes")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(ComplianceReview, on_delete=models.CASCADE, related_name="assessments")
    term = models.ForeignKey(OrderTerm, on_delete=models.CASCADE, related_name="assessments")
    result = models.CharField("result", max_length=16, choices=AssessmentResult.choices)
    evidence = models.TextField(
        "evidence", blank=True, max_length=2000, help_text="What the finding rests on."
    )
    notes = models.TextField("notes", blank=True, max_length=2000)

    objects = TermAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["review_id", "term_id"]
        constraints = [models.UniqueConstraint(fields=["review", "term"], name="one_assessment_per_term")]

    def __str__(self) -> str:
        return f"{self.get_result_display()} ({self.term_id})"


class VisitQuerySet(ForceScopedQuerySet["Visit"]):
    scope_permissions = VISIT_SCOPES

    def narrow(self, user: Any, action: str, *, force: ForceLike) -> VisitQuerySet:
        """A visiting officer (no ``VIEW_SUBJECT``) sees only their teams' visits and their own,
        in a request or a job alike (one subquery, no extra round trip)."""
        if action == "trends" or Perm.VIEW_SUBJECT in permissions_in(user, force):
            return self
        teams = TeamMember.objects.filter(user_id=user.pk).values("team_id")
        return self.filter(models.Q(assigned_team_id__in=teams) | models.Q(assigned_officer_id=user.pk))

    def missed(self, today: dt.date | None = None) -> VisitQuerySet:
        """Visits whose window has passed with no outcome."""
        return self.filter(window_to__lt=today or timezone.localdate(), outcome="")


class Visit(models.Model):
    """A home visit or compliance check, tasked to a team or an officer of the force, in a window."""

    RESTRICTED_FIELDS = ("notes", "early_reason")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="visits")
    window_from = models.DateField("window opens")
    window_to = models.DateField("window closes")
    time_band = models.CharField("time of day", max_length=16, choices=TimeBand.choices, blank=True)
    announced = models.BooleanField("announced", default=False, help_text="The subject was told in advance.")
    assigned_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="team"
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="officer",
    )
    routine = models.BooleanField("routine", default=False, help_text="Generated from the plan.")
    outcome = models.CharField("outcome", max_length=20, choices=VisitOutcome.choices, blank=True)
    visited_on = models.DateField("visited on", null=True, blank=True)
    early_reason = models.TextField(
        "why before the window",
        blank=True,
        max_length=1000,
        help_text="Needed for a visit before its window.",
    )
    notes = models.TextField("notes", blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("tasked", default=timezone.now, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["window_from", "id"]
        indexes = [
            models.Index(fields=["subject", "window_to"]),
            models.Index(fields=["assigned_team", "window_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_to__gte=models.F("window_from")), name="visit_window_order"
            )
        ]

    def __str__(self) -> str:
        return f"Visit {self.window_from} to {self.window_to}"

    def state(self, today: dt.date | None = None) -> VisitState:
        today = today or timezone.localdate()
        if self.outcome:
            return VisitState.DONE
        if today > self.window_to:
            return VisitState.MISSED
        if today >= self.window_from:
            return VisitState.OPEN
        return VisitState.PLANNED

    @property
    def current_state(self) -> VisitState:
        return self.state()


class BreachQuerySet(ForceScopedQuerySet["Breach"]):
    scope_permissions = BREACH_SCOPES


class Breach(models.Model):
    """A contravention of one term of an order, and what became of it.

    A further offence against a protected person is a breach naming that person (one of the
    subject's own protected persons); the outcomes evaluation counts them per subject.
    """

    RESTRICTED_FIELDS = ("niche_occurrence_ref", "notes", "protected_person")

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="breaches")
    # RESTRICT, not PROTECT: a term with breaches cannot be deleted alone, but erasing the subject
    # (which cascades to both) may delete it (PROTECT made that erasure a 500).
    term = models.ForeignKey(OrderTerm, on_delete=models.RESTRICT, related_name="breaches")
    occurred_on = models.DateField("date of the breach")
    source = models.CharField("how it came to light", max_length=16, choices=BreachSource.choices)
    niche_occurrence_ref = models.CharField("Niche occurrence number", max_length=30, blank=True)
    offence_code = models.CharField(
        "offence code",
        max_length=16,
        blank=True,
        help_text="Defaults to the order type's breach offence code.",
    )
    outcome = models.CharField(
        "outcome", max_length=24, choices=BreachOutcome.choices, default=BreachOutcome.UNDER_INVESTIGATION
    )
    protected_person = models.ForeignKey(
        ProtectedPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="breaches",
        verbose_name="protected person",
        help_text="The protected person the breach was a further offence against, if any.",
    )
    notes = models.TextField("notes", blank=True, max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("recorded", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = "breaches"
        indexes = [models.Index(fields=["subject", "occurred_on"])]

    def __str__(self) -> str:
        return f"Breach on {self.occurred_on}"
