"""Resourcing snapshots (public schema): one row of numbers per force and day, never a person.

Written by the ``capacity_snapshot`` job from each force's schema; read by the force's own
``/resourcing/`` page and by the regional report. Every column is a number, a day, the force, or a
mapping of a category (a risk level, an order type code, a kind of work) to a number: no UUID and
no text of a force's case data (tests/resourcing/test_snapshots.py checks it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ForceSnapshot(models.Model):
    """A force's caseload, demand and capacity on one day (weekly hours), with its backlog and outcomes."""

    force = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField("day")
    caseload = models.PositiveIntegerField("subjects under a live order", default=0)
    planned = models.PositiveIntegerField("of them with an active plan", default=0)
    demand_hours = models.FloatField("unit demand (hours a week)", default=0)
    capacity_hours = models.FloatField("unit capacity (hours a week)", default=0)
    visit_hours = models.FloatField("all visits (hours a week)", default=0)
    visit_share = models.PositiveSmallIntegerField("share of visits other teams take (%)", default=0)
    other_capacity_hours = models.FloatField("other teams' hours for visits (a week)", default=0)
    overdue_reviews = models.PositiveIntegerField("plan reviews overdue", default=0)
    overdue_visits = models.PositiveIntegerField("visits overdue", default=0)
    demand_by_work = models.JSONField("demand by kind of work (hours a week)", default=dict)
    caseload_by_risk = models.JSONField("caseload by risk level", default=dict)
    caseload_by_order_type = models.JSONField("caseload by order type", default=dict)
    unplanned_by_order_type = models.JSONField("subjects without an active plan by order type", default=dict)
    outcomes = models.JSONField("outcome figures (last 90 days)", default=dict)

    class Meta:
        ordering = ["force", "day"]
        constraints = [models.UniqueConstraint(fields=["force", "day"], name="one_snapshot_per_force_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"Snapshot {self.force_id} {self.day}"

    @property
    def gap_hours(self) -> float:
        """Capacity less demand: negative when the unit is short."""
        return self.capacity_hours - self.demand_hours
