"""Stable codes of the compliance services' errors, and the one refusal that is not a field error."""

from __future__ import annotations

from django.db import models


class ComplianceError(models.TextChoices):
    MISSING_TERM = "missing_term", "A term in force was not assessed"
    UNKNOWN_TERM = "unknown_term", "Not a term in force of this subject"
    TERM_NOT_IN_FORCE = "term_not_in_force", "The term was not in force that day"
    INVALID_CHOICE = "invalid_choice", "Not one of the choices"
    REQUIRED = "required", "Required"
    FUTURE_DATE = "future_date", "A date in the future"
    PAST_DATE = "past_date", "A date in the past"
    WINDOW_ORDER = "window_order", "The window ends before it starts"
    WINDOW_NOT_OPEN = "window_not_open", "Recorded before the window opens without a reason"
    OTHER_FORCE = "other_force", "Not a team or officer of this force"
    ASSIGNEE = "assignee", "Assign the visit to a team or an officer"
    ALREADY_RECORDED = "already_recorded", "The outcome is already recorded"
    NO_ACTIVE_PLAN = "no_active_plan", "The subject has no active plan"
    MAX_LENGTH = "max_length", "Too long"
    UNKNOWN_PROTECTED_PERSON = "unknown_protected_person", "Not a protected person of this subject"
    NOT_MANAGING_TEAM = "not_managing_team", "Only the subject's managing team reviews"


class NotManagingTeam(Exception):
    """Someone outside the subject's managing team tried to review (403 ``not_managing_team``, logged)."""

    code = ComplianceError.NOT_MANAGING_TEAM

    def __init__(self, message: str = "Only members of the subject's managing team review the plan.") -> None:
        super().__init__(message)
        self.message = message
