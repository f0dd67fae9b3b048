"""How a force organises itself: areas, teams and their members, and its practice settings."""

from .organisation import Area, PlannedAbsence, Team, TeamMember
from .settings import PlanScopeRule, PracticeSettings, ReviewInterval, VisitInterval

__all__ = [
    "Area",
    "PlanScopeRule",
    "PlannedAbsence",
    "PracticeSettings",
    "ReviewInterval",
    "Team",
    "TeamMember",
    "VisitInterval",
]
