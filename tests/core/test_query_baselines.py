"""Query-count baselines (tests/query_baselines.json, as NetBox keeps them): an N+1 fails a test.

Every list endpoint of the API router and every page of a force host without path parameters has
a row; a count above its row fails, and so does an endpoint or page with no row (each feature issue
adds its rows) or a row for something that no longer exists. Counts are taken with a few records of
each kind present, by a member holding every force role, after a warm-up request (the token's first
use is recorded once). ``ForceEndpointContract``'s page-of-50 test checks the same rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from core.roles import ForceRole
from tests.api.base import session_client, token_client
from tests.factories import make_subject, make_user

BASELINES_FILE = Path(__file__).resolve().parent.parent / "query_baselines.json"


def load_baselines() -> dict[str, dict[str, int]]:
    data = json.loads(BASELINES_FILE.read_text())
    return {"api": data["api"], "pages": data["pages"]}


def baseline_for_endpoint(basename: str) -> int | None:
    return load_baselines()["api"].get(f"{basename}-list")


def list_endpoints() -> dict[str, str]:
    """``<basename>-list`` -> path, for every router entry whose viewset lists."""
    from api.urls import router

    found = {}
    for prefix, viewset, basename in router.registry:
        if hasattr(viewset, "list"):
            found[f"{basename}-list"] = f"/api/v1/{prefix}/"
    return found


def _walk(patterns: list[Any], prefix: str, namespace: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("api/"):
                continue  # the API is covered endpoint by endpoint through its router
            if "<" in route:
                continue  # pages inside one record (a subject's orders) take a path parameter
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found.update(_walk(p.url_patterns, prefix + route, ns))
        elif isinstance(p, URLPattern) and "<" not in route and p.name:
            found[f"{namespace}{p.name}"] = "/" + prefix + route
    return found


def force_pages() -> dict[str, str]:
    """URL name -> path, for every page of a force host that takes no path parameter."""
    return _walk(get_resolver("spmp_platform.urls_force").url_patterns, "", "")


def _count(client: Any, path: str) -> int:
    client.get(path)  # warm up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    return len(ctx.captured_queries)


@pytest.fixture
def everything_user(force_a):  # type: ignore[no-untyped-def]
    for i in range(3):
        make_subject(force_a, family_name=f"Baseline{i}")
    return make_user(force=force_a, roles=list(ForceRole))


def _check(kind: str, measured: dict[str, int]) -> None:
    rows = load_baselines()[kind]
    missing = {k: v for k, v in measured.items() if k not in rows}
    over = {k: (v, rows[k]) for k, v in measured.items() if k in rows and v > rows[k]}
    stale = sorted(set(rows) - set(measured))
    assert not missing, f"no {kind} baseline row in {BASELINES_FILE.name} for (measured counts): {missing}"
    assert not over, f"{kind} above their baseline (measured, baseline): {over}"
    assert not stale, f"{kind} rows for nothing that exists any more: {stale}"


def test_every_list_endpoint_has_a_baseline_and_keeps_within_it(force_a, everything_user):
    client = token_client(everything_user, force_a)
    _check("api", {key: _count(client, path) for key, path in list_endpoints().items()})


def test_every_force_page_has_a_baseline_and_keeps_within_it(force_a, everything_user):
    client = session_client(everything_user, force_a)
    _check("pages", {key: _count(client, path) for key, path in force_pages().items()})
