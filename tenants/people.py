"""People of a force: invite, change roles, suspend, reinstate, remove, list. The only code that does.

Each force administers only its own memberships: every function takes the force and refuses a
membership of another force. Every change is audited in the force's own log (object type
"membership", the membership's UUID; staff emails are not copied into the log).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tenants.utils import tenant_context

from audit.services import AuditAction, record_change, record_event
from core.roles import ForceRole

from .models import Force, Membership, MembershipQuerySet, RegionalRole, User
from .services import set_password_path
from .tokens import revoke_tokens_for

LAST_ADMIN_MESSAGE = (
    "This is the force's last active force administrator: give another person the force "
    "administrator role before removing, suspending or demoting this one."
)


class NotThisForce(Exception):
    """A membership UUID that is not one of this force's (absent, or another force's): answer 404."""


def _snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "user": str(membership.user.uuid),
        "roles": ", ".join(sorted(str(r) for r in membership.roles)),
        "status": membership.status,
    }


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for role in roles:
        if role not in ForceRole.values:
            raise ValidationError(
                {"roles": [f"'{role}' is not a role of this platform; choose from the list."]}
            )
        if role not in cleaned:
            cleaned.append(role)
    if not cleaned:
        raise ValidationError({"roles": ["Choose at least one role."]})
    return sorted(cleaned)


def membership_for(*, force: Force, membership_uuid: uuid_module.UUID | str, actor: Any) -> Membership:
    """This force's membership with that UUID; anything else is refused (audited) as not found."""
    try:
        wanted = uuid_module.UUID(str(membership_uuid))
    except ValueError:
        wanted = None
    membership = (
        Membership.objects.select_related("user", "force").filter(force=force, uuid=wanted).first()
        if wanted
        else None
    )
    if membership is None:
        with tenant_context(force):
            record_event(
                action=AuditAction.PERMISSION_DENIED,
                object_type="membership",
                object_ids=[wanted] if wanted else [],
                actor=actor,
                justification="A membership that is not one of this force's was asked for",
            )
        raise NotThisForce(str(membership_uuid))
    return membership


# --- Listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilter:
    role: str = ""
    #: Only these users (e.g. the members of one team, as the organisation app computes them).
    user_ids: tuple[int, ...] | None = None
    signed_in_since: dt.date | None = None
    not_signed_in_since: dt.date | None = None
    never_signed_in: bool = False
    status: str = ""
    search: str = ""


def people_of(
    force: Force, filters: PeopleFilter | None = None, *, queryset: QuerySet[Membership] | None = None
) -> QuerySet[Membership]:
    """The force's memberships with their users, filtered; two queries at most whatever the page size.

    Pages and endpoints pass ``queryset``, already scoped by ``restrict(user, action, force=...)``.
    """
    f = filters or PeopleFilter()
    base = queryset if queryset is not None else Membership.objects.all()
    qs = base.filter(force=force).select_related("user").order_by("user__email")
    if f.role:
        qs = qs.filter(roles__contains=[f.role])
    if f.status:
        qs = qs.filter(status=f.status)
    if f.user_ids is not None:
        qs = qs.filter(user_id__in=f.user_ids)
    if f.never_signed_in:
        qs = qs.filter(user__last_login__isnull=True)
    if f.signed_in_since:
        qs = qs.filter(user__last_login__date__gte=f.signed_in_since)
    if f.not_signed_in_since:
        qs = qs.filter(Q(user__last_login__date__lt=f.not_signed_in_since) | Q(user__last_login__isnull=True))
    if f.search:
        qs = qs.filter(Q(user__email__icontains=f.search) | Q(user__full_name__icontains=f.search))
    return qs


def record_people_listed(*, force: Force, actor: Any, memberships: Iterable[Membership]) -> None:
    """One consult event naming every membership a list page or response showed."""
    ids = [m.uuid for m in memberships]
    if ids:
        with tenant_context(force):
            record_event(
                action=AuditAction.CONSULT,
                object_type="membership",
                object_ids=ids,
                justification="people list",
                actor=actor,
            )


# --- Invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    # The one-time link to set a password; None when the person already signs in elsewhere.
    set_password_url: str | None
    created_user: bool


def _default_absolute(path: str) -> str:
    from core.hosts import regional_url

    return regional_url(None, path)


@transaction.atomic
def invite_member(
    *,
    actor: Any,
    force: Force,
    email: str,
    roles: Iterable[str],
    full_name: str = "",
    absolute_url: Callable[[str], str] | None = None,
) -> Invitation:
    """Invite a person to the force with the given roles and email them a one-time set-password link.

    A new address gets a User and an "invited" membership that becomes active when they set their
    password. Someone who already signs in (a member of another force) is added as active at once
    and told by email: they already have a password, and a reset link would be a needless risk.
    """
    errors: dict[str, list[str]] = {}
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        errors["email"] = ["Enter a valid email address, e.g. j.smith@lincolnshire.police.uk."]
    try:
        clean = _clean_roles(roles)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if len((full_name or "").strip()) > 150:
        errors["full_name"] = ["The name must be 150 characters or fewer."]
    user = User.objects.filter(email__iexact=address).first() if "email" not in errors else None
    if user is not None and Membership.objects.filter(user=user, force=force).exists():
        errors["email"] = [f"{address} is already a member of {force.name}."]
    if errors:
        raise ValidationError(errors)

    created = user is None
    if user is None:
        user = User.objects.create_user(email=address, full_name=(full_name or "").strip())
    elif full_name and not user.full_name:
        user.full_name = full_name.strip()
        user.save(update_fields=["full_name"])
    needs_password = created or not user.has_usable_password()
    membership = Membership.objects.create(
        user=user,
        force=force,
        roles=clean,
        status=Membership.Status.INVITED if needs_password else Membership.Status.ACTIVE,
    )
    build = absolute_url or _default_absolute
    link = build(set_password_path(user)) if needs_password else None
    with tenant_context(force):
        record_change(
            action=AuditAction.COLLECT,
            instance=membership,
            before=None,
            after=_snapshot(membership),
            justification="Invited to the force" if needs_password else "Added to the force",
            actor=actor,
        )
    if link:
        body = (
            f"You have been invited to {force.name} on the SPMP platform.\n\n"
            f"Set your password with this one-time link, then sign in:\n{link}\n\n"
            "If you did not expect this, tell your force's administrator."
        )
    else:
        body = (
            f"You have been added to {force.name} on the SPMP platform. Sign in as usual and "
            "choose the force."
        )
    # Sent after commit so a rolled-back invitation never reaches anyone's inbox.
    transaction.on_commit(lambda: send_mail(f"Your access to {force.name}", body, None, [address]))
    return Invitation(membership=membership, set_password_url=link, created_user=created)


# --- Roles and status ------------------------------------------------------------------------


def _lock_admins(force: Force) -> list[Membership]:
    """Lock the force's administrator memberships so two admins cannot demote each other at once."""
    return list(
        Membership.objects.select_for_update()
        .filter(force=force, roles__contains=[ForceRole.FORCE_ADMIN])
        .order_by("pk")
    )


def _check_admin_remains(force: Force, membership: Membership, *, still_admin: bool, field: str) -> None:
    admins = _lock_admins(force)
    others = [m for m in admins if m.pk != membership.pk and m.status == Membership.Status.ACTIVE]
    is_active_admin = (
        membership.status == Membership.Status.ACTIVE and ForceRole.FORCE_ADMIN in membership.roles
    )
    if is_active_admin and not still_admin and not others:
        raise ValidationError({field: [LAST_ADMIN_MESSAGE]})


def _same_force(force: Force, membership: Membership) -> None:
    if membership.force_id != force.pk:
        raise NotThisForce(str(membership.uuid))


@transaction.atomic
def change_roles(*, actor: Any, force: Force, membership: Membership, roles: Iterable[str]) -> Membership:
    """Give a person of this force a new set of roles (several allowed)."""
    _same_force(force, membership)
    clean = _clean_roles(roles)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    _check_admin_remains(force, membership, still_admin=ForceRole.FORCE_ADMIN in clean, field="roles")
    before = _snapshot(membership)
    membership.roles = clean
    membership.save(update_fields=["roles"])
    after = _snapshot(membership)
    if after != before:
        with tenant_context(force):
            record_change(
                action=AuditAction.ALTER, instance=membership, before=before, after=after, actor=actor
            )
    return membership


@transaction.atomic
def suspend_member(*, actor: Any, force: Force, membership: Membership, reason: str = "") -> Membership:
    """Stop a person acting in this force (they get 404 on its host) until reinstated."""
    _same_force(force, membership)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.status == Membership.Status.SUSPENDED:
        return membership
    _check_admin_remains(force, membership, still_admin=False, field="__all__")
    before = _snapshot(membership)
    membership.status = Membership.Status.SUSPENDED
    membership.save(update_fields=["status"])
    revoked = _revoke_tokens(membership.user, force)
    with tenant_context(force):
        record_change(
            action=AuditAction.ALTER,
            instance=membership,
            before=before,
            after=_snapshot(membership),
            justification=(reason or "Suspended") + f"; {revoked} API token(s) revoked",
            actor=actor,
        )
    return membership


@transaction.atomic
def reinstate_member(*, actor: Any, force: Force, membership: Membership) -> Membership:
    """Let a suspended person act in this force again (invited people stay invited until they sign in)."""
    _same_force(force, membership)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.status != Membership.Status.SUSPENDED:
        return membership
    before = _snapshot(membership)
    membership.status = (
        Membership.Status.ACTIVE if membership.user.has_usable_password() else Membership.Status.INVITED
    )
    membership.save(update_fields=["status"])
    with tenant_context(force):
        record_change(
            action=AuditAction.ALTER,
            instance=membership,
            before=before,
            after=_snapshot(membership),
            justification="Reinstated",
            actor=actor,
        )
    return membership


@dataclass(frozen=True)
class Removal:
    membership_uuid: uuid_module.UUID
    sessions_ended: int
    tokens_revoked: int
    teams_left: int


@transaction.atomic
def remove_member(*, actor: Any, force: Force, membership: Membership, reason: str = "") -> Removal:
    """Remove a person from this force with immediate effect.

    Their next request to the force's host is answered 404 (ForceMembershipMiddleware checks the
    membership on every request), their API tokens for this host are revoked, they leave every team
    of the force, and if they belong nowhere else their sessions are deleted outright.
    """
    _same_force(force, membership)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    _check_admin_remains(force, membership, still_admin=False, field="__all__")
    user = membership.user
    gone_uuid = membership.uuid
    before = _snapshot(membership)
    with tenant_context(force):
        from organisation.services import remove_from_all_teams

        teams_left = remove_from_all_teams(actor=actor, user=user)
    membership.delete()
    tokens = _revoke_tokens(user, force)
    belongs_elsewhere = (
        Membership.objects.filter(user=user).exists() or RegionalRole.objects.filter(user=user).exists()
    )
    sessions = 0 if belongs_elsewhere else end_sessions_of(user)
    with tenant_context(force):
        record_event(
            action=AuditAction.ERASE,
            object_type="membership",
            object_ids=[gone_uuid],
            actor=actor,
            changed_fields=sorted(before),
            changes={"roles": {"before": before["roles"], "after": None}},
            justification=(
                f"{reason or 'Removed from the force'}; left {teams_left} team(s), {tokens} API token(s) "
                f"revoked, {sessions} session(s) ended"
            ),
        )
    return Removal(
        membership_uuid=gone_uuid, sessions_ended=sessions, tokens_revoked=tokens, teams_left=teams_left
    )


def _revoke_tokens(user: User, force: Force) -> int:
    with tenant_context(force):
        return int(revoke_tokens_for(user=user, force=force) or 0)


def end_sessions_of(user: User) -> int:
    """Delete every live database session of ``user`` (sessions are stored in the public schema)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def people_queryset() -> MembershipQuerySet:
    """All memberships with their users (scope it with ``restrict(user, action, force=...)``)."""
    return Membership.objects.select_related("user").order_by("user__email", "pk")
