"""Issue 8, item 6: the demo ran out of database connections (runserver, a thread per request,
each keeping its connection for CONN_MAX_AGE) and answered 500 to everything. Both the demo's own
server and the production configuration now serve a soak with no 5xx and a bounded number of
connections: WEB_WORKERS x WEB_THREADS at most, whatever the concurrency."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from django.conf import settings

from spmp_platform.embedded import start_embedded_server

from . import soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

REQUESTS = 3000
CONCURRENCY = 20
OFFICER = "soak-officer@lincolnshire.example"  # not a demo user: production refuses those
PASSWORD = "soak-password-not-a-demo-one"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def soak_database(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A scratch database on the tests' server (the embedded one without DATABASE_URL), seeded."""
    data_dir = tmp_path_factory.mktemp("soak")
    admin_url = os.environ.get("DATABASE_URL") or start_embedded_server(Path(settings.DATA_DIR) / "pg")
    name = f"{os.environ.get('SPMP_TEST_DATABASE_NAME', 'test_spmp')}_soak"
    url = soak.prepare_database(admin_url, name, data_dir)
    soak.add_officer(url, data_dir, OFFICER, PASSWORD)
    yield url, data_dir
    soak.drop_database(admin_url, name)


def _check(result: soak.SoakResult, bound: int, label: str) -> None:
    print(f"\n{label}: {result.summary()}")  # the figures issue 8 asks for; see with -s
    assert result.requests == REQUESTS, result.failures
    assert result.server_errors == 0, result.failures
    assert not result.failures
    assert set(result.statuses) <= {200, 302}, result.statuses
    assert 0 < result.peak_connections <= bound, result.summary()


def test_the_demo_server_survives_a_soak_with_bounded_connections(soak_database):
    url, data_dir = soak_database
    port = _free_port()
    with soak.serve_demo(url, port, data_dir, WEB_WORKERS="2", WEB_THREADS="4") as server:
        result = soak.run_soak(
            port=port,
            database_url=url,
            email=soak.OFFICER,
            requests=REQUESTS,
            concurrency=CONCURRENCY,
        )
    _check(result, 2 * 4, "demo (run_demo)")
    assert server.returncode == 0  # stopped cleanly by SIGINT, as by Ctrl-C


def test_the_production_configuration_survives_a_soak_with_bounded_connections(soak_database):
    url, data_dir = soak_database
    port = _free_port()
    with soak.serve_production(url, port, data_dir, WEB_WORKERS="3", WEB_THREADS="4") as server:
        result = soak.run_soak(
            port=port,
            database_url=url,
            email=OFFICER,
            password=PASSWORD,
            requests=REQUESTS,
            concurrency=CONCURRENCY,
            behind_proxy=True,
        )
    _check(result, 3 * 4, "production (gunicorn, DJANGO_ENV=production)")
    assert server.returncode == 0
