"""Stable codes of the plan services' errors, and the two refusals that are not field errors."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class PlanError(models.TextChoices):
    PART_INCOMPLETE = "part_incomplete", "A part the plan needs before submission is empty"
    RISK_LEVEL_REQUIRED = "risk_level_required", "The plan has no risk level"
    UNKNOWN_TACTICAL_OPTION = "unknown_tactical_option", "Not one of the force's tactical options"
    INVALID_ROW = "invalid", "A row is incomplete or malformed"
    TOO_MANY_ROWS = "too_many_rows", "Too many rows in one list"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
    FUTURE_DATE = "future_date", "A date in the future"
    CONFLICT = "conflict", "The version changed or is not in a state for this"
    OWN_PLAN = "own_plan", "Approving a version one wrote or edited"
    ORDERS_NOT_ENDED = "orders_not_ended", "The subject still has an order in force"
    PLAN_EXISTS = "plan_exists", "The subject already has a plan"
    UNKNOWN_PROTECTED_PERSON = "unknown_protected_person", "Not one of the subject's protected persons"


class PlanConflict(Exception):
    """The version is not in the state the call needs, or the caller's revision is stale.

    ``changed`` names the fields changed since the caller's revision (a stale save), so the page
    can say which; the API answers 409 ``conflict``.
    """

    code = PlanError.CONFLICT

    def __init__(self, message: str, *, changed: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.changed = sorted(set(changed))


class OwnPlan(Exception):
    """A supervisor tried to approve a version they authored or edited (403 ``own_plan``, logged)."""

    code = PlanError.OWN_PLAN

    def __init__(self, message: str = "You cannot approve a plan version you wrote or edited.") -> None:
        super().__init__(message)
        self.message = message
