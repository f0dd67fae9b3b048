"""/api/v1/subjects/: the generic endpoint contract, plus what is particular to subjects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from api.subjects import SubjectViewSet
from audit.choices import AuditAction
from core.roles import ForceRole
from subjects.models import Subject, SubjectAlias
from tests.api.base import ExtraAction, ForceEndpointContract, events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.subjects.test_photos import png


def make_subject_with_alias(force, **fields):  # type: ignore[no-untyped-def]
    subject = make_subject(force, **fields)
    with schema_context(force.schema_name):
        SubjectAlias.objects.create(subject=subject, name=f"Alias of {subject.family_name}")
    connection.set_schema_to_public()
    return subject


class TestSubjectEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/subjects/"
    viewset = SubjectViewSet
    create_payload = {
        "family_name": "Okafor",
        "given_names": "Daniel James",
        "date_of_birth": "1987-03-14",
        "pnc_id": "05/123456B",
        "niche_nominal_ref": "NN-44213",
        "aliases": ["Danny O", "DJ"],
    }
    put_payload = {
        "family_name": "Okafor-Smith",
        "given_names": "Daniel",
        "date_of_birth": "1987-03-15",
        "pnc_id": "",
        "niche_nominal_ref": "",
        "aliases": ["Danny"],
    }
    patch_payload = {"given_names": "Danny"}
    extra_actions = (
        # The subject's registration ended today: one alteration of the subject (it has no orders).
        ExtraAction(
            "end_registration",
            status=200,
            events=(AuditAction.ALTER,),
            make=lambda contract, force: make_subject(
                force, registered_sex_offender=True, registered_from=dt.date(2020, 1, 1)
            ),
            body=lambda subject: {"ended_on": str(timezone.localdate())},
        ),
        # A photograph, as multipart: one alteration of the subject naming no value.
        ExtraAction(
            "photo_upload",
            url_name="photos",
            status=201,
            events=(AuditAction.ALTER,),
            body=lambda subject: {"photo": SimpleUploadedFile("p.png", png()), "caption": "Custody"},
            multipart=True,
        ),
    )

    @pytest.fixture(autouse=True)
    def _media_in_tmp(self, settings, tmp_path):  # type: ignore[no-untyped-def]
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_subject_with_alias(force)


def _coordinator(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.COORDINATOR])


def test_read_with_reason_writes_one_consult_event_with_that_reason(force_a, force_b):
    subject = make_subject(force_a, family_name="Reasoned")
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    response = client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="  Breach report 4471  ")
    assert response.status_code == 200
    assert response.json()["family_name"] == "Reasoned"
    events = events_since(force_a, before)
    assert len(events) == 1
    assert events[0].action == AuditAction.CONSULT
    assert events[0].justification == "Breach report 4471"
    assert events[0].object_ids == [subject.uuid]


def test_read_without_reason_is_refused_and_logs_no_consultation(force_a):
    subject = make_subject(force_a)
    client = token_client(_coordinator(force_a), force_a)
    for headers in (
        {},
        {"HTTP_X_ACCESS_REASON": ""},
        {"HTTP_X_ACCESS_REASON": "   "},
        {"HTTP_X_ACCESS_REASON": "x" * 501},
    ):
        before = last_event_id(force_a)
        response = client.get(f"/api/v1/subjects/{subject.uuid}/", **headers)
        assert response.status_code == 400, headers
        body = response.json()
        assert body["code"] == "access_reason_required"
        assert "X-Access-Reason" in body["fields"]
        assert "family_name" not in body
        assert events_since(force_a, before) == []


def test_reason_may_be_unicode(force_a):
    subject = make_subject(force_a)
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    reason = "Visite – Seán’s case"
    response = client.get(
        f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON=reason.encode("utf-8").decode("latin-1")
    )
    assert response.status_code == 200
    assert events_since(force_a, before)[0].justification == reason


def test_list_writes_one_event_naming_exactly_the_page(force_a):
    for _ in range(7):
        make_subject(force_a)
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    response = client.get("/api/v1/subjects/", {"page_size": 3, "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7 and len(body["results"]) == 3
    events = events_since(force_a, before)
    assert len(events) == 1
    assert {str(u) for u in events[0].object_ids} == {r["uuid"] for r in body["results"]}


def test_empty_list_writes_no_event(force_a):
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    response = client.get("/api/v1/subjects/", {"search": "nobody-by-this-name"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert events_since(force_a, before) == []


def test_filters_search_pnc_and_date_of_birth(force_a, force_b):
    a = make_subject(
        force_a,
        family_name="Ashworth",
        given_names="Bryony",
        date_of_birth=dt.date(1990, 1, 2),
        pnc_id="90/55555C",
    )
    with schema_context(force_a.schema_name):
        SubjectAlias.objects.create(subject=a, name="Bee Ashe")
    connection.set_schema_to_public()
    make_subject(force_a, family_name="Zeller", given_names="Carl", date_of_birth=dt.date(1980, 5, 6))
    make_subject(force_b, family_name="Ashworth", given_names="Other force")
    client = token_client(_coordinator(force_a), force_a)

    def names(**params):  # type: ignore[no-untyped-def]
        response = client.get("/api/v1/subjects/", params)
        assert response.status_code == 200, response.content
        return [r["family_name"] for r in response.json()["results"]]

    assert names(search="ashworth") == ["Ashworth"]
    assert names(search="bee ashe") == ["Ashworth"]
    assert names(pnc_id="90/55555c") == ["Ashworth"]
    assert names(date_of_birth="1980-05-06") == ["Zeller"]
    assert names(ordering="-family_name") == ["Zeller", "Ashworth"]
    assert names(ordering="family_name") == ["Ashworth", "Zeller"]
    assert client.get("/api/v1/subjects/", {"date_of_birth": "not-a-date"}).status_code == 400


def test_page_size_is_capped_at_100(force_a):
    client = token_client(_coordinator(force_a), force_a)
    with schema_context(force_a.schema_name):
        Subject.objects.bulk_create([Subject(family_name=f"S{i}", given_names="G") for i in range(105)])
    connection.set_schema_to_public()
    response = client.get("/api/v1/subjects/", {"page_size": 1000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


def test_aliases_are_replaced_on_update_and_listed_sorted(force_a):
    subject = make_subject_with_alias(force_a, family_name="Alias")
    client = token_client(_coordinator(force_a), force_a)
    response = client.patch(
        f"/api/v1/subjects/{subject.uuid}/",
        {"aliases": ["Zed", "Ay", "Zed"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["aliases"] == ["Ay", "Zed"]


def test_update_that_changes_nothing_still_logs_the_read(force_a):
    subject = make_subject(force_a, family_name="Same", given_names="Same")
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    response = client.patch(
        f"/api/v1/subjects/{subject.uuid}/", {"family_name": "Same"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert [e.action for e in events_since(force_a, before)] == [AuditAction.CONSULT]


def test_alter_event_names_fields_but_not_their_restricted_values(force_a):
    subject = make_subject(force_a, family_name="Before")
    client = token_client(_coordinator(force_a), force_a)
    before = last_event_id(force_a)
    response = client.patch(
        f"/api/v1/subjects/{subject.uuid}/", {"family_name": "After"}, content_type="application/json"
    )
    assert response.status_code == 200
    (event,) = events_since(force_a, before)
    assert event.action == AuditAction.ALTER and event.changed_fields == ["family_name"]
    assert "Before" not in str(event.changes) and "After" not in str(event.changes)


def test_officer_may_not_erase_but_coordinator_may(force_a):
    subject = make_subject(force_a)
    officer = token_client(make_user(force=force_a, roles=[ForceRole.OFFICER]), force_a)
    response = officer.delete(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ERASURE_REASON="Duplicate")
    assert response.status_code == 403
    coordinator = token_client(_coordinator(force_a), force_a)
    missing = coordinator.delete(f"/api/v1/subjects/{subject.uuid}/")
    assert missing.status_code == 400 and missing.json()["code"] == "erasure_reason_required"
    assert "X-Erasure-Reason" in missing.json()["fields"]
    assert (
        coordinator.delete(
            f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ERASURE_REASON="Duplicate record"
        ).status_code
        == 204
    )
    with schema_context(force_a.schema_name):
        assert not Subject.objects.filter(uuid=subject.uuid).exists()


def test_session_user_can_use_the_api_in_the_browser(force_a, client_for):
    subject = make_subject(force_a)
    client = client_for(_coordinator(force_a), force_a)
    assert client.get("/api/v1/subjects/").status_code == 200
    assert client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="Checking").status_code == 200


def test_session_writes_need_the_csrf_token(force_a):
    from django.test import Client

    from tests.conftest import host_of

    user = _coordinator(force_a)
    client = Client(HTTP_HOST=host_of(force_a), enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/api/v1/subjects/", {"family_name": "X", "given_names": "Y"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_list_reads_aliases_from_one_prefetched_list_not_a_queryset_per_row(force_a):
    """Issue 10: the list serialised aliases through ``subject.aliases.all()``, a manager and a
    queryset built per row. The serializer now reads the page's one prefetch (``alias_list``)."""
    from api.subjects import SubjectSerializer

    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        fetched = Subject.objects.with_alias_names().get(pk=subject.pk)
        # What the prefetch holds is what is shown: the database is not asked again per row.
        fetched.alias_list = [SubjectAlias(name="Zed"), SubjectAlias(name="Ace")]
        assert SubjectSerializer(fetched).data["aliases"] == ["Zed", "Ace"]


def test_a_list_reads_profile_records_from_prefetched_lists_not_a_queryset_per_row(force_a):
    """Issue 10: prefetching addresses, devices, accounts, vehicles and photos into the related
    managers made Django build a filtered queryset for every row and relation (a page of 50: 250),
    more time than the queries. The API prefetches them into plain lists and serialises those."""
    from django.test.utils import CaptureQueriesContext

    from api.subjects import SubjectSerializer, api_queryset
    from subjects.services import create_subject

    with schema_context(force_a.schema_name):
        subject = create_subject(
            actor=None,
            family_name="Listed",
            given_names="Profile",
            vehicles=[{"vrm": "BN10 XYZ", "make": "Ford"}, {"vrm": "BN11 XYZ", "make": "Kia"}],
            addresses=[{"address": "1 Bench Road", "postcode": "LN1 1AA"}],
        )
        fetched = api_queryset().get(pk=subject.pk)
        with CaptureQueriesContext(connection) as ctx:
            data = SubjectSerializer(fetched).data
        assert ctx.captured_queries == []
        assert [v["make"] for v in data["vehicles"]] == [v.make for v in fetched.fetched_vehicles]
        assert len(data["vehicles"]) == 2 and len(data["addresses"]) == 1 and data["devices"] == []
        # What the prefetch holds is what is shown; without it the related managers are read.
        fetched.fetched_vehicles = []
        assert SubjectSerializer(fetched).data["vehicles"] == []
        plain = Subject.objects.get(pk=subject.pk)
        assert SubjectSerializer(plain).data["vehicles"] == data["vehicles"]


def test_a_possible_duplicate_is_a_409_naming_the_matches_unless_confirmed(force_a, force_b):
    """Issue 9, item 4: same name (or alias) and date of birth, no PNC id to tell them apart."""
    from subjects.services import create_subject

    with schema_context(force_a.schema_name):
        held = create_subject(
            actor=None,
            family_name="Hartley",
            given_names="Dominic James",
            date_of_birth=dt.date(1984, 3, 12),
            aliases=["Dom Hartley"],
        )
    with schema_context(force_b.schema_name):  # another force's namesake is no match here
        create_subject(
            actor=None, family_name="Hartley", given_names="Dominic James", date_of_birth=dt.date(1984, 3, 12)
        )
    connection.set_schema_to_public()
    client = token_client(_coordinator(force_a), force_a)
    same = {"family_name": "HARTLEY", "given_names": "Dominic James", "date_of_birth": "1984-03-12"}
    by_alias = {
        "family_name": "Smith",
        "given_names": "John",
        "date_of_birth": "1984-03-12",
        "aliases": ["Dom Hartley"],
    }
    for payload in (same, by_alias):
        response = client.post("/api/v1/subjects/", payload, content_type="application/json")
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "possible_duplicate" and body["matches"] == [str(held.uuid)]
    other_day = {**same, "date_of_birth": "1984-03-13"}
    assert client.post("/api/v1/subjects/", other_day, content_type="application/json").status_code == 201
    confirmed = client.post(
        "/api/v1/subjects/", {**same, "confirm_new": True}, content_type="application/json"
    )
    assert confirmed.status_code == 201 and "confirm_new" not in confirmed.json()
    with schema_context(force_a.schema_name):
        assert Subject.objects.filter(family_name__iexact="hartley").count() == 3
    with schema_context(force_b.schema_name):
        assert Subject.objects.count() == 1
