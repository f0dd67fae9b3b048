"""Limits and headers (issue 17, item 4): scoped API throttles counted in the shared cache (429
``throttled`` with Retry-After), and ``check --deploy`` clean of security warnings in production."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

from core.roles import ForceRole
from tests.conftest import HostClient, host_of
from tests.factories import PASSWORD, make_user
from tests.helpers import child_env

pytestmark = pytest.mark.django_db


def _address() -> str:
    # Counters outlive a run in a shared Redis: a fresh address per test.
    return f"198.51.100.{random.randint(1, 254)}"


def test_token_issue_is_limited_per_address(force_a, settings):
    settings.API_THROTTLE_RATES = {"token_issue": "3/minute", "subject_search": None}
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    address = _address()
    client = HostClient(host_of(force_a), REMOTE_ADDR=address)
    body = {"email": user.email, "password": PASSWORD}
    answers = [client.post("/api/v1/auth/token/", body, content_type="application/json") for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[-1].json()["code"] == "throttled" and int(answers[-1]["Retry-After"]) > 0
    # Another address is not held back.
    other = HostClient(host_of(force_a), REMOTE_ADDR=_address())
    assert other.post("/api/v1/auth/token/", body, content_type="application/json").status_code == 201


def test_subject_search_is_limited_per_person_but_the_plain_list_is_not(force_a, settings):
    settings.API_THROTTLE_RATES = {"token_issue": None, "subject_search": "2/minute"}
    from tests.api.base import session_client

    officer = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    client = session_client(officer, force_a)
    codes = [client.get("/api/v1/subjects/", {"search": f"smith{i}"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/v1/subjects/").status_code == 200
    colleague = session_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    assert colleague.get("/api/v1/subjects/", {"search": "smith"}).status_code == 200


def test_the_limits_are_on_outside_tests_and_counted_in_the_shared_cache():
    assert django_settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.API_THROTTLE_RATES['token_issue'], settings.API_THROTTLE_RATES['subject_search'])"
    )
    env = child_env(DJANGO_SETTINGS_MODULE="spmp_platform.settings", SPMP_TESTING="0")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["10/minute", "120/minute"]


def test_check_deploy_has_no_security_warning_in_production():
    env = child_env(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 30 + "-a-long-random-looking-secret-key-for-the-check-" + "y" * 20,
        AUDIT_SEAL_KEY="seal",
        REGISTRY_MATCH_KEY="match",
        CACHE_URL="locmem://",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(django_settings.BASE_DIR),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_credential_stuffing_from_one_address_is_locked_out_across_emails(force_a, settings):
    """Many emails tried from one address: locked out (429) for every email from there, even the
    right password; logged; another address is not held back."""
    from audit.choices import AuditAction
    from tests.api.base import events_since, last_event_id
    from tests.conftest import DOMAIN

    settings.AXES_FAILURE_LIMIT = 3
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    address = _address()
    client = HostClient(DOMAIN, REMOTE_ADDR=address)
    before = last_event_id(None)
    statuses = [
        client.post("/sign-in/", {"username": f"guess{i}@nowhere.test", "password": "x" * 12}).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.post("/sign-in/", {"username": person.email, "password": PASSWORD}).status_code == 429
    assert sum(e.action == AuditAction.SIGN_IN_FAILED for e in events_since(None, before)) >= 3
    elsewhere = HostClient(DOMAIN, REMOTE_ADDR=_address())
    assert elsewhere.post("/sign-in/", {"username": person.email, "password": PASSWORD}).status_code == 302
