"""Choices of the plan: its life, its versions' life, the pillars, S-DASH and stalker typology."""

from __future__ import annotations

from django.db import models


class PlanStatus(models.TextChoices):
    """Where the subject's plan is: being written (no approved version yet), in force, or closed."""

    DRAFT = "draft", "Not yet approved"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class VersionStatus(models.TextChoices):
    """A version's life (DOMAIN.md): draft → submitted → approved → active → superseded / closed.

    A supervisor's approval makes the version approved and, at once, the plan's active version
    (the one before it becomes superseded); both moves are in the version's alteration event.
    A version sent back is a draft again. Only a draft changes; every other state is frozen.
    """

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    CLOSED = "closed", "Closed"


#: States of a version that has been signed off: it never changes again.
APPROVED_STATES = frozenset(
    {VersionStatus.APPROVED, VersionStatus.ACTIVE, VersionStatus.SUPERSEDED, VersionStatus.CLOSED}
)


class Pillar(models.TextChoices):
    """The multi-agency pillars a tactical option sits under, plus contingency actions."""

    SUPERVISION = "supervision", "Supervision"
    MONITORING_AND_CONTROL = "monitoring-and-control", "Monitoring and control"
    INTERVENTIONS_AND_TREATMENT = "interventions-and-treatment", "Interventions and treatment"
    VICTIM_SAFETY_PLANNING = "victim-safety-planning", "Victim safety planning"
    CONTINGENCY = "contingency", "Contingency"


class StalkerTypology(models.TextChoices):
    """The Stalking Risk Profile's types of stalker."""

    REJECTED = "rejected", "Rejected"
    RESENTFUL = "resentful", "Resentful"
    INTIMACY_SEEKING = "intimacy-seeking", "Intimacy seeking"
    INCOMPETENT_SUITOR = "incompetent-suitor", "Incompetent suitor"
    PREDATORY = "predatory", "Predatory"


class SdashAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not-known", "Not known"


#: The 11 questions of the S-DASH stalking screening checklist, in order.
SDASH_QUESTIONS: tuple[str, ...] = (
    "Is the victim very frightened?",
    "Is there previous domestic abuse or stalking and harassment history?",
    "Has the stalker vandalised or destroyed property?",
    "Has the stalker turned up unannounced more than three times a week?",
    "Has the stalker followed the victim or loitered near the victim?",
    "Has the stalker threatened physical or sexual violence?",
    "Has the stalker been harassing any third party since the harassment began?",
    "Has the stalker acted violently to anyone else during the stalking incident?",
    "Has the stalker engaged others to help (wittingly or unwittingly)?",
    "Has the stalker had problems in the past year with drugs, alcohol or mental health?",
    "Has the stalker ever been violent in the past?",
)


class DisclosureDecision(models.TextChoices):
    """Part 4: the outcome of considering a disclosure to a new partner (right to ask / to know)."""

    DISCLOSED = "disclosed", "Disclosure made"
    NOT_DISCLOSED = "not-disclosed", "No disclosure"
    PENDING = "pending", "Decision pending"


class DisclosureRoute(models.TextChoices):
    RIGHT_TO_ASK = "right-to-ask", "Right to ask"
    RIGHT_TO_KNOW = "right-to-know", "Right to know"


class PlanPart(models.TextChoices):
    """The four parts of the plan, each its own page and ``save_part`` call."""

    OFFENDING = "offending", "Part 1: Offending summary"
    MANAGEMENT = "management", "Part 2: Investigations and management strategies"
    RISK = "risk", "Part 3: Risk of foreseen harm"
    RELATIONSHIPS = "relationships", "Part 4: Developing relationships and disclosures"
