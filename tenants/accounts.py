"""A person's account across forces: password, deactivation, regional roles. The only code that changes them.

Each change is audited in the platform's (public) log, object type "user", the user's UUID; the
password itself is never logged. Deactivating also revokes every API token and ends every session,
and is refused while the person is the last active administrator of a force.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from audit.services import AuditAction, RecordType, record_event
from core.forms import coded, field_error
from core.roles import ForceRole

from .errors import PeopleError
from .models import ApiToken, Force, Membership, Region, RegionalRole, User
from .people import LAST_ADMIN_MESSAGE, _check_admin_remains, end_sessions_of

SELF_GRANT_MESSAGE = "You cannot give yourself a role; ask another platform administrator."
SELF_DEACTIVATE_MESSAGE = "You cannot deactivate your own account; ask another platform administrator."


@transaction.atomic
def set_password(*, user: User, raw_password: str, actor: Any, justification: str) -> User:
    """Give ``user`` a new password (checked by the password validators) and log it once."""
    try:
        password_validation.validate_password(raw_password, user)
    except ValidationError as exc:
        raise ValidationError(
            {"password": [coded(m, PeopleError.WEAK_PASSWORD) for m in exc.messages]}
        ) from exc
    user.set_password(raw_password)
    user.save(update_fields=["password"])
    with schema_context(get_public_schema_name()):
        record_event(
            action=AuditAction.ALTER,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            changed_fields=["password"],
            actor=actor,
            justification=justification,
        )
    return user


def _forces_it_would_leave_without_admin(user: User) -> list[Force]:
    """Forces where ``user`` is the only active force administrator (their rows are locked meanwhile)."""
    orphaned: list[Force] = []
    for membership in Membership.objects.select_related("force").filter(
        user=user, status=Membership.Status.ACTIVE, roles__contains=[ForceRole.FORCE_ADMIN]
    ):
        try:
            _check_admin_remains(membership.force, membership, still_admin=False, field="__all__")
        except ValidationError:
            orphaned.append(membership.force)
    return orphaned


@transaction.atomic
def deactivate_user(*, actor: Any, user: User, reason: str = "") -> User:
    """Stop ``user`` signing in anywhere: inactive, every API token revoked, every session ended.

    Refused (a ``ValidationError``, nothing changed) for one's own account, and while the person is
    the last active force administrator of a force.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    if user.pk == getattr(actor, "pk", None):
        raise field_error("is_active", SELF_DEACTIVATE_MESSAGE, PeopleError.SELF_DEACTIVATE)
    orphaned = _forces_it_would_leave_without_admin(user)
    if orphaned:
        names = ", ".join(sorted(f.name for f in orphaned))
        raise field_error("is_active", f"{LAST_ADMIN_MESSAGE} ({names})", PeopleError.LAST_ADMINISTRATOR)
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    sessions = end_sessions_of(user)
    with schema_context(get_public_schema_name()):
        record_event(
            action=AuditAction.ALTER,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            changed_fields=["is_active"],
            changes={"is_active": {"before": True, "after": False}},
            actor=actor,
            justification=(
                f"{reason or 'Account deactivated'}; {tokens} API token(s) revoked, {sessions} session(s) ended"
            ),
        )
    return user


@transaction.atomic
def reactivate_user(*, actor: Any, user: User, reason: str = "") -> User:
    """Let a deactivated person sign in again (their memberships and roles are as they were)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    with schema_context(get_public_schema_name()):
        record_event(
            action=AuditAction.ALTER,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            changed_fields=["is_active"],
            changes={"is_active": {"before": False, "after": True}},
            actor=actor,
            justification=reason or "Account reactivated",
        )
    return user


def _regional_snapshot(role: RegionalRole) -> dict[str, Any]:
    return {
        "user": str(role.user.uuid),
        "role": role.role,
        "region": role.region.slug if role.region else None,
    }


@transaction.atomic
def grant_regional_role(*, actor: Any, user: User, role: str, region: Region | None) -> RegionalRole:
    """Give ``user`` a role above single forces (a platform administrator's has no region)."""
    if user.pk == getattr(actor, "pk", None):
        raise field_error("user", SELF_GRANT_MESSAGE, PeopleError.SELF_GRANT)
    regional = RegionalRole(user=user, role=role, region=region)
    regional.full_clean()
    regional.save()
    with schema_context(get_public_schema_name()):
        record_event(
            action=AuditAction.COLLECT,
            object_type=RecordType.REGIONAL_ROLE,
            object_ids=[regional.uuid, user.uuid],
            changed_fields=["role"],
            changes={"role": {"before": None, "after": _regional_snapshot(regional)}},
            actor=actor,
            justification="Regional role given",
        )
    return regional


@transaction.atomic
def end_regional_role(*, actor: Any, regional_role: RegionalRole) -> int:
    """Take a regional role away; with no regional role left, their regional-host API tokens are revoked.

    Returns how many tokens were revoked.
    """
    regional_role = (
        RegionalRole.objects.select_for_update(of=("self",))
        .select_related("user", "region")
        .get(pk=regional_role.pk)
    )
    user, before, gone = regional_role.user, _regional_snapshot(regional_role), regional_role.uuid
    regional_role.delete()
    revoked = 0
    if not RegionalRole.objects.filter(user=user).exists():
        revoked = ApiToken.objects.filter(user=user, host="", revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    with schema_context(get_public_schema_name()):
        record_event(
            action=AuditAction.ERASE,
            object_type=RecordType.REGIONAL_ROLE,
            object_ids=[gone, user.uuid],
            changed_fields=["role"],
            changes={"role": {"before": before, "after": None}},
            actor=actor,
            justification=f"Regional role taken away; {revoked} regional API token(s) revoked",
        )
    return revoked
