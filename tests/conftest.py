"""Session-wide test setup: a migrated template schema and two forces, created once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from tests.factories import PASSWORD, make_user
from tests.forces import drop_test_forces, ensure_test_forces, reset_test_forces

DOMAIN = "spmp.localhost"
# The locust load test (run by `python -m bench`): importing locust monkey-patches with gevent.
collect_ignore = ["load/locustfile.py"]


def _flush_with_cascade() -> None:
    """Force schemas hold foreign keys to public tables (users, order types), so the flush that
    ends a transactional test must TRUNCATE ... CASCADE or PostgreSQL refuses it."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=True)

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_flush_with_cascade()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):  # type: ignore[no-untyped-def]
    """Before pytest-django creates the test database: importing settings started nothing, so the
    session starts the embedded server here when DATABASE_URL is unset (and makes the local
    broker's folders). A session that never touches the database starts no server."""
    from spmp_platform.embedded import ensure_local_services

    ensure_local_services()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """After pytest-django made the test database: migrate the template, make the two forces."""
    from tenants.management.commands.migrate_all import migrate_template

    with django_db_blocker.unblock():
        migrate_template()
        ensure_test_forces()
    yield


@pytest.fixture(autouse=True)
def _public_schema_first(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts on the public schema; a request through the test client moves it."""
    if "django_db_setup" in request.fixturenames:
        connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _reset_axes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the database starts with no failed sign-ins counted: lockouts are per
    address too, and every test client comes from the same address."""
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") or names & {"db", "transactional_db", "live_server"}:
        request.getfixturevalue("_django_db_helper")  # the test's own database access, set up first
        from axes.models import AccessAttempt, AccessFailureLog

        AccessAttempt.objects.all().delete()
        AccessFailureLog.objects.all().delete()
    yield


@pytest.fixture
def forces(db):  # type: ignore[no-untyped-def]
    return ensure_test_forces()


@pytest.fixture
def force_a(forces):  # type: ignore[no-untyped-def]
    return forces[0]


@pytest.fixture
def force_b(forces):  # type: ignore[no-untyped-def]
    return forces[1]


@pytest.fixture
def committed_forces(transactional_db):  # type: ignore[no-untyped-def]
    """For tests that commit (live server, worker): fresh forces before, dropped after.

    pytest-django then flushes the public tables; the next test's ``forces`` fixture makes the
    forces again.
    """
    pair = reset_test_forces()
    yield pair
    drop_test_forces()


def host_of(force) -> str:  # type: ignore[no-untyped-def]
    return f"{force.slug}.{DOMAIN}"


class HostClient(Client):
    """A test client bound to one host (a force's, or the regional platform's)."""

    def __init__(self, host: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(HTTP_HOST=host, **kwargs)
        self.host = host


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    """client_for(user, force_or_None) -> a client signed in as user on that host."""

    def make(user, force=None):  # type: ignore[no-untyped-def]
        c = HostClient(host_of(force) if force is not None else DOMAIN)
        if user is not None:
            c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


@pytest.fixture
def make_member():  # type: ignore[no-untyped-def]
    return make_user


__all__ = ["DOMAIN", "PASSWORD", "HostClient", "host_of"]
