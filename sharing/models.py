"""Public-schema records of sharing: registry keys, requests and grants.

Force rows are named by UUID only (``owning_force_uuid``, ...), never by a foreign key into a
force's schema; the code that crosses schemas names (force, UUID) and asserts both.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from .choices import LawfulBasis, RequestStatus, Scope, TransferStatus


class RegistryKey(models.Model):
    """One pseudonymous match key of a subject (HMAC of a normalised identifier)."""

    key = models.CharField(max_length=64, db_index=True)
    force_uuid = models.UUIDField("owning force")
    subject_uuid = models.UUIDField("subject")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force_uuid", "subject_uuid", "key"], name="one_registry_key")
        ]
        indexes = [models.Index(fields=["force_uuid", "subject_uuid"], name="registry_subject")]

    def __str__(self) -> str:
        return f"Registry key of {self.subject_uuid}"


class SharingRequest(models.Model):
    """A force asks the owner of a matching subject to share some scopes for some days."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    requesting_force_uuid = models.UUIDField("requesting force")
    owning_force_uuid = models.UUIDField("owning force")
    subject_uuid = models.UUIDField("owner's subject")
    requester_subject_uuid = models.UUIDField("requester's subject", null=True, blank=True)
    scopes = ArrayField(models.CharField(max_length=24, choices=Scope.choices), verbose_name="scope")
    lawful_basis = models.CharField("lawful basis", max_length=24, choices=LawfulBasis.choices)
    justification = models.TextField("justification")
    protected_persons_justification = models.TextField(
        "why protected persons are needed", blank=True, default=""
    )
    duration_days = models.PositiveSmallIntegerField("days")
    extends = models.ForeignKey(
        "Grant", on_delete=models.PROTECT, null=True, blank=True, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="asked by"
    )
    created_at = models.DateTimeField("asked", default=timezone.now)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField("reasons", blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owning_force_uuid", "status"], name="sharing_queue"),
            models.Index(fields=["requesting_force_uuid", "created_at"], name="sharing_asked"),
        ]

    def __str__(self) -> str:
        return f"Sharing request {self.uuid}"


class Grant(models.Model):
    """What the owner agreed to disclose, to whom, until when: backed by guardian permissions in
    the owner's schema on the subject (for the receiving force's group, or named partner users)."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    request = models.OneToOneField(
        SharingRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )
    owning_force_uuid = models.UUIDField("owning force")
    receiving_force_uuid = models.UUIDField("receiving force")
    subject_uuid = models.UUIDField("subject")
    scopes = ArrayField(models.CharField(max_length=24, choices=Scope.choices), verbose_name="scope")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    granted_at = models.DateTimeField("granted", default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(blank=True, default="")
    #: Set when the expiry job removed the permissions (the grant row stays: the history).
    permissions_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_force_uuid", "expires_at"], name="grant_receiver"),
            models.Index(fields=["owning_force_uuid", "subject_uuid"], name="grant_owner"),
        ]

    def __str__(self) -> str:
        return f"Grant {self.uuid}"

    @property
    def is_partner_grant(self) -> bool:
        return self.owning_force_uuid == self.receiving_force_uuid

    def live(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class Transfer(models.Model):
    """The owner offers a subject to another force; when that force accepts, the subject's record
    is copied into its schema under the same UUIDs and the owner's record is closed, read-only."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    from_force_uuid = models.UUIDField("offering force")
    to_force_uuid = models.UUIDField("receiving force")
    subject_uuid = models.UUIDField("subject")
    justification = models.TextField("why the subject moves")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="offered by"
    )
    offered_at = models.DateTimeField("offered", default=timezone.now)
    status = models.CharField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField("reasons", blank=True, default="")

    class Meta:
        ordering = ["-offered_at", "-id"]
        indexes = [
            models.Index(fields=["to_force_uuid", "status"], name="transfer_incoming"),
            models.Index(fields=["from_force_uuid", "subject_uuid"], name="transfer_subject"),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.uuid}"
