"""Production settings (issue 18, item 1): probes before tenant routing, JSON logs carrying the
request id and force, uploads to object storage when MEDIA_BUCKET is set, hashed static files."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from spmp_platform import health

BASE = Path(settings.BASE_DIR)


def _child(code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    drop = {
        "DATABASE_URL",
        "SPMP_TEST_DATABASE_NAME",
        "DJANGO_ENV",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "MEDIA_BUCKET",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE']='spmp_platform.settings'\n" + code,
        ],
        env=env,
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_health_middleware_is_first():
    assert settings.MIDDLEWARE[0] == "spmp_platform.health.HealthCheckMiddleware"
    assert settings.MIDDLEWARE[1] == "tenants.middleware.HostTenantMiddleware"


@pytest.mark.django_db
def test_healthz_answers_on_the_pod_address_without_the_database(django_assert_num_queries):
    """The kubelet sends the pod's address as Host: no routing, no ALLOWED_HOSTS, no query."""
    with django_assert_num_queries(0):
        response = Client(HTTP_HOST="10.42.0.7:8000").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(health, "check_broker", lambda: None)
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    response = Client(HTTP_HOST="10.42.0.7:8000").get("/readyz/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["checks"]) == {"database", "broker", "cache"}
    assert all(v.startswith("ok") for v in body["checks"].values())


@pytest.mark.django_db
def test_readyz_is_503_naming_what_is_down_and_no_secret(monkeypatch):
    def down() -> None:
        raise ConnectionError("redis://:hunter2@broker:6379/0 refused")

    monkeypatch.setitem(health.CHECKS, "broker", down)
    response = Client(HTTP_HOST="10.42.0.7").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unreachable (ConnectionError)"
    assert "hunter2" not in response.content.decode()


def test_other_paths_on_the_pod_address_are_still_refused():
    response = Client(HTTP_HOST="10.42.0.7:8000").get("/healthz/extra")
    assert response.status_code in {400, 404}


def test_the_filesystem_broker_check_passes(tmp_path, monkeypatch):
    """The real broker check against the configured transport (the filesystem one in tests)."""
    from spmp_platform.embedded import ensure_local_services  # makes the broker's folders

    if settings.FILESYSTEM_BROKER_DIR is not None:
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
    else:
        ensure_local_services()
    health.check_broker()


@pytest.mark.django_db
def test_log_records_carry_request_id_and_force(force_a, force_b):
    """Inside a request on a force's schema a record names the request and that force; a record
    outside any request names neither."""
    import uuid

    from django.db import connection

    from core import request_context
    from spmp_platform.log_context import RequestContextFilter

    def record() -> logging.LogRecord:
        rec = logging.LogRecord("spmp.test", logging.INFO, __file__, 1, "m", None, None)
        RequestContextFilter().filter(rec)
        return rec

    outside = record()
    assert (outside.request_id, outside.force) == ("", "")
    for force in (force_a, force_b):
        rid = uuid.uuid4()
        token = request_context.set_current(request_context.RequestContext(request_id=rid))
        connection.set_tenant(force)
        try:
            inside = record()
        finally:
            connection.set_schema_to_public()
            request_context.reset(token)
        assert (inside.request_id, inside.force) == (str(rid), force.slug)


def test_json_logging_configuration_in_production():
    probe = _child(
        "import django, logging; django.setup()\n"
        "from core import request_context\n"
        "import uuid\n"
        "rid = uuid.uuid4(); request_context.set_current(request_context.RequestContext(request_id=rid))\n"
        "logging.getLogger('spmp.test').warning('hello %s', 'world')\n"
        "print(rid)\n",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        AUDIT_SEAL_KEY="k",
        REGISTRY_MATCH_KEY="r",
        FIELD_ENCRYPTION_KEYS="c3BtcC1kZXYtb25seS1maWVsZC1rZXktMzJieXRlcyE=",
        DATABASE_URL="postgres://u@127.0.0.1:1/x",
        CACHE_URL="redis://127.0.0.1:6379/13",
    )
    assert probe.returncode == 0, probe.stderr
    line = json.loads(probe.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["request_id"] == probe.stdout.strip()
    assert "force" in line


def test_media_bucket_selects_object_storage():
    probe = _child(
        "import django; django.setup()\n"
        "from django.core.files.storage import storages; d = storages['default']\n"
        "print(type(d).__name__, d.bucket_name, d.endpoint_url, d.file_overwrite, d.default_acl)\n",
        MEDIA_BUCKET="spmp-uploads",
        MEDIA_ENDPOINT_URL="https://objects.example",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["S3Storage", "spmp-uploads", "https://objects.example", "False", "None"]


def test_without_a_bucket_uploads_stay_under_the_data_dir(tmp_path):
    probe = _child(
        "import django; django.setup()\n"
        "from django.core.files.storage import storages; d = storages['default']\n"
        "print(type(d).__name__, d.location)\n",
        SPMP_DATA_DIR=str(tmp_path),
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["FileSystemStorage", str(tmp_path / "media")]


def test_production_static_files_are_manifest_hashed():
    probe = _child(
        "import django; django.setup()\n"
        "from django.conf import settings as s; print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS)\n",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        AUDIT_SEAL_KEY="k",
        REGISTRY_MATCH_KEY="r",
        FIELD_ENCRYPTION_KEYS="c3BtcC1kZXYtb25seS1maWVsZC1rZXktMzJieXRlcyE=",
        DATABASE_URL="postgres://u@127.0.0.1:1/x",
        CACHE_URL="redis://127.0.0.1:6379/13",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "False"]
