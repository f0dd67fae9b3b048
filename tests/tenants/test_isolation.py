"""Schema isolation and the membership rule: nothing crosses between two forces."""

from __future__ import annotations

from django_tenants.utils import schema_context

from core.roles import ForceRole
from subjects.models import Subject
from tests.conftest import host_of
from tests.factories import make_subject, make_user


def test_row_in_force_a_is_invisible_from_force_b(force_a, force_b):
    subject = make_subject(force_a, family_name="Isolated")
    with schema_context(force_a.schema_name):
        assert Subject.objects.filter(uuid=subject.uuid).exists()
    with schema_context(force_b.schema_name):
        assert not Subject.objects.filter(uuid=subject.uuid).exists()
        assert not Subject.objects.filter(family_name="Isolated").exists()


def test_row_in_force_a_is_invisible_over_force_b_host(force_a, force_b, client_for):
    make_subject(force_a, family_name="Onlyinlincs")
    both = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    from tenants.models import Membership

    Membership.objects.create(user=both, force=force_b, roles=[ForceRole.COORDINATOR])
    page_a = client_for(both, force_a).get("/subjects/")
    page_b = client_for(both, force_b).get("/subjects/")
    assert page_a.status_code == 200 and b"ONLYINLINCS" in page_a.content
    assert page_b.status_code == 200 and b"ONLYINLINCS" not in page_b.content


def test_integer_ids_restart_per_schema_so_public_ids_are_uuids(force_a, force_b):
    a = make_subject(force_a)
    b = make_subject(force_b)
    assert a.uuid != b.uuid


def test_non_member_gets_404_on_every_page_of_a_force_host(force_a, force_b, client_for):
    lincs_only = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    client = client_for(lincs_only, force_b)
    for path in ("/", "/subjects/", "/api/v1/schema/", "/does-not-exist/", "/sign-in/"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert client_for(lincs_only, force_a).get("/").status_code == 200


def test_suspended_member_is_a_non_member(force_a, client_for):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER], status="suspended")
    assert client_for(user, force_a).get("/").status_code == 404


def test_anonymous_on_force_host_is_sent_to_the_regional_sign_in(force_a):
    from django.test import Client

    response = Client(HTTP_HOST=host_of(force_a)).get("/subjects/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_unknown_host_is_404(db):
    from django.test import Client

    assert Client(HTTP_HOST="nowhere.spmp.localhost").get("/").status_code == 404


def test_regional_admin_sees_no_case_data_without_membership(force_a, client_for):
    from core.roles import RegionalRoleKind
    from tenants.models import Region

    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    make_subject(force_a, family_name="Hidden")
    assert client_for(admin, force_a).get("/subjects/").status_code == 404
    page = client_for(admin, None).get("/region/forces/")
    assert page.status_code == 200
    assert b"Lincolnshire Police" in page.content and b"Nottinghamshire Police" in page.content


def test_admin_is_served_on_regional_host_only(force_a, client_for):
    user = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    assert client_for(user, force_a).get("/admin/").status_code == 404
    assert client_for(None, None).get("/admin/").status_code == 302


def test_a_non_members_refusal_is_logged_in_the_refused_forces_log(force_a, force_b, client_for):
    from audit.models import AuditEvent

    lincs_admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    response = client_for(lincs_admin, force_b).get("/force-admin/people/?q=Smith")
    assert response.status_code == 404
    with schema_context(force_b.schema_name):
        event = AuditEvent.objects.get(action="permission-denied", actor_id=lincs_admin.pk)
        assert event.object_ids == [force_b.uuid]
        assert event.justification == "GET force_admin:people: not a member of this force"
    with schema_context(force_a.schema_name):
        assert not AuditEvent.objects.filter(action="permission-denied", actor_id=lincs_admin.pk).exists()
