"""Case-work models, one module per aggregate."""

from .organisation import Area, Team, TeamMember
from .settings import PlanScopeRule, PracticeSettings, ReviewInterval
from .subjects import Subject, SubjectAlias

__all__ = [
    "Area",
    "PlanScopeRule",
    "PracticeSettings",
    "ReviewInterval",
    "Subject",
    "SubjectAlias",
    "Team",
    "TeamMember",
]
