"""A force's own practice: review intervals, reminder lead times, plan scope and its vocabularies.

Statutory rules (order types) live in the public schema; everything here is the force's choice and
lives in its schema. One ``PracticeSettings`` row per force schema.
"""

from __future__ import annotations

import datetime as dt
import uuid
from calendar import monthrange
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.roles import Perm
from core.scoping import ForceScopedQuerySet
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition

# The longest review interval a force may set, per unit: five years.
MAX_INTERVAL = {IntervalUnit.DAYS: 5 * 366, IntervalUnit.WEEKS: 5 * 52, IntervalUnit.MONTHS: 5 * 12}
MAX_LEAD_DAYS = 365
#: Demand parameters (issue 15): minutes per piece of work, at most a day.
MAX_DEMAND_MINUTES = 24 * 60
DEMAND_FIELDS = ("minutes_per_visit", "minutes_per_review", "minutes_per_revision", "minutes_per_breach")


class SettingsQuerySet(ForceScopedQuerySet[Any]):
    """The practice settings and their rows: read with VIEW_SETTINGS, changed with MANAGE_SETTINGS."""

    scope_permissions = {"view": {Perm.VIEW_SETTINGS}, "change": {Perm.MANAGE_SETTINGS}}


class PracticeSettings(models.Model):
    """The force's practice settings (one row per force schema). Changes apply to new schedules."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    review_reminder_days = models.PositiveSmallIntegerField(
        "review reminder (days before)",
        default=14,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="How many days before a plan review is due its owner is reminded.",
    )
    visit_reminder_days = models.PositiveSmallIntegerField(
        "visit reminder (days before)",
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="How many days before a tasked visit is due the team is reminded.",
    )
    order_expiry_reminder_days = models.PositiveSmallIntegerField(
        "order expiry reminder (days before)",
        default=56,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="How many days before an order ends the unit is reminded (time to apply to renew).",
    )
    tactical_options = ArrayField(
        models.CharField(max_length=120),
        verbose_name="tactical options",
        default=list,
        blank=True,
        help_text="The force's list of tactical options a plan can choose from to reduce risk.",
    )
    warning_markers = ArrayField(
        models.CharField(max_length=120),
        verbose_name="warning markers",
        default=list,
        blank=True,
        help_text="The force's list of warning markers a subject's record can carry.",
    )
    # Compliance (issue 13) ----------------------------------------------------------------
    breach_review_days = models.PositiveSmallIntegerField(
        "review after a breach (days)",
        default=7,
        # 0 would make every breach's review due the same day: refused here and by the service.
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="A breach brings the plan's next review forward to at most this many days away.",
    )
    escalation_breaches = models.PositiveSmallIntegerField(
        "escalate at this many breaches",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Escalate when a subject has this many breaches within the window below.",
    )
    escalation_breach_window_days = models.PositiveSmallIntegerField(
        "breach window (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="The window the breaches above are counted in.",
    )
    escalation_quiet_days = models.PositiveSmallIntegerField(
        "quiet period (days)",
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(5 * 366)],
        help_text="Escalate on a breach after this many days without one.",
    )
    escalation_missed_visits = models.PositiveSmallIntegerField(
        "missed visits running",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Escalate when this many visits in a row were missed (window passed, no outcome).",
    )
    # Resourcing (issue 15): the unit's time per piece of work, for demand against capacity.
    minutes_per_visit = models.PositiveSmallIntegerField(
        "minutes per visit",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEMAND_MINUTES)],
        help_text="Time a visit takes, travel and recording included.",
    )
    minutes_per_review = models.PositiveSmallIntegerField(
        "minutes per plan review",
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEMAND_MINUTES)],
        help_text="Time a compliance review of a plan takes.",
    )
    minutes_per_revision = models.PositiveSmallIntegerField(
        "minutes per plan revision",
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEMAND_MINUTES)],
        help_text="Time writing a new version of a plan takes.",
    )
    minutes_per_breach = models.PositiveSmallIntegerField(
        "minutes per breach follow-up",
        default=240,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEMAND_MINUTES)],
        help_text="Time following up a breach takes.",
    )
    updated_at = models.DateTimeField("updated", default=timezone.now)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = "practice settings"
        verbose_name_plural = "practice settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="one_practice_settings_row"),
        ]

    def __str__(self) -> str:
        return "Practice settings"

    def review_interval_for(self, risk_level: str) -> ReviewInterval:
        for interval in self.review_intervals.all():
            if interval.risk_level == risk_level:
                return interval
        raise ReviewInterval.DoesNotExist(f"No review interval for risk level {risk_level!r}.")

    def visit_interval_for(self, risk_level: str) -> VisitInterval | None:
        """How often routine visits fall at ``risk_level`` (None: no routine visits at that level)."""
        for interval in self.visit_intervals.all():
            if interval.risk_level == risk_level:
                return interval
        return None


def _next_after(every: int, unit: str, day: dt.date) -> dt.date:
    """One interval after ``day`` (month ends clamp: 31 Jan + 1 month = 28/29 Feb)."""
    if unit == IntervalUnit.DAYS:
        return day + dt.timedelta(days=every)
    if unit == IntervalUnit.WEEKS:
        return day + dt.timedelta(weeks=every)
    months = day.month - 1 + every
    year, month = day.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(day.day, monthrange(year, month)[1]))


class ReviewInterval(models.Model):
    """How often plans of subjects at one risk level are reviewed, in this force."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    settings = models.ForeignKey(PracticeSettings, on_delete=models.CASCADE, related_name="review_intervals")
    risk_level = models.CharField("risk level", max_length=16, choices=RiskLevel.choices)
    every = models.PositiveSmallIntegerField(
        "every", validators=[MinValueValidator(1)], help_text="How many units between reviews."
    )
    unit = models.CharField("unit", max_length=8, choices=IntervalUnit.choices)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["settings", "id"]
        constraints = [
            models.UniqueConstraint(fields=["settings", "risk_level"], name="one_interval_per_risk_level"),
            models.CheckConstraint(condition=models.Q(every__gt=0), name="review_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()}: every {self.every} {self.unit}"

    def next_after(self, day: dt.date) -> dt.date:
        """The review date one interval after ``day`` (month ends clamp: 31 Jan + 1 month = 28/29 Feb)."""
        return _next_after(self.every, self.unit, day)

    def as_days(self) -> int:
        """Approximate length in days, for comparisons and capacity estimates."""
        return (self.next_after(dt.date(2001, 1, 1)) - dt.date(2001, 1, 1)).days


class VisitInterval(models.Model):
    """How often routine visits fall for subjects at one risk level whose plan chooses visits.

    A risk level without a row has no routine visits; a plan without a visit among its tactical
    options (reactive management) has none whatever its level.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    settings = models.ForeignKey(PracticeSettings, on_delete=models.CASCADE, related_name="visit_intervals")
    risk_level = models.CharField("risk level", max_length=16, choices=RiskLevel.choices)
    every = models.PositiveSmallIntegerField(
        "every", validators=[MinValueValidator(1)], help_text="How many units between routine visits."
    )
    unit = models.CharField("unit", max_length=8, choices=IntervalUnit.choices)

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["settings", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "risk_level"], name="one_visit_interval_per_risk_level"
            ),
            models.CheckConstraint(condition=models.Q(every__gt=0), name="visit_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()}: a visit every {self.every} {self.unit}"

    def next_after(self, day: dt.date) -> dt.date:
        return _next_after(self.every, self.unit, day)


class PlanScopeRule(models.Model):
    """One rule of which subjects need a plan: an order type (by code) and a subject condition.

    A subject needs a plan when the rule for the type of one of their orders matches them; order
    types without a rule need no plan. The order type is named by its
    code because order types live in the public schema and are the same for every force.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    settings = models.ForeignKey(PracticeSettings, on_delete=models.CASCADE, related_name="scope_rules")
    order_type_code = models.CharField(
        "order type", max_length=16, help_text="Code of an order type of the platform, e.g. SPO."
    )
    subject_condition = models.CharField(
        "subjects",
        max_length=32,
        choices=SubjectCondition.choices,
        help_text="Which subjects under that order type need a plan.",
    )

    objects = SettingsQuerySet.as_manager()

    class Meta:
        ordering = ["settings", "order_type_code"]
        constraints = [
            # One condition per order type keeps the rule readable ("SPO: registered sex offenders").
            models.UniqueConstraint(
                fields=["settings", "order_type_code"], name="one_scope_rule_per_order_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_type_code}: {self.get_subject_condition_display()}"
