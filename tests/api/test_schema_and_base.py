"""The OpenAPI schema and docs, and the guard rails of the base viewset itself."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders

from api.viewsets import ForceModelViewSet
from subjects.models import Subject
from tests.conftest import DOMAIN, HostClient, host_of


def _schema(host: str) -> dict:
    response = HostClient(host).get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_force_schema_documents_subjects_reason_header_and_error_bodies(force_a):
    schema = _schema(host_of(force_a))
    paths = schema["paths"]
    retrieve = paths["/api/v1/subjects/{uuid}/"]["get"]
    header = next(p for p in retrieve["parameters"] if p["name"] == "X-Access-Reason")
    assert header["in"] == "header" and header["required"] is True
    assert header["schema"]["maxLength"] == 500
    assert "X-Access-Reason" not in str(paths["/api/v1/subjects/"]["get"].get("parameters", []))
    erase = paths["/api/v1/subjects/{uuid}/"]["delete"]
    assert any(p["name"] == "X-Erasure-Reason" and p["required"] for p in erase["parameters"])
    for code in ("400", "401", "403", "404"):
        assert code in retrieve["responses"], code
    assert retrieve["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "FieldError"
    )
    components = schema["components"]["schemas"]
    assert components["SubjectRequest"]["additionalProperties"] is False
    assert set(components["Error"]["required"]) == {"code", "detail"}
    assert "bearerAuth" in schema["components"]["securitySchemes"]
    list_params = {p["name"] for p in paths["/api/v1/subjects/"]["get"]["parameters"]}
    assert {"search", "pnc_id", "date_of_birth", "ordering", "page", "page_size"} <= list_params


def test_regional_schema_has_no_force_endpoints(db):
    paths = _schema(DOMAIN)["paths"]
    assert "/api/v1/auth/token/" in paths
    assert not any(p.startswith("/api/v1/subjects") for p in paths)


@pytest.mark.parametrize("on_force", [True, False])
def test_docs_work_offline_with_no_inline_script(force_a, on_force):
    host = host_of(force_a) if on_force else DOMAIN
    response = HostClient(host).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert finders.find(src.removeprefix("/static/")), src
    assert "http://" not in html and "https://" not in html


def test_a_viewset_that_overrides_get_queryset_is_refused():
    with pytest.raises(TypeError, match="get_base_queryset"):

        class Forgetful(ForceModelViewSet):
            queryset = Subject.objects.all()

            def get_queryset(self):  # type: ignore[no-untyped-def]
                return Subject.objects.all()


def test_a_viewset_must_write_through_services():
    class Lazy(ForceModelViewSet):
        queryset = Subject.objects.all()

    with pytest.raises(NotImplementedError, match="service"):
        Lazy().perform_create(None)


def _call(viewset_class, actions, user, force, **kwargs):  # type: ignore[no-untyped-def]
    """Call a viewset directly on ``force`` (no URL routing needed), authenticated as ``user``."""
    from django.db import connection
    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get("/api/v1/anything/", HTTP_X_ACCESS_REASON="Testing the base")
    request.tenant = force
    force_authenticate(request, user=user)
    connection.set_tenant(force)
    try:
        return viewset_class.as_view(actions)(request, **kwargs)
    finally:
        connection.set_schema_to_public()


def test_an_action_without_a_declared_permission_is_refused(force_a):
    from api.subjects import SubjectViewSet
    from core.roles import ForceRole
    from tests.factories import make_user

    class Undeclared(SubjectViewSet):
        required_permissions = {}

    user = make_user(force=force_a, roles=list(ForceRole))
    assert _call(Undeclared, {"get": "list"}, user, force_a).status_code == 403


def test_scoping_holds_even_when_the_permission_map_is_too_generous(force_a):
    """A wrong permission map lets the request in, but restrict() still shows nothing."""
    from api.subjects import SubjectViewSet
    from core.roles import ForceRole, Perm
    from tests.factories import make_subject, make_user

    class TooGenerous(SubjectViewSet):
        required_permissions = {"list": Perm.VIEW_BRIEFING, "retrieve": Perm.VIEW_BRIEFING}

    subject = make_subject(force_a)
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])  # briefings only, no VIEW_SUBJECT
    listed = _call(TooGenerous, {"get": "list"}, viewer, force_a)
    assert listed.status_code == 200 and listed.data["results"] == []
    detail = _call(TooGenerous, {"get": "retrieve"}, viewer, force_a, uuid=str(subject.uuid))
    assert detail.status_code == 404


def test_subject_create_documents_the_possible_duplicate_409_with_its_matches(force_a):
    schema = _schema(host_of(force_a))
    conflict = schema["paths"]["/api/v1/subjects/"]["post"]["responses"]["409"]
    assert "possible_duplicate" in conflict["description"]
    ref = conflict["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][ref]
    assert {"code", "detail", "matches"} <= set(body["properties"])
    matches = body["properties"]["matches"]
    assert matches["type"] == "array" and matches["items"]["format"] == "uuid"
    # Only the create can find a duplicate: an update's 409 stays the plain error body.
    update = schema["paths"]["/api/v1/subjects/{uuid}/"]["patch"]["responses"]["409"]
    assert update["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
