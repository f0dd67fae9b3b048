"""How a force organises itself: named areas, and teams (with members and a lead) covering them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.roles import Perm
from core.scoping import ForceScopedQuerySet
from organisation.choices import TeamKind

#: Every text field is bounded (issue 9): an area's description is a few sentences.
AREA_DESCRIPTION_MAX = 2000
#: Resourcing (issue 15): hours a week on this work, at most every hour of the week.
HOURS_IN_WEEK = 168


class OrganisationQuerySet(ForceScopedQuerySet[Any]):
    """Teams, areas and team places: read by those who manage teams or people, changed by the first."""

    scope_permissions = {
        "view": {Perm.MANAGE_TEAMS, Perm.MANAGE_PEOPLE},
        "change": {Perm.MANAGE_TEAMS},
        "delete": {Perm.MANAGE_TEAMS},
    }


class Area(models.Model):
    """A named area of the force (e.g. a district or neighbourhood) that teams cover."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("name", max_length=100, unique=True, help_text="e.g. Lincoln City")
    code = models.CharField(
        "code",
        max_length=20,
        unique=True,
        help_text="Short code used on lists and exports, e.g. LINC-C.",
    )
    description = models.TextField(
        "description",
        blank=True,
        max_length=AREA_DESCRIPTION_MAX,
        # TextField's max_length bounds forms and the API; the validator bounds the model too.
        validators=[
            MaxLengthValidator(
                AREA_DESCRIPTION_MAX, f"Area description must be {AREA_DESCRIPTION_MAX} characters or fewer"
            )
        ],
        help_text="What the area covers.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of the force: the ancillary order unit, or a response or neighbourhood team."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("name", max_length=100, unique=True, help_text="e.g. Lincoln North NPT")
    kind = models.CharField(
        "kind",
        max_length=16,
        choices=TeamKind.choices,
        help_text="What the team does; visits are tasked to response and neighbourhood teams.",
    )
    areas = models.ManyToManyField(
        Area,
        related_name="teams",
        blank=True,
        verbose_name="areas covered",
        help_text="The areas of the force this team covers.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMember",
        related_name="+",
        verbose_name="members",
        help_text="People of this force in the team; only members of the force can be added.",
    )
    visit_share = models.PositiveSmallIntegerField(
        "share of visits (%)",
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="For response and neighbourhood teams: the percentage of the unit's visits they take.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=TeamKind.values), name="team_kind_is_known"),
            models.CheckConstraint(condition=models.Q(visit_share__lte=100), name="team_visit_share_percent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def lead(self) -> Any:
        """The team's lead (a User) or None; uses prefetched team memberships when available."""
        for link in self.team_members.all():
            if link.is_lead:
                return link.user
        return None


class TeamMember(models.Model):
    """One person's place in one team; at most one member of a team is its lead."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A person with a membership of this force.",
    )
    is_lead = models.BooleanField("team lead", default=False, help_text="Leads the team.")
    hours_per_week = models.DecimalField(
        "hours a week on this work",
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(HOURS_IN_WEEK))],
        help_text="Hours a week this person gives to this team's share of the work (0 to 168).",
    )
    added_at = models.DateTimeField("added", default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["team", "-is_lead", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_place_per_team"),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(is_lead=True), name="one_lead_per_team"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_week__gte=0, hours_per_week__lte=HOURS_IN_WEEK),
                name="member_hours_in_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class PlannedAbsence(models.Model):
    """A person of the force away (leave, course, attachment) from one day to another, inclusive.

    Takes their hours out of the unit's capacity for those days; no reason is kept.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A person with a membership of this force.",
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("to")
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Absence {self.starts_on} to {self.ends_on}"
