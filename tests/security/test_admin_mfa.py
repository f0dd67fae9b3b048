"""The Django admin behind two-factor (issue 17, item 2): with ``SPMP_REQUIRE_MFA`` a staff member
reaches no admin page until a second factor is verified in the session, through the platform's
own ``/account/two-factor/`` flow; with it off, nothing changes."""

from __future__ import annotations

import pytest

from core.roles import ForceRole
from tests.api.base import session_client
from tests.factories import PASSWORD, make_user
from tests.security.helpers import code_for, enrolled

pytestmark = pytest.mark.django_db

PAGES = ("/admin/", "/admin/tenants/user/", "/admin/jobs/jobrun/", "/admin/password_change/")


def _staff(force):  # type: ignore[no-untyped-def]
    user = make_user(force=force, roles=[ForceRole.OFFICER])
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_staff_without_a_verified_device_reach_no_admin_page(force_a, settings):
    settings.SPMP_REQUIRE_MFA = True
    client = session_client(_staff(force_a), None)
    for page in (*PAGES, "/admin/login/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert "/account/two-factor/?next=" in response["Location"], page
    # Enrolled but not verified in this session: sent to verify, not to enrol.
    enrolled(_user_of(client))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/account/two-factor/verify/?next=" in response["Location"]


def _user_of(client):  # type: ignore[no-untyped-def]
    from tenants.models import User

    return User.objects.get(pk=client.session["_auth_user_id"])


def test_the_admin_sign_in_then_the_second_factor_then_the_admin(force_a, settings):
    settings.SPMP_REQUIRE_MFA = True
    staff = _staff(force_a)
    device = enrolled(staff)
    client = session_client(None, None)
    signed_in = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    # Password alone: every admin page sends to the verification step (and back).
    refused = client.get("/admin/tenants/user/")
    assert refused.status_code == 302 and "/account/two-factor/verify/" in refused["Location"]
    verified = client.post("/account/two-factor/verify/?next=/admin/", {"code": code_for(device)})
    assert verified.status_code == 302, verified.content
    for page in PAGES:
        assert client.get(page).status_code == 200, page


def test_a_non_staff_member_is_still_refused_by_django(force_a, settings):
    settings.SPMP_REQUIRE_MFA = True
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = session_client(officer, None).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_off_staff_are_not_asked(force_a, settings):
    settings.SPMP_REQUIRE_MFA = False
    client = session_client(_staff(force_a), None)
    for page in PAGES:
        assert client.get(page).status_code == 200, page
