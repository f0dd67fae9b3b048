"""The force's /resourcing/ page and the regional report (issue 15, items 4-5): who may, what shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.roles import ForceRole, RegionalRoleKind
from jobs.registry import run_for_force
from resourcing.demo import seed_history
from resourcing.models import ForceSnapshot
from tenants.models import Region
from tenants.services import ensure_region
from tests.factories import make_user
from tests.resourcing.helpers import staffed_case

pytestmark = pytest.mark.django_db


def _snapshots(*forces):  # type: ignore[no-untyped-def]
    for force in forces:
        run_for_force("capacity_snapshot", force, timezone.localdate())


def test_force_page_shows_demand_capacity_teams_and_history(force_a, client_for):  # type: ignore[no-untyped-def]
    case = staffed_case(force_a, hours=0.5)
    analyst = make_user(force=force_a, roles=[ForceRole.ANALYST])
    client = client_for(analyst, force_a)
    empty = client.get("/resourcing/").content.decode()
    assert 'data-testid="no-history"' in empty
    from django_tenants.utils import schema_context

    with schema_context(force_a.schema_name):
        seed_history(force_a, timezone.localdate(), days=120)
    page = client.get("/resourcing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case["aou"].name in html
    assert "Over capacity" in html  # half an hour a week cannot carry a very-high-risk plan
    assert 'data-testid="short-warning"' in html
    assert 'data-testid="history"' in html
    assert case["subject"].family_name not in html
    chart = client.get("/resourcing/chart.svg")
    assert chart["Content-Type"] == "image/svg+xml"


def test_force_page_needs_view_resourcing_and_the_force(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert client_for(officer, force_a).get("/resourcing/").status_code == 403
    other_admin = make_user(force=force_b, roles=[ForceRole.FORCE_ADMIN])
    assert client_for(other_admin, force_a).get("/resourcing/").status_code == 404
    for role in (ForceRole.COORDINATOR, ForceRole.SUPERVISOR, ForceRole.ANALYST, ForceRole.FORCE_ADMIN):
        user = make_user(force=force_a, roles=[role])
        assert client_for(user, force_a).get("/resourcing/").status_code == 200, role


def test_regional_admin_sees_every_force_with_no_data_yet_and_the_short_one(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    staffed_case(force_a, hours=100)
    staffed_case(force_b, hours=0.5)
    run_for_force("capacity_snapshot", force_b, timezone.localdate())
    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region))
    client = client_for(admin, None)
    html = client.get("/region/report/").content.decode()
    assert f'data-testid="force-{force_a.slug}"' in html
    row_a = html.split(f'data-testid="force-{force_a.slug}"')[1].split("</tr>")[0]
    assert "No data yet" in row_a
    row_b = html.split(f'data-testid="force-{force_b.slug}"')[1].split("</tr>")[0]
    assert 'data-testid="short"' in row_b

    run_for_force("capacity_snapshot", force_a, timezone.localdate())
    base = client.get("/region/report/?region=east-midlands", HTTP_HX_REQUEST="true").content.decode()
    grown = client.get(
        "/region/report/?region=east-midlands&growth=50", HTTP_HX_REQUEST="true"
    ).content.decode()
    total = lambda h: float(h.split('data-testid="total-demand">')[1].split("<")[0])  # noqa: E731
    assert total(grown) == pytest.approx(total(base) * 1.5, rel=0.01)
    assert "<html" not in grown  # the htmx answer is the table alone

    bad = client.get("/region/report/?growth=-100&visit_share=120")
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "govuk-error-summary" in text and 'id="growth-error"' in text and 'id="visit_share-error"' in text

    csv_body = client.get("/region/report/report.csv?growth=10").content.decode()
    assert csv_body.startswith("Force,")
    assert "Total" in csv_body
    pdf = client.get("/region/report/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/region/report/chart.svg").status_code == 200


def test_regional_report_refusals(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    _snapshots(force_a)
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    before = AuditEvent.objects.filter(action="permission-denied").count()
    assert client_for(coordinator, None).get("/region/report/").status_code == 403
    assert AuditEvent.objects.filter(action="permission-denied").count() == before + 1
    # The regional page does not exist on a force host.
    region = Region.objects.get(slug="east-midlands")
    admin = make_user(
        force=force_a, roles=[ForceRole.FORCE_ADMIN], regional=(RegionalRoleKind.REGIONAL_ADMIN, region)
    )
    assert client_for(admin, force_a).get("/region/report/").status_code == 404
    other = ensure_region("north-west")
    analyst = make_user(regional=(RegionalRoleKind.REGIONAL_ANALYST, other))
    assert client_for(analyst, None).get("/region/report/?region=east-midlands").status_code == 404
    own = client_for(analyst, None).get("/region/report/").content.decode()
    assert force_a.slug not in own
    platform = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    everything = client_for(platform, None).get("/region/report/?region=all").content.decode()
    assert f'data-testid="force-{force_a.slug}"' in everything


def test_snapshot_history_adds_up_per_month(force_a, force_b):  # type: ignore[no-untyped-def]
    from resourcing.report import monthly_history

    staffed_case(force_a)
    from django_tenants.utils import schema_context

    today = timezone.localdate()
    with schema_context(force_a.schema_name):
        assert seed_history(force_a, today, days=60) == 60
        assert seed_history(force_a, today, days=60) == 0
    months = monthly_history([force_a.pk, force_b.pk], today)
    assert 2 <= len(months) <= 3
    assert months[-1]["forces"] == 1
    assert ForceSnapshot.objects.filter(force=force_a, day__lt=today - dt.timedelta(days=59)).exists()


def test_outcome_counts_under_ten_are_never_shown_across_forces(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    """A force's few breaches can point at a person: the regional table, its CSV and the API show
    "fewer than 10" (null) for any count under ten, as /outcomes/ does, and the count itself above."""
    for force in (force_a, force_b):
        staffed_case(force, hours=10)
    _snapshots(force_a, force_b)
    ForceSnapshot.objects.filter(force=force_a).update(
        outcomes={"breaches": 3, "visits_done": 0, "visits_planned": 40, "reviews_on_time": 9, "reviews": 12}
    )
    ForceSnapshot.objects.filter(force=force_b).update(
        outcomes={
            "breaches": 25,
            "visits_done": 31,
            "visits_planned": 33,
            "reviews_on_time": 10,
            "reviews": 10,
        }
    )
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")))
    client = client_for(admin, None)
    html = client.get("/region/report/").content.decode()
    row = lambda force: html.split(f'data-testid="force-{force.slug}"')[1].split("</tr>")[0]  # noqa: E731
    cells = lambda force: [c.split("</td>")[0] for c in row(force).split('numeric">')[1:]]  # noqa: E731
    assert cells(force_a)[-2:] == ["fewer than 10", "fewer than 10 / 40"]
    assert cells(force_b)[-2:] == ["25", "31 / 33"]
    assert 'data-testid="small-counts"' in html

    lines = client.get("/region/report/report.csv").content.decode().splitlines()
    by_force = {line.split(",")[0]: line for line in lines}
    assert by_force[force_a.name].endswith("fewer than 10,fewer than 10 / 40,fewer than 10 / 12")
    assert by_force[force_b.name].endswith("25,31 / 33,10 / 10")

    body = client.get("/api/v1/region/report/").json()
    rows = {r["force"]: r for r in body["forces"]}
    assert rows[force_a.slug]["outcomes"] == {
        "breaches": None,
        "visits_done": None,
        "visits_planned": 40,
        "reviews_on_time": None,
        "reviews": 12,
    }
    assert rows[force_b.slug]["outcomes"]["breaches"] == 25
