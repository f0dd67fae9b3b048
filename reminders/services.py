"""Writing reminders (the outbox), delivering them to inboxes (exactly once) and emailing them
(at least once, recognisably), the daily digest, and each person's choices. Feature apps call
``write_reminders``; nothing else writes these tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from audit.services import audited_change
from core.hosts import force_url
from core.roles import Perm
from core.tenancy import ForceLike, active_force
from organisation.models import TeamMember
from tenants.models import Membership

from .choices import URGENT_KINDS, EmailMode, ReminderKind
from .models import InboxItem, NotificationPreference, Reminder

logger = logging.getLogger(__name__)

DELIVERY_BATCH = 500


class PreferenceError:
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_MODE = "unknown_mode"
    URGENT_ALWAYS_IMMEDIATE = "urgent_always_immediate"


@dataclass(frozen=True)
class Due:
    """A reminder a job decided: about one record (of one subject), due on one day."""

    kind: str
    object_uuid: uuid_module.UUID
    due_on: dt.date
    title: str
    link: str = ""
    subject_id: int | None = None
    subject_uuid: uuid_module.UUID | None = None
    #: People named by the record itself (the visit's officer), besides those of the subject.
    also: frozenset[int] = field(default_factory=frozenset)


# -- who is reminded --------------------------------------------------------------------------------
def members_with_roles(force: ForceLike, roles: Iterable[str]) -> set[int]:
    """Active members of ``force`` holding any of ``roles``."""
    roles = list(roles)
    if not roles:
        return set()
    return set(
        Membership.objects.filter(
            force_id=force.pk, status=Membership.Status.ACTIVE, roles__overlap=roles
        ).values_list("user_id", flat=True)
    )


def subject_people(subject_rows: Iterable[tuple[int, int | None, int | None]]) -> dict[int, set[int]]:
    """subject id -> its lead officer and its managing team's lead (one query for the team leads).

    ``subject_rows``: (subject id, lead officer id, managing team id)."""
    rows = list(subject_rows)
    team_ids = {team for _s, _l, team in rows if team}
    leads = dict(
        TeamMember.objects.filter(team_id__in=team_ids, is_lead=True).values_list("team_id", "user_id")
    )
    out: dict[int, set[int]] = {}
    for subject_id, lead_officer, team in rows:
        people = out.setdefault(subject_id, set())
        if lead_officer:
            people.add(lead_officer)
        if team and team in leads:
            people.add(leads[team])
    return out


def inbox_holders(force: ForceLike) -> set[int]:
    """Active members of the force whose roles give them an inbox (a removed member gets nothing)."""
    from core.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.USE_INBOX in perms]
    return members_with_roles(force, roles)


# -- the outbox --------------------------------------------------------------------------------------
def write_reminders(
    dues: Iterable[Due],
    *,
    people: Mapping[int, set[int]] | None = None,
    roles: Iterable[str] = (),
    force: ForceLike | None = None,
) -> int:
    """Write one outbox row per due reminder and recipient; rows already written are left alone.

    Recipients: ``people[subject_id]`` (lead officer, team lead), ``due.also``, and every active
    member holding one of ``roles`` (coordinators, supervisors). Call inside the transaction that
    decided the reminders. Returns how many rows were new.
    """
    force = force or active_force()
    dues = list(dues)
    if not dues:
        return 0
    holders = inbox_holders(force)
    by_role = members_with_roles(force, roles)
    people = people or {}
    stamp = timezone.now()
    rows = []
    for due in dues:
        recipients = set(people.get(due.subject_id or 0, set())) | set(due.also) | by_role
        for user_id in sorted(recipients & holders):
            rows.append(
                Reminder(
                    kind=due.kind,
                    object_uuid=due.object_uuid,
                    subject_uuid=due.subject_uuid,
                    recipient_id=user_id,
                    due_on=due.due_on,
                    urgent=due.kind in URGENT_KINDS,
                    title=due.title[:200],
                    link=due.link,
                    created_at=stamp,
                )
            )
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        return Reminder.objects.filter(created_at=stamp).count()


def subject_link(subject_uuid: Any, suffix: str = "") -> str:
    return f"/subjects/{subject_uuid}/{suffix}"


# -- delivery ----------------------------------------------------------------------------------------
@dataclass
class Delivered:
    delivered: int = 0
    emailed: int = 0

    def summary(self) -> str:
        return f"{self.delivered} delivered, {self.emailed} emailed"


def _deliver_locked(batch: list[Reminder]) -> None:
    now = timezone.now()
    InboxItem.objects.bulk_create(
        [
            InboxItem(
                reminder=r,
                recipient_id=r.recipient_id,
                kind=r.kind,
                title=r.title,
                link=r.link,
                urgent=r.urgent,
                due_on=r.due_on,
                created_at=now,
            )
            for r in batch
        ]
    )
    Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(delivered_at=now)


def deliver_pending(*, ids: Iterable[int] | None = None, email: bool = True) -> Delivered:
    """Deliver undelivered reminders (``ids``: only those) in batches: each batch's inbox items
    and its "delivered" mark in one transaction, rows locked (``SKIP LOCKED``) so two workers
    never deliver the same one; then the batch's immediate emails."""
    out = Delivered()
    wanted = list(ids) if ids is not None else None
    while True:
        with transaction.atomic():
            qs = Reminder.objects.filter(delivered_at__isnull=True)
            if wanted is not None:
                qs = qs.filter(pk__in=wanted)
            batch = list(qs.select_for_update(skip_locked=True).order_by("id")[:DELIVERY_BATCH])
            if not batch:
                break
            _deliver_locked(batch)
        out.delivered += len(batch)
        if email:
            out.emailed += email_immediate(batch)
    if email:
        # At least once: a reminder delivered by a worker that died before its email (or whose
        # email failed) is emailed now; a duplicate carries the same Message-ID.
        unsent = Reminder.objects.filter(delivered_at__isnull=False, emailed_at__isnull=True)
        if wanted is not None:
            unsent = unsent.filter(pk__in=wanted)
        out.emailed += email_immediate(list(unsent.order_by("id")[: DELIVERY_BATCH * 10]))
    return out


def message_id(key: str, force: ForceLike | None = None) -> str:
    """The same key gives the same Message-ID: a duplicate email is recognisable as one."""
    force = force or active_force()
    digest = hashlib.sha256(f"{force.slug}:{key}".encode()).hexdigest()[:40]
    return f"<{digest}.reminder@{settings.SPMP_DOMAIN}>"


def _modes(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    return {
        (user_id, kind): mode
        for user_id, kind, mode in NotificationPreference.objects.filter(
            user_id__in=set(user_ids)
        ).values_list("user_id", "kind", "mode")
    }


def _emails(user_ids: Iterable[int]) -> dict[int, str]:
    from tenants.models import User

    return dict(User.objects.filter(pk__in=set(user_ids), is_active=True).values_list("pk", "email"))


def email_immediate(batch: list[Reminder]) -> int:
    """Email the reminders of ``batch`` their recipients want at once (urgent ones always)."""
    modes = _modes(r.recipient_id for r in batch)
    send = [
        r
        for r in batch
        if r.urgent or modes.get((r.recipient_id, r.kind), EmailMode.IMMEDIATE) == EmailMode.IMMEDIATE
    ]
    if not send:
        return 0
    addresses = _emails(r.recipient_id for r in send)
    force = active_force()
    origin = force_url(None, force, "")
    messages = []
    sent_ids = []
    for r in send:
        to = addresses.get(r.recipient_id)
        if not to:
            continue
        body = (
            f"{r.title}\n\nOpen it in the platform (sign-in needed): {origin}{r.link or '/inbox/'}\n"
            f"\nYour reminders are in your inbox: {origin}/inbox/\n"
        )
        messages.append(
            EmailMessage(
                subject=f"{'Urgent: ' if r.urgent else ''}{r.title}",
                body=body,
                to=[to],
                headers={"Message-ID": message_id(r.key, force), "X-SPMP-Reminder": r.key},
            )
        )
        sent_ids.append(r.pk)
    if messages:
        get_connection().send_messages(messages)
        Reminder.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    return len(messages)


def send_digests(day: dt.date) -> int:
    """One email per person listing the routine reminders delivered to them and not yet emailed
    (those they chose as a digest). Returns the number of emails."""
    pending = list(
        Reminder.objects.filter(delivered_at__isnull=False, emailed_at__isnull=True, urgent=False).order_by(
            "recipient_id", "due_on", "id"
        )
    )
    if not pending:
        return 0
    modes = _modes(r.recipient_id for r in pending)
    by_person: dict[int, list[Reminder]] = defaultdict(list)
    for r in pending:
        if modes.get((r.recipient_id, r.kind)) == EmailMode.DIGEST:
            by_person[r.recipient_id].append(r)
    addresses = _emails(by_person)
    force = active_force()
    messages = []
    sent: list[int] = []
    for user_id, rows in by_person.items():
        to = addresses.get(user_id)
        if not to:
            continue
        lines = "\n".join(f"- {r.title}" for r in rows)
        messages.append(
            EmailMessage(
                subject=f"Your reminders for {day:%-d %B %Y} ({len(rows)})",
                body=f"{lines}\n\nRead them in your inbox: {force_url(None, force, '/inbox/')}\n",
                to=[to],
                headers={"Message-ID": message_id(f"digest:{user_id}:{day.isoformat()}", force)},
            )
        )
        sent.extend(r.pk for r in rows)
    if messages:
        get_connection().send_messages(messages)
        Reminder.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(messages)


# -- the inbox -----------------------------------------------------------------------------------------
def mark_read(*, user: Any, items: Iterable[InboxItem]) -> int:
    """Mark the user's own items read (reading one's reminders is not personal data changing)."""
    ids = [i.pk for i in items if i.recipient_id == user.pk]
    return InboxItem.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    return InboxItem.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


# -- preferences -----------------------------------------------------------------------------------------
def preferences_of(user: Any) -> dict[str, str]:
    """kind -> mode for every kind (urgent ones immediate, fixed)."""
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "mode"))
    return {
        kind.value: EmailMode.IMMEDIATE.value
        if kind in URGENT_KINDS
        else chosen.get(kind.value, EmailMode.IMMEDIATE)
        for kind in ReminderKind
    }


def set_preferences(*, actor: Any, choices: Mapping[str, Any]) -> dict[str, str]:
    """Set the actor's email mode per kind. An unknown kind or mode, or a digest for an urgent kind:
    field errors with codes, nothing saved."""
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, str] = {}
    for kind, mode in choices.items():
        if kind not in ReminderKind.values:
            errors.setdefault(str(kind), []).append(
                ValidationError(f"“{kind}” is not a kind of reminder.", code=PreferenceError.UNKNOWN_KIND)
            )
            continue
        if mode not in EmailMode.values:
            errors.setdefault(kind, []).append(
                ValidationError("Choose immediate or digest.", code=PreferenceError.UNKNOWN_MODE)
            )
            continue
        if kind in URGENT_KINDS and mode != EmailMode.IMMEDIATE:
            errors.setdefault(kind, []).append(
                ValidationError(
                    f"{ReminderKind(kind).label} is urgent: it is always emailed at once.",
                    code=PreferenceError.URGENT_ALWAYS_IMMEDIATE,
                )
            )
            continue
        clean[kind] = mode
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audited_change(actor, preferences_of, actor=actor):
        for kind, mode in clean.items():
            NotificationPreference.objects.update_or_create(
                user_id=actor.pk, kind=kind, defaults={"mode": mode}
            )
    return preferences_of(actor)


# -- erasure ------------------------------------------------------------------------------------------------
def erase_reminders_of_subject(*, subject: Any, **_: Any) -> None:
    """Receiver of ``subject_erasing``: reminders about the subject (and their inbox items) go too."""
    Reminder.objects.filter(subject_uuid=subject.uuid).delete()


def remind(
    dues: Iterable[Due],
    *,
    subjects: Iterable[tuple[int, int | None, int | None]] = (),
    roles: Iterable[str] = (),
) -> str:
    """What a reminder job does: write the outbox rows for ``dues`` (to each subject's lead officer
    and team lead, given as (id, lead officer id, managing team id), plus ``roles``) in one
    transaction, then deliver everything pending. Returns the job's one-line summary."""
    dues = list(dues)
    with transaction.atomic():
        new = write_reminders(dues, people=subject_people(subjects), roles=roles)
    delivered = deliver_pending()
    return f"{len(dues)} due, {new} new reminder(s); {delivered.summary()}"


def long_date(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"
