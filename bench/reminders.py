"""Reminder and nightly-job figures (issue 16 "Measure"), on the load data, same run.

* ``jobs.nightly_43x3000``: every per-force nightly job (``jobs.registry``) run for every force of
  the load data for one day, in minutes (< 10). With fewer forces than 43 (``--quick``), the figure
  is the measured time scaled by 43 / forces, and the note says so.
* ``jobs.per_force_all_over_alone``: the mean time per force in that run against the same jobs for
  one force alone on another day (<= 1.5).
* ``reminders.deliver_1000_over_inserts``: delivering 1,000 reminders (lock, inbox items, mark
  delivered: the exactly-once part) against 1,000 plain inserts of the same inbox rows (<= 5);
  ``reminders.deliver_and_email_1000``, the same with the emails built and sent (locmem), for the
  record.

``BENCH_DATABASE_NAME=spmp_bench_<name> python -m bench --quick --forces 1 --only data reminders``
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from typing import Any

from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.api import bench_force
from bench.data import generate
from bench.metrics import Context, Metric, timed
from core.tenancy import use_public_schema

TARGET_FORCES = 43
BATCH = 1000


def _forces() -> list[Any]:
    from tenants.models import Force

    return list(Force.objects.exclude(schema_name="public").exclude(slug="bench-small-force").order_by("id"))


def _per_force_jobs() -> list[str]:
    from jobs.registry import all_jobs

    return sorted(name for name, job in all_jobs().items() if job.per_force)


def _give_inboxes(forces: list[Any]) -> int:
    """Make the load data's lead officers and team members active members of their force (the
    reminders go to active members only), plus a coordinator and a supervisor: so the nightly run
    writes, delivers and emails the reminders a real force would get. Returns the members made."""
    from core.roles import ForceRole
    from organisation.models import TeamMember
    from subjects.models import Subject
    from tenants.models import Membership, User

    made = 0
    for force in forces:
        with schema_context(force.schema_name):
            people = set(Subject.objects.exclude(lead_officer=None).values_list("lead_officer_id", flat=True))
            people |= set(TeamMember.objects.values_list("user_id", flat=True))
        use_public_schema()
        for role in (ForceRole.COORDINATOR, ForceRole.SUPERVISOR):
            user, _ = User.objects.get_or_create(email=f"bench-{role}@{force.slug}.bench")
            Membership.objects.update_or_create(
                user=user, force=force, defaults={"roles": [role], "status": Membership.Status.ACTIVE}
            )
        for user_id in people:
            _m, created = Membership.objects.get_or_create(
                user_id=user_id,
                force=force,
                defaults={"roles": [ForceRole.OFFICER], "status": Membership.Status.ACTIVE},
            )
            made += int(created)
    return made


def _run_all(forces: list[Any], day: dt.date) -> float:
    from jobs.registry import run_for_force

    def go() -> None:
        for name in _per_force_jobs():
            for force in forces:
                run_for_force(name, force, day)

    return timed(go)


def _recipient() -> int:
    """The reminders' recipient (any user will do for delivery: it needs no membership)."""
    from tenants.models import User

    user, _ = User.objects.get_or_create(email="bench-reminders@spmp.bench", defaults={"full_name": "Bench"})
    return int(user.pk)


def _rows(user_id: int) -> list[Any]:
    from reminders.models import Reminder

    day = dt.date(2030, 1, 1)
    return [
        Reminder(
            kind="review-due",
            object_uuid=uuid.uuid4(),
            recipient_id=user_id,
            due_on=day,
            title=f"Plan review due on {day}",
            link="/inbox/",
        )
        for _ in range(BATCH)
    ]


def run(ctx: Context) -> list[Metric]:
    from jobs.models import JobRun
    from reminders.models import InboxItem, Reminder
    from reminders.services import deliver_pending

    if bench_force() is None:  # run alone: one force of load data first
        generate(forces=1, subjects_per_force=ctx.subjects_per_force, progress=False)
    forces = _forces()
    n = len(forces)
    today = timezone.localdate()
    jobs = _per_force_jobs()
    JobRun.objects.filter(job__in=jobs, day__in=[today, today + dt.timedelta(days=1)]).delete()
    _give_inboxes(forces)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        all_seconds = _run_all(forces, today)
        alone_seconds = _run_all(forces[:1], today + dt.timedelta(days=1))
        use_public_schema()
        failed = JobRun.objects.filter(job__in=jobs, outcome=JobRun.Outcome.FAILED).count()
        written = 0
        for f in forces:
            with schema_context(f.schema_name):
                written += Reminder.objects.count()
        use_public_schema()

        force = forces[0]
        user_id = _recipient()

        def timed_deliver(email: bool) -> float:
            with schema_context(force.schema_name):
                Reminder.objects.bulk_create(_rows(user_id))  # the outbox rows: untimed
                seconds = timed(lambda: deliver_pending(email=email))
            use_public_schema()
            return seconds

        def timed_inserts() -> float:
            with schema_context(force.schema_name):
                reminders = Reminder.objects.bulk_create(_rows(user_id))
                for r in reminders:
                    r.delivered_at = timezone.now()
                Reminder.objects.bulk_update(reminders, ["delivered_at"])
                items = [
                    InboxItem(
                        reminder=r,
                        recipient_id=r.recipient_id,
                        kind=r.kind,
                        title=r.title,
                        link=r.link,
                        urgent=False,
                        due_on=r.due_on,
                    )
                    for r in reminders
                ]
                seconds = timed(lambda: InboxItem.objects.bulk_create(items))
            use_public_schema()
            return seconds

        rounds = max(3, ctx.rounds // 5)  # about 25 s a round at 43 forces; the ratio is x1.1 of x5
        timed_deliver(False)
        timed_deliver(True)
        timed_inserts()  # warm up
        deliver_s, email_s, insert_s = [], [], []
        for _ in range(rounds):
            deliver_s.append(timed_deliver(False))
            email_s.append(timed_deliver(True))
            insert_s.append(timed_inserts())
    deliver_median, email_median, insert_median = (
        statistics.median(x) for x in (deliver_s, email_s, insert_s)
    )
    scaled = all_seconds * TARGET_FORCES / n
    per_force = all_seconds / n
    return [
        Metric(
            "jobs.nightly_43x3000",
            scaled / 60,
            "min",
            target="< 10",
            target_on="value",
            note=(
                f"{len(jobs)} per-force jobs over {n} force(s) of ~{ctx.subjects_per_force} subjects took "
                f"{all_seconds:.1f} s"
                + (f", scaled x{TARGET_FORCES}/{n}" if n != TARGET_FORCES else "")
                + f"; {written} reminders written and delivered; {failed} failed run(s)"
            ),
        ),
        Metric(
            f"jobs.per_force_{n}_over_alone",
            per_force,
            "s",
            baseline=alone_seconds,
            target="<= 1.5",
            note="mean seconds per force in the run over every force / the same jobs for one force alone",
        ),
        Metric(
            "reminders.deliver_1000_over_inserts",
            deliver_median * 1000,
            "ms",
            baseline=insert_median * 1000,
            target="<= 5",
            note="deliver_pending(email=False) of 1,000 reminders (lock, inbox rows, mark delivered) / "
            "a bulk insert of their 1,000 inbox rows",
        ),
        Metric(
            "reminders.deliver_and_email_1000",
            email_median * 1000,
            "ms",
            baseline=insert_median * 1000,
            note="the same with the 1,000 emails built and sent (locmem backend), for the record",
        ),
    ]
