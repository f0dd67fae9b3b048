"""How a force organises itself: areas, teams and their members, and its practice settings."""

from .organisation import Area, Team, TeamMember
from .settings import PlanScopeRule, PracticeSettings, ReviewInterval

__all__ = [
    "Area",
    "PlanScopeRule",
    "PracticeSettings",
    "ReviewInterval",
    "Team",
    "TeamMember",
]
