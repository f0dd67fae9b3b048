"""Both database paths: an embedded server when DATABASE_URL is unset, the named server otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from spmp_platform.embedded import stop_embedded_database

BASE = Path(settings.BASE_DIR)


def _run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=BASE, capture_output=True, text=True, timeout=timeout
    )


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SPMP_TEST_DATABASE_NAME", "DJANGO_ENV"}
    }
    env.update(extra)
    return env


@pytest.fixture
def embedded_tmp() -> Iterator[Path]:
    """A folder straight under /tmp, not pytest's tmp_path: every pytest session that starts (another
    xdist worker, another run on the machine) resets /tmp/pytest-of-<user> to 0700, which cuts the
    server's own user (pgserver, when running as root) off from its data mid-test."""
    folder = Path(tempfile.mkdtemp(prefix="spmp-embedded-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_embedded_server_starts_migrates_and_keeps_data_across_restarts(embedded_tmp):
    tmp_path = embedded_tmp
    env = _env(SPMP_DATA_DIR=str(tmp_path / "data"))
    try:
        first = _run(["manage.py", "migrate_all"], env)
        assert first.returncode == 0, first.stderr
        onboard = _run(
            [
                "manage.py",
                "onboard_force",
                "--region",
                "east-midlands",
                "--slug",
                "derbyshire",
                "--name",
                "Derbyshire Constabulary",
                "--admin-email",
                "lead@derbyshire.example",
            ],
            env,
        )
        assert onboard.returncode == 0, onboard.stderr
        assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
        stop_embedded_database(tmp_path / "data" / "pg")
        assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists()  # really stopped
        # A new process finds the stopped server's data, restarts it and sees the force.
        probe = _run(
            [
                "manage.py",
                "shell",
                "-c",
                "from django.db import connection; from tenants.models import Force; "
                "print(connection.settings_dict['HOST']); "
                "print(sorted(Force.objects.values_list('slug', flat=True)))",
            ],
            env,
        )
        assert probe.returncode == 0, probe.stderr
        host, slugs = probe.stdout.strip().splitlines()[-2:]
        assert host.startswith(str(tmp_path)), host  # a socket in the embedded data folder
        assert "derbyshire" in slugs
    finally:
        stop_embedded_database(tmp_path / "data" / "pg")


def test_database_url_names_the_server_and_no_embedded_server_starts(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    probe = _run(
        [
            "-c",
            (
                "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='spmp_platform.settings'; django.setup();"
                "from django.conf import settings as s; d=s.DATABASES['default'];"
                "print(s.EMBEDDED_DATABASE, d['HOST'], d['PORT'], d['NAME'], d['ENGINE'])"
            ),
        ],
        _env(DATABASE_URL=url, SPMP_DATA_DIR=str(tmp_path)),
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [
        "False",
        "127.0.0.1",
        "5432",
        "postgres",
        "django_tenants.postgresql_backend",
    ]
    assert not (tmp_path / "pg").exists()


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "AUDIT_SEAL_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "CACHE_URL"]
)
def test_production_refuses_to_start_without_a_secret(missing, tmp_path):
    env = _env(
        DJANGO_ENV="production",
        SECRET_KEY="s" * 50,
        AUDIT_SEAL_KEY="a" * 40,
        REGISTRY_MATCH_KEY="r" * 40,
        FIELD_ENCRYPTION_KEYS="c3BtcC10ZXN0LW9ubHktZmllbGQta2V5LTMyYnl0ZXM=",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CACHE_URL="redis://127.0.0.1:6379/6",
        SPMP_DATA_DIR=str(tmp_path),
    )
    env.pop(missing)
    proc = _run(["manage.py", "check"], env, timeout=120)
    assert proc.returncode != 0
    assert f"{missing} must be set when DJANGO_ENV=production" in proc.stderr


def test_demo_users_are_refused_in_production(forces, settings):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from tenants.models import User

    User.objects.create_user(email="officer@demo.example", password="demo-only-password", is_demo=True)
    request = RequestFactory().post("/sign-in/", HTTP_HOST="spmp.localhost")
    creds = {"username": "officer@demo.example", "password": "demo-only-password"}
    assert authenticate(request, **creds) is not None
    settings.PRODUCTION = True
    assert authenticate(request, **creds) is None


def test_seed_demo_refuses_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    from tenants.demo import seed_demo

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        seed_demo()
