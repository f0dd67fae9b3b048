"""Two-factor sign-in (issue 17, item 2): who needs it, the 403 ``mfa_required``, enrolment,
verification at sign-in, and the API token's ``otp`` field. Two forces; nothing crosses."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.choices import AuditAction
from core.reasons import SESSION_KEY as REASON_KEY
from core.roles import ForceRole, RegionalRoleKind
from tenants.services import ensure_region
from tests.api.base import events_since, last_event_id, session_client
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import PASSWORD, make_user
from tests.plans.helpers import submitted, supervisor
from tests.security.helpers import code_for, enrolled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mfa_required(settings):  # type: ignore[no-untyped-def]
    settings.SPMP_REQUIRE_MFA = True


def test_a_supervisor_without_totp_cannot_approve_a_plan_until_they_enrol(force_a):
    version = submitted(force_a)
    boss = supervisor(force_a)
    client = session_client(boss, force_a)
    approve = f"/subjects/{version.plan.subject.uuid}/plan/versions/{version.uuid}/approve/"
    before = last_event_id(force_a)
    refused = client.post(approve, {"revision": version.revision})
    assert refused.status_code == 403 and b"Set up two-factor sign-in" in refused.content
    assert any(
        e.action == AuditAction.PERMISSION_DENIED and "mfa_required" in e.justification
        for e in events_since(force_a, before)
    )
    # Enrol on the regional host: the QR code and key, a wrong code refused on the field, then a right one.
    regional = HostClient(DOMAIN)
    regional.cookies = client.cookies
    page = regional.get("/account/two-factor/")
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    wrong = regional.post("/account/two-factor/", {"code": "000000"})
    assert wrong.status_code == 400 and "code" in wrong.context["form"].errors
    device = TOTPDevice.objects.get(user=boss)
    assert not device.confirmed
    device.throttle_reset()  # django-otp delays the next try after a wrong code (1 s, doubling)
    done = regional.post("/account/two-factor/", {"code": code_for(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(user=boss).confirmed
    session = client.session
    session[REASON_KEY] = {f"{force_a.slug}:subject:{version.plan.subject.uuid}": "Approving the plan"}
    session.save()
    approved = client.post(approve, {"revision": version.revision})
    assert approved.status_code == 302, approved.content


def test_roles_that_do_not_need_it_are_not_asked(force_a):
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert session_client(officer, force_a).get("/subjects/").status_code == 200


def test_off_no_one_is_asked(force_a, settings):
    settings.SPMP_REQUIRE_MFA = False
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    assert session_client(boss, force_a).get("/subjects/").status_code == 200


def test_the_need_follows_the_force_whose_host_it_is(force_a, force_b):
    person = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    from tenants.models import Membership

    Membership.objects.create(user=person, force=force_b, roles=[ForceRole.OFFICER])
    assert session_client(person, force_a).get("/subjects/").status_code == 403
    assert session_client(person, force_b).get("/subjects/").status_code == 200


def test_regional_administrators_need_it_on_regional_pages(forces):
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, ensure_region(forces[0].region.slug)))
    assert session_client(admin, None).get("/region/forces/").status_code == 403


def test_an_enrolled_person_signs_in_with_a_code(force_a):
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    device = enrolled(boss)
    client = HostClient(DOMAIN)
    signed_in = client.post("/sign-in/", {"username": boss.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and "/account/two-factor/verify/" in signed_in["Location"]
    force_client = HostClient(host_of(force_a))
    force_client.cookies = client.cookies
    assert force_client.get("/subjects/").status_code == 403  # password alone is not enough
    before = last_event_id(None)
    wrong = client.post("/account/two-factor/verify/", {"code": "12345x"})
    assert wrong.status_code == 400 and "code" in wrong.context["form"].errors
    right = client.post(
        "/account/two-factor/verify/", {"code": code_for(device)}
    )  # "12345x" never reached the device
    assert right.status_code == 302
    actions = [e.action for e in events_since(None, before)]
    assert AuditAction.SIGN_IN_FAILED in actions and AuditAction.SIGN_IN in actions
    assert force_client.get("/subjects/").status_code == 200


def test_the_api_refuses_an_unverified_session_with_mfa_required(force_a):
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    response = session_client(boss, force_a).get("/api/v1/subjects/")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    assert "/account/two-factor/" in response.json()["detail"]


def _issue(force, email, **extra):  # type: ignore[no-untyped-def]
    return HostClient(host_of(force)).post(
        "/api/v1/auth/token/",
        {"email": email, "password": PASSWORD, **extra},
        content_type="application/json",
    )


def test_a_token_needs_the_otp_field_when_roles_need_it(force_a):
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    not_enrolled = _issue(force_a, boss.email)
    assert not_enrolled.status_code == 403 and not_enrolled.json()["code"] == "mfa_required"
    device = enrolled(boss)
    missing = _issue(force_a, boss.email)
    assert missing.status_code == 400 and missing.json()["codes"]["otp"] == ["invalid_otp"]
    wrong = _issue(force_a, boss.email, otp="000000")
    assert wrong.status_code == 400 and "otp" in wrong.json()["fields"]
    device.refresh_from_db()
    device.throttle_reset()  # django-otp delays the next try after a wrong code
    issued = _issue(force_a, boss.email, otp=code_for(device))
    assert issued.status_code == 201, issued.content
    secret = issued.json()["token"]
    api = HostClient(host_of(force_a), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/subjects/").status_code == 200
    # The officer of the other force is not asked for a code.
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert _issue(force_a, officer.email).status_code == 201


def test_with_mfa_on_the_demo_gives_the_roles_that_need_it_a_key(force_a):
    from tenants.demo import DemoAccount, with_totp_secrets

    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    accounts = [DemoAccount(boss.email, "Supervisor"), DemoAccount(officer.email, "Officer")]
    first = with_totp_secrets(accounts)
    assert first[0].totp_secret and not first[1].totp_secret
    assert with_totp_secrets(accounts)[0].totp_secret == first[0].totp_secret  # kept across runs
    device = TOTPDevice.objects.get(user=boss)
    assert device.confirmed and code_for(device).isdigit()
