"""Choices of force-side case work, shared by models, forms, the API and the demo."""

from django.db import models


class RiskLevel(models.TextChoices):
    """The four national bands of risk of serious harm (DOMAIN.md, "Risk of foreseen harm")."""

    VERY_HIGH = "very-high", "Very high"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class TeamKind(models.TextChoices):
    """What a team of the force does: the unit owns the caseload, the others take tasked visits."""

    ANCILLARY_ORDER_UNIT = "aou", "Ancillary order unit"
    RESPONSE = "response", "Response"
    NEIGHBOURHOOD = "neighbourhood", "Neighbourhood policing"
    OTHER = "other", "Other"


class IntervalUnit(models.TextChoices):
    """The unit a review interval is counted in."""

    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"


class SubjectCondition(models.TextChoices):
    """Which subjects under an order type need a plan (a force's plan scope rule)."""

    EVERY_SUBJECT = "every-subject", "Every subject under this order"
    REGISTERED_SEX_OFFENDERS = "registered-sex-offenders", "Subjects who are registered sex offenders"
    HIGH_RISK_OR_ABOVE = "high-risk-or-above", "Subjects assessed as high or very high risk"
