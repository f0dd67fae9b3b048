"""Sharing's periodic jobs: remove the permissions of expired grants (reads refuse them already),
and remind the receiving force that a grant ends within a week (issue 16)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.db import transaction
from django.utils import timezone

from core.roles import ForceRole
from jobs.registry import periodic_job
from reminders.choices import ReminderKind
from reminders.services import Due, deliver_pending, long_date, write_reminders

from .models import Grant, SharingRequest
from .services import expire_grants as _expire

#: How long before a received grant ends its readers are reminded (issue 16: "within 7 days").
GRANT_ENDING_DAYS = 7


@periodic_job("expire_grants", schedule=crontab(minute="*/15"), per_force=False)
def expire_grants(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every 15 minutes: remove the guardian permissions of grants past their expiry."""
    return f"{_expire()} grant(s) expired"


@periodic_job("grant_ending_reminders", schedule=crontab(minute=45, hour=5))
def grant_ending_reminders(*, force: Any, day: dt.date | None = None) -> str:
    """Every morning, for the force that *received* them: live grants of another force ending within
    ``GRANT_ENDING_DAYS``, to whoever asked for the grant or its extensions (they need it and may ask
    to extend) and to the force's coordinators (who run the unit's caseload when the asker is away).

    The key's due day is the grant's last day, so each recipient hears once per grant, and again
    only if an extension moves the end and it still falls within the week. Partner grants (the
    force's own subjects shared with partner agencies) are the force's own decision: not here.
    Titles name neither the subject nor the owning force (they go into email)."""
    today = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    horizon = start + dt.timedelta(days=GRANT_ENDING_DAYS + 1)
    grants = list(
        Grant.objects.filter(
            receiving_force_uuid=force.uuid,
            revoked_at=None,
            expires_at__gt=timezone.now(),  # an ended grant is past reminding
            expires_at__lt=horizon,
        )
        .exclude(owning_force_uuid=force.uuid)
        .values_list("pk", "uuid", "expires_at", "request__requested_by_id")
    )
    askers: dict[int, set[int]] = {pk: {by} if by else set() for pk, _u, _e, by in grants}
    for grant_id, by in SharingRequest.objects.filter(extends_id__in=list(askers)).values_list(
        "extends_id", "requested_by_id"
    ):
        askers[grant_id].add(by)
    dues = []
    for pk, grant_uuid, expires_at, _by in grants:
        last_day = timezone.localtime(expires_at).date()
        dues.append(
            Due(
                kind=ReminderKind.GRANT_ENDING,
                object_uuid=grant_uuid,
                due_on=last_day,
                title=f"Access to a record another force shared with us ends on {long_date(last_day)}",
                link=f"/shared/{grant_uuid}/",
                also=frozenset(askers[pk]),
            )
        )
    with transaction.atomic():
        new = write_reminders(dues, roles=[ForceRole.COORDINATOR], force=force)
    delivered = deliver_pending()
    return f"{len(dues)} due, {new} new reminder(s); {delivered.summary()}"
