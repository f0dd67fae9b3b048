"""National load data: the first N reference forces, each filled with bulk-inserted records.

``manage.py generate_load_data`` is a thin command over :func:`generate`. Later features register
their own step with :func:`load_step` (orders and terms, plans with 2-5 versions, two years of
reviews, visits and breaches, grants, snapshots); each step fills one force's schema, which is
already the connection's schema when it is called.

Every Niche reference starts with the force's slug, so any response can be traced to its force.
``bulk_create`` skips ``save()``, so the search keys are set here with ``core.normalise``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import schema_context
from tqdm import tqdm

from core.normalise import handle_key, imei_key, name_key, pnc_key, vrm_key
from core.tenancy import use_public_schema

MAX_FORCES = 43
BATCH = 1000

FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morris",
    "Begum",
    "Hughes",
    "Edwards",
    "Ward",
    "Turner",
    "Hill",
    "Moore",
    "O'Brien",
    "Ní-Bhriain",
]
GIVEN = [
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Muhammad",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Amelia",
    "Olivia",
    "Isla",
    "Emily",
    "Poppy",
    "Ava",
    "Isabella",
    "Jessica",
    "Lily",
    "Sophie",
    "Grace",
    "Seán",
    "Zoë",
    "Chloé",
    "Aaliyah",
]
ALIAS = [
    "Gaz",
    "Baz",
    "Daz",
    "Shaz",
    "Tommo",
    "Jonno",
    "Smithy",
    "Big-Man",
    "Lil-J",
    "Ghost",
    "Ace",
    "Red",
    "Mac",
    "Doc",
    "Jay",
    "Kay",
]


@dataclass(frozen=True)
class Step:
    name: str
    fill: Callable[[Any, random.Random, int], int]  # (force, rng, subjects per force) -> rows


STEPS: list[Step] = []


def load_step(name: str) -> Callable[[Callable[[Any, random.Random, int], int]], Callable[..., int]]:
    """Register a step that fills one force's schema (the current schema) and returns rows written."""

    def register(fn: Callable[[Any, random.Random, int], int]) -> Callable[..., int]:
        STEPS.append(Step(name, fn))
        return fn

    return register


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def copy_rows(model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` (values of ``fields``, by field name or attname) into ``model``'s table in the
    current schema with one COPY; returns the rows written.

    For the largest steps, where ``bulk_create`` spent most of its time building model objects and
    preparing each value in Python. Every other concrete field but the primary key gets what a new
    instance would: its default (called per row when callable, as ``uuid.uuid4``), ``now`` for
    ``auto_now`` / ``auto_now_add``. Nothing runs that ``bulk_create`` would not skip too (no
    ``save()``, no signals), and no audit events, as in every step."""
    from django.utils import timezone

    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    now = timezone.now()
    rest: list[tuple[str, Callable[[], Any]]] = []
    for field in meta.concrete_fields:
        if field.primary_key or field in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            rest.append((field.column, _constant(now)))
        elif field.has_default() and callable(field.default):
            rest.append((field.column, field.default))
        else:
            rest.append((field.column, _constant(field.get_default())))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(column) for column in [f.column for f in given] + [c for c, _ in rest])
    makers = [make for _, make in rest]
    written = 0
    sql = f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *(make() for make in makers)))
            written += 1
    return written


class BadLoadSize(ValueError):
    pass


def check_sizes(forces: int, subjects_per_force: int) -> None:
    if not 1 <= forces <= MAX_FORCES:
        raise BadLoadSize(f"--forces must be between 1 and {MAX_FORCES} (got {forces}).")
    if subjects_per_force < 0:
        raise BadLoadSize(f"--subjects-per-force must be 0 or more (got {subjects_per_force}).")


def pnc_for(force_index: int, n: int) -> str:
    """A well-formed, unique PNC id: the force's index in the year digits' place, n as the number."""
    return f"{force_index:02d}/{n:07d}{'ABCDEFGHJKLMNPQRSTUVWXYZ'[(force_index + n) % 24]}"


@load_step("subject and alias")
def fill_subjects(force: Any, rng: random.Random, count: int) -> int:
    from subjects.models import Subject, SubjectAlias

    if Subject.objects.exists():  # filled by an earlier run: generating is idempotent per force
        return 0
    index = int(force.pk)
    subjects = []
    for n in range(count):
        family, given = rng.choice(FAMILY), f"{rng.choice(GIVEN)} {rng.choice(GIVEN)}"
        pnc = pnc_for(index % 100, n) if rng.random() < 0.9 else ""
        subjects.append(
            Subject(
                family_name=family,
                given_names=given,
                date_of_birth=None,
                pnc_id=pnc,
                niche_nominal_ref=f"{force.slug}-NOM-{n:06d}",
                name_search=name_key(given, family),
                pnc_search=pnc_key(pnc),
            )
        )
    rows = 0
    created: list[Subject] = []
    for start in range(0, len(subjects), BATCH):
        created += Subject.objects.bulk_create(subjects[start : start + BATCH])
    rows += len(created)
    aliases = []
    for subject in created:
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            name = f"{rng.choice(ALIAS)} {subject.family_name}"
            aliases.append((subject.pk, name, name_key(name)))
    return rows + copy_rows(SubjectAlias, ("subject_id", "name", "name_search"), aliases)


def luhn_imei(n: int) -> str:
    """A 15-digit IMEI whose last digit is its Luhn check digit (``n`` makes it unique)."""
    body = f"35{n % 10**12:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def vrm_for(force_index: int, n: int) -> str:
    """A current-style GB registration mark, unique within the force: AB12 CDE."""
    letters = "ABCDEFGHJKLMNOPRSTUVWXYZ"
    return (
        f"{letters[force_index % 24]}{letters[n // 5760 % 24]}{n % 90 + 10:02d} "
        f"{letters[n // 90 % 24]}{letters[n // 2160 % 24]}{letters[n % 24]}"
    )


@load_step("vehicle, device and account")
def fill_profile_records(force: Any, rng: random.Random, count: int) -> int:
    """One vehicle, device and social media account for most subjects (bulk: keys set here)."""
    from subjects.models import Subject, SubjectDevice, SubjectSocialAccount, SubjectVehicle

    if SubjectVehicle.objects.exists():
        return 0
    index = int(force.pk)
    vehicles: list[SubjectVehicle] = []
    devices: list[SubjectDevice] = []
    accounts: list[SubjectSocialAccount] = []
    for n, pk in enumerate(Subject.objects.order_by("id").values_list("id", flat=True)):
        if rng.random() < 0.8:
            vrm = vrm_for(index, n)
            vehicles.append(SubjectVehicle(subject_id=pk, vrm=vrm, vrm_key=vrm_key(vrm), make="Ford"))
        if rng.random() < 0.8:
            imei = luhn_imei(index * 10**7 + n)
            devices.append(
                SubjectDevice(subject_id=pk, kind="Mobile phone", imei=imei, imei_key=imei_key(imei))
            )
        if rng.random() < 0.6:
            handle = f"@{force.slug[:6]}_{n}"
            accounts.append(
                SubjectSocialAccount(
                    subject_id=pk, platform="X", handle=handle, handle_key=handle_key(handle)
                )
            )
    SubjectVehicle.objects.bulk_create(vehicles, batch_size=BATCH)
    SubjectDevice.objects.bulk_create(devices, batch_size=BATCH)
    SubjectSocialAccount.objects.bulk_create(accounts, batch_size=BATCH)
    return len(vehicles) + len(devices) + len(accounts)


@load_step("team, area and MoPI review")
def fill_caseload_assignments(force: Any, rng: random.Random, count: int) -> int:
    """Three ancillary order units and five areas; each subject managed by one, most with an area and
    a next MoPI review within two years (bulk: one UPDATE)."""
    import datetime as dt

    from django.utils import timezone

    from organisation.choices import TeamKind
    from organisation.models import Area, Team
    from subjects.models import Subject

    if Team.objects.filter(name__startswith="Bench AOU").exists():
        return 0
    teams = Team.objects.bulk_create(
        Team(name=f"Bench AOU {n}", kind=TeamKind.ANCILLARY_ORDER_UNIT) for n in range(1, 4)
    )
    areas = Area.objects.bulk_create(Area(name=f"Bench area {n}", code=f"BA-{n}") for n in range(1, 6))
    today = timezone.localdate()
    ids = list(Subject.objects.order_by("id").values_list("id", flat=True))
    team_ids: list[int] = []
    area_ids: list[int | None] = []
    review_dates: list[dt.date | None] = []
    for _pk in ids:
        team_ids.append(rng.choice(teams).pk)
        area_ids.append(rng.choice(areas).pk if rng.random() < 0.9 else None)
        review_dates.append(today + dt.timedelta(days=rng.randint(-30, 730)) if rng.random() < 0.7 else None)
    # One UPDATE from arrays: at 3,000 subjects bulk_update's CASE WHEN id = ... per column took
    # 3.5-3.9 s against 0.9-1.3 s for this (both with the trigram indexes in place; 0.2 s without).
    meta = Subject._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    with connection.cursor() as cur:
        cur.execute(
            f'UPDATE "{meta.db_table}" AS s SET "{column["managing_team"]}" = v.team, '
            f'"{column["area"]}" = v.area, "{column["next_review_date"]}" = v.review '
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[]) AS v(id, team, area, review) "
            f'WHERE s."{meta.pk.column}" = v.id',
            [ids, team_ids, area_ids, review_dates],
        )
    return len(teams) + len(areas) + len(ids)


#: (order type, share of orders): mostly stalking protection orders, as in the practice.
ORDER_MIX = (("SPO", 0.5), ("DAPO", 0.25), ("SHPO", 0.15), ("ISPO", 0.1))
#: (status, share): most orders in force, some ended, a few applied for, made or under appeal.
STATUS_MIX = (
    ("active", 0.68),
    ("expired", 0.12),
    ("discharged", 0.05),
    ("applied", 0.05),
    ("made", 0.05),
    ("under-appeal", 0.05),
)
TERM_WORDING = (
    "Not to contact the protected person directly or indirectly.",
    "Not to enter the exclusion zone shown on the map attached to the order.",
    "Not to use social media to contact or mention the protected person.",
    "To attend a perpetrator programme as directed.",
)


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in mix:
        total += share
        if roll < total:
            return value
    return mix[-1][0]


@load_step("order, term and notification")
def fill_orders(force: Any, rng: random.Random, count: int) -> int:
    """Orders for 80% of subjects (a fifth of those two), 1-3 terms each, and the notification
    requirement a live SPO, ISPO or DAPO brings: most met, some suspended, the rest due or overdue.
    Bulk inserts (``bulk_create`` and ``copy_rows`` skip the services: no audit rows for load
    data); every Niche occurrence reference starts with the force's slug."""
    import datetime as dt

    from django.utils import timezone

    from orders.models import LIVE_STATUSES, NotificationRequirement, OrderTerm, ProtectiveOrder
    from statute.models import OrderType
    from subjects.models import Subject

    if ProtectiveOrder.objects.exists():
        return 0
    types = {t.code: t for t in OrderType.objects.filter(code__in=[code for code, _share in ORDER_MIX])}
    today = timezone.localdate()
    orders: list[ProtectiveOrder] = []
    for pk in Subject.objects.order_by("id").values_list("id", flat=True):
        if rng.random() >= 0.8:
            continue
        for _ in range(2 if rng.random() < 0.2 else 1):
            code, status = _pick(rng, ORDER_MIX), _pick(rng, STATUS_MIX)
            made = None if status == "applied" else today - dt.timedelta(days=rng.randint(0, 3 * 365))
            served = made if status not in ("applied", "made") else None
            months = {"SPO": 24, "DAPO": rng.choice((6, 12, 24)), "SHPO": 60, "ISPO": 3}[code]
            until_further = made is not None and code == "SPO" and rng.random() < 0.5
            expires = (
                made + dt.timedelta(days=months * 30 + rng.randint(0, 365))
                if made is not None and not until_further
                else None
            )
            if status == "expired" and made is not None:
                expires = min(expires or today, today - dt.timedelta(days=1))
                made = served = min(made, expires)
            orders.append(
                ProtectiveOrder(
                    subject_id=pk,
                    order_type=types[code],
                    court="Bench Magistrates' Court",
                    case_number=f"{force.slug}-CASE-{len(orders):06d}",
                    applied_on=(made or today) - dt.timedelta(days=14),
                    made_on=made,
                    served_on=served,
                    expires_on=expires,
                    until_further_order=until_further,
                    status=status,
                    niche_occurrence_ref=f"{force.slug}-OCC-{len(orders):06d}",
                )
            )
    orders = ProtectiveOrder.objects.bulk_create(orders, batch_size=BATCH)
    terms = [
        (order.pk, "requirement" if "attend" in wording else "prohibition", wording)
        for order in orders
        for wording in rng.sample(TERM_WORDING, rng.randint(1, 3))
    ]
    copy_rows(OrderTerm, ("order_id", "kind", "wording"), terms)
    requirements = []
    for order in orders:
        if order.status not in LIVE_STATUSES or order.order_type.code not in ("SPO", "ISPO", "DAPO"):
            continue
        trigger = "making" if order.order_type.code == "DAPO" else "service"
        start = order.made_on if trigger == "making" else order.served_on
        if start is None:
            continue
        roll = rng.random()
        requirements.append(
            (
                order.pk,
                trigger,
                start,
                start + dt.timedelta(days=2),
                min(start + dt.timedelta(days=1), today) if roll < 0.85 else None,
                0.85 <= roll < 0.88,
            )
        )
    copy_rows(
        NotificationRequirement,
        ("order_id", "trigger", "trigger_date", "last_day", "notified_on", "suspended"),
        requirements,
    )
    return len(orders) + len(terms) + len(requirements)


@contextmanager
def without_name_trigram_indexes() -> Iterator[None]:
    """Drop the current schema's name trigram GIN indexes (``core.namesearch``) for a bulk load and
    build them again from the models' own definitions afterwards, as the migration did.

    With ``fastupdate`` off every inserted or non-HOT updated row goes into the GIN tree one at a
    time: at 3,000 subjects, inserting them took 0.69 s with the index and 0.06 s without, and
    setting their team and area 0.81 s against 0.17 s; building the index once costs ~0.05 s.
    Built again even when a step raises; an index already missing (an interrupted run) is built.
    ``generate`` runs in autocommit, each bulk statement committed as it goes.
    """
    from django.contrib.postgres.indexes import GinIndex

    from subjects.models import Subject, SubjectAlias

    pairs = [(model, index) for model in (Subject, SubjectAlias) for index in model._meta.indexes]
    pairs = [(model, index) for model, index in pairs if isinstance(index, GinIndex)]
    schema = connection.schema_name  # type: ignore[attr-defined]
    with connection.schema_editor() as editor:
        for _model, index in pairs:
            editor.execute(f'DROP INDEX IF EXISTS "{schema}"."{index.name}"')
    try:
        yield
    finally:
        if connection.in_atomic_block:  # inside a caller's transaction (a test): CREATE INDEX
            connection.check_constraints()  # refuses a table with deferred FK checks pending
        with connection.schema_editor() as editor:
            for model, index in pairs:
                editor.add_index(model, index)


def generate(*, forces: int, subjects_per_force: int, seed: int = 1, progress: bool = True) -> dict[str, int]:
    """Onboard the first ``forces`` reference forces (those missing) and fill each with every step."""
    from tenants.models import Force
    from tenants.services import onboard_forces, reference_forces

    check_sizes(forces, subjects_per_force)
    refs = reference_forces()[:forces]
    totals: dict[str, int] = {step.name: 0 for step in STEPS}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        bar = tqdm(total=len(refs), desc="onboard", unit="force", disable=not progress)
        onboard_forces(
            refs, admin_email_for=lambda r: f"force-admin@{r.slug}.bench", progress=lambda r: bar.update(1)
        )
        bar.close()
    bar = tqdm(total=len(refs), desc="fill", unit="force", disable=not progress)
    for ref in refs:
        force = Force.objects.get(slug=ref.slug)
        rng = random.Random(f"{seed}:{ref.slug}")
        with schema_context(force.schema_name), without_name_trigram_indexes():
            for step in STEPS:
                totals[step.name] += step.fill(force, rng, subjects_per_force)
        use_public_schema()
        bar.update(1)
    bar.close()
    # Statistics, as autovacuum would have gathered them by the time officers search a force of
    # this size: without them PostgreSQL takes fresh tables for tiny and scans them (the trigram
    # indexes of core.namesearch go unused). Once for the whole database, not per force.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return totals


def run(ctx: Any) -> list[Any]:
    """The ``data`` bench topic: generate the load data and time it (43 x 3,000 should take minutes)."""
    import time

    from bench.metrics import Metric

    started = time.perf_counter()
    totals = generate(forces=ctx.forces, subjects_per_force=ctx.subjects_per_force)
    elapsed = time.perf_counter() - started
    rows = sum(totals.values())
    return [
        Metric(
            f"data.generate_{ctx.forces}x{ctx.subjects_per_force}",
            elapsed,
            "s",
            target="< 600",
            target_on="value",
            note=f"{rows} rows ({', '.join(f'{v} {k}' for k, v in totals.items())})",
        )
    ]


@load_step("plan, version and tactical option")
def fill_plans(force: Any, rng: random.Random, count: int) -> int:
    """A plan for one subject in ten, each with 2-5 versions: the older ones superseded, the last
    active (or, for one plan in five, a draft revising the active one); bulk, no audit events."""
    import datetime as dt

    from django.utils import timezone

    from organisation.practice import DEFAULT_TACTICAL_OPTIONS
    from plans.choices import Pillar, PlanStatus, VersionStatus
    from plans.models import Plan, PlanTacticalOption, PlanVersion
    from subjects.models import Subject

    if Plan.objects.exists():
        return 0
    ids = list(Subject.objects.order_by("id").values_list("id", flat=True))
    chosen = ids[::10] if ids else []
    today = timezone.localdate()
    plans = Plan.objects.bulk_create(
        [
            Plan(
                subject_id=pk,
                status=PlanStatus.ACTIVE,
                next_review_due=today + dt.timedelta(days=rng.randint(1, 180)),
            )
            for pk in chosen
        ],
        batch_size=BATCH,
    )
    versions: list[PlanVersion] = []
    levels = ("low", "medium", "high", "very-high")
    for plan in plans:
        count_versions = rng.randint(2, 5)
        revising = rng.random() < 0.2
        for number in range(1, count_versions + 1):
            last = number == count_versions
            before_last = number == count_versions - 1
            if last and revising:
                status = VersionStatus.DRAFT
            elif last or (before_last and revising):
                status = VersionStatus.ACTIVE
            else:
                status = VersionStatus.SUPERSEDED
            approved = status != VersionStatus.DRAFT
            versions.append(
                PlanVersion(
                    plan=plan,
                    number=number,
                    status=status,
                    offending_summary=f"Repeated unwanted contact (bench version {number}).",
                    risk_level=rng.choice(levels),
                    risk_rationale="Contact has escalated (bench).",
                    on_contact="Check for breach; arrest if in breach (bench).",
                    approved_at=timezone.now() if approved else None,
                )
            )
    versions = PlanVersion.objects.bulk_create(versions, batch_size=BATCH)
    options = [
        PlanTacticalOption(
            version=v,
            position=i,
            pillar=rng.choice(Pillar.values),
            option=rng.choice(DEFAULT_TACTICAL_OPTIONS),
        )
        for v in versions
        for i in range(rng.randint(1, 3))
    ]
    PlanTacticalOption.objects.bulk_create(options, batch_size=BATCH)
    return len(plans) + len(versions) + len(options)


VISIT_FIELDS = (
    "subject_id",
    "window_from",
    "window_to",
    "time_band",
    "assigned_team_id",
    "routine",
    "outcome",
    "visited_on",
)
BREACH_FIELDS = ("subject_id", "term_id", "occurred_on", "source", "offence_code", "niche_occurrence_ref")
REVIEW_FIELDS = ("subject_id", "plan_id", "reviewed_on", "due_on", "outcome", "next_review_due")


@load_step("compliance history (visits, breaches, reviews)")
def fill_compliance(force: Any, rng: random.Random, count: int) -> int:
    """Two years of compliance work (issue 13): a neighbourhood team ("Bench NPT") visited every
    subject under an order about every six weeks (most visits done, some missed, the next few
    tasked), breaches for about a third of them (a few naming no one, some against a term that was
    in force), and quarterly reviews of every plan; each plan's first version approved 6-18 months
    ago, so the outcomes have a before and an after. Bulk, no audit events."""
    import datetime as dt

    from django.utils import timezone

    from compliance.models import Breach, ComplianceReview, Visit
    from orders.models import OrderTerm
    from organisation.choices import TeamKind
    from organisation.models import Team
    from plans.models import Plan, PlanVersion

    if Team.objects.filter(name="Bench NPT").exists():
        return 0
    npt = Team.objects.create(name="Bench NPT", kind=TeamKind.NEIGHBOURHOOD)
    today = timezone.localdate()
    two_years = today - dt.timedelta(days=730)
    first_term: dict[int, tuple[int, dt.date]] = {}
    for subject_id, term_id, made in (
        OrderTerm.objects.filter(order__made_on__isnull=False)
        .order_by("order__subject_id", "order__made_on", "id")
        .values_list("order__subject_id", "id", "order__made_on")
    ):
        if made is not None:  # filtered out above; for the type checker
            first_term.setdefault(subject_id, (term_id, made))
    outcomes = ("seen-compliant", "seen-compliant", "seen-compliant", "seen-concerns", "no-reply")
    # Tuples written by COPY (copy_rows): as Visit / Breach objects through bulk_create this step was
    # half of the load data's time, building and preparing some 31,000 objects a force.
    visits: list[tuple[Any, ...]] = []  # VISIT_FIELDS
    breaches: list[tuple[Any, ...]] = []  # BREACH_FIELDS
    for subject_id, (term_id, made) in first_term.items():
        day = max(made, two_years) + dt.timedelta(days=rng.randint(0, 40))
        while day <= today + dt.timedelta(days=30):
            closes = day + dt.timedelta(days=6)
            done = closes < today and rng.random() < 0.88
            visits.append(
                (
                    subject_id,
                    day,
                    closes,
                    rng.choice(("morning", "afternoon", "evening")),
                    npt.pk,
                    True,
                    rng.choice(outcomes) if done else "",
                    day + dt.timedelta(days=rng.randint(0, 6)) if done else None,
                )
            )
            day += dt.timedelta(days=rng.randint(35, 55))
        if rng.random() < 0.35:
            span = max((today - max(made, two_years)).days, 1)
            for _ in range(rng.randint(1, 3)):
                breaches.append(
                    (
                        subject_id,
                        term_id,
                        max(made, two_years) + dt.timedelta(days=rng.randint(0, span)),
                        rng.choice(("visit", "victim-report", "anpr", "officer")),
                        "H20164",
                        f"{force.slug}-BR-{len(breaches):06d}",
                    )
                )
    copy_rows(Visit, VISIT_FIELDS, visits)
    copy_rows(Breach, BREACH_FIELDS, breaches)
    plans = list(Plan.objects.order_by("id").values_list("id", "subject_id"))
    firsts = list(PlanVersion.objects.filter(number=1, approved_at__isnull=False).only("id"))
    for version in firsts:
        version.approved_at = timezone.now() - dt.timedelta(days=rng.randint(180, 540))
    PlanVersion.objects.bulk_update(firsts, ["approved_at"], batch_size=BATCH)
    reviews: list[tuple[Any, ...]] = []  # REVIEW_FIELDS
    for plan_id, subject_id in plans:
        due = today - dt.timedelta(days=rng.randint(400, 540))
        while due < today:
            reviewed = due + dt.timedelta(days=rng.choice((-3, 0, 2, 9)))
            if reviewed <= today:
                reviews.append((subject_id, plan_id, reviewed, due, "unchanged", due + dt.timedelta(days=91)))
            due += dt.timedelta(days=91)
    copy_rows(ComplianceReview, REVIEW_FIELDS, reviews)
    return 1 + len(visits) + len(breaches) + len(reviews)
