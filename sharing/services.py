"""Cross-force sharing (issue 14): the registry, requests, decisions, grants and shared reads.

The sharing tables are public; a force's data is only ever read inside ``schema_context`` of the
owner, through ``restrict(user, action, force=owner)``, whose grant hook (``core.grants``) asks
django-guardian for the permissions a grant wrote on the subject. Code that crosses schemas names
the force and the UUID and checks both (``_owner_of``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from guardian.shortcuts import assign_perm, remove_perm

from audit.models import AuditEvent
from audit.services import AuditAction, RecordType, audited_change, record_event
from core.forms import coded
from core.normalise import name_key, pnc_key
from core.roles import ForceRole, Perm, permissions_for_roles
from core.tenancy import permissions_in
from orders.models import OrderTerm, ProtectedPerson, ProtectiveOrder
from plans.briefings import briefing, briefing_queryset
from plans.choices import VersionStatus
from plans.models import Plan, PlanVersion
from plans.services import content
from subjects.models import Subject, SubjectAlias
from tenants.models import Force, Membership

from .choices import LawfulBasis, RequestStatus, Scope, SharingError
from .errors import GrantEnded, NotFound, SharingRefused, Throttled
from .models import Grant, RegistryKey, SharingRequest

HOUR = dt.timedelta(hours=1)


# -- registry --------------------------------------------------------------------------------------
def _mac(text: str) -> str:
    return hmac.new(settings.REGISTRY_MATCH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def match_keys(
    *, pnc_id: str = "", names: Iterable[str] = (), date_of_birth: dt.date | None = None
) -> set[str]:
    """The keys a person is known by: the PNC id; each name or alias with the date of birth,
    normalised as the search columns are (``core.normalise``)."""
    keys: set[str] = set()
    pnc = pnc_key(pnc_id)
    if pnc:
        keys.add(_mac(f"pnc|{pnc}"))
    if date_of_birth:
        for name in names:
            normalised = name_key(name)
            if normalised:
                keys.add(_mac(f"name|{normalised}|{date_of_birth.isoformat()}"))
    return keys


def subject_keys(subject: Subject) -> set[str]:
    aliases = list(SubjectAlias.objects.filter(subject_id=subject.pk).values_list("name", flat=True))
    return match_keys(
        pnc_id=subject.pnc_id,
        names=[f"{subject.given_names} {subject.family_name}", *aliases],
        date_of_birth=subject.date_of_birth,
    )


def sync_subject_keys(*, force_uuid: uuid_module.UUID, subject: Subject) -> None:
    """Make the registry hold exactly ``subject``'s keys (the subject of ``force_uuid``)."""
    keys = subject_keys(subject)
    rows = RegistryKey.objects.filter(force_uuid=force_uuid, subject_uuid=subject.uuid)
    have = set(rows.values_list("key", flat=True))
    if have - keys:
        rows.filter(key__in=have - keys).delete()
    if keys - have:
        RegistryKey.objects.bulk_create(
            [RegistryKey(key=k, force_uuid=force_uuid, subject_uuid=subject.uuid) for k in keys - have],
            ignore_conflicts=True,
        )


def index_subjects(
    *, force_uuid: uuid_module.UUID, subjects: Iterable[Subject], aliases: dict[int, list[str]]
) -> None:
    """Keys of subjects recorded in bulk (an import), in one INSERT."""
    rows = [
        RegistryKey(key=k, force_uuid=force_uuid, subject_uuid=s.uuid)
        for s in subjects
        for k in match_keys(
            pnc_id=s.pnc_id,
            names=[f"{s.given_names} {s.family_name}", *aliases.get(s.pk, [])],
            date_of_birth=s.date_of_birth,
        )
    ]
    RegistryKey.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def forget_subject(*, force_uuid: uuid_module.UUID, subject_uuid: uuid_module.UUID) -> None:
    RegistryKey.objects.filter(force_uuid=force_uuid, subject_uuid=subject_uuid).delete()


def rebuild_registry(force: Force) -> int:
    """Every key of ``force``'s subjects, rebuilt (after bulk imports; ``rebuild_registry``)."""
    rows: list[RegistryKey] = []
    with schema_context(force.schema_name):
        aliases: dict[int, list[str]] = {}
        for subject_id, name in SubjectAlias.objects.values_list("subject_id", "name"):
            aliases.setdefault(subject_id, []).append(name)
        for s in Subject.objects.only("id", "uuid", "given_names", "family_name", "pnc_id", "date_of_birth"):
            keys = match_keys(
                pnc_id=s.pnc_id,
                names=[f"{s.given_names} {s.family_name}", *aliases.get(s.pk, [])],
                date_of_birth=s.date_of_birth,
            )
            rows += [RegistryKey(key=k, force_uuid=force.uuid, subject_uuid=s.uuid) for k in keys]
    with transaction.atomic():
        RegistryKey.objects.filter(force_uuid=force.uuid).delete()
        RegistryKey.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(rows)


def seed_registry(force: Any) -> None:
    """The demo step: (re)index the force's subjects."""
    real = Force.objects.get(schema_name=force.schema_name)
    rebuild_registry(real)


def _throttle(actor: Any) -> None:
    """At most ``SHARING_CHECKS_PER_HOUR`` checks per user, counted from their combine events in
    the log (the actor-and-time index), so the limit holds across workers whatever the cache."""
    limit = int(settings.SHARING_CHECKS_PER_HOUR)
    now = timezone.now()
    times = list(
        AuditEvent.objects.filter(
            actor_uuid=actor.uuid, occurred_at__gte=now - HOUR, action=AuditAction.COMBINE
        )
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)[:limit]
    )
    if len(times) >= limit:
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.SUBJECT,
            justification=f"Registry check refused (throttled): {limit} checks in the last hour",
            actor=actor,
        )
        raise Throttled(max(1, int((times[0] + HOUR - now).total_seconds()) + 1))


def registry_matches(keys: Iterable[str], *, besides: uuid_module.UUID) -> list[Match]:
    """The forces other than ``besides`` holding any of ``keys``: one indexed query (names joined)."""
    keys = list(keys)
    if not keys:
        return []
    found = (
        RegistryKey.objects.filter(key__in=keys).exclude(force_uuid=besides).values("force_uuid").distinct()
    )
    return [
        Match(force_uuid=uuid, force_name=name)
        for uuid, name in Force.objects.filter(uuid__in=found).order_by("name").values_list("uuid", "name")
    ]


@dataclass(frozen=True)
class Match:
    """A force that manages a matching person: its name and UUID, nothing about the person."""

    force_uuid: uuid_module.UUID
    force_name: str


def check_registry(
    *,
    actor: Any,
    force: Force,
    subject: Subject | None = None,
    pnc_id: str = "",
    names: Iterable[str] = (),
    date_of_birth: dt.date | None = None,
) -> list[Match]:
    """Which other forces manage this person (a subject of ``force``, or what the new-subject form
    holds). One combine event per check; throttled per user."""
    _throttle(actor)
    keys = (
        subject_keys(subject)
        if subject is not None
        else match_keys(pnc_id=pnc_id, names=names, date_of_birth=date_of_birth)
    )
    matches = registry_matches(keys, besides=force.uuid)
    record_event(
        action=AuditAction.COMBINE,
        object_type=RecordType.SUBJECT,
        object_ids=[subject.uuid] if subject is not None else [],
        justification=f"Registry check: {len(matches)} other force(s) manage a matching person",
        actor=actor,
    )
    return matches


# -- requests ----------------------------------------------------------------------------------
def _force(force_uuid: Any) -> Force | None:
    try:
        key = uuid_module.UUID(str(force_uuid))
    except ValueError:
        return None
    return Force.objects.exclude(schema_name="public").filter(uuid=key).first()


def _log_in(force: Force, *, actor: Any, actor_force: Force, **event: Any) -> None:
    """An event in ``force``'s log (the other side of a cross-force step), naming the actor's force."""
    with tenant_context(force):
        record_event(actor=actor, actor_force=actor_force.slug, **event)


def _clean_scopes(scopes: Iterable[str], errors: dict[str, list[ValidationError]]) -> list[str]:
    chosen = [str(s) for s in scopes or []]
    if not chosen or set(chosen) - set(Scope.values):
        errors.setdefault("scopes", []).append(coded("Choose what you need shared.", SharingError.INVALID))
    return [s for s in Scope.values if s in chosen]


def _clean_days(value: Any, errors: dict[str, list[ValidationError]], name: str = "duration_days") -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= int(settings.SHARING_MAX_DAYS):
        errors.setdefault(name, []).append(
            coded(f"Enter a number of days from 1 to {settings.SHARING_MAX_DAYS}.", SharingError.INVALID)
        )
    return days


@transaction.atomic
def request_sharing(
    *,
    actor: Any,
    force: Force,
    subject: Subject,
    owning_force_uuid: Any,
    scopes: Iterable[str],
    lawful_basis: str,
    justification: str,
    duration_days: Any,
    protected_persons_justification: str = "",
) -> SharingRequest:
    """Ask the force that manages a person matching ``subject`` (of ``force``) to share."""
    if Perm.REQUEST_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    errors: dict[str, list[ValidationError]] = {}
    owner = _force(owning_force_uuid)
    owner_subject: uuid_module.UUID | None = None
    if owner is not None and owner.pk == force.pk:
        errors["owning_force"] = [coded("Your own force manages this subject.", SharingError.OWN_FORCE)]
    elif owner is not None:
        found = (
            RegistryKey.objects.filter(force_uuid=owner.uuid, key__in=subject_keys(subject))
            .values_list("subject_uuid", flat=True)
            .first()
        )
        owner_subject = found
    if owner is None or (owner_subject is None and "owning_force" not in errors):
        errors["owning_force"] = [
            coded("That force does not manage a matching person.", SharingError.NO_MATCH)
        ]
    chosen = _clean_scopes(scopes, errors)
    if lawful_basis not in LawfulBasis.values:
        errors["lawful_basis"] = [coded("Choose the lawful basis.", SharingError.INVALID)]
    if not (justification or "").strip():
        errors["justification"] = [coded("Say why you need it.", SharingError.JUSTIFICATION_REQUIRED)]
    if Scope.PROTECTED_PERSONS in chosen and not (protected_persons_justification or "").strip():
        errors["protected_persons_justification"] = [
            coded("Say why you need the protected persons.", SharingError.JUSTIFICATION_REQUIRED)
        ]
    days = _clean_days(duration_days, errors)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    assert owner is not None and owner_subject is not None
    request = SharingRequest.objects.create(
        requesting_force_uuid=force.uuid,
        owning_force_uuid=owner.uuid,
        subject_uuid=owner_subject,
        requester_subject_uuid=subject.uuid,
        scopes=chosen,
        lawful_basis=lawful_basis,
        justification=justification.strip(),
        protected_persons_justification=(protected_persons_justification or "").strip(),
        duration_days=days,
        requested_by=actor,
    )
    _log_request(request, actor=actor, asker=force, owner=owner, what="Asked")
    return request


def _log_request(request: SharingRequest, *, actor: Any, asker: Force, owner: Force, what: str) -> None:
    detail = f"{what}: {', '.join(request.scopes)} for {request.duration_days} days ({request.lawful_basis})"
    record_event(
        action=AuditAction.COLLECT,
        object_type=RecordType.SHARING_REQUEST,
        object_ids=[
            request.uuid,
            *([request.requester_subject_uuid] if request.requester_subject_uuid else []),
        ],
        justification=f"{detail}: {request.justification}",
        recipient=owner.slug,
        actor=actor,
    )
    _log_in(
        owner,
        actor=actor,
        actor_force=asker,
        action=AuditAction.COLLECT,
        object_type=RecordType.SHARING_REQUEST,
        object_ids=[request.uuid, request.subject_uuid],
        justification=f"{detail} by {asker.name}: {request.justification}",
        recipient=asker.slug,
    )


@transaction.atomic
def request_extension(
    *, actor: Any, force: Force, grant_uuid: Any, duration_days: Any, justification: str
) -> SharingRequest:
    """The receiver asks for more days on a live grant; the owner decides as for any request."""
    if Perm.REQUEST_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    grant = _received_grant(actor=actor, force=force, grant_uuid=grant_uuid)
    errors: dict[str, list[ValidationError]] = {}
    days = _clean_days(duration_days, errors)
    if not (justification or "").strip():
        errors["justification"] = [coded("Say why you need longer.", SharingError.JUSTIFICATION_REQUIRED)]
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    owner = _owner_of(grant)
    original = grant.request
    request = SharingRequest.objects.create(
        requesting_force_uuid=force.uuid,
        owning_force_uuid=grant.owning_force_uuid,
        subject_uuid=grant.subject_uuid,
        requester_subject_uuid=original.requester_subject_uuid if original else None,
        scopes=list(grant.scopes),
        lawful_basis=original.lawful_basis if original else LawfulBasis.LAW_ENFORCEMENT,
        justification=justification.strip(),
        duration_days=days,
        extends=grant,
        requested_by=actor,
    )
    _log_request(request, actor=actor, asker=force, owner=owner, what="Asked to extend")
    return request


def queue(force: Force) -> list[SharingRequest]:
    """The owner's disclosure officers' queue: requests waiting for a decision, oldest first."""
    return list(
        SharingRequest.objects.filter(owning_force_uuid=force.uuid, status=RequestStatus.PENDING)
        .select_related("requested_by")
        .order_by("created_at", "id")
    )


def asked_by(force: Force) -> list[SharingRequest]:
    """What ``force`` asked for, newest first: the outcome and reason only (never the owner's data)."""
    return list(SharingRequest.objects.filter(requesting_force_uuid=force.uuid).order_by("-created_at")[:200])


def _request_to_decide(*, actor: Any, force: Force, request_uuid: Any) -> SharingRequest:
    if Perm.DECIDE_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    try:
        key = uuid_module.UUID(str(request_uuid))
    except ValueError:
        raise NotFound() from None
    request = (
        SharingRequest.objects.select_for_update().filter(uuid=key, owning_force_uuid=force.uuid).first()
    )
    if request is None:
        _refusal_logged(actor, RecordType.SHARING_REQUEST, key, "Decision on a request not to this force")
        raise NotFound()
    if request.status != RequestStatus.PENDING:
        raise ValidationError(
            {"status": [coded("This request has already been decided.", SharingError.ALREADY_DECIDED)]}
        )
    return request


def _refusal_logged(actor: Any, object_type: RecordType, key: Any, what: str) -> None:
    record_event(
        action=AuditAction.PERMISSION_DENIED,
        object_type=object_type,
        object_ids=[key] if key else [],
        justification=what,
        actor=actor,
    )


def reader_group(force_uuid: uuid_module.UUID) -> Group:
    """The receiving force's group: its members who may read what other forces share."""
    group, _ = Group.objects.get_or_create(name=f"sharing-readers:{force_uuid}")
    return group


def reads_shared_as_force(roles: Iterable[str]) -> bool:
    """Whether these roles read the force's received grants (partner agencies read only theirs)."""
    return Perm.READ_SHARED in permissions_for_roles([r for r in roles if r != ForceRole.PARTNER])


def sync_reader_group(membership: Membership, *, removed: bool = False) -> None:
    group = reader_group(membership.force.uuid)
    if (
        not removed
        and membership.status == Membership.Status.ACTIVE
        and reads_shared_as_force(membership.roles)
    ):
        membership.user.groups.add(group)
    else:
        membership.user.groups.remove(group)


def _holders(grant: Grant) -> list[Any]:
    if grant.is_partner_grant:
        return list(grant.users.all())
    return [reader_group(grant.receiving_force_uuid)]


def _set_permissions(grant: Grant, owner: Force, *, scopes: Iterable[str], give: bool) -> None:
    with schema_context(owner.schema_name):
        subject = Subject.objects.filter(uuid=grant.subject_uuid).first()
        if subject is None:
            if give:
                raise NotFound("The subject is no longer held.")
            return
        for holder in _holders(grant):
            for scope in scopes:
                perm = f"subjects.share_{scope}"
                (assign_perm if give else remove_perm)(perm, holder, subject)


@transaction.atomic
def approve(
    *,
    actor: Any,
    force: Force,
    request_uuid: Any,
    scopes: Iterable[str] | None = None,
    duration_days: Any = None,
    reasons: str = "",
) -> Grant:
    """Approve, perhaps narrowing the scope or the days: a Grant and guardian permissions on the
    subject, in the owner's schema, for the receiving force's readers."""
    request = _request_to_decide(actor=actor, force=force, request_uuid=request_uuid)
    errors: dict[str, list[ValidationError]] = {}
    chosen = _clean_scopes(request.scopes if scopes is None else scopes, errors)
    days = _clean_days(request.duration_days if duration_days in (None, "") else duration_days, errors)
    if set(chosen) - set(request.scopes):
        errors.setdefault("scopes", []).append(
            coded("Share only what was asked.", SharingError.WIDER_THAN_ASKED)
        )
    if days > request.duration_days:
        errors.setdefault("duration_days", []).append(
            coded("Share for no longer than was asked.", SharingError.WIDER_THAN_ASKED)
        )
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    receiver = _force(request.requesting_force_uuid)
    if receiver is None:
        raise NotFound("The requesting force no longer exists.")
    now = timezone.now()
    if request.extends_id:
        grant = Grant.objects.select_for_update().get(pk=request.extends_id)
        if not grant.live(now):
            raise GrantEnded(
                SharingError.GRANT_EXPIRED if grant.revoked_at is None else SharingError.GRANT_REVOKED
            )
        grant.expires_at = now + dt.timedelta(days=days)
        grant.save(update_fields=["expires_at"])
    else:
        grant = Grant.objects.create(
            request=request,
            owning_force_uuid=force.uuid,
            receiving_force_uuid=receiver.uuid,
            subject_uuid=request.subject_uuid,
            scopes=chosen,
            granted_by=actor,
            granted_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        _set_permissions(grant, force, scopes=chosen, give=True)
    request.status = RequestStatus.APPROVED
    request.decided_by = actor
    request.decided_at = now
    request.reasons = (reasons or "").strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    what = f"Approved: {', '.join(grant.scopes)} until {grant.expires_at:%Y-%m-%d %H:%M} UTC"
    _log_decision(request, grant=grant, actor=actor, owner=force, receiver=receiver, what=what)
    return grant


def _log_decision(
    request: SharingRequest, *, grant: Grant | None, actor: Any, owner: Force, receiver: Force, what: str
) -> None:
    ids = [request.uuid, *([grant.uuid] if grant else [])]
    record_event(
        action=AuditAction.ALTER,
        object_type=RecordType.SHARING_REQUEST,
        object_ids=[*ids, request.subject_uuid],
        justification=what,
        recipient=receiver.slug,
        actor=actor,
    )
    _log_in(
        receiver,
        actor=actor,
        actor_force=owner,
        action=AuditAction.ALTER,
        object_type=RecordType.SHARING_REQUEST,
        object_ids=ids,
        justification=f"{owner.name}: {what}",
        recipient=receiver.slug,
    )


@transaction.atomic
def refuse(*, actor: Any, force: Force, request_uuid: Any, reasons: str) -> SharingRequest:
    """Refuse with reasons; the asker learns the outcome and the reasons, nothing else."""
    request = _request_to_decide(actor=actor, force=force, request_uuid=request_uuid)
    if not (reasons or "").strip():
        raise ValidationError(
            {"reasons": [coded("Give the reasons for refusing.", SharingError.JUSTIFICATION_REQUIRED)]}
        )
    receiver = _force(request.requesting_force_uuid)
    request.status = RequestStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.reasons = reasons.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    if receiver is not None:
        _log_decision(
            request,
            grant=None,
            actor=actor,
            owner=force,
            receiver=receiver,
            what=f"Refused: {request.reasons}",
        )
    return request


def _grant_snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "scopes": list(grant.scopes),
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "permissions_removed_at": grant.permissions_removed_at,
    }


def granted_by(force: Force) -> list[Grant]:
    """What ``force`` shares with others (and its partner agencies), newest first."""
    return list(Grant.objects.filter(owning_force_uuid=force.uuid).order_by("-granted_at")[:200])


@transaction.atomic
def revoke(*, actor: Any, force: Force, grant_uuid: Any, reason: str) -> Grant:
    """End a grant now: the permissions go at once, reads are refused ``grant_revoked``."""
    if Perm.DECIDE_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    try:
        key = uuid_module.UUID(str(grant_uuid))
    except ValueError:
        raise NotFound() from None
    grant = Grant.objects.select_for_update().filter(uuid=key, owning_force_uuid=force.uuid).first()
    if grant is None:
        _refusal_logged(actor, RecordType.GRANT, key, "Revocation of a grant not of this force")
        raise NotFound()
    if not (reason or "").strip():
        raise ValidationError({"reason": [coded("Say why.", SharingError.JUSTIFICATION_REQUIRED)]})
    if grant.revoked_at is not None:
        raise GrantEnded(SharingError.GRANT_REVOKED)
    with audited_change(grant, _grant_snapshot, actor=actor, justification=f"Revoked: {reason.strip()}"):
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.revoke_reason = reason.strip()
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        _set_permissions(grant, force, scopes=grant.scopes, give=False)
    receiver = _force(grant.receiving_force_uuid)
    if receiver is not None and receiver.pk != force.pk:
        _log_in(
            receiver,
            actor=actor,
            actor_force=force,
            action=AuditAction.ALTER,
            object_type=RecordType.GRANT,
            object_ids=[grant.uuid],
            justification=f"{force.name} revoked the grant",
            recipient=receiver.slug,
        )
    return grant


def expire_grants(now: dt.datetime | None = None) -> int:
    """Remove the guardian permissions of grants past their expiry (reads refuse them already)."""
    now = now or timezone.now()
    done = 0
    for grant in Grant.objects.filter(expires_at__lte=now, revoked_at=None, permissions_removed_at=None):
        owner = _force(grant.owning_force_uuid)
        with transaction.atomic():
            if owner is not None:
                _set_permissions(grant, owner, scopes=grant.scopes, give=False)
            grant.permissions_removed_at = now
            grant.save(update_fields=["permissions_removed_at"])
            if owner is not None:
                with tenant_context(owner):
                    record_event(
                        action=AuditAction.ALTER,
                        object_type=RecordType.GRANT,
                        object_ids=[grant.uuid],
                        justification="Grant expired: its permissions were removed",
                    )
        done += 1
    return done


# -- partner agencies ------------------------------------------------------------------------------
@transaction.atomic
def grant_to_partners(
    *,
    actor: Any,
    force: Force,
    subject_uuid: Any,
    users: Iterable[Any],
    scopes: Iterable[str],
    duration_days: Any,
) -> Grant:
    """Share one of the force's own subjects with named partner-agency users of the force."""
    if Perm.DECIDE_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    errors: dict[str, list[ValidationError]] = {}
    chosen = _clean_scopes(scopes, errors)
    days = _clean_days(duration_days, errors)
    try:
        key = uuid_module.UUID(str(subject_uuid))
    except ValueError:
        key = None
    with schema_context(force.schema_name):
        subject = Subject.objects.filter(uuid=key).first() if key else None
    if subject is None:
        errors["subject"] = [coded("Not a subject of this force.", SharingError.NOT_FOUND)]
    wanted = [str(u) for u in users or []]
    members = list(
        Membership.objects.filter(
            force=force,
            user__uuid__in=[u for u in wanted if _is_uuid(u)],
            status=Membership.Status.ACTIVE,
            roles__contains=[ForceRole.PARTNER],
        ).select_related("user")
    )
    if not wanted or len(members) != len(set(wanted)):
        errors["users"] = [coded("Choose partner-agency users of this force.", SharingError.INVALID)]
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    assert subject is not None
    now = timezone.now()
    grant = Grant.objects.create(
        owning_force_uuid=force.uuid,
        receiving_force_uuid=force.uuid,
        subject_uuid=subject.uuid,
        scopes=chosen,
        granted_by=actor,
        granted_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    grant.users.set([m.user for m in members])
    _set_permissions(grant, force, scopes=chosen, give=True)
    record_event(
        action=AuditAction.COLLECT,
        object_type=RecordType.GRANT,
        object_ids=[grant.uuid, subject.uuid],
        justification=f"Shared with partner agency users: {', '.join(chosen)} for {days} days",
        recipient=", ".join(m.user.email for m in members),
        actor=actor,
    )
    return grant


def _is_uuid(text: str) -> bool:
    try:
        uuid_module.UUID(text)
    except ValueError:
        return False
    return True


# -- reading ----------------------------------------------------------------------------------------
def is_partner_only(user: Any, force: Force) -> bool:
    membership = user.membership_in(force)
    return membership is not None and not reads_shared_as_force(membership.roles)


def received(*, user: Any, force: Force) -> list[Grant]:
    """Live grants ``user`` may read on ``force``'s host: the force's received grants, or, for a
    partner agency's user, the grants naming them."""
    if Perm.READ_SHARED not in permissions_in(user, force):
        return []
    grants = Grant.objects.filter(
        receiving_force_uuid=force.uuid, revoked_at=None, expires_at__gt=timezone.now()
    )
    if is_partner_only(user, force):
        grants = grants.filter(owning_force_uuid=force.uuid, users=user)
    else:
        grants = grants.exclude(owning_force_uuid=force.uuid)
    return list(grants.order_by("expires_at", "id"))


def _received_grant(*, actor: Any, force: Force, grant_uuid: Any) -> Grant:
    """The grant, if it is to ``force`` and live: expiry and revocation checked before anything."""
    try:
        key = uuid_module.UUID(str(grant_uuid))
    except ValueError:
        raise NotFound() from None
    # The owner's schema and names come in the same statement (the read crosses into it next).
    owner = Force.objects.exclude(schema_name="public").filter(uuid=OuterRef("owning_force_uuid"))
    grant = (
        Grant.objects.filter(uuid=key, receiving_force_uuid=force.uuid)
        .annotate(
            owner_pk=Subquery(owner.values("pk")[:1]),
            owner_schema=Subquery(owner.values("schema_name")[:1]),
            owner_slug=Subquery(owner.values("slug")[:1]),
            owner_name=Subquery(owner.values("name")[:1]),
        )
        .first()
    )
    if grant is None:
        _refusal_logged(actor, RecordType.GRANT, key, "Read of a grant not to this force")
        raise NotFound()
    if grant.revoked_at is not None:
        _refusal_logged(actor, RecordType.GRANT, key, "Read of a revoked grant")
        raise GrantEnded(SharingError.GRANT_REVOKED)
    if grant.expires_at <= timezone.now():
        _refusal_logged(actor, RecordType.GRANT, key, "Read of an expired grant")
        raise GrantEnded(SharingError.GRANT_EXPIRED)
    return grant


def _owner_of(grant: Grant) -> Force:
    """The owning force of ``grant``, named by its UUID (from the grant's own query when it read it)."""
    owner: Force | None
    if hasattr(grant, "owner_schema"):
        owner = None
        found = {name: getattr(grant, f"owner_{name}") for name in ("pk", "schema", "slug", "name")}
        if found["pk"] is not None:
            owner = Force(
                pk=found["pk"],
                uuid=grant.owning_force_uuid,
                schema_name=found["schema"],
                slug=found["slug"],
                name=found["name"],
            )
    else:
        owner = _force(grant.owning_force_uuid)
    if owner is None:
        raise NotFound()
    assert owner.uuid == grant.owning_force_uuid and owner.schema_name != "public"
    return owner


@dataclass
class Shared:
    """What one read disclosed: per scope, the redacted values (None: nothing of it exists yet)."""

    grant: Grant
    owner_name: str
    subject_uuid: uuid_module.UUID
    subject_name: str
    sections: dict[str, Any] = field(default_factory=dict)


def _orders(user: Any, owner: Force, subject: uuid_module.UUID) -> list[dict[str, Any]]:
    orders = (
        ProtectiveOrder.objects.restrict(user, "view", force=owner)
        .filter(subject__uuid=subject)
        .select_related("order_type")
        .prefetch_related(Prefetch("terms", queryset=OrderTerm.objects.order_by("id"), to_attr="term_list"))
        .order_by("id")
    )
    return [
        {
            "uuid": str(o.uuid),
            "order_type": o.order_type.code,
            "order_type_name": o.order_type.name,
            "status": o.status,
            "status_label": o.get_status_display(),
            "court": o.court,
            "made_on": o.made_on.isoformat() if o.made_on else None,
            "expires_on": o.expires_on.isoformat() if o.expires_on else None,
            "terms": [
                {
                    "uuid": str(t.uuid),
                    "kind": t.kind,
                    "wording": t.wording,
                    "exclusion_zone": t.exclusion_zone,
                    "starts_on": t.starts_on.isoformat() if t.starts_on else None,
                    "ends_on": t.ends_on.isoformat() if t.ends_on else None,
                }
                for t in o.term_list  # type: ignore[attr-defined]
            ],
        }
        for o in orders
    ]


def _plan(user: Any, owner: Force, subject: uuid_module.UUID) -> dict[str, Any] | None:
    version = (
        PlanVersion.objects.restrict(user, "view", force=owner)
        .filter(plan__subject__uuid=subject, status=VersionStatus.ACTIVE)
        .first()
    )
    if version is None:
        return None
    data = content(version)
    # Without protected persons: each risk to a named person only counted; Part 4 (relationships
    # and disclosures to named people) withheld.
    data["victim_risks"] = [{"withheld": True} for _ in data.get("victim_risks", [])]
    data.pop("disclosures", None)
    return {"version": version.number, "approved_at": version.approved_at, **data}


def _protected_persons(user: Any, owner: Force, subject: uuid_module.UUID) -> list[dict[str, Any]]:
    persons = ProtectedPerson.objects.restrict(user, "view", force=owner).filter(subject__uuid=subject)
    return [
        {
            "uuid": str(p.uuid),
            "name": p.name,
            "relationship": p.get_relationship_display() if p.relationship else "",
            "address": p.address,
            "phone": p.phone,
            "email": p.email,
            "safe_contact": p.safe_contact,
            "safety_measures": p.safety_measures,
        }
        for p in persons.order_by("id")
    ]


def _briefing_plan(user: Any, owner: Force, subject: uuid_module.UUID) -> Plan | None:
    plans = briefing_queryset(Plan.objects.restrict(user, "brief", force=owner))
    return plans.filter(subject__uuid=subject).first()


def _briefing_of(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    found = briefing(plan)
    found.pop("photo", None)  # the photograph is served by the owner's host only
    return found


def _briefing(user: Any, owner: Force, subject: uuid_module.UUID) -> dict[str, Any] | None:
    return _briefing_of(_briefing_plan(user, owner, subject))


SECTIONS = {
    Scope.BRIEFING: _briefing,
    Scope.ORDERS: _orders,
    Scope.PLAN: _plan,
    Scope.PROTECTED_PERSONS: _protected_persons,
}

_UNSET = object()


def read_shared(*, user: Any, force: Force, grant_uuid: Any, only: Iterable[str] | None = None) -> Shared:
    """Read what a grant discloses, live, on the receiver's host: expiry and revocation first, then
    the permission, then the owner's schema through ``restrict(..., force=owner)``; a disclose event
    in the owner's log and a collect event in the receiver's, each naming the grant."""
    grant = _received_grant(actor=user, force=force, grant_uuid=grant_uuid)
    if Perm.READ_SHARED not in permissions_in(user, force):
        _refusal_logged(user, RecordType.GRANT, grant.uuid, "Read of a grant without read_shared")
        raise SharingRefused(SharingError.PERMISSION_DENIED)
    if is_partner_only(user, force) != grant.is_partner_grant or (
        grant.is_partner_grant and not grant.users.filter(pk=user.pk).exists()
    ):
        _refusal_logged(user, RecordType.GRANT, grant.uuid, "Read of a grant not to this user")
        raise NotFound()
    owner = _owner_of(grant)
    wanted = set(grant.scopes) if only is None else set(grant.scopes) & set(only)
    # What the reader holds in the owner force by role plays no part: a shared read sees the grant's
    # scope only (restrict asks guardian), and so makes no membership query there.
    memberships = user.__dict__.setdefault("_membership_cache", {})
    held_before = memberships.get(owner.pk, _UNSET)
    memberships[owner.pk] = None
    try:
        with schema_context(owner.schema_name):
            shared = _read_sections(user, owner, grant, wanted)
            if not grant.is_partner_grant:
                record_event(
                    action=AuditAction.DISCLOSE,
                    object_type=RecordType.SUBJECT,
                    object_ids=[grant.subject_uuid, grant.uuid],
                    justification=f"Read under grant {grant.uuid}: {', '.join(sorted(wanted))}",
                    recipient=f"{force.slug}: {user.email}"[:254],
                    actor=user,
                    actor_force=force.slug,
                )
    finally:
        if held_before is _UNSET:
            memberships.pop(owner.pk, None)
        else:
            memberships[owner.pk] = held_before
    record_event(
        action=AuditAction.DISCLOSE if grant.is_partner_grant else AuditAction.COLLECT,
        object_type=RecordType.SUBJECT,
        object_ids=[grant.subject_uuid, grant.uuid],
        justification=f"Read under grant {grant.uuid} from {owner.name}: {', '.join(sorted(wanted))}",
        recipient=f"partner agency: {user.email}" if grant.is_partner_grant else owner.slug,
        actor=user,
    )
    return shared


def _read_sections(user: Any, owner: Force, grant: Grant, wanted: set[str]) -> Shared:
    """Inside the owner's schema: the subject's name and each wanted scope, through ``restrict``.
    With the briefing scope, the briefing's plan names the subject (no query of its own)."""
    sections: dict[str, Any] = {}
    name = ""
    if Scope.BRIEFING in wanted:
        plan = _briefing_plan(user, owner, grant.subject_uuid)
        sections[Scope.BRIEFING] = _briefing_of(plan)
        name = str(plan.subject) if plan is not None else ""
    if not name:
        subject = (
            Subject.objects.restrict(user, "view", force=owner)
            .filter(uuid=grant.subject_uuid)
            .only("id", "uuid", "family_name", "given_names")
            .first()
        )
        if subject is None:
            raise NotFound()
        name = str(subject)
    for scope in Scope:
        if scope.value in wanted and scope.value not in sections:
            sections[scope.value] = SECTIONS[scope](user, owner, grant.subject_uuid)
    return Shared(
        grant=grant,
        owner_name=owner.name,
        subject_uuid=grant.subject_uuid,
        subject_name=name,
        sections={s.value: sections[s.value] for s in Scope if s.value in sections},
    )


def disclosed_orders(*, user: Any, force: Force, subject: Subject) -> list[Shared]:
    """Orders other forces disclose about the person ``subject`` (of ``force``) is: one read of the
    orders scope per live grant asked from this subject (each read logged on both sides)."""
    if Perm.READ_SHARED not in permissions_in(user, force) or is_partner_only(user, force):
        return []
    grants = list(
        Grant.objects.filter(
            receiving_force_uuid=force.uuid,
            request__requester_subject_uuid=subject.uuid,
            revoked_at=None,
            expires_at__gt=timezone.now(),
            scopes__contains=[Scope.ORDERS],
        )
        .exclude(owning_force_uuid=force.uuid)
        .values_list("uuid", flat=True)
    )
    out = []
    for grant_uuid in grants:
        try:
            out.append(read_shared(user=user, force=force, grant_uuid=grant_uuid, only=[Scope.ORDERS]))
        except SharingRefused:
            continue
    return out
