"""Form messages the GOV.UK way (issue 9, item 5): every limit named, every text field bounded."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from core.roles import ForceRole, RegionalRoleKind
from organisation.models import Area
from organisation.models.organisation import AREA_DESCRIPTION_MAX
from tests.api.base import token_client
from tests.conftest import DOMAIN
from tests.factories import make_user
from tests.organisation.test_settings import _form

pytestmark = pytest.mark.django_db

DJANGO_WORDING = "Ensure this value has"


def _admin(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.FORCE_ADMIN, ForceRole.COORDINATOR])


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_each_overlong_warning_marker_is_named(force_a, client_for):  # type: ignore[no-untyped-def]
    markers = "\n".join(["Stalking", *(f"Marker {i} " + "x" * 130 for i in range(2, 14))])
    response = client_for(_admin(force_a), force_a).post(
        "/force-admin/settings/", _form(force_a, warning_markers=markers)
    )
    assert response.status_code == 400
    errors = re.findall(r"Warning marker on line (\d+) \(“Marker \d+", _text(response))
    # Each of the twelve, in the summary and beside the field; each names its own line.
    assert sorted(set(map(int, errors))) == list(range(2, 14))


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        (
            "/force-admin/teams/",
            {"name": "t" * 101, "kind": "response"},
            "Team name must be 100 characters or fewer",
        ),
        (
            "/force-admin/areas/",
            {"name": "a" * 101, "code": "A"},
            "Area name must be 100 characters or fewer",
        ),
        ("/force-admin/areas/", {"name": "A", "code": "c" * 21}, "Area code must be 20 characters or fewer"),
        (
            "/force-admin/areas/",
            {"name": "A", "code": "A", "description": "d" * (AREA_DESCRIPTION_MAX + 1)},
            f"Area description must be {AREA_DESCRIPTION_MAX} characters or fewer",
        ),
        (
            "/force-admin/people/invite/",
            {"email": "a@b.test", "full_name": "f" * 151, "roles": ["officer"]},
            "Full name must be 150 characters or fewer",
        ),
    ],
)
def test_force_admin_forms_name_the_limit(force_a, client_for, path, data, message):  # type: ignore[no-untyped-def]
    response = client_for(_admin(force_a), force_a).post(path, data)
    assert response.status_code == 400
    assert message in _text(response) and DJANGO_WORDING not in _text(response)


def test_audit_sign_in_and_onboarding_forms_name_the_limit(force_a, client_for):  # type: ignore[no-untyped-def]
    auditor = make_user(force=force_a, roles=[ForceRole.AUDITOR])
    response = client_for(auditor, force_a).get("/audit/", {"object_type": "x" * 65})
    assert "Record type must be 64 characters or fewer" in _text(response)
    sign_in = Client(HTTP_HOST=DOMAIN).post("/sign-in/", {"username": "a" * 300 + "@x.test", "password": "p"})
    assert sign_in.status_code == 200 and "Email address must be 254 characters or fewer" in _text(sign_in)
    from tenants.models import Region

    regional = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")))
    onboard = client_for(regional, None).post(
        "/region/forces/",
        {"region": "east-midlands", "slug": "s" * 43, "name": "n" * 101, "admin_email": "a@b.test"},
    )
    text = _text(onboard)
    assert (
        "Slug must be 42 characters or fewer" in text and "Force name must be 100 characters or fewer" in text
    )
    assert DJANGO_WORDING not in text


def test_area_description_is_bounded_in_the_model_and_the_api(force_a):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from organisation.services import create_area

    with schema_context(force_a.schema_name), pytest.raises(ValidationError) as caught:
        create_area(actor=None, name="Big", code="BIG", description="d" * 100_000)
    assert "description" in caught.value.message_dict
    client = token_client(_admin(force_a), force_a)
    response = client.post(
        "/api/v1/areas/",
        {"name": "Big", "code": "BIG", "description": "d" * 100_000},
        content_type="application/json",
    )
    assert response.status_code == 400 and "description" in response.json()["fields"]
    with schema_context(force_a.schema_name):
        assert not Area.objects.filter(code="BIG").exists()


def test_set_password_errors_sit_on_the_field_they_concern(
    force_a, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(_admin(force_a), force_a).post(
            "/force-admin/people/invite/", {"email": "new@lincs.test", "roles": ["officer"]}
        )
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    path = link.split(DOMAIN, 1)[1]
    weak = Client(HTTP_HOST=DOMAIN).post(path, {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 400
    assert re.search(r'id="id_new_password1-error"', weak.content.decode())
    assert 'id="id_new_password2-error"' not in weak.content.decode()
    mismatch = Client(HTTP_HOST=DOMAIN).post(
        path, {"new_password1": "a-long-enough-password-42", "new_password2": "a-long-enough-password-43"}
    )
    assert 'id="id_new_password2-error"' in mismatch.content.decode()
    assert "The passwords do not match" in _text(mismatch)


def test_the_person_page_says_roles_once(force_a, client_for):  # type: ignore[no-untyped-def]
    from tenants.models import Membership

    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    membership = Membership.objects.get(user=officer, force=force_a)
    page = _text(client_for(_admin(force_a), force_a).get(f"/force-admin/people/{membership.uuid}/"))
    headings = re.findall(r"<(?:h2|legend)[^>]*>\s*(?:<h2[^>]*>)?([^<]+)<", page)
    assert [h.strip() for h in headings].count("Roles") == 0
    assert "Change roles" in page
