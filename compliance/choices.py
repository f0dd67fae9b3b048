"""Choices of compliance work: assessments, review outcomes, visit outcomes and bands, breaches."""

from __future__ import annotations

from django.db import models


class AssessmentResult(models.TextChoices):
    """What a review found for one term of an order."""

    COMPLIED = "complied", "Complied"
    BREACHED = "breached", "Breached"
    NOT_ASSESSED = "not-assessed", "Not assessed"


class ReviewOutcome(models.TextChoices):
    """What a review decided: keep the plan, revise it (a new draft), or escalate."""

    UNCHANGED = "unchanged", "Plan unchanged"
    REVISE = "revise", "Revise the plan"
    ESCALATE = "escalate", "Escalate"


class VisitOutcome(models.TextChoices):
    SEEN_COMPLIANT = "seen-compliant", "Seen and compliant"
    SEEN_CONCERNS = "seen-concerns", "Seen with concerns"
    NO_REPLY = "no-reply", "No reply"
    ACCESS_REFUSED = "access-refused", "Access refused"
    NO_LONGER_RESIDENT = "no-longer-resident", "No longer resident"


#: Outcomes in which the subject was seen.
SEEN_OUTCOMES = frozenset({VisitOutcome.SEEN_COMPLIANT, VisitOutcome.SEEN_CONCERNS})


class TimeBand(models.TextChoices):
    """The part of the day a visit is planned for (routine visits vary it)."""

    MORNING = "morning", "Morning (07:00-12:00)"
    AFTERNOON = "afternoon", "Afternoon (12:00-17:00)"
    EVENING = "evening", "Evening (17:00-22:00)"


class VisitState(models.TextChoices):
    """Where a visit is, worked out when read (never stored)."""

    PLANNED = "planned", "Planned"
    OPEN = "open", "Window open"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"


class BreachSource(models.TextChoices):
    """How a breach came to light."""

    VICTIM_REPORT = "victim-report", "Reported by the protected person"
    VISIT = "visit", "Found on a visit"
    ANPR = "anpr", "ANPR or marker activation"
    OFFICER = "officer", "Seen by an officer"
    THIRD_PARTY = "third-party", "Reported by someone else"
    ONLINE = "online", "Online monitoring"
    OTHER = "other", "Other"


class BreachOutcome(models.TextChoices):
    """Where the breach has got to (it develops: under investigation, then charged, then convicted)."""

    UNDER_INVESTIGATION = "under-investigation", "Under investigation"
    NO_FURTHER_ACTION = "no-further-action", "No further action"
    REASONABLE_EXCUSE = "reasonable-excuse", "Reasonable excuse"
    CAUTION = "caution", "Caution"
    CHARGED = "charged", "Charged"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Acquitted"


class EscalationReason(models.TextChoices):
    """Why the escalation selector flags a subject (thresholds in the practice settings)."""

    REPEATED_BREACHES = "repeated-breaches", "Repeated breaches"
    BREACH_AFTER_QUIET = "breach-after-quiet", "A breach after a quiet period"
    MISSED_VISITS = "missed-visits", "Visits missed in a row"
