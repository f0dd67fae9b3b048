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

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tenants.utils import tenant_context

from audit.choices import RecordType
from audit.services import AuditAction, audited_change, record_change, record_event
from core.forms import coded, field_error
from core.roles import ROLES_NEEDING_APPROVAL, ForceRole, RegionalRoleKind
from core.signals import membership_ended

from .errors import PeopleError
from .invitations import email_invitation, issue_invitation, was_accepted
from .models import Force, Membership, MembershipQuerySet, RegionalRole, RoleGrant, User
from .sessions import end_sessions_of as end_indexed_sessions
from .tokens import revoke_tokens_for

LAST_ADMIN_MESSAGE = (
    "This is the force's last active force administrator: give another person the force "
    "administrator role before removing, suspending or demoting this one."
)
SELF_GRANT_MESSAGE = (
    "You cannot give yourself a role. You can give roles up; ask another force administrator for more."
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
            raise field_error(
                "roles",
                f"'{role}' is not a role of this platform; choose from the list.",
                PeopleError.UNKNOWN_ROLE,
            )
        if role not in cleaned:
            cleaned.append(role)
    if not cleaned:
        raise field_error("roles", "Choose at least one role.", PeopleError.NO_ROLE)
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
                object_type=RecordType.MEMBERSHIP,
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
    qs = (
        base.filter(force=force)
        .select_related("user")
        .prefetch_related("role_grants")
        .order_by("user__email")
    )
    if f.role:
        qs = qs.filter(roles__contains=[f.role])
    if f.status:
        qs = qs.filter(status=f.status)
    if f.user_ids is not None:
        qs = qs.filter(user_id__in=f.user_ids)
    # An invited person has not signed in *here*; their sign-ins elsewhere are not this force's to see
    # (nor a hint that the address already had an account).
    invited = Q(status=Membership.Status.INVITED)
    if f.never_signed_in:
        qs = qs.filter(Q(user__last_login__isnull=True) | invited)
    if f.signed_in_since:
        qs = qs.filter(user__last_login__date__gte=f.signed_in_since).exclude(invited)
    if f.not_signed_in_since:
        qs = qs.filter(
            Q(user__last_login__date__lt=f.not_signed_in_since) | Q(user__last_login__isnull=True) | invited
        )
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
                object_type=RecordType.MEMBERSHIP,
                object_ids=ids,
                justification="people list",
                actor=actor,
            )


# --- Invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """What the inviter learns: the same whether or not the address already had an account."""

    membership: Membership
    # Roles asked for that wait for a second administrator's approval (the auditor role).
    pending_roles: list[str]


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
    """Invite a person to the force with the given roles; the invitation link is emailed to them only.

    The membership is "invited" until the invitee follows their link: someone new sets a password
    there, someone who already signs in (elsewhere) accepts while signed in. The link activates this
    membership only. The inviter is never given the link, and learns nothing about whether the
    address already had an account (issue 8): an existing account's name is neither shown nor
    changed. Roles needing approval (auditor) are asked for, not given.
    """
    errors: dict[str, list[ValidationError]] = {}
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        errors["email"] = [
            coded(
                "Enter a valid email address, e.g. j.smith@lincolnshire.police.uk.", PeopleError.INVALID_EMAIL
            )
        ]
    try:
        clean = _clean_roles(roles)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if len((full_name or "").strip()) > 150:
        errors["full_name"] = [coded("The name must be 150 characters or fewer.", PeopleError.TOO_LONG)]
    user = User.objects.filter(email__iexact=address).first() if "email" not in errors else None
    if user is not None and Membership.objects.filter(user=user, force=force).exists():
        errors["email"] = [
            coded(f"{address} is already a member of {force.name}.", PeopleError.ALREADY_MEMBER)
        ]
    if errors:
        raise ValidationError(errors)

    if user is None:
        user = User.objects.create_user(email=address, full_name=(full_name or "").strip())
    now_roles, asked_roles = _split_roles(clean, held=())
    membership = Membership.objects.create(
        user=user, force=force, roles=now_roles, status=Membership.Status.INVITED
    )
    with tenant_context(force):
        record_change(
            action=AuditAction.COLLECT,
            instance=membership,
            before=None,
            after=_snapshot(membership),
            justification="Invited to the force",
            actor=actor,
        )
    for role in asked_roles:
        _request_grant(actor=actor, force=force, membership=membership, role=role)
    path = issue_invitation(membership)
    email_invitation(membership=membership, path=path, absolute_url=absolute_url or _default_absolute)
    return Invitation(membership=membership, pending_roles=asked_roles)


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
        raise field_error(field, LAST_ADMIN_MESSAGE, PeopleError.LAST_ADMINISTRATOR)


def _same_force(force: Force, membership: Membership) -> None:
    if membership.force_id != force.pk:
        raise NotThisForce(str(membership.uuid))


def _split_roles(wanted: list[str], *, held: Iterable[str]) -> tuple[list[str], list[str]]:
    """(roles to set now, roles to ask a second administrator for): held roles are kept as they are."""
    held = set(held)
    now = sorted(r for r in wanted if r in held or r not in ROLES_NEEDING_APPROVAL)
    asked = sorted(r for r in wanted if r not in held and r in ROLES_NEEDING_APPROVAL)
    return now, asked


def pending_roles(membership: Membership) -> list[str]:
    """Roles asked for on this membership that await a second administrator's approval."""
    return sorted(g.role for g in membership.role_grants.all() if g.outcome == RoleGrant.Outcome.PENDING)


def _request_grant(*, actor: Any, force: Force, membership: Membership, role: str) -> RoleGrant:
    grant, created = RoleGrant.objects.get_or_create(
        membership=membership,
        role=role,
        outcome=RoleGrant.Outcome.PENDING,
        defaults={"requested_by": actor if getattr(actor, "pk", None) else None},
    )
    if created:
        with tenant_context(force):
            record_event(
                action=AuditAction.ALTER,
                object_type=RecordType.ROLE_GRANT,
                object_ids=[grant.uuid, membership.uuid],
                changed_fields=["roles"],
                changes={"requested_role": {"before": None, "after": role}},
                justification=f"Role {role} asked for; it awaits a second administrator's approval",
                actor=actor,
            )
    return grant


def _close_grant(*, actor: Any, force: Force, grant: RoleGrant, outcome: str, why: str) -> None:
    grant.outcome = outcome
    grant.decided_by = actor if getattr(actor, "pk", None) else None
    grant.decided_at = timezone.now()
    grant.save(update_fields=["outcome", "decided_by", "decided_at"])
    with tenant_context(force):
        record_event(
            action=AuditAction.ALTER,
            object_type=RecordType.ROLE_GRANT,
            object_ids=[grant.uuid, grant.membership.uuid],
            changed_fields=["outcome"],
            changes={"outcome": {"before": RoleGrant.Outcome.PENDING, "after": outcome}},
            justification=why,
            actor=actor,
        )


@transaction.atomic
def change_roles(*, actor: Any, force: Force, membership: Membership, roles: Iterable[str]) -> Membership:
    """Give a person of this force a new set of roles (several allowed).

    Nobody adds a role to themselves (giving roles up is allowed). A role needing approval (auditor)
    that the person does not hold yet is asked for, not given: see ``decide_role_grant``. A pending
    request for a role left out of the new set is withdrawn. A change of someone else's roles ends
    their sessions (a new session key at their next sign-in).
    """
    _same_force(force, membership)
    clean = _clean_roles(roles)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.user_id == getattr(actor, "pk", None) and not set(clean) <= set(membership.roles):
        raise field_error("roles", SELF_GRANT_MESSAGE, PeopleError.SELF_GRANT)
    now_roles, asked_roles = _split_roles(clean, held=membership.roles)
    _check_admin_remains(force, membership, still_admin=ForceRole.FORCE_ADMIN in now_roles, field="roles")
    changed = sorted(now_roles) != sorted(membership.roles)
    with audited_change(membership, _snapshot, actor=actor, in_force=force):
        membership.roles = now_roles
        membership.save(update_fields=["roles"])
    if changed and membership.user_id != getattr(actor, "pk", None):
        # Roles changed under a signed-in person: their sessions end, so the next sign-in starts a
        # new session key with the new roles (the actor's own session is re-keyed by the view).
        end_sessions_of(membership.user)
    for grant in RoleGrant.objects.select_for_update().filter(
        membership=membership, outcome=RoleGrant.Outcome.PENDING
    ):
        if grant.role not in clean:
            _close_grant(
                actor=actor,
                force=force,
                grant=grant,
                outcome=RoleGrant.Outcome.WITHDRAWN,
                why=f"Request for role {grant.role} withdrawn (left out of a change of roles)",
            )
    for role in asked_roles:
        _request_grant(actor=actor, force=force, membership=membership, role=role)
    return membership


def may_approve(actor: Any, grant: RoleGrant, force: Force) -> bool:
    """A second administrator: an active force administrator of this force, or a regional
    administrator of its region; never the one who asked, never the one who would hold the role."""
    if not getattr(actor, "pk", None) or actor.pk in (grant.requested_by_id, grant.membership.user_id):
        return False
    if ForceRole.FORCE_ADMIN in (getattr(actor.membership_in(force), "roles", None) or []):
        return True
    return force.region is not None and bool(
        actor.regional_roles_for(force.region)
        & {RegionalRoleKind.REGIONAL_ADMIN, RegionalRoleKind.PLATFORM_ADMIN}
    )


APPROVE, DECLINE = "approve", "decline"


@transaction.atomic
def decide_role_grant(
    *, actor: Any, force: Force, membership: Membership, role: str, decision: str
) -> Membership:
    """Approve (a second administrator) or decline (any administrator) a role awaiting approval."""
    _same_force(force, membership)
    if decision not in (APPROVE, DECLINE):
        raise field_error("decision", "Choose 'approve' or 'decline'.", PeopleError.INVALID_DECISION)
    membership = Membership.objects.select_for_update().select_related("user", "force").get(pk=membership.pk)
    grant = (
        RoleGrant.objects.select_for_update()
        .select_related("membership")
        .filter(membership=membership, role=role, outcome=RoleGrant.Outcome.PENDING)
        .first()
    )
    if grant is None:
        raise field_error(
            "role",
            f"No request for the role '{role}' awaits approval for this person.",
            PeopleError.NO_PENDING_REQUEST,
        )
    if decision == DECLINE:
        _close_grant(
            actor=actor,
            force=force,
            grant=grant,
            outcome=RoleGrant.Outcome.DECLINED,
            why=f"Request for role {role} declined",
        )
        return membership
    if not may_approve(actor, grant, force):
        raise field_error(
            "role",
            "A second administrator must approve this: not the administrator who asked for the "
            "role, nor the person who would hold it.",
            PeopleError.SECOND_ADMINISTRATOR_REQUIRED,
        )
    _close_grant(
        actor=actor,
        force=force,
        grant=grant,
        outcome=RoleGrant.Outcome.APPROVED,
        why=f"Role {role} approved by a second administrator",
    )
    with audited_change(
        membership,
        _snapshot,
        justification=f"Role {role} given on approval (request {grant.uuid})",
        actor=actor,
        in_force=force,
        always=True,
    ):
        membership.roles = sorted({*membership.roles, role})
        membership.save(update_fields=["roles"])
    return membership


def pending_grants_for_regions(regions: Iterable[Any]) -> QuerySet[RoleGrant]:
    """Role requests awaiting approval in the forces of these regions (the regional page lists them)."""
    return (
        RoleGrant.objects.filter(
            outcome=RoleGrant.Outcome.PENDING, membership__force__region__in=list(regions)
        )
        .select_related("membership__user", "membership__force", "requested_by")
        .order_by("requested_at")
    )


@transaction.atomic
def suspend_member(*, actor: Any, force: Force, membership: Membership, reason: str = "") -> Membership:
    """Stop a person acting in this force (they get 404 on its host) until reinstated."""
    _same_force(force, membership)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.status == Membership.Status.SUSPENDED:
        return membership
    _check_admin_remains(force, membership, still_admin=False, field="__all__")
    with audited_change(membership, _snapshot, actor=actor, in_force=force, always=True) as change:
        membership.status = Membership.Status.SUSPENDED
        membership.save(update_fields=["status"])
        revoked = _revoke_tokens(membership.user, force)
        change.justification = (reason or "Suspended") + f"; {revoked} API token(s) revoked"
    return membership


@transaction.atomic
def reinstate_member(*, actor: Any, force: Force, membership: Membership) -> Membership:
    """Let a suspended person act in this force again (invited people stay invited until they accept)."""
    _same_force(force, membership)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.status != Membership.Status.SUSPENDED:
        return membership
    with audited_change(
        membership, _snapshot, justification="Reinstated", actor=actor, in_force=force, always=True
    ):
        membership.status = (
            Membership.Status.ACTIVE if was_accepted(membership) else Membership.Status.INVITED
        )
        membership.save(update_fields=["status"])
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
        # The organisation app takes the person out of the force's teams (core.signals).
        answers = membership_ended.send(sender=Membership, force=force, user=user, actor=actor, removed=True)
        teams_left = sum(int(result or 0) for _receiver, result in answers)
    membership.delete()
    tokens = _revoke_tokens(user, force)
    belongs_elsewhere = (
        Membership.objects.filter(user=user).exists() or RegionalRole.objects.filter(user=user).exists()
    )
    sessions = 0 if belongs_elsewhere else end_sessions_of(user)
    with tenant_context(force):
        record_event(
            action=AuditAction.ERASE,
            object_type=RecordType.MEMBERSHIP,
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


@transaction.atomic
def revoke_member_tokens(*, actor: Any, force: Force, membership: Membership, reason: str = "") -> int:
    """A force administrator ends every live API token this person holds on this force's host.

    Logged in the force's log (how many); tokens of other hosts are untouched. Returns the count.
    """
    _same_force(force, membership)
    revoked = _revoke_tokens(membership.user, force)
    with tenant_context(force):
        record_event(
            action=AuditAction.SIGN_OUT,
            object_type=RecordType.MEMBERSHIP,
            object_ids=[membership.uuid],
            actor=actor,
            justification=f"{reason or 'API tokens revoked by an administrator'}; {revoked} API token(s) revoked",
        )
    return revoked


def _revoke_tokens(user: User, force: Force) -> int:
    with tenant_context(force):
        return int(revoke_tokens_for(user=user, force=force) or 0)


def end_sessions_of(user: User, *, keep: str | None = None) -> int:
    """End every session of ``user`` (but ``keep``): by the session index, not by decoding every
    session (tenants/sessions.py)."""
    return end_indexed_sessions(user, keep=keep)


def people_queryset() -> MembershipQuerySet:
    """All memberships with their users (scope it with ``restrict(user, action, force=...)``)."""
    return (
        Membership.objects.select_related("user")
        .prefetch_related("role_grants")
        .order_by("user__email", "pk")
    )
