"""The subject's profile (issue 11, items 1 and 2): fields, nested records, search by VRM, IMEI
and handle; in the services, the pages and the API; two forces, bad input, audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.normalise import handle_key, imei_key, luhn_valid, vrm_key, vrm_plausible
from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import Area, PracticeSettings, Team
from subjects import services
from subjects.models import Subject, SubjectDevice, SubjectSocialAccount, SubjectVehicle
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db

IMEI = "490154203237518"  # passes its Luhn digit
OTHER_IMEI = "356938035643809"
BAD_IMEI = "490154203237519"  # last digit wrong
MARKERS = ["Stalking", "Weapons", "Violent"]


@pytest.fixture
def coordinator_a(force_a):  # type: ignore[no-untyped-def]
    return make_user(force=force_a, roles=[ForceRole.COORDINATOR])


@pytest.fixture
def coordinator_b(force_b):  # type: ignore[no-untyped-def]
    return make_user(force=force_b, roles=[ForceRole.COORDINATOR])


@pytest.fixture
def org_a(force_a):  # type: ignore[no-untyped-def]
    return _organise(force_a)


@pytest.fixture
def org_b(force_b):  # type: ignore[no-untyped-def]
    return _organise(force_b)


def _organise(force: Any) -> dict[str, Any]:
    with schema_context(force.schema_name):
        PracticeSettings.objects.update(warning_markers=MARKERS)
        org = {
            "area": Area.objects.create(name=f"Area of {force.slug}", code=f"A-{force.slug[:10]}"),
            "aou": Team.objects.create(name=f"AOU of {force.slug}", kind=TeamKind.ANCILLARY_ORDER_UNIT),
            "response": Team.objects.create(name=f"Response of {force.slug}", kind=TeamKind.RESPONSE),
        }
    connection.set_schema_to_public()
    return org


def _records() -> dict[str, Any]:
    return {
        "addresses": [
            {"address": "1 High Street, Lincoln", "postcode": "LN1 1AA", "known_from": dt.date(2024, 1, 5)}
        ],
        "devices": [{"kind": "Mobile phone", "make_model": "Pixel 7", "imei": "49-015420-323751-8"}],
        "social_accounts": [{"platform": "Instagram", "handle": "https://www.instagram.com/Shadow.Fox/"}],
        "vehicles": [
            {
                "vrm": "ab12 cde",
                "make": "Ford",
                "model": "Focus",
                "colour": "Blue",
                "known_from": dt.date(2023, 6, 1),
                "known_to": dt.date(2024, 6, 1),
            }
        ],
    }


def _create(force: Any, actor: Any, **fields: Any) -> Subject:
    with schema_context(force.schema_name):
        subject = services.create_subject(
            actor=actor, family_name=fields.pop("family_name", "Fox"), given_names="Reynard", **fields
        )
    connection.set_schema_to_public()
    return subject


# --- Normalisation ------------------------------------------------------------------------------


def test_search_keys_and_checks():
    assert vrm_key(" ab12 cde ") == "AB12CDE"
    assert imei_key("49-015420-323751-8") == IMEI
    assert (
        handle_key("@Shadow.Fox") == handle_key("https://www.instagram.com/Shadow.Fox/?hl=en") == "shadow.fox"
    )
    assert luhn_valid(IMEI) and luhn_valid(OTHER_IMEI) and not luhn_valid(BAD_IMEI)
    for good in ("AB12 CDE", "A123 BCD", "ABC 123D", "1 ABC", "ABZ 1234"):
        assert vrm_plausible(good), good
    for bad in ("", "ABCDEFGH", "12345678", "AB12-CDE", "AB12 CD€"):
        assert not vrm_plausible(bad), bad


# --- Services -----------------------------------------------------------------------------------


def test_create_with_the_whole_profile_keeps_keys_and_logs_no_restricted_value(
    force_a, force_b, coordinator_a, org_a
):
    before = last_event_id(force_a)
    subject = _create(
        force_a,
        coordinator_a,
        gender="male",
        area=org_a["area"].uuid,
        managing_team=str(org_a["aou"].uuid),
        lead_officer=coordinator_a.uuid,
        warning_markers=["Weapons", "Stalking", "Weapons"],
        registered_sex_offender=True,
        registered_from=dt.date(2020, 2, 1),
        retention_group="1",
        next_review_date=dt.date(2030, 1, 1),
        **_records(),
    )
    with schema_context(force_a.schema_name):
        saved = Subject.objects.with_profile().get(pk=subject.pk)
        assert saved.area == org_a["area"] and saved.managing_team == org_a["aou"]
        assert saved.lead_officer == coordinator_a and saved.warning_markers == ["Weapons", "Stalking"]
        [device] = saved.devices.all()
        [vehicle] = saved.vehicles.all()
        [account] = saved.social_accounts.all()
        assert device.imei == device.imei_key == IMEI
        assert vehicle.vrm == "AB12 CDE" and vehicle.vrm_key == "AB12CDE"
        assert account.handle_key == "shadow.fox"
        assert [a.postcode for a in saved.addresses.all()] == ["LN1 1AA"]
    [event] = events_since(force_a, before)
    assert event.action == AuditAction.COLLECT
    assert {"vehicles", "devices", "addresses", "social_accounts", "lead_officer"} <= set(
        event.changed_fields
    )
    logged = json.dumps(event.changes)
    for value in ("AB12", IMEI, "shadow", "High Street", "LN1", "Reynard", "Fox"):
        assert value.lower() not in logged.lower(), value
    with schema_context(force_b.schema_name):
        assert not Subject.objects.exists() and not SubjectVehicle.objects.exists()
    assert all(subject.uuid not in e.object_ids for e in events_since(force_b, 0))


BAD_PROFILES = [
    pytest.param(
        {"devices": [{"kind": "Phone", "imei": BAD_IMEI}]}, "devices", "invalid_imei", id="imei-luhn"
    ),
    pytest.param(
        {"devices": [{"kind": "Phone", "imei": "12345"}]}, "devices", "invalid_imei", id="imei-short"
    ),
    pytest.param({"vehicles": [{"vrm": "NOT A CAR 1"}]}, "vehicles", "implausible_vrm", id="vrm"),
    pytest.param(
        {"warning_markers": ["Dangerous dog"]}, "warning_markers", "unknown_warning_marker", id="marker"
    ),
    pytest.param({"managing_team": "response"}, "managing_team", "not_aou", id="not-aou"),
    pytest.param({"managing_team": "aou_b"}, "managing_team", "unknown_team", id="team-of-b"),
    pytest.param({"area": "area_b"}, "area", "unknown_area", id="area-of-b"),
    pytest.param({"lead_officer": "officer_b"}, "lead_officer", "not_force_member", id="officer-of-b"),
    pytest.param(
        {"date_of_birth": dt.date.today() + dt.timedelta(days=1)},
        "date_of_birth",
        "future_date_of_birth",
        id="future-dob",
    ),
    pytest.param(
        {"registered_sex_offender": True}, "registered_from", "registration_start_required", id="rso-no-start"
    ),
    pytest.param(
        {
            "registered_sex_offender": True,
            "registered_from": dt.date(2020, 1, 1),
            "registered_until": dt.date(2019, 1, 1),
        },
        "registered_until",
        "dates_out_of_order",
        id="rso-dates",
    ),
    pytest.param(
        {"registered_from": dt.date(2020, 1, 1)}, "registered_from", "not_registered", id="not-registered"
    ),
    pytest.param(
        {
            "vehicles": [
                {"vrm": "AB12CDE", "known_from": dt.date(2024, 1, 1), "known_to": dt.date(2023, 1, 1)}
            ]
        },
        "vehicles",
        "dates_out_of_order",
        id="known-dates",
    ),
    pytest.param({"addresses": [{"kind": "home"}]}, "addresses", "invalid", id="empty-address"),
    pytest.param({"gender": "robot"}, "gender", "invalid_choice", id="gender"),
]


def _resolve(fields: dict[str, Any], org_a: Any, org_b: Any, coordinator_b: Any) -> dict[str, Any]:
    names = {
        "response": org_a["response"].uuid,
        "aou_b": org_b["aou"].uuid,
        "area_b": org_b["area"].uuid,
        "officer_b": coordinator_b.uuid,
    }
    return {k: names.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}


@pytest.mark.parametrize(("fields", "field", "code"), BAD_PROFILES)
def test_bad_profile_is_a_coded_field_error_and_saves_nothing(
    force_a, force_b, coordinator_a, coordinator_b, org_a, org_b, fields, field, code
):
    fields = _resolve(fields, org_a, org_b, coordinator_b)
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name), pytest.raises(ValidationError) as caught:
        services.create_subject(
            actor=coordinator_a, family_name="Bad", given_names="Input", **{**_records(), **fields}
        )
    assert code in [e.code for e in caught.value.error_dict[field]]
    with schema_context(force_a.schema_name):
        assert not Subject.objects.filter(family_name="Bad").exists()
        assert not SubjectVehicle.objects.exists() and not SubjectDevice.objects.exists()
    assert events_since(force_a, before) == []


def test_update_replaces_lists_whole_and_logs_one_alteration_without_values(force_a, coordinator_a, org_a):
    subject = _create(force_a, coordinator_a, **_records())
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name):
        services.update_subject(
            actor=coordinator_a,
            subject=subject,
            vehicles=[{"vrm": "XY99 ZZZ"}, {"vrm": "A1"}],
            devices=[],
            warning_markers=["Violent"],
        )
        assert sorted(SubjectVehicle.objects.values_list("vrm_key", flat=True)) == ["A1", "XY99ZZZ"]
        assert not SubjectDevice.objects.exists()
        assert SubjectSocialAccount.objects.count() == 1  # not given: untouched
    [event] = events_since(force_a, before)
    assert event.action == AuditAction.ALTER
    assert sorted(event.changed_fields) == ["devices", "vehicles", "warning_markers"]
    logged = json.dumps(event.changes)
    assert "XY99" not in logged and "AB12" not in logged and IMEI not in logged
    assert "Violent" in logged  # a marker is not an identifying value


def test_update_with_the_same_lists_logs_nothing(force_a, coordinator_a):
    subject = _create(force_a, coordinator_a, **_records())
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name):
        services.update_subject(actor=coordinator_a, subject=subject, **_records())
    assert events_since(force_a, before) == []


def test_a_marker_the_force_since_removed_stays_but_cannot_be_added(force_a, coordinator_a):
    subject = _create(force_a, coordinator_a, warning_markers=["Weapons"])
    with schema_context(force_a.schema_name):
        PracticeSettings.objects.update(warning_markers=["Stalking"])
        services.update_subject(actor=coordinator_a, subject=subject, warning_markers=["Weapons", "Stalking"])
        assert Subject.objects.get(pk=subject.pk).warning_markers == ["Weapons", "Stalking"]
        other = make_subject(force_a)
        with pytest.raises(ValidationError) as caught:
            services.update_subject(actor=coordinator_a, subject=other, warning_markers=["Weapons"])
    assert caught.value.error_dict["warning_markers"][0].code == "unknown_warning_marker"


# --- Search (item 2) ----------------------------------------------------------------------------


@pytest.fixture
def two_forces_with_the_same_vehicle(force_a, force_b, coordinator_a, coordinator_b):  # type: ignore[no-untyped-def]
    a = _create(force_a, coordinator_a, family_name="Alpha", **_records())
    b = _create(force_b, coordinator_b, family_name="Bravo", **_records())
    plain = _create(force_a, coordinator_a, family_name="Charlie", vehicles=[{"vrm": "ZZ11 ZZZ"}])
    return a, b, plain


@pytest.mark.parametrize(
    "query", ["AB12CDE", "ab12 cde", "4901 5420 3237 518", "@shadow.fox", "instagram.com/Shadow.Fox"]
)
def test_page_search_finds_by_vrm_imei_or_handle_in_this_force_only(
    force_a, coordinator_a, client_for, two_forces_with_the_same_vehicle, query
):
    a, b, plain = two_forces_with_the_same_vehicle
    # The search form posts its terms (they stay out of URLs) and is redirected to the results.
    response = client_for(coordinator_a, force_a).post("/subjects/", {"q": query}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert str(a.uuid) in body and str(b.uuid) not in body and str(plain.uuid) not in body


def test_api_filters_by_vrm_imei_and_handle_in_this_force_only(
    force_a, coordinator_a, two_forces_with_the_same_vehicle
):
    a, _b, _plain = two_forces_with_the_same_vehicle
    client = token_client(coordinator_a, force_a)
    for params in ({"vrm": "ab12cde"}, {"imei": IMEI}, {"handle": "Shadow.Fox"}, {"search": "AB12 CDE"}):
        response = client.get("/api/v1/subjects/", params)
        assert response.status_code == 200, response.content
        assert [r["uuid"] for r in response.json()["results"]] == [str(a.uuid)], params
    assert client.get("/api/v1/subjects/", {"vrm": "QQ00QQQ"}).json()["results"] == []


def test_api_list_query_count_stays_flat_with_the_page_size(force_a, coordinator_a):
    for n in range(12):
        _create(force_a, coordinator_a, family_name=f"Many{n}", **_records())
    client = token_client(coordinator_a, force_a)

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/subjects/", {"page_size": size})
            assert response.status_code == 200 and len(response.json()["results"]) == size
        return len(ctx.captured_queries)

    queries(2)  # the first request of a token does its one-off work
    assert queries(2) == queries(12)


# --- API writes ---------------------------------------------------------------------------------


def test_api_records_and_returns_the_profile(force_a, coordinator_a, org_a):
    client = token_client(coordinator_a, force_a)
    body = {
        "family_name": "Api",
        "given_names": "Profile",
        "gender": "female",
        "area": str(org_a["area"].uuid),
        "managing_team": str(org_a["aou"].uuid),
        "lead_officer": str(coordinator_a.uuid),
        "warning_markers": ["Stalking"],
        "vehicles": [{"vrm": "AB12CDE", "known_from": "2024-01-01"}],
        "devices": [{"kind": "Phone", "imei": IMEI}],
        "social_accounts": [{"platform": "X", "handle": "@fox", "status": "active"}],
        "addresses": [{"address": "2 Low Road", "kind": "other"}],
    }
    response = client.post("/api/v1/subjects/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["managing_team"] == str(org_a["aou"].uuid) and data["lead_officer"] == str(coordinator_a.uuid)
    assert data["vehicles"] == [
        {
            "vrm": "AB12CDE",
            "make": "",
            "model": "",
            "colour": "",
            "keeper_status": "not-known",
            "known_from": "2024-01-01",
            "known_to": None,
        }
    ]
    assert data["devices"][0]["imei"] == IMEI and data["social_accounts"][0]["status"] == "active"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"devices": [{"kind": "Phone", "imei": BAD_IMEI}]}, "devices", "invalid_imei"),
        ({"vehicles": [{"vrm": "!!!"}]}, "vehicles", "implausible_vrm"),
        ({"warning_markers": ["Nope"]}, "warning_markers", "unknown_warning_marker"),
        ({"managing_team": "response"}, "managing_team", "not_aou"),
        ({"lead_officer": "officer_b"}, "lead_officer", "not_force_member"),
        ({"vehicles": [{"vrm": "AB12CDE", "colour_code": "x"}]}, "vehicles.0.colour_code", None),
        ({"area": "not-a-uuid"}, "area", "invalid"),
    ],
)
def test_api_bad_profile_is_400_with_field_codes_and_nothing_saved(
    force_a, coordinator_a, coordinator_b, org_a, org_b, body, field, code
):
    body = _resolve(body, org_a, org_b, coordinator_b)
    body = {k: str(v) if not isinstance(v, (list, str)) else v for k, v in body.items()}
    client = token_client(coordinator_a, force_a)
    before = last_event_id(force_a)
    response = client.post(
        "/api/v1/subjects/",
        {"family_name": "Bad", "given_names": "Api", "vehicles": [{"vrm": "AB12CDE"}], **body},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "invalid" and field in data["codes"], data
    if code:
        assert code in data["codes"][field]
    with schema_context(force_a.schema_name):
        assert not Subject.objects.filter(family_name="Bad").exists() and not SubjectVehicle.objects.exists()
    assert events_since(force_a, before) == []


# --- Pages --------------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    data = {
        "given_names": "Web",
        "family_name": "Profile",
        "registered_sex_offender": "no",
        "vehicles": "AB12 CDE | Ford | Focus | Blue | 1/6/2023 | | keeper",
        "devices": f"Mobile phone | Pixel 7 | {IMEI}",
        "social_accounts": "Instagram | @shadow.fox | active",
        "addresses": "1 High Street, Lincoln | LN1 1AA | 5/1/2024",
    }
    data.update(changes)
    return data


def test_page_records_a_profile_and_the_case_file_shows_it(force_a, coordinator_a, client_for, org_a):
    client = client_for(coordinator_a, force_a)
    page = client.get("/subjects/new/")
    assert (
        page.status_code == 200 and b"Stalking" in page.content and org_a["aou"].name.encode() in page.content
    )
    assert org_a["response"].name.encode() not in page.content  # only units can manage subjects
    response = client.post(
        "/subjects/new/",
        _form(
            managing_team=str(org_a["aou"].uuid),
            warning_markers=["Weapons"],
            lead_officer=str(coordinator_a.uuid),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(force_a.schema_name):
        subject = Subject.objects.get(family_name="Profile")
        [vehicle] = subject.vehicles.all()
        assert vehicle.keeper_status == "keeper" and vehicle.known_from == dt.date(2023, 6, 1)
    client.post(f"/subjects/{subject.uuid}/", {"reason": "Checking the record"})
    detail = client.get(f"/subjects/{subject.uuid}/").content.decode()
    assert "AB12 CDE" in detail and IMEI in detail and "@shadow.fox" in detail and "LN1 1AA" in detail
    assert "Weapons" in detail and org_a["aou"].name in detail


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"vehicles": "NOT A CAR 1"}, "vehicles", "Vehicle 1: enter a registration mark"),
        ({"devices": f"Phone | X | {BAD_IMEI}"}, "devices", "Luhn"),
        (
            {"vehicles": "AB12CDE | a | b | c | 31/2/2024"},
            "vehicles",
            "Line 1: known from must be a real date",
        ),
        ({"social_accounts": "X | @a | sleeping"}, "social_accounts", "Line 1: status must be one of"),
        ({"vehicles": "A | B | C | D | E | F | G | H"}, "vehicles", "more than 7 parts"),
        ({"registered_sex_offender": "yes"}, "registered_from", "registration as a sex offender began"),
        ({"warning_markers": ["Made up"]}, "warning_markers", "Choose warning markers from the list"),
    ],
)
def test_page_bad_profile_shows_the_field_error_and_saves_nothing(
    force_a, coordinator_a, client_for, org_a, changes, field, message
):
    response = client_for(coordinator_a, force_a).post("/subjects/new/", _form(**changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'id="id_{field}' in body and "govuk-error-summary" in body
    with schema_context(force_a.schema_name):
        assert not Subject.objects.exists() and not SubjectVehicle.objects.exists()


def test_page_edit_shows_the_lines_back_and_an_unchanged_save_alters_nothing(
    force_a, coordinator_a, client_for
):
    subject = _create(force_a, coordinator_a, warning_markers=["Stalking"], **_records())
    client = client_for(coordinator_a, force_a)
    client.post(f"/subjects/{subject.uuid}/", {"reason": "Updating the vehicles"})
    page = client.get(f"/subjects/{subject.uuid}/edit/")
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    for name in ("date_of_birth", "registered_from", "registered_until", "next_review_date"):
        data.pop(name)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    assert data["vehicles"] == "AB12 CDE | Ford | Focus | Blue | 01/06/2023 | 01/06/2024 | not-known"
    before = last_event_id(force_a)
    response = client.post(f"/subjects/{subject.uuid}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [e.action for e in events_since(force_a, before)] == []
    data["vehicles"] = "XY99 ZZZ"
    client.post(f"/subjects/{subject.uuid}/edit/", data)
    [event] = events_since(force_a, before)
    assert event.action == AuditAction.ALTER and event.changed_fields == ["vehicles"]
    assert "XY99" not in json.dumps(event.changes)
