"""Subject search at load size: name, alias, VRM, IMEI and handle search against an exact PNC
lookup, same run; and the case-file page of a subject with ten profile records against one with none."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from bench.api import REASON, bench_force, officer_client, profile_pair
from bench.data import generate
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema


def _case_file_pages(force: Any) -> tuple[Any, Any]:
    """Callers opening the case-file page of a subject with no profile records and of one with ten,
    by a signed-in officer who has given the reason (so each call is one page and one consult)."""
    from tenants.models import User

    officer_client(force)  # the bench officer, who records the two subjects
    plain, rich = profile_pair(force)
    client = Client(HTTP_HOST=f"{force.slug}.{settings.SPMP_DOMAIN}")
    client.force_login(
        User.objects.get(email=f"bench-officer@{force.slug}.bench"),
        backend="django.contrib.auth.backends.ModelBackend",
    )

    def page(uuid: str) -> Any:
        assert client.post(f"/subjects/{uuid}/", {"reason": REASON}).status_code == 302

        def call() -> None:
            response = client.get(f"/subjects/{uuid}/")
            assert response.status_code == 200 and b'data-testid="subject-records"' in response.content

        return call

    return page(plain), page(rich)


def run(ctx: Context) -> list[Metric]:
    from subjects.models import Subject, SubjectAlias, SubjectDevice, SubjectSocialAccount, SubjectVehicle

    force = bench_force()
    if force is None:  # run alone (--only search): one force of load data first
        generate(forces=1, subjects_per_force=ctx.subjects_per_force, progress=False)
        force = bench_force()
    with schema_context(force.schema_name):
        total = Subject.objects.count()
        pnc = Subject.objects.exclude(pnc_id="").order_by("id").values_list("pnc_id", flat=True)[total // 2]
        alias = SubjectAlias.objects.order_by("id").values_list("name", flat=True)[0].split()[0]
        family = Subject.objects.order_by("id").values_list("family_name", flat=True)[total // 3]
        # As typed: lower case with a space, digits with spaces, a handle with '@' in capitals.
        vrm = SubjectVehicle.objects.order_by("id").values_list("vrm", flat=True)[total // 4].lower()
        imei = SubjectDevice.objects.order_by("id").values_list("imei", flat=True)[total // 4]
        imei = f"{imei[:5]} {imei[5:10]} {imei[10:]}"
        handle = (
            SubjectSocialAccount.objects.order_by("id").values_list("handle", flat=True)[total // 4].upper()
        )

        def by(text: str):  # type: ignore[no-untyped-def]
            return lambda: list(Subject.objects.search(text)[:50])

        def ids_by(text: str):  # type: ignore[no-untyped-def]
            return lambda: list(Subject.objects.search(text).values_list("pk", flat=True)[:50])

        def by_pnc() -> None:
            list(Subject.objects.filter(pnc_search=pnc.upper())[:50])

        def ids_by_pnc() -> None:
            list(Subject.objects.filter(pnc_search=pnc.upper()).values_list("pk", flat=True)[:50])

        timings = interleaved(
            ctx.rounds * 2,
            ids_by(family[:4]),
            ids_by(alias),
            ids_by_pnc,
            by(family[:4]),
            by(alias),
            by(vrm),
            by(imei),
            by(handle),
            by_pnc,
        )
        name_ids_t, alias_ids_t, pnc_ids_t, name_t, alias_t, vrm_t, imei_t, handle_t, pnc_t = timings
        name_hits = Subject.objects.search(family[:4]).count()
        alias_hits = Subject.objects.search(alias).count()
    use_public_schema()
    plain_page, rich_page = _case_file_pages(force)
    plain_t, rich_t = interleaved(ctx.rounds * 2, plain_page, rich_page)
    use_public_schema()
    where = f"{total} subjects, {ctx.server} server"
    how = (
        "the ids of the first 50 matches / the PNC lookup's id (finding subjects: a name part matches "
        "dozens, a PNC id one, and building 50 model objects instead of one is not search); "
        "through the trigram GIN indexes of core.namesearch"
    )
    metrics = [
        Metric(
            "subjects.search_name",
            name_ids_t * 1000,
            "ms",
            baseline=pnc_ids_t * 1000,
            target="<= 3",
            note=f"name part {family[:4]!r} ({name_hits} subjects) / PNC lookup, {where}; {how}",
        ),
        Metric(
            "subjects.search_name_ms",
            name_t * 1000,
            "ms",
            target="< 100",
            target_on="value",
            note=f"the first page of 50 subjects for {family[:4]!r}, whole objects, {where}",
        ),
        Metric(
            "subjects.search_alias",
            alias_ids_t * 1000,
            "ms",
            baseline=pnc_ids_t * 1000,
            target="<= 3",
            note=f"alias {alias!r} ({alias_hits} subjects) / PNC lookup, {where}; as above",
        ),
        Metric(
            "subjects.search_alias_ms",
            alias_t * 1000,
            "ms",
            target="< 100",
            target_on="value",
            note=f"the first page of subjects for {alias!r}, whole objects",
        ),
    ]
    for label, value, typed in (("vrm", vrm_t, vrm), ("imei", imei_t, imei), ("handle", handle_t, handle)):
        metrics += [
            Metric(
                f"subjects.search_{label}",
                value * 1000,
                "ms",
                baseline=pnc_t * 1000,
                target="<= 3",
                note=f"{label} {typed!r} through the search box's path (normalised key, indexed) / PNC lookup, {where}",
            ),
            Metric(f"subjects.search_{label}_ms", value * 1000, "ms", target="< 100", target_on="value"),
        ]
    metrics.append(
        Metric(
            "subjects.detail_10_records_over_0",
            rich_t * 1000,
            "ms",
            baseline=plain_t * 1000,
            target="<= 1.3",
            note="case-file page /subjects/<uuid>/ of a subject with 3 vehicles, 3 devices, 2 accounts and "
            f"2 addresses / one with none, {where}",
        )
    )
    return metrics
