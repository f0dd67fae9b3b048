"""The outbox (``Reminder``), what it delivers (``InboxItem``) and each person's email choices.

A reminder's unique key (kind, object, recipient, due day) is the idempotency key: the job that
decides a reminder writes it in its own transaction, so a retried or repeated run adds nothing.
Delivery writes the inbox item and marks the reminder delivered in one transaction (exactly once);
the email follows, at least once, its ``Message-ID`` built from the key so a duplicate shows.
Titles never name a subject: they go into email. The inbox links to the record instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.roles import Perm
from core.scoping import ForceScopedQuerySet

from .choices import EmailMode, ReminderKind

INBOX_SCOPES = {"view": {Perm.USE_INBOX}, "change": {Perm.USE_INBOX}}


class OwnOnly(ForceScopedQuerySet[Any]):
    """Rows of one person: a user sees and changes only their own."""

    scope_permissions = INBOX_SCOPES
    owner_field = "recipient"

    def narrow(self, user: Any, action: str, *, force: Any) -> Any:
        return self.filter(**{f"{self.owner_field}_id": user.pk})


class ReminderQuerySet(OwnOnly):
    pass


class Reminder(models.Model):
    """One reminder decided by a job: the outbox row."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("kind", max_length=32, choices=ReminderKind.choices)
    object_uuid = models.UUIDField("record")
    subject_uuid = models.UUIDField("subject", null=True, blank=True, db_index=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField("due")
    urgent = models.BooleanField("urgent", default=False)
    title = models.CharField("title", max_length=200)
    link = models.CharField("link", max_length=300, blank=True)
    created_at = models.DateTimeField("decided", default=timezone.now, editable=False)
    delivered_at = models.DateTimeField("delivered", null=True, blank=True)
    emailed_at = models.DateTimeField("emailed", null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_uuid", "recipient", "due_on"], name="one_reminder_per_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="reminder_undelivered",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_uuid}:{self.recipient_id}:{self.due_on.isoformat()}"


class InboxItemQuerySet(OwnOnly):
    pass


class InboxItem(models.Model):
    """A reminder as its recipient reads it: written once, with the reminder marked delivered."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    reminder = models.OneToOneField(Reminder, on_delete=models.CASCADE, related_name="inbox_item")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("kind", max_length=32, choices=ReminderKind.choices)
    title = models.CharField("title", max_length=200)
    link = models.CharField("link", max_length=300, blank=True)
    urgent = models.BooleanField("urgent", default=False)
    due_on = models.DateField("due")
    created_at = models.DateTimeField("received", default=timezone.now, editable=False)
    read_at = models.DateTimeField("read", null=True, blank=True)

    objects = InboxItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreferenceQuerySet(OwnOnly):
    owner_field = "user"


class NotificationPreference(models.Model):
    """How one person wants one routine kind emailed (no row: immediately)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("kind", max_length=32, choices=ReminderKind.choices)
    mode = models.CharField("email", max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.mode}"
