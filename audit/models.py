"""The audit log tables: one ``AuditEvent`` table in every schema, and the seals in public."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import connection, models
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from core.roles import Perm
from core.scoping import ForceScopedQuerySet

from .choices import AuditAction


class AuditEventQuerySet(ForceScopedQuerySet["AuditEvent"]):
    """A force's auditors read its log (``restrict(user, "view", force=...)``); the log is never
    changed, so it declares no other action. The platform's own log (public schema) is read by
    platform administrators on the regional host: ``platform_log_for(user)``."""

    scope_permissions = {"view": {Perm.VIEW_AUDIT}}

    def platform_log_for(self, user: Any) -> AuditEventQuerySet:
        on_public = getattr(connection, "schema_name", None) == get_public_schema_name()
        if on_public and user is not None and user.is_authenticated and user.is_platform_admin:
            return self
        return self.none()


class AuditEvent(models.Model):
    """One logged operation on personal data (or a security event), never changed or deleted.

    Why it exists: DPA 2018 s.62 requires a log of collection, alteration, consultation,
    disclosure, combination and erasure, with who, when and why; professional standards and the
    courts rely on it. It holds no case personal data beyond UUIDs, so erasing a record never
    requires changing the log. The database refuses UPDATE and DELETE (trigger in migration 0002).
    Force events live in the force's schema; platform events in the public schema.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField("occurred at (UTC)", default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField("actor user id", null=True, blank=True, db_index=True)
    actor_uuid = models.UUIDField("actor public id", null=True, blank=True)
    actor_name = models.CharField(
        "actor name",
        max_length=254,
        blank=True,
        help_text="A copy of the actor's name and email, kept even if the user is removed.",
    )
    actor_force = models.CharField(
        "actor's force",
        max_length=42,
        blank=True,
        help_text="Slug of the force (host) the actor was acting in; empty on the regional host.",
    )
    action = models.CharField("action", max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("object type", max_length=64, blank=True, db_index=True)
    object_ids = ArrayField(
        models.UUIDField(),
        verbose_name="object ids",
        default=list,
        blank=True,
        help_text="UUIDs of the records concerned (every record shown, for a list page).",
    )
    justification = models.TextField("justification", blank=True)
    recipient = models.CharField(
        "recipient", max_length=254, blank=True, help_text="For disclosures: who received it."
    )
    request_id = models.UUIDField("request id", null=True, blank=True)
    client_address = models.GenericIPAddressField("client address", null=True, blank=True)
    changed_fields = ArrayField(
        models.CharField(max_length=64), verbose_name="changed fields", default=list, blank=True
    )
    changes = models.JSONField(
        "changes",
        default=dict,
        blank=True,
        help_text="Before and after values, only for fields not marked restricted.",
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "occurred_at"]),
            # Auditors search by record ("which events name this subject?") and by person.
            GinIndex(fields=["object_ids"], name="audit_event_object_ids_gin"),
            models.Index(fields=["actor_uuid", "occurred_at"], name="audit_event_actor_when"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}"


class AuditSeal(models.Model):
    """A keyed HMAC chain over a batch of a schema's audit events (kept in the public schema).

    ``row_macs`` holds ``[id, mac]`` for each sealed row so ``verify_audit`` can name the first
    changed, removed or inserted row; ``chain_mac`` links the batch to the previous seal. Like the
    events, seals are never changed or deleted: the database refuses UPDATE and DELETE (trigger in
    migration 0004), and a copy of each schema's chain head is kept outside the database
    (``AUDIT_CHAIN_HEAD_PATH``, see audit/sealing.py).
    """

    schema_name = models.CharField("schema", max_length=63, db_index=True)
    sealed_at = models.DateTimeField("sealed at", default=timezone.now)
    first_event_id = models.BigIntegerField("first event id")
    last_event_id = models.BigIntegerField("last event id")
    row_macs = models.JSONField("row MACs", default=list)
    previous_chain_mac = models.CharField("previous chain MAC", max_length=64, blank=True)
    chain_mac = models.CharField("chain MAC", max_length=64)
    # Set on the seal a restore appends (audit/sealing.py, restart_after_restore): when the backup
    # the schema was restored from was taken, and the sealed event ids it lacks, as [first, last]
    # ranges. Both are covered by the seal's chain MAC.
    restored_from = models.DateTimeField("restored from a backup of", null=True, blank=True)
    missing_event_ids = models.JSONField("sealed event ids lost by the restore", default=list, blank=True)

    class Meta:
        ordering = ["schema_name", "last_event_id"]
        constraints = [
            models.UniqueConstraint(fields=["schema_name", "last_event_id"], name="one_seal_per_end"),
        ]

    def __str__(self) -> str:
        return f"{self.schema_name}: events {self.first_event_id}-{self.last_event_id}"
