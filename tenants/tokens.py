"""API token services: the only code that issues, revokes and touches tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
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


@functools.cache
def _token_lookup() -> tuple[str, list[str], list[str], list[tuple[int, list[Any], Any]]]:
    """The token, its user and the user's active membership of one force, in one statement.

    Written out once rather than built by the ORM on every request: building the same query with
    ``select_related`` and a ``FilteredRelation`` cost about 3 ms of Python a request, several times
    the statement itself (``api.subject_detail_overhead`` in ``make bench``). Returns the SQL, the
    token's and the user's attribute names in column order, and the converters a column needs (as
    the ORM would apply them: none today, but a field added later keeps its conversion).
    """
    from .models import User

    qn = connection.ops.quote_name
    fields = [("t", f) for f in ApiToken._meta.concrete_fields] + [
        ("u", f) for f in User._meta.concrete_fields
    ]
    by_name = {f.name: f for f in Membership._meta.concrete_fields}
    membership_fields = [("m", by_name[name]) for name in ("id", "uuid", "roles", "created_at")]
    converters = []
    for i, (alias, field) in enumerate(fields + membership_fields):
        col = field.get_col(alias)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            converters.append((i, found, col))
    columns = ", ".join(f"{alias}.{qn(str(field.column))}" for alias, field in fields + membership_fields)
    sql = (
        f"SELECT {columns} FROM {qn(ApiToken._meta.db_table)} t "  # noqa: S608 - names from the models
        f"JOIN {qn(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT JOIN {qn(Membership._meta.db_table)} m "
        "ON m.user_id = u.id AND m.force_id = %s AND m.status = %s "
        "WHERE t.key_hash = %s"
    )
    return (
        sql,
        [f.attname for f in ApiToken._meta.concrete_fields],
        [f.attname for f in User._meta.concrete_fields],
        converters,
    )


def find_token(secret: str, *, force: Any = None) -> ApiToken | None:
    """The token with this secret (live or not), with its user; None if there is no such token.

    Given the host's ``force``, the same statement also reads the user's active membership there and
    leaves it in the user's per-request membership cache, so that authenticating a token and
    checking membership cost one query rather than two. Nothing is cached beyond the request: a
    revoked token or a suspended membership is refused on the very next request.
    """
    if force is None or getattr(force, "is_platform", True):
        return ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret)).first()
    from .models import User

    sql, token_names, user_names, converters = _token_lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [force.pk, Membership.Status.ACTIVE, hash_secret(secret)])
        fetched = cursor.fetchone()
    if fetched is None:
        return None
    row = list(fetched)
    for i, functions, col in converters:
        for convert in functions:
            row[i] = convert(row[i], col, connection)
    nt, nu = len(token_names), len(user_names)
    token = ApiToken.from_db(connection.alias, token_names, row[:nt])
    user = User.from_db(connection.alias, user_names, row[nt : nt + nu])
    token.user = user
    m_pk, m_uuid, m_roles, m_created_at = row[nt + nu :]
    membership = None
    if m_pk is not None:
        membership = Membership(
            pk=m_pk,
            uuid=m_uuid,
            user=user,
            force=force,
            roles=m_roles,
            status=Membership.Status.ACTIVE,
            created_at=m_created_at,
        )
        membership._state.adding = False
        membership._state.db = connection.alias
    user.remember_membership(force, membership)
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
