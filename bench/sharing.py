"""Cross-force sharing figures (issue 14): a registry lookup among 150,000 keys against a PNC lookup
in one force, and a shared briefing read on the receiver's host against the same briefing on the
owner's host (both through the API, same run). Needs two forces (load data, else it makes them).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context

from bench.api import _get, _queries, bench_force, officer_client, second_force
from bench.data import generate
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema

REGISTRY_KEYS = 150_000


def _registry(force: Any, other: Any) -> tuple[set[str], str]:
    """150,000 keys over every force, among them the keys of one subject of ``other`` that also
    lives in ``force``; the keys to look up and a PNC id of ``force`` for the baseline."""
    from sharing.models import RegistryKey
    from sharing.services import match_keys
    from subjects.models import Subject
    from tenants.models import Force

    pnc = "80/4242424B"
    dob = dt.date(1979, 4, 2)
    keys = match_keys(pnc_id=pnc, names=["Shared Person"], date_of_birth=dob)
    forces = list(Force.objects.exclude(schema_name="public").values_list("uuid", flat=True))
    RegistryKey.objects.all().delete()
    rows = [
        RegistryKey(key=secrets.token_hex(32), force_uuid=forces[n % len(forces)], subject_uuid=_uuid(n))
        for n in range(REGISTRY_KEYS - len(keys))
    ]
    owner_subject = _uuid(REGISTRY_KEYS + 1)
    rows += [RegistryKey(key=k, force_uuid=other.uuid, subject_uuid=owner_subject) for k in keys]
    RegistryKey.objects.bulk_create(rows, batch_size=10_000)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE sharing_registrykey")
    with schema_context(force.schema_name):
        found = (
            Subject.objects.exclude(pnc_search="").order_by("id").values_list("pnc_search", flat=True).first()
        )
    use_public_schema()
    return keys, found or "00/0Z"


def _uuid(n: int) -> Any:
    import uuid

    return uuid.UUID(int=n + 1)


def _shared_briefing(receiver: Any, owner: Any) -> tuple[str, str]:
    """A four-part active plan in ``owner`` granted (briefing) to ``receiver``: (grant, plan) UUIDs."""
    from bench.plans import four_part_version
    from plans.models import PlanVersion
    from sharing.choices import Scope
    from sharing.models import Grant
    from sharing.services import _set_permissions

    version_uuid = four_part_version(owner)
    with schema_context(owner.schema_name):
        version = PlanVersion.objects.select_related("plan__subject").get(uuid=version_uuid)
        plan_uuid, subject_uuid = str(version.plan.uuid), version.plan.subject.uuid
    use_public_schema()
    now = timezone.now()
    grant = Grant.objects.create(
        owning_force_uuid=owner.uuid,
        receiving_force_uuid=receiver.uuid,
        subject_uuid=subject_uuid,
        scopes=[Scope.BRIEFING],
        granted_at=now,
        expires_at=now + dt.timedelta(days=30),
    )
    _set_permissions(grant, owner, scopes=grant.scopes, give=True)
    use_public_schema()
    return str(grant.uuid), plan_uuid


def run(ctx: Context) -> list[Metric]:
    from sharing.services import registry_matches
    from subjects.models import Subject

    force = bench_force()
    if force is None or not _has_two_forces():
        generate(forces=2, subjects_per_force=min(ctx.subjects_per_force, 500), progress=False)
        force = bench_force()
    other = second_force()
    keys, pnc = _registry(force, other)
    with schema_context(force.schema_name):
        assert [m.force_uuid for m in registry_matches(keys, besides=force.uuid)] == [other.uuid]

        def registry() -> None:
            registry_matches(keys, besides=force.uuid)

        def by_pnc() -> None:
            Subject.objects.filter(pnc_search=pnc).only("id", "uuid").first()

        registry_t, pnc_t = interleaved(ctx.rounds * 4, registry, by_pnc)
    use_public_schema()
    metrics = [
        Metric(
            "sharing.registry_150k",
            registry_t * 1000,
            "ms",
            target="< 20",
            target_on="value",
            note=f"sharing.services.registry_matches over {REGISTRY_KEYS:,} registry keys (the forces "
            "holding any of a person's keys, names joined); the ratio to a PNC lookup is the next row",
        ),
        Metric(
            "sharing.registry_over_pnc",
            registry_t * 1000,
            "ms",
            baseline=pnc_t * 1000,
            target="<= 2",
            note="registry lookup / Subject.objects.filter(pnc_search=...).first() in one force, same run",
        ),
    ]

    reader = officer_client(force)
    owner_reader = officer_client(other)  # also the officer four_part_version writes as
    grant_uuid, plan_uuid = _shared_briefing(force, other)
    shared = _get(reader, f"/api/v1/shared/{grant_uuid}/")
    own = _get(owner_reader, f"/api/v1/briefings/{plan_uuid}/")
    shared_t, own_t = interleaved(ctx.rounds * 4, shared, own)
    counts = (len(_queries(shared)), len(_queries(own)))
    metrics.append(
        Metric(
            "sharing.shared_briefing_over_owner",
            shared_t * 1000,
            "ms",
            baseline=own_t * 1000,
            target="<= 2",
            note="GET /api/v1/shared/<grant>/ (briefing scope) on the receiver's host / GET "
            f"/api/v1/briefings/<plan>/ of the same plan on the owner's host; queries {counts[0]} / {counts[1]}",
        )
    )
    return metrics


def _has_two_forces() -> bool:
    from tenants.models import Force

    return Force.objects.exclude(schema_name="public").count() >= 2
