"""The subject pages on a force host: access, isolation between forces, bad input, audit events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.roles import ForceRole
from subjects.models import Subject
from tenants.models import Membership
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def events(force: Any, **filters: Any) -> list[AuditEvent]:
    with schema_context(force.schema_name):
        return list(AuditEvent.objects.filter(**filters).order_by("id"))


def subjects_in(force: Any, **filters: Any) -> list[Subject]:
    with schema_context(force.schema_name):
        return list(Subject.objects.filter(**filters))


@pytest.fixture
def coordinator_a(force_a):  # type: ignore[no-untyped-def]
    return make_user(force=force_a, roles=[ForceRole.COORDINATOR])


@pytest.fixture
def coordinator_b(force_b):  # type: ignore[no-untyped-def]
    return make_user(force=force_b, roles=[ForceRole.COORDINATOR])


def open_case_file(client: Any, subject: Subject, reason: str = "Preparing the home visit") -> Any:
    """Give the reason (first open in this session) and follow to the case file."""
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": reason})
    assert response.status_code == 302, response.content[:2000]
    return client.get(f"/subjects/{subject.uuid}/")


def search(client: Any, query: str) -> Any:
    """Search as the page does: post the terms, follow to the results shown by an opaque key."""
    response = client.post("/subjects/", {"q": query})
    assert response.status_code == 302, response.content[:2000]
    assert query.lower() not in response["Location"].lower()
    return client.get(response["Location"])


# --- Who may use the pages --------------------------------------------------------------------


def test_anonymous_is_sent_to_the_regional_sign_in_and_back(force_a):
    from django.test import Client

    response = Client(HTTP_HOST=f"{force_a.slug}.spmp.localhost").get("/subjects/?page=2")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://spmp.localhost/sign-in/?next=")
    assert "lincolnshire.spmp.localhost%2Fsubjects%2F%3Fpage%3D2" in location


@pytest.mark.parametrize(
    ("path", "route"),
    [("/subjects/", "subjects:subject-list"), ("/subjects/new/", "subjects:subject-create")],
)
def test_member_without_the_permission_gets_403_and_the_refusal_is_logged(force_a, client_for, path, route):
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    before = len(events(force_a, action=AuditAction.PERMISSION_DENIED))
    response = client_for(viewer, force_a).get(path)
    assert response.status_code == 403
    assert b"You do not have permission to do this" in response.content
    denied = events(force_a, action=AuditAction.PERMISSION_DENIED)
    assert len(denied) == before + 1
    assert denied[-1].actor_uuid == viewer.uuid
    # The route's name, never the path (a URL can carry a name into the append-only log).
    assert route in denied[-1].justification and path not in denied[-1].justification


def test_officer_may_read_but_a_disclosure_officer_may_not_record(force_a, client_for):
    disclosure = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    client = client_for(disclosure, force_a)
    assert client.get("/subjects/").status_code == 200
    assert client.get("/subjects/new/").status_code == 403
    assert b"Record a subject" not in client.get("/subjects/").content


def test_subject_pages_do_not_exist_on_the_regional_host(force_a, coordinator_a, client_for):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, None)
    assert client.get("/subjects/").status_code == 404
    assert client.get(f"/subjects/{subject.uuid}/").status_code == 404


@pytest.mark.parametrize("path", ["/subjects/not-a-uuid/", "/subjects/12/", "/subjects/12/edit/"])
def test_non_uuid_in_url_is_404(force_a, coordinator_a, client_for, path):
    assert client_for(coordinator_a, force_a).get(path).status_code == 404


# --- Nothing crosses between forces -----------------------------------------------------------


def test_force_b_user_cannot_reach_a_force_a_subject_by_uuid(force_a, force_b, coordinator_b, client_for):
    subject = make_subject(force_a, family_name="Lincsonly")
    client_b = client_for(coordinator_b, force_b)
    # On their own host the UUID names nothing...
    for path in (f"/subjects/{subject.uuid}/", f"/subjects/{subject.uuid}/edit/"):
        assert client_b.get(path).status_code == 404
        assert client_b.post(path, {"reason": "curious"}).status_code == 404
    assert client_b.post(f"/subjects/{subject.uuid}/edit/", {"family_name": "X"}).status_code == 404
    # ...and force A's host refuses them altogether.
    client_on_a = client_for(coordinator_b, force_a)
    assert client_on_a.get("/subjects/").status_code == 404
    assert client_on_a.get(f"/subjects/{subject.uuid}/").status_code == 404
    assert b"LINCSONLY" not in client_b.get("/subjects/").content
    assert subjects_in(force_a, uuid=subject.uuid)[0].family_name == "Lincsonly"
    assert events(force_b, object_ids__contains=[subject.uuid]) == []
    # Force A's log names the subject only in the refusal of the outsider's attempt on it (the
    # route and its UUIDs), never as a read.
    [refusal] = events(force_a, object_ids__contains=[subject.uuid])
    assert (refusal.action, refusal.actor_id) == (AuditAction.PERMISSION_DENIED, coordinator_b.pk)
    assert refusal.justification == "GET subjects:subject-detail: not a member of this force"


def test_refused_page_does_not_name_the_force(force_a, force_b, coordinator_b, client_for):
    response = client_for(coordinator_b, force_a).get("/subjects/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert force_a.name.encode() not in response.content


def test_reason_given_in_one_force_does_not_open_the_other(force_a, force_b, client_for):
    both = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    Membership.objects.create(user=both, force=force_b, roles=[ForceRole.COORDINATOR])
    subject_a = make_subject(force_a)
    subject_b = make_subject(force_b)
    client_a = client_for(both, force_a)
    open_case_file(client_a, subject_a)
    client_b = client_for(both, force_b)
    client_b.cookies = client_a.cookies  # one session across hosts, as in a browser
    page = client_b.get(f"/subjects/{subject_b.uuid}/")
    assert b'data-testid="reason-form"' in page.content


# --- The list ---------------------------------------------------------------------------------


def test_list_is_paginated_25_a_page_and_logs_the_uuids_shown(force_a, force_b, coordinator_a, client_for):
    made = [make_subject(force_a, family_name=f"Person{n:02d}") for n in range(30)]
    make_subject(force_b, family_name="Nottsperson")
    client = client_for(coordinator_a, force_a)
    before = len(events(force_a, action=AuditAction.CONSULT))

    page1 = client.get("/subjects/")
    assert page1.status_code == 200
    assert page1.content.count(b"/subjects/") >= 25
    assert b"PERSON00" in page1.content and b"PERSON24" in page1.content
    assert b"PERSON25" not in page1.content and b"NOTTSPERSON" not in page1.content
    assert b"OFFICIAL-SENSITIVE" in page1.content
    consults = events(force_a, action=AuditAction.CONSULT)[before:]
    assert len(consults) == 1
    assert consults[0].object_type == "subject"
    assert consults[0].object_ids == [s.uuid for s in made[:25]]
    assert consults[0].actor_uuid == coordinator_a.uuid

    page2 = client.get("/subjects/?page=2")
    assert b"PERSON25" in page2.content and b"PERSON29" in page2.content
    assert b"PERSON24" not in page2.content
    consults = events(force_a, action=AuditAction.CONSULT)[before:]
    assert len(consults) == 2 and consults[1].object_ids == [s.uuid for s in made[25:]]
    # A mistyped page number shows a page rather than failing.
    assert client.get("/subjects/?page=abc").status_code == 200
    assert client.get("/subjects/?page=999").status_code == 200


def test_empty_list_logs_nothing(force_a, coordinator_a, client_for):
    before = len(events(force_a, action=AuditAction.CONSULT))
    response = search(client_for(coordinator_a, force_a), "nobodyatall")
    assert response.status_code == 200
    assert b"No subjects match" in response.content
    assert len(events(force_a, action=AuditAction.CONSULT)) == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [("smith", "SMITH"), ("Jonny", "SMITH"), ("98/1234567a", "SMITH"), ("JONES", "JONES")],
)
def test_search_by_name_alias_or_pnc(force_a, force_b, coordinator_a, client_for, query, expected):
    from subjects.services import create_subject

    with schema_context(force_a.schema_name):
        create_subject(
            actor=coordinator_a,
            family_name="Smith",
            given_names="John",
            pnc_id="98/1234567A",
            aliases=["Jonny Blade"],
        )
        create_subject(actor=coordinator_a, family_name="Jones", given_names="Mary")
    with schema_context(force_b.schema_name):
        create_subject(actor=None, family_name="Smith", given_names="Notts")
    response = search(client_for(coordinator_a, force_a), query)
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in content
    assert ({"SMITH", "JONES"} - {expected}).pop() not in content
    assert "Notts" not in content


def test_overlong_search_is_a_field_error(force_a, coordinator_a, client_for):
    response = client_for(coordinator_a, force_a).post("/subjects/", {"q": "x" * 101})
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Search must be 100 characters or fewer" in response.content


def _list_queries(client: Any) -> int:
    connection.set_schema_to_public()  # every count from the same connection state (search path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/subjects/").status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_page(force_a, coordinator_a, client_for):
    client = client_for(coordinator_a, force_a)
    for n in range(3):
        s = make_subject(force_a)
        with schema_context(force_a.schema_name):
            s.aliases.create(name=f"Alias {n}")
    small = _list_queries(client)
    for n in range(25):
        s = make_subject(force_a)
        with schema_context(force_a.schema_name):
            s.aliases.create(name=f"Alias {n}")
            s.aliases.create(name=f"Other {n}")
    full = _list_queries(client)
    assert full == small, f"3 subjects: {small} queries; 25 subjects: {full}"


# --- The case file and the reason for access ---------------------------------------------------


def test_first_open_asks_for_a_reason_and_shows_nothing_before_it(force_a, coordinator_a, client_for):
    subject = make_subject(force_a, family_name="Secretive", pnc_id="01/99A")
    client = client_for(coordinator_a, force_a)
    before = len(events(force_a))
    response = client.get(f"/subjects/{subject.uuid}/")
    assert response.status_code == 200
    assert b'data-testid="reason-form"' in response.content
    assert b"SECRETIVE" not in response.content and b"01/99A" not in response.content
    assert len(events(force_a)) == before


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", b"Enter your reason for opening this case file"),
        ("   ", b"Enter your reason for opening this case file"),
        ("x" * 501, b"Reason must be 500 characters or fewer"),
    ],
)
def test_missing_or_overlong_reason_is_refused(force_a, coordinator_a, client_for, reason, message):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    before = len(events(force_a))
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": reason})
    assert response.status_code == 400
    assert message in response.content and b"There is a problem" in response.content
    assert len(events(force_a)) == before
    assert b'data-testid="reason-form"' in client.get(f"/subjects/{subject.uuid}/").content


def test_each_open_writes_one_consult_with_the_session_reason(force_a, coordinator_a, client_for):
    subject = make_subject(force_a, family_name="Visible", date_of_birth=dt.date(1980, 5, 17))
    other = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    before = len(events(force_a))

    page = open_case_file(client, subject, reason="  Preparing the   home visit ")
    assert page.status_code == 200
    assert b"VISIBLE" in page.content and b"17 May 1980" in page.content
    assert b'data-testid="marking"' in page.content and b"OFFICIAL-SENSITIVE" in page.content
    new = events(force_a)[before:]
    assert [(e.action, e.object_ids, e.justification) for e in new] == [
        (AuditAction.CONSULT, [subject.uuid], "Preparing the home visit")
    ]
    assert new[0].actor_uuid == coordinator_a.uuid and new[0].request_id is not None

    again = client.get(f"/subjects/{subject.uuid}/")
    assert b'data-testid="reason-form"' not in again.content and b"VISIBLE" in again.content
    new = events(force_a)[before:]
    assert len(new) == 2 and new[1].justification == "Preparing the home visit"

    # The reason was for that subject only.
    assert b'data-testid="reason-form"' in client.get(f"/subjects/{other.uuid}/").content
    # A new signed-in session asks again.
    fresh = client_for(coordinator_a, force_a)
    assert b'data-testid="reason-form"' in fresh.get(f"/subjects/{subject.uuid}/").content
    assert len(events(force_a)) == before + 2


def test_sign_out_forgets_the_reasons(force_a, coordinator_a, client_for):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    open_case_file(client, subject)
    client.post("/sign-out/")
    client.force_login(coordinator_a, backend="django.contrib.auth.backends.ModelBackend")
    assert b'data-testid="reason-form"' in client.get(f"/subjects/{subject.uuid}/").content


# --- Recording a subject -------------------------------------------------------------------------

VALID = {
    "given_names": "John Paul",
    "family_name": "Smith",
    "aliases": "Jonny\r\n\r\n  JP Smith \r\n",
    "date_of_birth_day": "7",
    "date_of_birth_month": "11",
    "date_of_birth_year": "1979",
    "pnc_id": "98/1234567a",
    "niche_nominal_ref": "NOM-0042",
}


def test_recording_a_subject_saves_it_and_logs_one_collection(force_a, force_b, coordinator_a, client_for):
    client = client_for(coordinator_a, force_a)
    assert client.get("/subjects/new/").status_code == 200
    before = len(events(force_a))
    response = client.post("/subjects/new/", VALID)
    assert response.status_code == 302
    [subject] = subjects_in(force_a, family_name="Smith")
    assert response["Location"] == f"/subjects/{subject.uuid}/"
    assert subject.given_names == "John Paul"
    assert subject.date_of_birth == dt.date(1979, 11, 7)
    assert subject.pnc_id == "98/1234567A" and subject.niche_nominal_ref == "NOM-0042"
    with schema_context(force_a.schema_name):
        assert sorted(subject.aliases.values_list("name", flat=True)) == ["JP Smith", "Jonny"]
    new = events(force_a)[before:]
    assert [(e.action, e.object_ids) for e in new] == [(AuditAction.COLLECT, [subject.uuid])]
    assert "family_name" in new[0].changed_fields and "Smith" not in str(new[0].changes)
    assert subjects_in(force_b, family_name="Smith") == []


def _with(**changes: str) -> dict[str, str]:
    data = dict(VALID)
    data.update(changes)
    return data


BAD_INPUTS = [
    pytest.param(_with(given_names=""), "given_names", "Enter the subject&#x27;s given names", id="no-given"),
    pytest.param(
        _with(family_name="  "), "family_name", "Enter the subject&#x27;s family name", id="no-family"
    ),
    pytest.param(
        _with(date_of_birth_year=str(dt.date.today().year + 1)),
        "date_of_birth",
        "The date of birth must be in the past",
        id="future-dob",
    ),
    pytest.param(
        _with(date_of_birth_year="1066"),
        "date_of_birth",
        "check the year",
        id="implausible-dob",
    ),
    pytest.param(
        _with(date_of_birth_day="31", date_of_birth_month="2", date_of_birth_year="2000"),
        "date_of_birth",
        "Date of birth must be a real date",
        id="31-february",
    ),
    pytest.param(
        _with(date_of_birth_month=""), "date_of_birth", "Date of birth must include a month", id="no-month"
    ),
    pytest.param(
        _with(date_of_birth_day="x"),
        "date_of_birth",
        "Date of birth must be a real date, in numbers",
        id="letters",
    ),
    pytest.param(
        _with(date_of_birth_year="79"), "date_of_birth", "Year must include 4 numbers", id="2-digit-year"
    ),
    pytest.param(
        _with(date_of_birth_month="13"), "date_of_birth", "Date of birth must be a real date", id="month-13"
    ),
    # 25 nines overflowed a C int inside datetime.date: an OverflowError, a 500.
    pytest.param(
        _with(date_of_birth_day="9" * 25), "date_of_birth", "Date of birth must be a real date", id="huge-day"
    ),
    pytest.param(
        _with(date_of_birth_month="9" * 25),
        "date_of_birth",
        "Date of birth must be a real date",
        id="huge-month",
    ),
    pytest.param(
        _with(date_of_birth_day="\u00b2"),
        "date_of_birth",
        "Date of birth must be a real date, in numbers",
        id="superscript-digit",
    ),
    pytest.param(_with(pnc_id="12345"), "pnc_id", "Enter a PNC id like 98/1234567A", id="bad-pnc"),
    pytest.param(
        _with(family_name="x" * 101),
        "family_name",
        "Family name must be 100 characters or fewer",
        id="long-family",
    ),
    pytest.param(
        _with(given_names="x" * 151),
        "given_names",
        "Given names must be 150 characters or fewer",
        id="long-given",
    ),
    pytest.param(
        _with(aliases="ok\n" + "y" * 251),
        "aliases",
        "The alias on line 2 must be 250 characters or fewer",
        id="long-alias",
    ),
    pytest.param(
        _with(niche_nominal_ref="n" * 31),
        "niche_nominal_ref",
        "Niche nominal reference must be 30 characters or fewer",
        id="long-niche",
    ),
    pytest.param(
        _with(pnc_id="98/1234567A" + "0" * 20),
        "pnc_id",
        "PNC id must be 13 characters or fewer",
        id="long-pnc",
    ),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD_INPUTS)
def test_bad_input_shows_field_errors_and_saves_nothing(
    force_a, coordinator_a, client_for, data, field, message
):
    client = client_for(coordinator_a, force_a)
    before_events = len(events(force_a))
    response = client.post("/subjects/new/", data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content, content[:3000]
    assert "govuk-form-group--error" in content
    anchor = f"#id_{field}_day" if field == "date_of_birth" else f"#id_{field}"
    assert f'href="{anchor}"' in content  # the error summary links to the field
    assert subjects_in(force_a) == []
    assert len(events(force_a)) == before_events
    # What was typed comes back, so nothing has to be typed twice.
    assert 'value="Smith"' in content or field == "family_name"


def test_duplicate_pnc_in_the_same_force_is_refused_but_another_force_may_hold_it(
    force_a, force_b, coordinator_a, coordinator_b, client_for
):
    make_subject(force_a, pnc_id="98/1234567A")
    response = client_for(coordinator_a, force_a).post("/subjects/new/", _with(pnc_id="98/1234567a"))
    assert response.status_code == 400
    assert b"Another subject of this force already has this PNC id" in response.content
    assert len(subjects_in(force_a)) == 1
    # Force B knows nothing of force A's subjects: the same PNC id is accepted there.
    assert client_for(coordinator_b, force_b).post("/subjects/new/", VALID).status_code == 302


# --- Changing a subject --------------------------------------------------------------------------


def test_edit_needs_the_reason_then_saves_and_logs_one_alteration(force_a, coordinator_a, client_for):
    subject = make_subject(force_a, family_name="Before", given_names="Anna")
    client = client_for(coordinator_a, force_a)
    first = client.get(f"/subjects/{subject.uuid}/edit/")
    assert b'data-testid="reason-form"' in first.content and b"BEFORE" not in first.content.upper()
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": "Correcting the name", "then": "edit"})
    assert response["Location"] == f"/subjects/{subject.uuid}/edit/"
    before = len(events(force_a))
    form = client.get(f"/subjects/{subject.uuid}/edit/")
    assert form.status_code == 200 and b'value="Before"' in form.content
    data = _with(family_name="After", given_names="Anna", pnc_id="", aliases="")
    response = client.post(f"/subjects/{subject.uuid}/edit/", data)
    assert response.status_code == 302
    [changed] = subjects_in(force_a, uuid=subject.uuid)
    assert changed.family_name == "After" and changed.date_of_birth == dt.date(1979, 11, 7)
    new = events(force_a)[before:]
    assert [(e.action, e.justification) for e in new] == [
        (AuditAction.CONSULT, "Correcting the name"),  # the form showed the case file
        (AuditAction.ALTER, ""),
    ]
    assert new[1].object_ids == [subject.uuid]
    assert {"family_name", "date_of_birth"} <= set(new[1].changed_fields)


def test_bad_edit_changes_nothing_but_logs_the_case_file_it_shows(
    force_a, force_b, coordinator_a, client_for
):
    make_subject(force_a, pnc_id="98/7654321B")
    subject = make_subject(force_a, family_name="Kept")
    client = client_for(coordinator_a, force_a)
    open_case_file(client, subject, reason="Correcting the record")
    before = len(events(force_a))
    before_b = len(events(force_b))
    bad_edits = (
        _with(family_name=""),
        _with(pnc_id="98/7654321b"),
        _with(date_of_birth_day="32"),
        _with(date_of_birth_day="9" * 25),
    )
    for bad in bad_edits:
        response = client.post(f"/subjects/{subject.uuid}/edit/", bad)
        assert response.status_code == 400
        # The 400 page shows the stored name again: a read of the case file like any other.
        assert "CHANGE KEPT" in response.content.decode().upper()
    [same] = subjects_in(force_a, uuid=subject.uuid)
    assert same.family_name == "Kept" and same.pnc_id == "" and same.date_of_birth is None
    new = events(force_a)[before:]
    assert [(e.action, e.object_ids, e.justification) for e in new] == [
        (AuditAction.CONSULT, [subject.uuid], "Correcting the record")
    ] * len(bad_edits)
    assert len(events(force_b)) == before_b


def test_edit_without_change_permission_is_403(force_a, client_for):
    subject = make_subject(force_a)
    disclosure = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    client = client_for(disclosure, force_a)
    assert client.get(f"/subjects/{subject.uuid}/edit/").status_code == 403
    page = open_case_file(client, subject)
    assert page.status_code == 200 and b'data-testid="change-subject"' not in page.content


# --- The layout ------------------------------------------------------------------------------------


def test_layout_shows_force_navigation_and_switcher(force_a, force_b, client_for):
    both = make_user(force=force_a, roles=[ForceRole.OFFICER])
    Membership.objects.create(user=both, force=force_b, roles=[ForceRole.VIEWER])
    page_a = client_for(both, force_a).get("/").content.decode()
    assert "Lincolnshire Police" in page_a and 'data-testid="nav-subjects"' in page_a
    assert 'data-testid="switch-nottinghamshire"' in page_a
    assert "http://nottinghamshire.spmp.localhost/" in page_a
    assert 'data-testid="sign-out"' in page_a
    assert "OFFICIAL-SENSITIVE" not in page_a  # the start page shows no case data
    page_b = client_for(both, force_b).get("/").content.decode()
    assert 'data-testid="nav-subjects"' not in page_b  # a viewer there: no subject list
    assert 'data-testid="switch-lincolnshire"' in page_b


def test_single_force_user_has_no_switcher(force_a, coordinator_a, client_for):
    page = client_for(coordinator_a, force_a).get("/").content.decode()
    assert 'data-testid="force-switcher"' not in page


def test_every_inline_script_carries_the_csp_nonce(force_a, coordinator_a, client_for):
    import re

    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    for response in (
        client.get("/"),
        client.get("/subjects/"),
        open_case_file(client, subject),
        client.get("/subjects/new/"),
    ):
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
        assert " style=" not in response.content.decode()  # style-src has no 'unsafe-inline'


def test_deep_link_survives_signing_in(force_a, coordinator_a):
    from django.test import Client

    from tests.factories import PASSWORD

    anonymous = Client(HTTP_HOST=f"{force_a.slug}.spmp.localhost")
    location = anonymous.get("/subjects/?q=smith")["Location"]
    regional = Client(HTTP_HOST="spmp.localhost")
    sign_in_page = regional.get(location.replace("http://spmp.localhost", ""))
    assert sign_in_page.status_code == 200
    assert b'value="http://lincolnshire.spmp.localhost/subjects/?q=smith"' in sign_in_page.content
    response = regional.post(
        "/sign-in/",
        {
            "username": coordinator_a.email,
            "password": PASSWORD,
            "next": "http://lincolnshire.spmp.localhost/subjects/?q=smith",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "http://lincolnshire.spmp.localhost/subjects/?q=smith"


def test_a_refused_page_points_to_the_regional_host_to_sign_out(force_a, force_b, coordinator_b, client_for):
    # A cross-host POST carries "Origin: null" under the same-origin referrer policy, so sign-out
    # stays on each host; a host that refuses the user links to the regional host instead.
    refused = client_for(coordinator_b, force_a).get("/subjects/")
    assert refused.status_code == 404
    assert b'data-testid="sign-out"' not in refused.content
    assert b'href="http://spmp.localhost/">Your forces</a>' in refused.content
    own = client_for(coordinator_b, force_b)
    assert b'action="/sign-out/"' in own.get("/").content
    assert own.post("/sign-out/")["Location"] == "http://spmp.localhost/sign-in/"
    assert "_auth_user_id" not in own.session


def test_error_pages_share_the_layout_and_leak_nothing(force_a, coordinator_a, client_for, rf):
    from django.test import override_settings

    from spmp_platform.errors import server_error

    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    forbidden = client_for(viewer, force_a).get("/subjects/")
    missing = client_for(coordinator_a, force_a).get("/subjects/00000000-0000-0000-0000-000000000000/")
    with override_settings(DEBUG=False):
        broken = server_error(rf.get("/subjects/", HTTP_HOST=f"{force_a.slug}.spmp.localhost"))
    for response, status, heading in (
        (forbidden, 403, b"You do not have permission to do this"),
        (missing, 404, b"Page not found"),
        (broken, 500, b"Sorry, there is a problem with the service"),
    ):
        assert response.status_code == status
        assert heading in response.content
        assert b"govuk-generic-header" in response.content and b"app.css" in response.content
        assert b"Traceback" not in response.content and b"00000000-0000" not in response.content
        assert b"OFFICIAL-SENSITIVE" not in response.content


def test_api_errors_are_json_not_pages(force_a, force_b, coordinator_b, client_for):
    response = client_for(coordinator_b, force_a).get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_platform_administrator_outside_a_force_gets_a_plain_404(force_a):
    from django.test import Client

    from core.roles import RegionalRoleKind
    from tenants.models import RegionalRole

    admin = make_user()
    RegionalRole.objects.create(user=admin, role=RegionalRoleKind.PLATFORM_ADMIN, region=None)
    client = Client(HTTP_HOST=f"{force_a.slug}.spmp.localhost")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    for path in ("/", "/subjects/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b'aria-label="Menu"' not in response.content


# --- Personal data outside the marking (issue 9, item 1) ------------------------------------------


def _title(response: Any) -> str:
    import re

    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)  # type: ignore[union-attr]


def test_after_recording_the_case_file_opens_with_the_creation_as_the_reason(
    force_a, coordinator_a, client_for
):
    client = client_for(coordinator_a, force_a)
    response = client.post("/subjects/new/", VALID)
    [subject] = subjects_in(force_a, family_name="Smith")
    page = client.get(response["Location"])
    content = page.content.decode()
    assert 'data-testid="reason-form"' not in content  # not asked why they open what they made
    assert 'data-testid="subject-name"' in content and 'data-testid="marking"' in content
    [consult] = events(force_a, action=AuditAction.CONSULT, object_ids=[subject.uuid])
    assert consult.justification == "Recorded this subject"


def test_no_subject_name_in_titles_and_the_reason_page_is_marked(force_a, coordinator_a, client_for):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    reason_page = client.get(f"/subjects/{subject.uuid}/")
    assert b'data-testid="reason-form"' in reason_page.content
    assert b'data-testid="marking"' in reason_page.content
    detail = open_case_file(client, subject)
    edit = client.get(f"/subjects/{subject.uuid}/edit/")
    for page in (detail, edit):
        assert page.status_code == 200
        assert subject.family_name.upper() not in _title(page).upper()
        assert subject.given_names.upper() not in _title(page).upper()


def test_search_terms_stay_out_of_urls_and_titles(force_a, force_b, coordinator_a, client_for):
    make_subject(force_a, family_name="Hartley", given_names="Dominic")
    client = client_for(coordinator_a, force_a)
    posted = client.post("/subjects/", {"q": "Hartley"})
    assert posted.status_code == 302 and "hartley" not in posted["Location"].lower()
    results = client.get(posted["Location"])
    assert "HARTLEY" in results.content.decode() and "hartley" not in _title(results).lower()
    # A term typed into the URL is not searched (it must not be bookmarked or logged either).
    assert "HARTLEY" in client.get("/subjects/?q=nobody").content.decode()
    # The key means nothing to another session, nor on another force's host.
    other = client_for(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    assert b"search results" not in other.get(posted["Location"]).content


# --- Possible duplicates (issue 9, item 4) --------------------------------------------------------


def test_a_possible_duplicate_is_named_and_recorded_only_when_confirmed(
    force_a, force_b, coordinator_a, client_for
):
    from subjects.services import create_subject

    with schema_context(force_a.schema_name):
        held = create_subject(
            actor=None, family_name="Hartley", given_names="Dominic James", date_of_birth=dt.date(1984, 3, 12)
        )
    client = client_for(coordinator_a, force_a)
    data = _with(
        given_names="Dominic James",
        family_name="HARTLEY",
        date_of_birth_day="12",
        date_of_birth_month="3",
        date_of_birth_year="1984",
        pnc_id="",
        aliases="",
    )
    before = len(events(force_a))
    warned = client.post("/subjects/new/", data)
    assert warned.status_code == 200
    content = warned.content.decode()
    assert 'data-testid="possible-duplicate"' in content and "HARTLEY, Dominic James" in content
    assert "12 March 1984" in content and f"/subjects/{held.uuid}/" in content
    assert 'data-testid="marking"' in content
    assert len(subjects_in(force_a, family_name__iexact="hartley")) == 1
    [shown] = events(force_a)[before:]
    assert shown.action == AuditAction.CONSULT and shown.object_ids == [held.uuid]
    confirmed = client.post("/subjects/new/", {**data, "confirm_new": "on"})
    assert confirmed.status_code == 302
    assert len(subjects_in(force_a, family_name__iexact="hartley")) == 2
    assert subjects_in(force_b) == []


def test_an_overlong_alias_is_reported_with_the_other_field_errors(force_a, coordinator_a, client_for):
    """Issue 9, item 5: not only once every other field passes."""
    data = _with(given_names="", aliases="ok\n" + "y" * 251)
    content = client_for(coordinator_a, force_a).post("/subjects/new/", data).content.decode()
    assert "Enter the subject&#x27;s given names" in content
    assert "The alias on line 2 must be 250 characters or fewer" in content


# --- Erasing a subject in the browser (issue 9, item 10) ------------------------------------------


def test_a_coordinator_erases_a_subject_with_a_reason_after_confirming(
    force_a, force_b, coordinator_a, client_for
):
    subject = make_subject(force_a, family_name="Erasable")
    twin = make_subject(force_b, family_name="Erasable")
    client = client_for(coordinator_a, force_a)
    open_case_file(client, subject)
    assert f"/subjects/{subject.uuid}/erase/" in client.get(f"/subjects/{subject.uuid}/").content.decode()
    confirm = client.get(f"/subjects/{subject.uuid}/erase/")
    assert confirm.status_code == 200 and b"Are you sure you want to erase ERASABLE" in confirm.content
    assert b'data-testid="marking"' in confirm.content
    no_reason = client.post(f"/subjects/{subject.uuid}/erase/", {"reason": "  "})
    assert no_reason.status_code == 400 and b"Enter your reason for erasing this record" in no_reason.content
    assert subjects_in(force_a, family_name="Erasable") != []
    done = client.post(f"/subjects/{subject.uuid}/erase/", {"reason": "Recorded in error"})
    assert done.status_code == 302 and done["Location"] == "/subjects/"
    assert subjects_in(force_a, family_name="Erasable") == []
    assert [s.uuid for s in subjects_in(force_b, family_name="Erasable")] == [twin.uuid]
    [erased] = events(force_a, action=AuditAction.ERASE)
    assert erased.object_ids == [subject.uuid] and erased.justification == "Recorded in error"
    # Another force's subject is not found here, whatever the role.
    assert client.get(f"/subjects/{twin.uuid}/erase/").status_code == 404


def test_erasing_asks_the_reason_for_access_first_and_needs_the_permission(
    force_a, coordinator_a, client_for
):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    assert b'data-testid="reason-form"' in client.get(f"/subjects/{subject.uuid}/erase/").content
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": "Checking", "then": "erase"})
    assert response["Location"] == f"/subjects/{subject.uuid}/erase/"
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    officer_client = client_for(officer, force_a)
    assert officer_client.post(f"/subjects/{subject.uuid}/erase/", {"reason": "x"}).status_code == 403
    open_case_file(officer_client, subject)
    assert b"erase-subject" not in officer_client.get(f"/subjects/{subject.uuid}/").content
    assert subjects_in(force_a, pk=subject.pk) != []
