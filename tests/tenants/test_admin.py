"""The Django admin (regional host) changes nothing behind the services' back (issue 7, item 4).

Platform records are read-only there; the changes it offers (revoking tokens, deactivating an
account, giving or taking a regional role) are actions calling a service that audits.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole, RegionalRoleKind
from tenants import accounts, tokens
from tenants.models import ApiToken, Domain, Force, Membership, RegionalRole, User
from tests.conftest import DOMAIN
from tests.factories import PASSWORD, make_user

PROJECT_APPS = {"tenants", "statute", "audit", "jobs", "organisation", "subjects", "api"}
# model -> (may add, may delete) for a superuser; nothing is ever changed in place except order types.
SERVICE_BACKED = {"tenants.regionalrole": (True, True)}
EDITABLE = {"statute.ordertype"}  # the statutory reference data platform administrators maintain


def _superuser() -> User:
    root = make_user(email="root@platform.test")
    root.is_staff = root.is_superuser = True
    root.save()
    return root


def _only_admin(force: Force) -> User:
    """A force administrator who is the force's only active one (the test forces come with another)."""
    Membership.objects.filter(force=force).update(status=Membership.Status.SUSPENDED)
    return make_user(force=force, roles=[ForceRole.FORCE_ADMIN])


def _platform_events(**filters):  # type: ignore[no-untyped-def]
    with schema_context("public"):
        return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_every_platform_model_in_the_admin_is_read_only_unless_a_service_saves_it(db):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/admin/")
    request.user = _superuser()
    seen = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        label = model._meta.label_lower
        seen.add(label)
        if label in EDITABLE:
            continue
        may_add, may_delete = SERVICE_BACKED.get(label, (False, False))
        assert model_admin.has_change_permission(request) is False, label
        assert model_admin.has_add_permission(request) is may_add, label
        assert model_admin.has_delete_permission(request) is may_delete, label
    assert {
        "tenants.membership",
        "tenants.user",
        "tenants.domain",
        "tenants.force",
        "tenants.apitoken",
        "tenants.rolegrant",
        "tenants.membershipinvitation",
        "jobs.jobrun",
    } <= seen


def test_an_admin_save_that_would_remove_a_forces_last_administrator_is_refused_and_changes_nothing(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    last_admin = _only_admin(force_a)
    membership = Membership.objects.get(user=last_admin, force=force_a)
    count = Membership.objects.count()
    client = client_for(_superuser(), None)
    url = f"/admin/tenants/membership/{membership.pk}/change/"
    assert client.get(url).status_code == 200  # shown, read-only
    before_a = _platform_events()
    form = {"user": last_admin.pk, "force": force_a.pk, "roles": ForceRole.OFFICER, "status": "suspended"}
    assert client.post(url, form).status_code == 403
    assert (
        client.post(f"/admin/tenants/membership/{membership.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.post("/admin/tenants/membership/add/", form).status_code == 403
    membership.refresh_from_db()
    assert membership.roles == [ForceRole.FORCE_ADMIN] and membership.status == Membership.Status.ACTIVE
    assert Membership.objects.count() == count
    assert not Membership.objects.filter(user=last_admin, force=force_b).exists()
    assert _platform_events() == before_a


def test_domains_and_forces_are_not_edited_in_the_admin(force_a, client_for):  # type: ignore[no-untyped-def]
    client = client_for(_superuser(), None)
    domain = Domain.objects.get(tenant=force_a, is_primary=True)
    response = client.post(
        f"/admin/tenants/domain/{domain.pk}/change/",
        {"domain": "evil.example", "tenant": force_a.pk, "is_primary": "on"},
    )
    assert response.status_code == 403
    response = client.post(f"/admin/tenants/force/{force_a.pk}/change/", {"name": "Renamed", "slug": "x"})
    assert response.status_code == 403
    domain.refresh_from_db()
    assert domain.domain != "evil.example"
    assert Force.objects.get(pk=force_a.pk).name == force_a.name


def test_a_password_is_not_set_in_the_admin(db, client_for):  # type: ignore[no-untyped-def]
    person = make_user(email="person@platform.test")
    client = client_for(_superuser(), None)
    new = "a-brand-new-password-42"
    for url in (f"/admin/tenants/user/{person.pk}/password/", f"/admin/tenants/user/{person.pk}/change/"):
        response = client.post(url, {"password1": new, "password2": new, "email": "x@y.test"})
        assert response.status_code in (302, 403, 404)
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and person.email == "person@platform.test"


def test_deactivating_in_the_admin_revokes_tokens_ends_sessions_and_is_audited_once(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    Membership.objects.create(user=person, force=force_b, roles=[ForceRole.VIEWER])
    tokens.issue_token(user=person, force=force_a)
    tokens.issue_token(user=person, force=force_b)
    their_session = client_for(person, force_a)
    assert their_session.get("/").status_code == 200
    root = _superuser()
    response = client_for(root, None).post(
        "/admin/tenants/user/", {"action": "deactivate", "_selected_action": [person.pk]}, follow=True
    )
    assert response.status_code == 200 and "1 account(s) deactivated." in response.content.decode()
    person.refresh_from_db()
    assert person.is_active is False
    assert not ApiToken.objects.live().filter(user=person).exists()
    assert their_session.get("/").status_code in (302, 404)  # signed out: the session is gone
    events = _platform_events(object_type="user", object_ids=[person.uuid], changed_fields=["is_active"])
    assert len(events) == 1 and events[0].actor_id == root.pk
    assert events[0].changes == {"is_active": {"before": True, "after": False}}
    assert "2 API token(s) revoked" in events[0].justification
    # Nothing was written in either force's log by the platform's decision.
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            assert not AuditEvent.objects.filter(changed_fields=["is_active"]).exists()

    client_for(root, None).post(
        "/admin/tenants/user/", {"action": "reactivate", "_selected_action": [person.pk]}
    )
    person.refresh_from_db()
    assert person.is_active is True
    assert (
        len(_platform_events(object_type="user", object_ids=[person.uuid], changed_fields=["is_active"])) == 2
    )


def test_deactivating_a_forces_last_administrator_is_refused_with_a_message(force_a, client_for):  # type: ignore[no-untyped-def]
    last_admin = _only_admin(force_a)
    root = _superuser()
    response = client_for(root, None).post(
        "/admin/tenants/user/",
        {"action": "deactivate", "_selected_action": [last_admin.pk, root.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "last active force administrator" in page and force_a.name in page
    assert "cannot deactivate your own account" in page
    assert User.objects.filter(pk__in=[last_admin.pk, root.pk], is_active=True).count() == 2
    assert _platform_events(changed_fields=["is_active"]) == []
    # With a second administrator, the first may go.
    make_user(email="second@lincs.test", force=force_a, roles=[ForceRole.FORCE_ADMIN])
    accounts.deactivate_user(actor=root, user=last_admin)
    assert User.objects.get(pk=last_admin.pk).is_active is False


def test_a_regional_role_is_given_and_taken_away_through_the_audited_service(force_a, client_for):  # type: ignore[no-untyped-def]
    region = force_a.region
    person = make_user(email="analyst@platform.test")
    _token, _secret = tokens.issue_token(user=person, force=None)
    root = _superuser()
    client = client_for(root, None)
    form = {"user": person.pk, "region": region.pk, "role": RegionalRoleKind.REGIONAL_ANALYST}
    assert client.post("/admin/tenants/regionalrole/add/", form).status_code == 302
    role = RegionalRole.objects.get(user=person)
    [given] = _platform_events(object_type="regionalrole")
    assert given.object_ids == [role.uuid, person.uuid] and given.actor_id == root.pk

    # Not to oneself; a platform administrator's role has no region: form errors, nothing saved.
    mine = client.post("/admin/tenants/regionalrole/add/", {**form, "user": root.pk})
    assert mine.status_code == 200 and accounts.SELF_GRANT_MESSAGE in mine.content.decode()
    bad = client.post("/admin/tenants/regionalrole/add/", {**form, "role": RegionalRoleKind.PLATFORM_ADMIN})
    assert bad.status_code == 200 and "errornote" in bad.content.decode()
    assert RegionalRole.objects.count() == 1

    change = client.post(f"/admin/tenants/regionalrole/{role.pk}/change/", {**form, "role": "regional-admin"})
    assert change.status_code == 403
    assert RegionalRole.objects.get(pk=role.pk).role == RegionalRoleKind.REGIONAL_ANALYST

    assert client.post(f"/admin/tenants/regionalrole/{role.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not RegionalRole.objects.filter(user=person).exists()
    assert not ApiToken.objects.live().filter(user=person).exists()
    gone = _platform_events(object_type="regionalrole", action="erase")
    assert len(gone) == 1 and "1 regional API token(s) revoked" in gone[0].justification


# --- Setting a password goes through tenants.accounts.set_password ---------------------------


def test_setting_a_password_by_invitation_link_is_audited_once_by_the_service(
    force_a, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    admin_client = client_for(make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN]), force_a)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/force-admin/people/invite/", {"email": "pw@lincs.test", "roles": [ForceRole.OFFICER]}
        )
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    path = link.split(DOMAIN, 1)[1]
    invitee = User.objects.get(email="pw@lincs.test")
    password = "a-long-enough-password-42"
    response = Client(HTTP_HOST=DOMAIN).post(path, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    invitee.refresh_from_db()
    assert invitee.check_password(password)
    events = _platform_events(object_type="user", object_ids=[invitee.uuid], changed_fields=["password"])
    assert len(events) == 1 and events[0].actor_id == invitee.pk
    assert events[0].justification == "Set password by invitation link" and password not in str(
        events[0].changes
    )
    with schema_context(force_a.schema_name):
        assert not AuditEvent.objects.filter(changed_fields=["password"]).exists()


def test_the_password_service_refuses_a_weak_password_and_changes_nothing(db):  # type: ignore[no-untyped-def]
    person = make_user(email="weak@platform.test")
    with pytest.raises(Exception) as refused:
        accounts.set_password(user=person, raw_password="short", actor=person, justification="test")
    assert "password" in refused.value.message_dict  # type: ignore[attr-defined]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert _platform_events(changed_fields=["password"]) == []


def _events_in(force):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_reading_people_in_the_admin_logs_one_consult_naming_them_in_the_platform_log_only(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    person = make_user(force=force_a, roles=[ForceRole.OFFICER], email="seen@platform.test")
    membership = Membership.objects.get(user=person, force=force_a)
    root = _superuser()
    client = client_for(root, None)
    before = _platform_events().pop().id if _platform_events() else 0
    forces_before = {f.pk: _events_in(f) for f in (force_a, force_b)}

    listed = client.get("/admin/tenants/user/", {"q": "seen@platform.test"})
    assert listed.status_code == 200 and "seen@platform.test" in listed.content.decode()
    opened = client.get(f"/admin/tenants/membership/{membership.pk}/change/")
    assert opened.status_code == 200
    client.get("/admin/tenants/region/")  # not personal: no consult

    events = [e for e in _platform_events(id__gt=before) if e.action == "consult"]
    assert [(e.object_type, e.object_ids, e.actor_id) for e in events] == [
        ("user", [person.uuid], root.pk),
        ("membership", [membership.uuid], root.pk),
    ]
    assert events[0].justification == "Django admin list: users"
    assert events[1].justification == "Django admin record: membership"
    assert {f.pk: _events_in(f) for f in (force_a, force_b)} == forces_before


def test_an_empty_admin_list_logs_nothing_and_every_personal_admin_is_audited(db, client_for):  # type: ignore[no-untyped-def]
    from audit.choices import RecordType
    from core.admin import ReadOnlyAdmin

    root = _superuser()
    before = _platform_events().pop().id if _platform_events() else 0
    assert client_for(root, None).get("/admin/tenants/user/", {"q": "nobody-at-all"}).status_code == 200
    assert [e for e in _platform_events(id__gt=before) if e.action == "consult"] == []
    personal = {"user", "membership", "rolegrant", "membershipinvitation", "regionalrole", "apitoken"}
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ReadOnlyAdmin):
            assert model_admin.personal_data is (model._meta.model_name in personal), model
            if model_admin.personal_data:
                RecordType.for_model(model)  # each has a record type to be logged under
