"""The permission matrix (issue 17, item 6; tests/security/matrix.py says how routes and actors are
made): every route of both hosts' URL confs and both OpenAPI schemas has a row in matrix.yaml, and
every actor gets the status its cell says. A new route without a row fails: draft its row with
``python -m tests.security.matrix_missing``, check each cell, and add it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DOMAIN, HostClient, host_of
from tests.security.matrix import ACTORS, all_routes, load_matrix, make_actors, probe, row_yaml

pytestmark = pytest.mark.django_db

#: Set by matrix_missing: observe the routes without a row and write drafts here instead of failing.
DRAFT_PATH = os.environ.get("SPMP_MATRIX_DRAFT", "")


def _clients(actors, force_a):  # type: ignore[no-untyped-def]
    clients = {}
    for name, user in actors.items():
        pair = (HostClient(host_of(force_a)), HostClient(DOMAIN))
        for client in pair:
            client.raise_request_exception = False
            if user is not None:
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[name] = pair
    return clients


def test_every_route_has_a_row_and_every_actor_gets_its_status(force_a, force_b):
    routes = all_routes()
    matrix = load_matrix()
    keys = [r.key for r in routes]
    assert len(keys) == len(set(keys)), "two routes share a row name"
    missing = [r for r in routes if r.key not in matrix]
    stale = sorted(set(matrix) - set(keys))
    clients = _clients(make_actors(force_a, force_b), force_a)

    def observe(route):  # type: ignore[no-untyped-def]
        return {a: probe(route, clients[a][1 if route.regional else 0]) for a in ACTORS}

    if DRAFT_PATH:
        Path(DRAFT_PATH).write_text("".join(row_yaml(r.key, observe(r)) for r in missing))
        return
    assert not missing, (
        f"{len(missing)} route(s) without a row in tests/security/matrix.yaml "
        "(draft them with `python -m tests.security.matrix_missing`): " + ", ".join(r.key for r in missing)
    )
    assert not stale, f"rows for routes that no longer exist: {stale}"
    wrong = []
    for route in routes:
        expected = matrix[route.key]
        assert set(expected) == set(ACTORS), f"{route.key}: columns {sorted(expected)} != {ACTORS}"
        for actor, status in observe(route).items():
            if status != expected[actor]:
                wrong.append(f"{route.key} as {actor}: {status}, expected {expected[actor]}")
    assert not wrong, f"{len(wrong)} cell(s) differ:\n" + "\n".join(wrong)


def test_the_matrix_keeps_need_to_know():
    """Whatever a row says, some cells can only be refusals: anonymous never gets a force's data, a
    member of another force never gets past the host (404), and no force role reaches a regional
    administration page."""
    matrix = load_matrix()
    assert matrix, "tests/security/matrix.yaml is empty"
    public = ("force tenants:sign-in", "force tenants:invitation", "api POST /api/v1/auth/token/")
    for key, row in matrix.items():
        if key.startswith(("force ", "api ")) and key not in public:
            assert row["anonymous"] in (302, 401, 404, 405), (key, row["anonymous"])
            assert row["other-force"] in (302, 404, 405), (key, row["other-force"])
        if key.startswith("api ") and key not in public:
            for role in ("regional-admin", "regional-analyst", "platform-admin"):
                assert row[role] in (404, 405), (key, role, row[role])
