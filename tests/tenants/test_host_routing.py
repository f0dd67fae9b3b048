"""Host routing (tenants.middleware.HostTenantMiddleware): the host alone picks the schema, and a
connection already on that force's search path is not sent ``SET search_path`` again."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tenants.middleware import HostTenantMiddleware


def _route(host: str) -> list[str]:
    """Route one request for ``host``, then read the schema the connection is really in."""
    request = RequestFactory().get("/", HTTP_HOST=host)
    with CaptureQueriesContext(connection) as ctx:
        HostTenantMiddleware(lambda r: HttpResponse()).process_request(request)
        with connection.cursor() as cur:
            cur.execute("SELECT current_schema()")
            schema = cur.fetchone()[0]
    return [schema, *(q["sql"] for q in ctx.captured_queries)]


def _host(force) -> str:  # type: ignore[no-untyped-def]
    return f"{force.slug}.{settings.SPMP_DOMAIN}"


def test_each_host_gets_its_own_schema_and_a_repeat_sends_no_set(force_a, force_b):
    assert settings.TENANT_LIMIT_SET_CALLS
    schema, *_ = _route(_host(force_a))
    assert schema == force_a.schema_name
    schema, *sql = _route(_host(force_a))
    assert schema == force_a.schema_name
    assert not [s for s in sql if s.upper().startswith("SET SEARCH_PATH")], sql
    assert len(sql) == 2  # the host lookup and the check above
    schema, *sql = _route(_host(force_b))
    assert schema == force_b.schema_name  # another force's host: the path is set again
    assert any(s.upper().startswith("SET SEARCH_PATH") for s in sql)
    schema, *_ = _route(_host(force_a))
    assert schema == force_a.schema_name


def test_once_the_connection_was_pointed_elsewhere_the_path_is_set_again(force_a):
    _route(_host(force_a))
    connection.set_schema_to_public()  # as any other set_tenant, close or rollback does
    schema, *sql = _route(_host(force_a))
    assert schema == force_a.schema_name
    assert any(s.upper().startswith("SET SEARCH_PATH") for s in sql)


def test_an_unknown_host_is_refused_on_the_public_schema(force_a):
    _route(_host(force_a))
    request = RequestFactory().get("/", HTTP_HOST=f"nowhere.{settings.SPMP_DOMAIN}")
    with pytest.raises(Http404):
        HostTenantMiddleware(lambda r: HttpResponse()).process_request(request)
    assert connection.schema_name == "public"
