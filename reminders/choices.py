"""The kinds of reminder and how each person may have them emailed."""

from __future__ import annotations

from django.db import models


class ReminderKind(models.TextChoices):
    REVIEW_DUE = "review-due", "Plan review due"
    REVIEW_OVERDUE = "review-overdue", "Plan review overdue"
    VISIT_DUE = "visit-due", "Visit due"
    VISIT_MISSED = "visit-missed", "Visit missed"
    NOTIFICATION_LAST_DAY = "notification-last-day", "Notification: last day tomorrow"
    NOTIFICATION_OVERDUE = "notification-overdue", "Notification overdue"
    ORDER_ENDING = "order-ending", "Order ending: consider renewal"
    PLAN_CLOSE = "plan-close", "Plan ready to close"
    ESCALATION = "escalation", "Subject escalated"
    RETENTION_REVIEW = "retention-review", "Record due for retention review (MoPI)"
    GRANT_ENDING = "grant-ending", "Shared record access ending: consider asking to extend"


#: Always emailed at once, whatever the person chose: a notification offence about to happen or
#: happened, and an escalation.
URGENT_KINDS = frozenset(
    {ReminderKind.NOTIFICATION_LAST_DAY, ReminderKind.NOTIFICATION_OVERDUE, ReminderKind.ESCALATION}
)
ROUTINE_KINDS = tuple(k for k in ReminderKind if k not in URGENT_KINDS)


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Email each reminder as it comes"
    DIGEST = "digest", "One email a day listing them"
