"""The caseload at load size (issue 11 "Measure"): a page of 50 against a page of 5, same run.

The API's subject list is the caseload (``orders.caseload``: the page's filterset, dates and flags as
subqueries, the orders of a page in one prefetch, the counts in one aggregate); it is measured sorted
by the next key date, the sort that needs every row's dates, with and without filters. The list
page (25 a page, the same filterset) is timed too, for the record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.api import _get, bench_force, officer_client
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema

SORT = "ordering=next_key_date"
FILTERED = "order_status=active&order_status=made&expiring=true"


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def _page_client(force: Any) -> Client:
    from tenants.models import User

    client = Client(HTTP_HOST=f"{force.slug}.{settings.SPMP_DOMAIN}")
    client.force_login(
        User.objects.get(email=f"bench-officer@{force.slug}.bench"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


def run(ctx: Context) -> list[Metric]:
    from django_tenants.utils import schema_context

    from orders.models import ProtectiveOrder
    from subjects.models import Subject

    force = bench_force()
    with schema_context(force.schema_name):
        subjects, orders = Subject.objects.count(), ProtectiveOrder.objects.count()
    use_public_schema()
    client = officer_client(force)  # a coordinator: reads subjects and orders
    where = f"{subjects} subjects and {orders} orders in the force, {ctx.server} server"
    metrics: list[Metric] = []
    for label, query in (("", SORT), ("_filtered", f"{SORT}&{FILTERED}")):
        five = _get(client, f"/api/v1/subjects/?page_size=5&{query}")
        fifty = _get(client, f"/api/v1/subjects/?page_size=50&{query}")
        small, large = interleaved(ctx.rounds * 2, five, fifty)
        metrics.append(
            Metric(
                f"subjects.caseload_50_over_5{label}",
                large * 1000,
                "ms",
                baseline=small * 1000,
                target="<= 2",
                note=f"GET /api/v1/subjects/?{query}, page of 50 / page of 5; {where}",
            )
        )
        metrics.append(
            Metric(
                f"subjects.caseload_queries_50{label}",
                _queries(fifty),
                "queries",
                baseline=_queries(five),
                target="<= 1",
                note="queries for a page of 50 / a page of 5 (equal is x1.00)",
            )
        )
    page = _page_client(force)
    (page_ms,) = interleaved(ctx.rounds, _get(page, f"/subjects/?{SORT}"))
    metrics.append(
        Metric(
            "subjects.caseload_page_ms",
            page_ms * 1000,
            "ms",
            note=f"GET /subjects/?{SORT} (the list page, 25 a page, filter panel and counts); {where}",
        )
    )
    return metrics
