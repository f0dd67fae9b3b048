"""/api/v1/region/report/ (issue 15, item 5): the regional permission, regions, scenarios, bad input."""

from __future__ import annotations

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.roles import ForceRole, RegionalRoleKind
from jobs.registry import run_for_force
from tenants.models import Region
from tenants.services import ensure_region
from tests.factories import make_user
from tests.resourcing.helpers import staffed_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/region/report/"


def test_regional_analyst_reads_their_region_with_totals_and_no_data_yet(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    staffed_case(force_a, hours=0.5)
    run_for_force("capacity_snapshot", force_a, timezone.localdate())
    analyst = make_user(
        regional=(RegionalRoleKind.REGIONAL_ANALYST, Region.objects.get(slug="east-midlands"))
    )
    client = client_for(analyst, None)
    body = client.get(URL).json()
    assert body["region"] == "east-midlands"
    rows = {r["force"]: r for r in body["forces"]}
    assert rows[force_b.slug] == {"force": force_b.slug, "name": force_b.name, "has_data": False}
    assert rows[force_a.slug]["short"] is True
    assert rows[force_a.slug]["caseload"] == 1
    assert body["totals"]["forces"] == 2 and body["totals"]["forces_with_data"] == 1
    grown = client.get(URL, {"growth": "100", "plan_all": "true", "visit_share": "50"}).json()
    assert grown["totals"]["demand_hours"] > body["totals"]["demand_hours"]
    assert grown["scenario"] == {"plan_all": True, "growth": 100.0, "visit_share": 50}


def test_bad_scenarios_are_field_errors_with_codes(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")))
    client = client_for(admin, None)
    bad = client.get(URL, {"growth": "-100", "visit_share": "101"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert bad.json()["codes"] == {"growth": ["growth_too_low"], "visit_share": ["share_out_of_range"]}
    assert client.get(URL, {"growth": "NaN"}).json()["codes"] == {"growth": ["not_a_number"]}


def test_refusals(force_a, client_for):  # type: ignore[no-untyped-def]
    assert client_for(None, None).get(URL).status_code in (401, 403)
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    before = AuditEvent.objects.filter(action="permission-denied").count()
    assert client_for(coordinator, None).get(URL).status_code == 403
    assert AuditEvent.objects.filter(action="permission-denied").count() == before + 1
    other = make_user(regional=(RegionalRoleKind.REGIONAL_ANALYST, ensure_region("north-west")))
    assert client_for(other, None).get(URL, {"region": "east-midlands"}).status_code == 404
    assert client_for(other, None).get(URL, {"region": "all"}).status_code == 404
    # Force hosts have no regional report.
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    assert client_for(admin, force_a).get(URL).status_code == 404
    platform = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    assert client_for(platform, None).get(URL, {"region": "all"}).json()["region"] == "all"


def test_odd_parameters_are_400_or_404_never_500(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")))
    client = client_for(admin, None)
    for params, status in (
        ({"region": "east\x00midlands"}, 404),
        ({"region": "x" * 5000}, 404),
        ({"growth": "1e400"}, 400),
        ({"growth": "\x00"}, 400),
        ({"visit_share": "12.5"}, 400),
        ({"plan_all": "\x00", "growth": " 5 "}, 200),
    ):
        assert client.get(URL, params).status_code == status, params
        assert client.get("/region/report/", params).status_code == status, params
