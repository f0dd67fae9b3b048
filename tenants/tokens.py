"""API token services: the only code that issues, revokes and touches tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from audit.choices import RecordType
from audit.services import AuditAction, record_event

from .models import ApiToken, Membership

# Secrets look like "spmp_<43 url-safe characters>"; the prefix makes a leaked one easy to grep for.
SECRET_PREFIX = "spmp_"
DISPLAY_PREFIX_LENGTH = 12
# Writing last_used_at on every request would add a write to every read; a minute is precise enough.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)
# Enough for a person's scripts; a bound so a leaked password cannot mint tokens without end.
MAX_LIVE_TOKENS_PER_HOST = 20


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def host_label(force: Any) -> str:
    """The value stored in ``ApiToken.host`` for a host: the force's slug, '' for the regional host."""
    if force is None or getattr(force, "is_platform", True):
        return ""
    return str(force.slug)


@transaction.atomic
def issue_token(*, user: Any, force: Any, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for ``user`` valid only on ``force``'s host (None: the regional host).

    Returns the token and its secret; the secret is not kept and cannot be shown again.
    """
    host = host_label(force)
    live = ApiToken.objects.live().filter(user=user, host=host).count()
    if live >= MAX_LIVE_TOKENS_PER_HOST:
        raise ValidationError(
            {"non_field_errors": [f"You already have {live} live tokens for this host; revoke one first."]}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip(),
        key_hash=hash_secret(secret),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        host=host,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    record_event(
        action=AuditAction.SIGN_IN,
        object_type=RecordType.USER,
        object_ids=[user.uuid],
        actor=user,
        justification=f"API token {token.uuid} issued",
    )
    return token, secret


def find_token(secret: str, *, force: Any = None) -> ApiToken | None:
    """The token with this secret (live or not), with its user; None if there is no such token.

    Given the host's ``force``, the same statement also reads the user's active membership there and
    leaves it in the user's per-request membership cache, so that authenticating a token and
    checking membership cost one query rather than two. Nothing is cached beyond the request: a
    revoked token or a suspended membership is refused on the very next request.
    """
    query = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret))
    if force is None or getattr(force, "is_platform", True):
        return query.first()
    query = query.annotate(
        _m=FilteredRelation(
            "user__memberships",
            condition=Q(
                user__memberships__force_id=force.pk, user__memberships__status=Membership.Status.ACTIVE
            ),
        ),
        m_pk=F("_m__pk"),
        m_uuid=F("_m__uuid"),
        m_roles=F("_m__roles"),
        m_created_at=F("_m__created_at"),
    )
    token = query.first()
    if token is not None:
        membership = None
        if token.m_pk is not None:  # type: ignore[attr-defined]
            membership = Membership(
                pk=token.m_pk,  # type: ignore[attr-defined]
                uuid=token.m_uuid,  # type: ignore[attr-defined]
                user=token.user,
                force=force,
                roles=token.m_roles,  # type: ignore[attr-defined]
                status=Membership.Status.ACTIVE,
                created_at=token.m_created_at,  # type: ignore[attr-defined]
            )
            membership._state.adding = False
        token.user.remember_membership(force, membership)
    return token


def mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """End one token now (idempotent); the record stays for the owner's list."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            action=AuditAction.SIGN_OUT,
            object_type=RecordType.USER,
            object_ids=[token.user.uuid],
            actor=actor,
            justification=f"API token {token.uuid} revoked",
        )
    return token


def revoke_tokens_for(*, user: Any, force: Any) -> int:
    """End every live token ``user`` holds on ``force``'s host (e.g. when removed from the force).

    Returns how many were revoked. Tokens for other hosts are untouched.
    """
    return ApiToken.objects.filter(user=user, host=host_label(force), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
