"""Settings without side effects, the cache from CACHE_URL, and every variable the code reads documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from spmp_platform.settings import cache_from_url

BASE = Path(settings.BASE_DIR)
REDIS_URL = "redis://127.0.0.1:6379/6"  # this branch's Redis database


def _env(**extra: str) -> dict[str, str]:
    """The environment of a child process with no database, broker or cache configured."""
    drop = {"DATABASE_URL", "SPMP_TEST_DATABASE_NAME", "DJANGO_ENV", "CELERY_BROKER_URL", "CACHE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE, capture_output=True, text=True, timeout=120
    )


def _processes_mentioning(folder: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(folder) in cmdline:
            found.append(cmdline)
    return found


def test_importing_settings_starts_no_server_and_makes_no_folder(tmp_path):
    """DATABASE_URL and CELERY_BROKER_URL unset: settings (and every app, the Celery app with the
    project package) load without starting the embedded PostgreSQL or making any data folder."""
    data_dir = tmp_path / "fresh"
    probe = _python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'spmp_platform.settings'\n"
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "import spmp_platform.urls_force, spmp_platform.urls_public\n"
        "print(s.EMBEDDED_DATABASE, s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL)\n",
        _env(SPMP_DATA_DIR=str(data_dir)),
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["True", str(data_dir / "pg"), "filesystem://"]
    assert not data_dir.exists()
    assert _processes_mentioning(data_dir) == []


def test_a_command_without_the_database_starts_nothing(tmp_path):
    data_dir = tmp_path / "fresh"
    proc = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=_env(SPMP_DATA_DIR=str(data_dir)),
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert not data_dir.exists()
    assert _processes_mentioning(data_dir) == []


def test_local_folders_are_made_by_the_entry_point_not_by_settings(tmp_path):
    """With an external database, ensure_local_services() makes only the broker's and static folders."""
    data_dir = tmp_path / "fresh"
    probe = _python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'spmp_platform.settings'\n"
        "import django; django.setup()\n"
        "from spmp_platform.embedded import ensure_local_services; ensure_local_services()\n",
        _env(SPMP_DATA_DIR=str(data_dir), DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"),
    )
    assert probe.returncode == 0, probe.stderr
    assert sorted(p.name for p in (data_dir / "broker").iterdir()) == ["control", "in", "processed"]
    assert (data_dir / "staticfiles").is_dir()
    assert not (data_dir / "pg").exists()


@pytest.mark.parametrize("url", ["", "locmem://"])
def test_cache_url_unset_or_locmem_is_this_process_memory(url):
    cache = cache_from_url(url)
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache["KEY_FUNCTION"] == "django_tenants.cache.make_key"


@pytest.mark.parametrize("url", ["redis://cache.internal:6379/1", "rediss://user:pw@cache.example:6380/0"])
def test_cache_url_redis_is_the_shared_redis_cache(url):
    cache = cache_from_url(url)
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == url
    assert cache["KEY_FUNCTION"] == "django_tenants.cache.make_key"


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379"])
def test_cache_url_of_an_unknown_kind_is_refused_by_name(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must start with redis://"):
        cache_from_url(url)


def test_cache_url_reaches_a_real_redis_with_keys_per_schema(tmp_path):
    """Two processes (as two workers or pods would be) share one entry; the key carries the schema."""
    env = _env(
        SPMP_DATA_DIR=str(tmp_path),
        CACHE_URL=REDIS_URL,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    head = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'spmp_platform.settings'\nimport django; django.setup()\nfrom django.core.cache import caches; cache = caches['default']\n"
    writer = _python(
        head + "cache.set('configuration-probe', 'shared', 600); print(type(cache).__name__)\n", env
    )
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.strip() == "RedisCache"
    reader = _python(head + "print(cache.get('configuration-probe'))\n", env)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "shared"

    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert [k.decode() for k in client.keys("*configuration-probe")] == ["public::1:configuration-probe"]
    finally:
        client.delete("public::1:configuration-probe")


_READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|_require|_bool|_fernet_keys)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\](?!\s*=[^=])"""
)
_SKIP = {".venv", "node_modules", ".data", ".git", "migrations"}
# Django's own variables, which the code sets for itself rather than reads.
_NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in BASE.rglob("*.py"):
        if _SKIP & set(path.relative_to(BASE).parts):
            continue
        for match in _READS.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return names - _NOT_OURS


def test_every_variable_the_code_reads_is_in_the_readme():
    readme = (BASE / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    read = _variables_read_by_the_code()
    assert {"DATABASE_URL", "CACHE_URL", "SECRET_KEY", "SPMP_CHROMIUM"} <= read  # the scan sees them
    assert read - documented == set()


@pytest.mark.django_db
def test_every_connection_runs_with_postgresqls_jit_off():
    """A short-query web application: JIT compiling cost seconds of 0.1 s queries (README, Performance)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
