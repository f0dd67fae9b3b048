"""Onboarding a force: the service, the command, the regional page, and every bad input."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_exists

from core.roles import ForceRole, RegionalRoleKind
from tenants.models import Domain, Force, Membership, Region, User
from tenants.services import onboard_force
from tests.factories import make_user
from tests.helpers import child_env


def _onboard(**overrides):
    args = {
        "region_slug": "east-midlands",
        "slug": "leicestershire",
        "name": "Leicestershire Police",
        "admin_email": "aou.lead@leicestershire.example",
    }
    args.update(overrides)
    return onboard_force(**args)


def test_onboarding_creates_schema_domain_and_invites_the_admin_by_email(
    forces, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = _onboard()
    force = result.force
    assert force.schema_name == "force_leicestershire"
    assert schema_exists(force.schema_name)
    assert Domain.objects.get(tenant=force).domain == "leicestershire.spmp.localhost"
    membership = Membership.objects.get(force=force, user__email="aou.lead@leicestershire.example")
    assert membership.roles == [ForceRole.FORCE_ADMIN]
    assert membership.status == Membership.Status.INVITED and result.admin_membership == membership
    assert not hasattr(result, "set_password_url")
    assert mail.outbox[-1].to == ["aou.lead@leicestershire.example"]
    assert "/invitations/" in mail.outbox[-1].body
    assert force.region.slug == "east-midlands"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "lincolnshire"}, "slug", "already onboarded"),
        ({"slug": "Not_A_Label"}, "slug", "lower-case"),
        ({"slug": "-leading"}, "slug", "lower-case"),
        ({"slug": "trailing-"}, "slug", "lower-case"),
        ({"slug": "x" * 43}, "slug", "lower-case"),
        ({"slug": "platform"}, "slug", "reserved"),
        ({"slug": ""}, "slug", "Enter a slug"),
        ({"region_slug": "atlantis"}, "region", "Unknown region"),
        ({"name": ""}, "name", "Enter the force's name"),
        ({"name": "   "}, "name", "Enter the force's name"),
        ({"admin_email": "not-an-email"}, "admin_email", "valid email"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_nothing_created(forces, overrides, field, message):
    before = (Force.objects.count(), Domain.objects.count(), User.objects.count())
    with pytest.raises(ValidationError) as exc:
        _onboard(**overrides)
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert (Force.objects.count(), Domain.objects.count(), User.objects.count()) == before
    assert not schema_exists("force_leicestershire")


def test_a_failure_half_way_through_the_clone_leaves_nothing_behind(forces, monkeypatch):
    """The clone really runs (tables are created), then fails: everything must roll back."""
    from tenants import cloning

    def cloned_then_fail(schema):
        assert schema_exists(schema)  # the schema and its tables exist at this point
        raise RuntimeError("disk full while cloning")

    # Runs right after the clone's statements (tenants/cloning.py), before the schema is used.
    monkeypatch.setattr(cloning, "missing_migrations", cloned_then_fail)
    users_before = User.objects.count()
    with pytest.raises(RuntimeError):
        _onboard()
    connection.set_schema_to_public()
    assert not Force.objects.filter(slug="leicestershire").exists()
    assert not Domain.objects.filter(domain__startswith="leicestershire.").exists()
    assert not schema_exists("force_leicestershire")
    assert User.objects.count() == users_before


def test_a_failure_after_the_clone_in_a_defaults_receiver_rolls_back_too(forces):
    from core.signals import force_onboarded

    def broken(**kwargs):
        raise RuntimeError("defaults failed")

    force_onboarded.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            _onboard()
    finally:
        force_onboarded.disconnect(dispatch_uid="test-broken")
    connection.set_schema_to_public()
    assert not Force.objects.filter(slug="leicestershire").exists()
    assert not schema_exists("force_leicestershire")


def test_command_onboards_and_does_not_print_the_link(forces, capsys):
    call_command(
        "onboard_force",
        region="east-midlands",
        slug="leicestershire",
        name="Leicestershire Police",
        admin_email="lead@leicestershire.example",
    )
    out = capsys.readouterr().out
    assert "Onboarded Leicestershire Police" in out
    assert "/invitations/" not in out and "emailed to lead@leicestershire.example" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--slug", "lincolnshire"], "slug: A force with the slug 'lincolnshire' is already onboarded."),
        (["--slug", "Bad Slug"], "slug: Use 1-42 lower-case"),
        (["--region", "atlantis"], "region: Unknown region 'atlantis'."),
        (["--name", ""], "name: Enter the force's name"),
    ],
)
def test_command_bad_input_is_one_clear_line_and_non_zero_exit(forces, args, expected):
    base = {
        "--region": "east-midlands",
        "--slug": "leicestershire",
        "--name": "Leicestershire Police",
        "--admin-email": "lead@leicestershire.example",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [x for kv in base.items() for x in kv]
    with pytest.raises(CommandError) as exc:
        call_command("onboard_force", *argv)
    assert expected in str(exc.value)
    assert "\n" not in str(exc.value)
    assert not Force.objects.filter(slug="leicestershire").exists()


def test_command_exit_code_is_non_zero_on_bad_input(forces):
    import subprocess
    import sys

    from django.conf import settings

    env = child_env()
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "onboard_force",
            "--region",
            "atlantis",
            "--slug",
            "x1",
            "--name",
            "X",
            "--admin-email",
            "a@b.example",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Unknown region 'atlantis'" in proc.stderr


def test_onboard_region_onboards_the_listed_forces_and_skips_existing(forces, capsys):
    call_command("onboard_region", "east-midlands", "--no-progress")
    slugs = set(Region.objects.get(slug="east-midlands").forces.values_list("slug", flat=True))
    assert slugs == {"derbyshire", "leicestershire", "lincolnshire", "northamptonshire", "nottinghamshire"}
    assert "Onboarded 3 new force(s) of 5" in capsys.readouterr().out


def test_onboard_region_unknown_region_fails(forces):
    with pytest.raises(CommandError, match="Unknown region 'atlantis'"):
        call_command("onboard_region", "atlantis", "--no-progress")


def test_regional_admin_onboards_a_force_from_the_page(forces, client_for):
    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    client = client_for(admin, None)
    response = client.post(
        "/region/forces/",
        {
            "region": "east-midlands",
            "slug": "derbyshire",
            "name": "Derbyshire Constabulary",
            "admin_email": "lead@derbyshire.example",
        },
    )
    assert response.status_code == 302
    page = client.get("/region/forces/")
    assert b"Derbyshire Constabulary" in page.content
    assert b"/invitations/" not in page.content and b"emailed an invitation" in page.content
    assert schema_exists("force_derbyshire")


def test_regional_page_shows_field_errors_and_creates_nothing(forces, client_for):
    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    response = client_for(admin, None).post(
        "/region/forces/",
        {"region": "east-midlands", "slug": "lincolnshire", "name": "", "admin_email": "nope"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the force&#x27;s name" in body or "Enter the force's name" in body
    assert "valid email" in body
    assert Force.objects.filter(slug="lincolnshire").count() == 1


def test_regional_admin_cannot_onboard_into_another_region(forces, client_for):
    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    response = client_for(admin, None).post(
        "/region/forces/",
        {"region": "wales", "slug": "gwent", "name": "Gwent Police", "admin_email": "lead@gwent.example"},
    )
    assert response.status_code == 400
    assert not Force.objects.filter(slug="gwent").exists()


def test_officer_without_regional_role_is_refused_the_regional_page(forces, client_for, force_a):
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert client_for(officer, None).get("/region/forces/").status_code == 403


def test_onboarding_a_pending_invitee_as_first_admin_does_not_open_their_other_force(
    forces, force_b, client_for, django_capture_on_commit_callbacks
):
    """Issue 8: a regional administrator names, as a new force's first administrator, someone
    invited to Nottinghamshire who has no password yet. No link reaches the regional administrator,
    and the invitee's new link opens the new force only."""
    import re

    from django.test import Client

    from tenants.people import invite_member
    from tests.conftest import DOMAIN

    target = "pending.lead@nottinghamshire.test"
    with django_capture_on_commit_callbacks(execute=True):
        invite_member(actor=None, force=force_b, email=target, roles=[ForceRole.COORDINATOR])
    region = Region.objects.get(slug="east-midlands")
    regional = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    client = client_for(regional, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/region/forces/",
            {
                "region": "east-midlands",
                "slug": "derbyshire",
                "name": "Derbyshire Constabulary",
                "admin_email": target,
            },
        )
    assert response.status_code == 302
    page = client.get("/region/forces/").content.decode()
    assert "/invitations/" not in page and "set-password" not in page
    assert f"We have emailed an invitation to {target}" in page  # the words for any address
    message = [m for m in mail.outbox if m.to == [target]][-1]
    assert "Derbyshire" in message.subject
    path = re.search(r"http://\S+/invitations/\S+/", message.body).group(0).split(DOMAIN, 1)[1]  # type: ignore[union-attr]
    password = "a-long-enough-password-42"
    holder = Client(HTTP_HOST=DOMAIN)
    assert holder.post(path, {"new_password1": password, "new_password2": password}).status_code == 302
    derbyshire = Force.objects.get(slug="derbyshire")
    assert Membership.objects.get(user__email=target, force=derbyshire).status == Membership.Status.ACTIVE
    assert Membership.objects.get(user__email=target, force=force_b).status == Membership.Status.INVITED


def test_the_command_also_keeps_the_link_from_whoever_runs_it(forces, force_b, capsys):
    from tenants.people import invite_member

    target = "pending.cmd@nottinghamshire.test"
    invite_member(actor=None, force=force_b, email=target, roles=[ForceRole.VIEWER])
    call_command(
        "onboard_force",
        region="east-midlands",
        slug="leicestershire",
        name="Leicestershire Police",
        admin_email=target,
    )
    out = capsys.readouterr().out
    assert "/invitations/" not in out and "set-password" not in out
    assert Membership.objects.get(user__email=target, force=force_b).status == Membership.Status.INVITED
