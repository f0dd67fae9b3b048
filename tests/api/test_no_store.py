"""Case data is never kept by a browser or proxy cache (issue 8, item 8).

Every response to a signed-in user (case files, subject lists, the access log, administration)
and every API response carries ``Cache-Control: no-store``.
"""

from __future__ import annotations

import pytest

from core.roles import ForceRole
from tests.api.base import session_client, token_client
from tests.conftest import HostClient, host_of
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_case_pages_of_a_signed_in_user_are_never_stored(force_a, force_b):
    subject = make_subject(force_a, family_name="Cachedno")
    make_subject(force_b, family_name="Otherforce")
    user = make_user(force=force_a, roles=list(ForceRole))
    client = session_client(user, force_a)
    reason = client.post(f"/subjects/{subject.uuid}/", {"reason": "Checking the cache headers"})
    assert reason.status_code == 302 and _no_store(reason)
    for path in (
        "/subjects/",
        f"/subjects/{subject.uuid}/",
        f"/subjects/{subject.uuid}/edit/",
        "/subjects/new/",
        "/force-admin/people/",
        "/audit/",
        "/",
        "/no-such-page/",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert _no_store(response), (path, response.get("Cache-Control"))
    page = client.get(f"/subjects/{subject.uuid}/")
    assert b"CACHEDNO" in page.content.upper() and b"OTHERFORCE" not in page.content.upper()
    # A bad edit (400) shows the case file too.
    assert _no_store(client.post(f"/subjects/{subject.uuid}/edit/", {"family_name": ""}))
    # An outsider's 404 on force A's host as well (it is a signed-in response).
    outsider = session_client(make_user(force=force_b, roles=[ForceRole.COORDINATOR]), force_a)
    assert _no_store(outsider.get(f"/subjects/{subject.uuid}/"))


def test_every_api_response_is_never_stored(force_a):
    subject = make_subject(force_a)
    client = token_client(make_user(force=force_a, roles=list(ForceRole)), force_a)
    responses = [
        client.get("/api/v1/subjects/"),
        client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="Checking the headers"),
        client.get("/api/v1/people/"),
        client.get("/api/v1/audit-events/"),
        client.post("/api/v1/subjects/", "{", content_type="application/json"),
        HostClient(host_of(force_a)).get("/api/v1/subjects/"),  # anonymous 401
        HostClient(host_of(force_a)).post("/api/v1/auth/token/", {}, content_type="application/json"),
    ]
    for response in responses:
        assert _no_store(response), (response.status_code, response.get("Cache-Control"))
