"""Each field error over the API carries its stable code: DRF's own and the services' (issue 7)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.roles import ForceRole
from organisation.models import Team
from subjects.models import Subject
from tenants.models import Membership
from tests.api.base import token_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_service_codes_reach_the_client_per_field_and_nothing_is_saved(force_a, force_b):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    client = token_client(admin, force_a)
    own = Membership.objects.get(user=admin, force=force_a)

    body = client.patch(
        f"/api/v1/people/{own.uuid}/", {"roles": ["officer"]}, content_type="application/json"
    )
    assert body.status_code == 400
    assert body.json()["codes"] == {"roles": ["self_grant"]}

    for force, name in ((force_a, "Lincoln AOU"), (force_b, "Boston AOU")):
        with schema_context(force.schema_name):
            Team.objects.create(name=name, kind="aou")
    body = client.post(
        "/api/v1/teams/", {"name": "lincoln aou", "kind": "aou"}, content_type="application/json"
    )
    assert body.status_code == 400 and body.json()["codes"] == {"name": ["duplicate_name"]}
    # The same name is free in another force: force B's team does not clash in A.
    assert (
        client.post(
            "/api/v1/teams/", {"name": "Boston AOU", "kind": "aou"}, content_type="application/json"
        ).status_code
        == 201
    )

    coordinator = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    body = coordinator.post(
        "/api/v1/subjects/",
        {"family_name": "Future", "given_names": "Fay", "date_of_birth": "2999-01-01"},
        content_type="application/json",
    )
    assert body.status_code == 400 and body.json()["codes"]["date_of_birth"] == ["future_date_of_birth"]
    body = coordinator.post("/api/v1/subjects/", {"family_name": "x" * 1000}, content_type="application/json")
    assert body.status_code == 400 and "max_length" in body.json()["codes"]["family_name"]
    with schema_context(force_a.schema_name):
        assert not Subject.objects.filter(family_name__in=["Future", "x" * 1000]).exists()
        assert Team.objects.filter(name__iexact="lincoln aou").count() == 1
