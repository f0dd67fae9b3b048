"""Under concurrent requests to two forces, no response is ever served from the other's schema."""

from __future__ import annotations

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from core.roles import ForceRole
from tests.conftest import host_of
from tests.factories import make_subject, make_user


def _session_cookie(user) -> str:  # type: ignore[no-untyped-def]
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.save()
    return session.session_key


@pytest.mark.slow
def test_threaded_server_never_mixes_schemas(committed_forces, live_server):
    force_a, force_b = committed_forces
    for force, family in ((force_a, "Alphaonly"), (force_b, "Bravoonly")):
        for i in range(3):
            make_subject(force, family_name=f"{family}{i}")
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    from tenants.models import Membership

    Membership.objects.create(user=user, force=force_b, roles=[ForceRole.COORDINATOR])
    cookie = f"{settings.SESSION_COOKIE_NAME}={_session_cookie(user)}"
    port = urlsplit(live_server.url).port

    def fetch(i: int) -> tuple[str, str]:
        force = force_a if i % 2 else force_b
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/subjects/", headers={"Host": f"{host_of(force)}:{port}", "Cookie": cookie})
        body = conn.getresponse().read().decode()
        conn.close()
        return force.slug, body

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, range(120)))
    for slug, body in results:
        seen = set(re.findall(r"(ALPHAONLY|BRAVOONLY)\d", body))
        expected = {"lincolnshire": {"ALPHAONLY"}, "nottinghamshire": {"BRAVOONLY"}}[slug]
        assert seen == expected, (slug, seen)
