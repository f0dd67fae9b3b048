"""API figures: the whole stack against a bare DRF view, list pages by size, and search_path share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema

REASON = "Benchmark: reviewing the case"


def bench_force() -> Any:
    """The first force holding subjects (load data must have run)."""
    from tenants.models import Force

    return Force.objects.exclude(schema_name="public").order_by("id").first()


def officer_client(force: Any) -> Client:
    from django_tenants.utils import schema_context

    from core.roles import ForceRole
    from tenants.models import Membership, User
    from tenants.tokens import issue_token

    user, _ = User.objects.get_or_create(email=f"bench-officer@{force.slug}.bench")
    Membership.objects.update_or_create(
        user=user,
        force=force,
        defaults={"roles": [ForceRole.COORDINATOR], "status": Membership.Status.ACTIVE},
    )
    with schema_context(force.schema_name):
        _token, secret = issue_token(user=user, force=force, name="bench")
    use_public_schema()
    return Client(HTTP_HOST=f"{force.slug}.{settings.SPMP_DOMAIN}", HTTP_AUTHORIZATION=f"Bearer {secret}")


class BareSubjectView(APIView):
    """The baseline: no routing, authentication, permission or audit service; one SELECT, one INSERT."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get(self, request: Any, uuid: str) -> Response:
        from api.subjects import SubjectSerializer, api_queryset

        subject = api_queryset().get(uuid=uuid)  # fetched as the endpoint fetches it
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO public.bench_plain_insert (at, subject, note) VALUES (now(), %s, %s)",
                [subject.uuid, REASON],
            )
        return Response(SubjectSerializer(subject).data)


def _bare_caller(force: Any, subject_uuid: str) -> Any:
    view = BareSubjectView.as_view()
    factory = APIRequestFactory()

    def call() -> None:
        # As the whole stack's host routing does: no SET search_path when the connection is already
        # on this force's schema (set_tenant() would send it again).
        if connection.schema_name != force.schema_name:  # type: ignore[attr-defined]
            connection.set_tenant(force)  # type: ignore[attr-defined]
        response = view(factory.get(f"/bare/{subject_uuid}/"), uuid=subject_uuid)
        response.render()
        assert response.status_code == 200, response.content

    return call


def _get(client: Client, path: str, **extra: Any) -> Any:
    def call() -> None:
        response = client.get(path, **extra)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])

    return call


def second_force() -> Any:
    from tenants.models import Force

    return Force.objects.exclude(schema_name="public").order_by("id")[1]


def _queries(call: Any) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [q["sql"] for q in ctx.captured_queries]


def profile_pair(force: Any) -> tuple[str, str]:
    """Two subjects made through the service: one with no profile records, one with ten."""
    from django_tenants.utils import schema_context

    from bench.data import luhn_imei
    from subjects import services
    from tenants.models import User

    actor = User.objects.get(email=f"bench-officer@{force.slug}.bench")
    with schema_context(force.schema_name):
        plain = services.create_subject(actor=actor, family_name="Plain", given_names="Bench")
        rich = services.create_subject(
            actor=actor,
            family_name="Profiled",
            given_names="Bench",
            vehicles=[{"vrm": f"BN{10 + i} XYZ", "make": "Ford"} for i in range(3)],
            devices=[{"kind": "Mobile phone", "imei": luhn_imei(99_000_000 + i)} for i in range(3)],
            social_accounts=[{"platform": "X", "handle": f"@bench_profile_{i}"} for i in range(2)],
            addresses=[{"address": f"{i + 1} Bench Road", "postcode": "LN1 1AA"} for i in range(2)],
        )
    use_public_schema()
    return str(plain.uuid), str(rich.uuid)


def run(ctx: Context) -> list[Metric]:
    from django_tenants.utils import schema_context

    from subjects.models import Subject

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_plain_insert "
            "(id bigserial PRIMARY KEY, at timestamptz, subject uuid, note text)"
        )
    force = bench_force()
    with schema_context(force.schema_name):
        subject_uuid = str(Subject.objects.filter(aliases__isnull=False).values_list("uuid", flat=True)[0])
        total = Subject.objects.count()
    use_public_schema()
    client = officer_client(force)
    detail = _get(client, f"/api/v1/subjects/{subject_uuid}/", HTTP_X_ACCESS_REASON=REASON)
    bare = _bare_caller(force, subject_uuid)
    whole, base = interleaved(ctx.rounds * 4, detail, bare)
    metrics = [
        Metric(
            "api.subject_detail_overhead",
            whole * 1000,
            "ms",
            baseline=base * 1000,
            target="<= 1.5",
            note="GET /api/v1/subjects/<uuid>/ in process (host, token, ForcePermission, restrict, consult "
            "insert) / a bare DRF view called directly (one SELECT + prefetch, one plain INSERT, same serialiser)",
        )
    ]

    page = {n: _get(client, f"/api/v1/subjects/?page_size={n}") for n in (5, 50, 100)}
    five, fifty = interleaved(ctx.rounds * 2, page[5], page[50])
    metrics.append(
        Metric(
            "api.subject_list_50_over_5",
            fifty * 1000,
            "ms",
            baseline=five * 1000,
            target="<= 2",
            note=f"API list page of 50 / page of 5, {total} subjects in the force",
        )
    )
    counts = {n: len(_queries(page[n])) for n in (5, 100)}
    metrics.append(
        Metric(
            "api.subject_list_queries_100",
            counts[100],
            "queries",
            baseline=counts[5],
            target="<= 1",
            note="queries for a page of 100 / a page of 5 (equal is x1.00)",
        )
    )

    # The case file with ten profile records (issue 11) against one with none, same run.
    plain_uuid, rich_uuid = profile_pair(force)
    plain, rich = interleaved(
        ctx.rounds * 4,
        _get(client, f"/api/v1/subjects/{plain_uuid}/", HTTP_X_ACCESS_REASON=REASON),
        _get(client, f"/api/v1/subjects/{rich_uuid}/", HTTP_X_ACCESS_REASON=REASON),
    )
    metrics.append(
        Metric(
            "api.subject_detail_10_profile_records",
            rich * 1000,
            "ms",
            baseline=plain * 1000,
            target="<= 1.3",
            note="GET of a subject with 3 vehicles, 3 devices, 2 accounts and 2 addresses / one with none",
        )
    )

    metrics += search_path_shares(
        {"subject_detail": detail, "subject_list": page[50]},
        other_force=_get(officer_client(second_force()), "/api/v1/subjects/?page_size=5"),
    )
    return metrics


# How a request finds its connection: fresh (a new worker, or CONN_MAX_AGE ran out), last used by
# a request of the same force, or last used by another force's request (the usual case when one
# worker serves 43 forces).
CONNECTION_STATES = {
    "cold": "the first request on a fresh connection",
    "warm": "the connection's previous request was for the same force",
    "switch": "the connection's previous request was for another force",
}


def search_path_shares(calls: dict[str, Any], *, other_force: Any) -> list[Metric]:
    """The share of ``SET search_path`` among a request's statements, without and with
    ``TENANT_LIMIT_SET_CALLS``, for each connection state: value with the setting, baseline without."""
    metrics = []
    for label, call in calls.items():
        for state, meaning in CONNECTION_STATES.items():
            counted = {}
            for limit in (False, True):
                with override_settings(TENANT_LIMIT_SET_CALLS=limit):
                    connection.close()
                    if state != "cold":
                        (call if state == "warm" else other_force)()
                    sql = _queries(call)
                sets = sum(1 for s in sql if s.lstrip().upper().startswith("SET SEARCH_PATH"))
                counted[limit] = (sets, len(sql))
            (b_sets, b_all), (a_sets, a_all) = counted[False], counted[True]
            metrics.append(
                Metric(
                    f"db.search_path_share.{label}.{state}",
                    a_sets / a_all,
                    "share",
                    baseline=b_sets / b_all,
                    target="< 1",
                    note=f"{meaning}; TENANT_LIMIT_SET_CALLS off: {b_sets} of {b_all} statements, on: "
                    f"{a_sets} of {a_all}; in use: {getattr(settings, 'TENANT_LIMIT_SET_CALLS', False)}",
                )
            )
    return metrics
