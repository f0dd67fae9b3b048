"""API tokens (public schema): hashed, expiring, revocable, and bound to the host that issued them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token a person obtained with their email and password for one host.

    Why: scripts and integrations need to call the API without a browser session. Only the SHA-256
    of the secret is kept, so a copy of the database does not hand out working tokens; the secret is
    shown once, when issued. A token works only on the host it was issued on (a force's host or the
    regional platform), so a token leaked from one force's integration cannot read another force.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="user",
        help_text="The person the token acts as.",
    )
    name = models.CharField(
        "name", max_length=100, blank=True, help_text="The owner's label, e.g. 'nightly export script'."
    )
    key_hash = models.CharField(
        "key hash",
        max_length=64,
        unique=True,
        editable=False,
        help_text="Hex SHA-256 of the secret; the secret itself is never stored.",
    )
    prefix = models.CharField(
        "prefix",
        max_length=12,
        editable=False,
        help_text="The first characters of the secret, to recognise a token in a list.",
    )
    host = models.CharField(
        "host",
        max_length=42,
        blank=True,
        db_index=True,
        help_text="Slug of the force whose host issued the token; empty for the regional platform host.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("expires", help_text="After this the token no longer authenticates.")
    revoked_at = models.DateTimeField(
        "revoked", null=True, blank=True, help_text="Set when the owner or an administrator ends the token."
    )
    last_used_at = models.DateTimeField("last used", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.host or 'regional'})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
