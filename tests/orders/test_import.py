"""The caseload import (issue 11, item 7): every problem by row and column and nothing saved until
the whole file is clean; re-import matches and updates; duplicates wait for confirmation; two
forces never meet."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from orders.imports import JUSTIFICATION, MAX_ROWS, template_csv
from orders.models import NotificationRequirement, OrderEvent, OrderStatus, ProtectiveOrder
from organisation.choices import TeamKind
from organisation.models import Area, Team
from subjects import services as subject_services
from subjects.models import Subject, SubjectDevice
from tests.factories import make_subject, make_user
from tests.orders.imports import COURT, csv_bytes, row, run, today, uk, where

pytestmark = pytest.mark.django_db

VALID_IMEI = "490154203237518"


def _counts(force) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return (
            Subject.objects.count(),
            ProtectiveOrder.objects.count(),
            NotificationRequirement.objects.count(),
        )


def test_the_template_is_the_header_row():
    header = template_csv().strip().split(",")
    assert header[:4] == ["pnc_id", "niche_nominal_ref", "family_name", "given_names"]
    assert "order_type" in header and "case_number" in header and "imei" in header


def test_a_clean_file_imports_subjects_orders_and_requirements_in_one_force_only(force_a, force_b):
    coordinator = make_user(force=force_a)
    data = csv_bytes([row(1, imei=VALID_IMEI, aliases="Lex; Al"), row(2, vrm="ab12 cde")])
    report = run(force_a, data, actor=coordinator)
    assert report.clean and report.imported, report.problems
    assert (report.subjects_new, report.orders_new) == (2, 2)
    assert _counts(force_a) == (2, 2, 2)
    assert _counts(force_b) == (0, 0, 0)
    with schema_context(force_a.schema_name):
        one = Subject.objects.get(pnc_id="20/1001A")
        assert one.name_search == "alex imported1" and one.pnc_search == "20/1001A"
        assert sorted(one.alias_names) == ["Al", "Lex"]
        assert one.devices.get().imei == VALID_IMEI
        assert SubjectDevice.objects.filter(imei_key=VALID_IMEI).count() == 1
        assert Subject.objects.search("AB12CDE").get().pnc_id == "20/1002A"
        order = ProtectiveOrder.objects.get(subject=one)
        assert order.status == OrderStatus.ACTIVE
        assert OrderEvent.objects.filter(order=order).count() == 2  # made, served
        requirement = order.notification_requirements.get()
        assert requirement.last_day == today() - dt.timedelta(days=8) and requirement.is_overdue
        # One collection event per record, the same one the one-at-a-time services write.
        events = AuditEvent.objects.filter(action=AuditAction.COLLECT, justification=JUSTIFICATION)
        assert events.filter(object_type=RecordType.SUBJECT).count() == 2
        assert events.filter(object_type=RecordType.ORDER).count() == 2
        assert events.filter(object_type=RecordType.NOTIFICATION_REQUIREMENT).count() == 2
        event = events.get(object_ids=[one.uuid])
        assert event.actor_uuid == coordinator.uuid
        assert "family_name" in event.changed_fields and "family_name" not in event.changes
        assert "Imported1" not in str(event.changes) and VALID_IMEI not in str(event.changes)
    with schema_context(force_b.schema_name):
        assert not AuditEvent.objects.filter(justification=JUSTIFICATION).exists()


def test_a_bulk_collection_event_is_the_one_create_subject_writes(force_a):
    run(force_a, csv_bytes([row(1, imei=VALID_IMEI, aliases="Lex", gender="female")]))
    with schema_context(force_a.schema_name):
        imported = AuditEvent.objects.get(object_type=RecordType.SUBJECT, justification=JUSTIFICATION)
        made = subject_services.create_subject(
            actor=None,
            family_name="Other",
            given_names="Person",
            date_of_birth=dt.date(1980, 2, 14),
            pnc_id="20/9999Z",
            niche_nominal_ref="N-9",
            gender="female",
            aliases=["Lex"],
            devices=[{"kind": "Mobile device", "imei": VALID_IMEI}],
            confirm_new=True,
        )
        single = AuditEvent.objects.get(object_ids=[made.uuid], action=AuditAction.COLLECT)
        assert imported.changed_fields == single.changed_fields
        assert imported.changes == single.changes


def test_importing_the_same_file_again_changes_nothing(force_a):
    data = csv_bytes([row(1, imei=VALID_IMEI, home_address="1 High Street", home_postcode="LN1 1AA"), row(2)])
    assert run(force_a, data).imported
    with schema_context(force_a.schema_name):
        events = AuditEvent.objects.count()
    again = run(force_a, data)
    assert again.clean and again.imported
    assert (again.subjects_new, again.subjects_changed, again.subjects_unchanged) == (0, 0, 2)
    assert (again.orders_new, again.orders_changed, again.orders_unchanged) == (0, 0, 2)
    assert _counts(force_a) == (2, 2, 2)
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.count() == events


def test_a_reimport_updates_what_changed_matching_by_pnc_niche_and_case(force_a):
    assert run(force_a, csv_bytes([row(1), row(2, pnc_id="")])).imported
    with schema_context(force_a.schema_name):
        area = Area.objects.create(name="Lincoln")
    changed = [
        # Matched by PNC id; the court typed another way is the same court.
        row(1, gender="female", area="lincoln", court="LINCOLN MAGISTRATES COURT", vrm="AB12 CDE"),
        # Matched by Niche reference (no PNC id given or held); the order expires now.
        row(2, pnc_id="", until_further_order="no", expires_on=uk(today() + dt.timedelta(days=800))),
    ]
    report = run(force_a, csv_bytes(changed))
    assert report.imported, report.problems
    assert (report.subjects_new, report.subjects_changed, report.subjects_unchanged) == (0, 1, 1)
    assert (report.orders_new, report.orders_changed, report.orders_unchanged) == (0, 1, 1)
    assert _counts(force_a) == (2, 2, 2)
    with schema_context(force_a.schema_name):
        one = Subject.objects.get(pnc_id="20/1001A")
        assert one.gender == "female" and one.area == area and one.vehicles.get().vrm == "AB12 CDE"
        alteration = AuditEvent.objects.get(action=AuditAction.ALTER, object_ids=[one.uuid])
        assert set(alteration.changed_fields) == {"gender", "area", "vehicles"}
        assert alteration.justification == JUSTIFICATION
        two = ProtectiveOrder.objects.get(subject__niche_nominal_ref="NICHE-2")
        assert not two.until_further_order and two.expires_on == today() + dt.timedelta(days=800)


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_saved(force_a):
    rows = [
        row(1),  # clean, but not imported: the file is not
        row(2, date_of_birth=uk(today() + dt.timedelta(days=1))),
        row(3, imei="490154203237519"),  # Luhn digit wrong
        row(4, order_type="XYZ"),
        row(
            5,
            made_on=uk(today() - dt.timedelta(days=10)),
            expires_on=uk(today() - dt.timedelta(days=20)),
            until_further_order="",
        ),
        row(6, date_of_birth="31/02/1980", gender="unknown-gender"),
        row(7, area="Atlantis"),
        row(8, pnc_id="", niche_nominal_ref=""),
        row(9, made_on=uk(today()), served_on=uk(today() - dt.timedelta(days=1))),
        row(10, case_number=""),
        row(11, vrm="!!!"),
    ]
    report = run(force_a, csv_bytes(rows))
    assert not report.imported and not report.clean
    found = where(report)
    assert (3, "date_of_birth", "future_date_of_birth") in found  # row 2 of the data is row 3 of the file
    assert (4, "imei", "invalid_imei") in found
    assert (5, "order_type", "unknown_order_type") in found
    assert (6, "expires_on", "expiry_before_made") in found
    assert (7, "date_of_birth", "invalid") in found and (7, "gender", "invalid_choice") in found
    assert (8, "area", "unknown_area") in found
    assert (9, "pnc_id", "identity_required") in found
    assert (10, "served_on", "served_before_made") in found
    assert (11, "case_number", "case_number_required") in found
    assert (12, "vrm", "implausible_vrm") in found
    assert not any(p.row == 2 for p in report.problems)
    assert _counts(force_a) == (0, 0, 0)
    with schema_context(force_a.schema_name):
        assert not AuditEvent.objects.filter(action=AuditAction.COLLECT).exists()


def test_services_rules_hold_on_reimport(force_a):
    assert run(force_a, csv_bytes([row(1, status="")])).imported
    with schema_context(force_a.schema_name):
        order = ProtectiveOrder.objects.get()
    from orders import services

    with schema_context(force_a.schema_name):
        services.change_status(actor=None, order=order, status=OrderStatus.DISCHARGED)
        team = Team.objects.create(name="Response North", kind=TeamKind.RESPONSE)
    other_force_member = make_user(force=None)
    report = run(
        force_a,
        csv_bytes([row(1, status="active", managing_team=team.name, lead_officer=other_force_member.email)]),
    )
    found = where(report)
    assert (2, "status", "illegal_status_transition") in found
    assert (2, "managing_team", "not_aou") in found
    assert (2, "lead_officer", "not_force_member") in found
    with schema_context(force_a.schema_name):
        assert ProtectiveOrder.objects.get().status == OrderStatus.DISCHARGED


@pytest.mark.parametrize(
    ("data", "code", "row_number"),
    [
        (b"", "empty_file", None),
        (b"  \r\n \n", "empty_file", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv", None),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_csv", None),
        ("pnc_id,family_name,given_names\n20/1A,Sm\u00edth,Jo\n".encode("cp1252"), "not_utf8", 2),
        (b"Smith,John,14/02/1980\nJones,Ann,01/01/1990\n", "missing_header", 1),
        (b'pnc_id,family_name,given_names\n"20/1A,Smith,John\n', "not_csv", None),
    ],
)
def test_a_file_that_cannot_be_a_caseload_is_one_problem_and_nothing_saved(force_a, data, code, row_number):
    report = run(force_a, data)
    [problem] = report.problems
    assert problem.code == code
    if row_number is not None:
        assert problem.row == row_number
    assert not report.imported and _counts(force_a) == (0, 0, 0)


def test_header_problems_name_the_columns(force_a):
    report = run(force_a, b"pnc_id,family_name,givn_names\n20/1A,Smith,John\n")
    assert {(p.row, p.column, p.code) for p in report.problems} == {
        (1, "given_names", "missing_column"),
        (1, "givn_names", "unknown_column"),
    }


def test_more_than_five_thousand_rows_are_refused(force_a):
    data = csv_bytes([row(1)] * (MAX_ROWS + 1))
    report = run(force_a, data)
    assert [p.code for p in report.problems] == ["too_many_rows"]
    assert _counts(force_a) == (0, 0, 0)


def test_a_row_with_more_cells_than_columns(force_a):
    data = b"pnc_id,family_name,given_names\n20/1A,Smith,John,surplus\n"
    assert where(run(force_a, data)) == {(2, "", "extra_cells")}


def test_a_possible_duplicate_is_imported_only_once_confirmed(force_a):
    coordinator = make_user(force=force_a)
    held = make_subject(
        force_a, family_name="Imported1", given_names="Alex", date_of_birth=dt.date(1980, 2, 14)
    )
    data = csv_bytes([row(1), row(2)])
    dry = run(force_a, data, actor=coordinator, dry_run=True)
    assert not dry.problems and not dry.clean
    [duplicate] = dry.duplicates
    assert duplicate.row == 2 and [s.pk for s in duplicate.matches] == [held.pk] and not duplicate.confirmed
    with schema_context(force_a.schema_name):
        shown = AuditEvent.objects.get(action=AuditAction.CONSULT, actor_uuid=coordinator.uuid)
        assert shown.object_ids == [held.uuid] and "caseload import" in shown.justification
    refused = run(force_a, data, actor=coordinator)
    assert not refused.imported and _counts(force_a) == (1, 0, 0)
    done = run(force_a, data, actor=coordinator, confirmed_rows=[2])
    assert done.imported and done.duplicates[0].confirmed
    assert _counts(force_a) == (3, 2, 2)


def test_two_rows_of_the_file_that_may_be_one_person(force_a):
    rows = [row(1), row(2, family_name="Imported1")]
    report = run(force_a, csv_bytes(rows), dry_run=True)
    assert sorted((d.row, d.rows) for d in report.duplicates) == [(2, [3]), (3, [2])]
    assert run(force_a, csv_bytes(rows), confirmed_rows=[2, 3]).imported


def test_rows_of_one_subject_give_one_subject_with_several_orders(force_a):
    second = {
        "pnc_id": "20/1001A",
        "order_type": "DAPO",
        "court": COURT,
        "case_number": "CASE-77",
        "made_on": uk(today() - dt.timedelta(days=3)),
        "expires_on": uk(today() + dt.timedelta(days=200)),
        "aliases": "Lexy",
    }
    report = run(force_a, csv_bytes([row(1, aliases="Lex"), second]))
    assert report.imported, report.problems
    assert _counts(force_a)[:2] == (1, 2)
    with schema_context(force_a.schema_name):
        assert sorted(Subject.objects.get().alias_names) == ["Lex", "Lexy"]
    conflicting = {**second, "case_number": "CASE-78", "family_name": "Someone Else"}
    report = run(force_a, csv_bytes([row(1), conflicting]))
    assert (3, "family_name", "conflicting_rows") in where(report)


def test_the_same_order_twice_and_an_order_of_another_subject(force_a):
    assert run(force_a, csv_bytes([row(1)])).imported
    report = run(
        force_a,
        csv_bytes([row(2, case_number="CASE-1"), row(3), row(3, pnc_id="", niche_nominal_ref="NICHE-3")]),
    )
    found = where(report)
    assert (2, "case_number", "order_of_other_subject") in found
    assert (4, "case_number", "repeated_order") in found


def test_the_initial_notification_already_made(force_a):
    served = today() - dt.timedelta(days=10)
    report = run(force_a, csv_bytes([row(1, notified_on=uk(served + dt.timedelta(days=1)))]))
    assert report.imported, report.problems
    with schema_context(force_a.schema_name):
        requirement = NotificationRequirement.objects.get()
        assert requirement.notified_on == served + dt.timedelta(days=1) and not requirement.is_overdue
    early = run(force_a, csv_bytes([row(2, notified_on=uk(served - dt.timedelta(days=1)))]))
    assert (2, "notified_on", "notified_before_trigger") in where(early)
    applied = run(
        force_a,
        csv_bytes([row(3, made_on="", served_on="", applied_on=uk(served), notified_on=uk(served))]),
    )
    assert (2, "notified_on", "no_notification") in where(applied)


def test_two_forces_never_meet(force_a, force_b):
    """The same PNC id held in force B is no match in force A: A records its own subject."""
    make_subject(
        force_b,
        family_name="Imported1",
        given_names="Alex",
        pnc_id="20/1001A",
        date_of_birth=dt.date(1980, 2, 14),
    )
    report = run(force_a, csv_bytes([row(1)]))
    assert report.imported and report.subjects_new == 1 and not report.duplicates
    assert _counts(force_a)[:2] == (1, 1)
    assert _counts(force_b)[:2] == (1, 0)
    again_in_b = run(force_b, csv_bytes([row(1, gender="female")]))
    assert again_in_b.imported and again_in_b.subjects_changed == 1 and again_in_b.orders_new == 1
    with schema_context(force_a.schema_name):
        assert Subject.objects.get().gender == "male"
