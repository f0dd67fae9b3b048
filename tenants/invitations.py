"""Invitation links: issued for one membership, emailed to the invitee only, accepted by them alone.

The link's secret is random and stored hashed; using it activates the membership it was issued for
and nothing else (issue 8). Someone without a password sets one through it; someone who already
signs in must be signed in as that person and accept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from audit.choices import RecordType
from audit.services import AuditAction, record_change, record_event
from core.roles import ForceRole

from .models import Membership, MembershipInvitation, User


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_invitation(membership: Membership) -> str:
    """A new link path for ``membership``; earlier unused links of the same membership stop working."""
    now = timezone.now()
    MembershipInvitation.objects.filter(membership=membership, used_at__isnull=True).update(expires_at=now)
    secret = secrets.token_urlsafe(32)
    MembershipInvitation.objects.create(
        membership=membership,
        token_hash=_hash(secret),
        expires_at=now + dt.timedelta(hours=settings.INVITATION_TTL_HOURS),
    )
    return reverse("tenants:invitation", kwargs={"token": secret})


def email_invitation(
    *, membership: Membership, path: str, absolute_url: Callable[[str], str], as_administrator: bool = False
) -> None:
    """Email the link to the invitee (after commit, so a rolled-back invitation reaches nobody)."""
    user, force = membership.user, membership.force
    link = absolute_url(path)
    what = "as its first force administrator" if as_administrator else ""
    if user.has_usable_password():
        step = f"Sign in as {user.email} and accept the invitation with this link:\n{link}"
    else:
        step = f"Set your password with this one-time link, then you can use {force.name}:\n{link}"
    body = (
        f"You have been invited to {force.name} on the SPMP platform {what}".rstrip() + ".\n\n"
        f"{step}\n\nThe link works once, for {settings.INVITATION_TTL_HOURS} hours, and only for you. "
        "If you did not expect this, tell your force's administrator and do not use it."
    )
    address = user.email
    transaction.on_commit(lambda: send_mail(f"Your invitation to {force.name}", body, None, [address]))


def find_invitation(secret: str) -> MembershipInvitation | None:
    """The usable invitation with that secret: unused, unexpired, its membership still invited."""
    return (
        MembershipInvitation.objects.select_related("membership__user", "membership__force")
        .filter(
            token_hash=_hash(secret or ""),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            membership__status=Membership.Status.INVITED,
        )
        .first()
    )


@transaction.atomic
def accept_invitation(*, invitation: MembershipInvitation, user: User) -> Membership | None:
    """``user`` (who must be the invitee) accepts: this membership, and only it, becomes active.

    None when the link was used or withdrawn meanwhile (a second click, a suspension).
    """
    locked = (
        MembershipInvitation.objects.select_for_update()
        .filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if locked is None:
        return None
    membership = (
        Membership.objects.select_for_update().select_related("user", "force").get(pk=locked.membership_id)
    )
    if membership.user_id != user.pk or membership.status != Membership.Status.INVITED:
        return None
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    before: dict[str, Any] = {"status": membership.status}
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    with tenant_context(membership.force):
        record_change(
            action=AuditAction.ALTER,
            instance=membership,
            before=before,
            after={"status": membership.status},
            justification="Invitation accepted by the invitee",
            actor=user,
        )
    return membership


def was_accepted(membership: Membership) -> bool:
    """Whether the person ever took up this membership (memberships made before invitations count)."""
    links = MembershipInvitation.objects.filter(membership=membership)
    return not links.exists() or links.filter(used_at__isnull=False).exists()


@transaction.atomic
def reissue_invitation(*, actor: Any, membership: Membership, absolute_url: Callable[[str], str]) -> bool:
    """Email a new link to a membership still invited (earlier links stop working); logged in its force.

    The link goes to the invitee only, as the first did; the caller learns only whether one was
    sent (False: the person has already accepted, or is suspended or removed).
    """
    membership = Membership.objects.select_for_update().select_related("user", "force").get(pk=membership.pk)
    if membership.status != Membership.Status.INVITED:
        return False
    path = issue_invitation(membership)
    email_invitation(
        membership=membership,
        path=path,
        absolute_url=absolute_url,
        as_administrator=ForceRole.FORCE_ADMIN in membership.roles,
    )
    with tenant_context(membership.force):
        record_event(
            action=AuditAction.ALTER,
            object_type=RecordType.MEMBERSHIP,
            object_ids=[membership.uuid],
            changed_fields=["invitation"],
            justification="Invitation sent again; earlier links withdrawn",
            actor=actor,
        )
    return True
