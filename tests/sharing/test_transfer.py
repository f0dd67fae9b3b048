"""Transfer of a subject between forces (issue 14 item 7): offer, accept, the record moves."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from audit.models import AuditEvent
from sharing import transfer
from sharing.choices import SharingError, TransferStatus
from sharing.errors import NotFound, SharingRefused
from sharing.models import RegistryKey, Transfer
from subjects import services as subject_services
from subjects.models import Subject
from tenants.models import Force
from tests.factories import make_subject
from tests.plans.helpers import active
from tests.sharing.helpers import DOB, asker, decider

pytestmark = pytest.mark.django_db

_n = iter(range(500, 99999))


def moving(force: Any) -> Any:
    """A subject of ``force`` with an active plan (orders, terms, a protected person, versions)."""
    n = next(_n)
    subject = make_subject(
        force, pnc_id=f"81/{n}T", family_name=f"Mover{n}", given_names="Max", date_of_birth=DOB
    )
    active(force, subject=subject)
    connection.set_schema_to_public()
    return subject


def uuids(force: Any, subject_uuid: Any) -> dict[str, set[Any]]:
    from orders.models import OrderTerm, ProtectedPerson, ProtectiveOrder
    from plans.models import Plan, PlanVersion

    with schema_context(force.schema_name):
        subject = Subject.objects.get(uuid=subject_uuid)
        out = {
            "subject": {subject.uuid},
            "orders": set(ProtectiveOrder.objects.filter(subject=subject).values_list("uuid", flat=True)),
            "terms": set(OrderTerm.objects.filter(order__subject=subject).values_list("uuid", flat=True)),
            "protected": set(ProtectedPerson.objects.filter(subject=subject).values_list("uuid", flat=True)),
            "plan": set(Plan.objects.filter(subject=subject).values_list("uuid", flat=True)),
            "versions": set(PlanVersion.objects.filter(plan__subject=subject).values_list("uuid", flat=True)),
        }
    connection.set_schema_to_public()
    return out


def offer(owner: Any, to: Any, subject: Any, **fields: Any) -> Transfer:
    data = {"to_force_uuid": to.uuid, "justification": "He moved to their area."}
    data.update(fields)
    with tenant_context(owner):
        try:
            return transfer.offer_transfer(actor=decider(owner), force=owner, subject=subject, **data)
        finally:
            connection.set_schema_to_public()


def accept(force: Any, offer_uuid: Any, actor: Any = None) -> Transfer:
    with tenant_context(force):
        try:
            return transfer.accept_transfer(
                actor=actor or decider(force), force=force, transfer_uuid=offer_uuid
            )
        finally:
            connection.set_schema_to_public()


def test_the_record_moves_under_the_same_uuids_and_the_old_one_is_read_only(force_a, force_b):
    subject = moving(force_b)
    before = uuids(force_b, subject.uuid)
    assert before["orders"] and before["terms"] and before["protected"] and before["versions"]
    with tenant_context(force_b):
        audit_rows_b = AuditEvent.objects.count()
    connection.set_schema_to_public()
    made = offer(force_b, force_a, subject)
    assert transfer.incoming(force_a) == [made]
    assert transfer.incoming(force_b) == []
    done = accept(force_a, made.uuid)
    assert done.status == TransferStatus.ACCEPTED
    assert uuids(force_a, subject.uuid) == before  # every record arrived, same UUIDs
    assert uuids(force_b, subject.uuid) == before  # ... and the old record stays
    with schema_context(force_b.schema_name):
        old = Subject.objects.get(uuid=subject.uuid)
        assert old.transferred_to == force_a.name and old.transferred_at is not None
        assert old.plan.closed_at is not None
        with pytest.raises(ValidationError) as caught:
            subject_services.update_subject(actor=decider(force_b), subject=old, given_names="Edited")
        assert caught.value.error_list[0].code == SharingError.TRANSFERRED
        assert Subject.objects.get(uuid=subject.uuid).given_names == "Max"
        from orders.models import ProtectiveOrder

        order = ProtectiveOrder.objects.filter(subject=old).first()
        assert order is not None
        order.court = "Edited court"
        with pytest.raises(ValidationError):
            order.save()
        # Audit rows never move: the old log keeps its rows and gains the disclosure.
        assert AuditEvent.objects.count() > audit_rows_b
        disclosed = AuditEvent.objects.get(action="disclose", object_ids__contains=[made.uuid])
        assert disclosed.recipient == force_a.slug
    with schema_context(force_a.schema_name):
        new = Subject.objects.get(uuid=subject.uuid)
        assert new.transferred_at is None and new.area_id is None and new.managing_team_id is None
        assert AuditEvent.objects.filter(action="collect", object_ids__contains=[made.uuid]).exists()
        subject_services.update_subject(actor=decider(force_a), subject=new, given_names="Maxwell")
    connection.set_schema_to_public()
    keys = RegistryKey.objects.filter(subject_uuid=subject.uuid)
    assert keys.exists() and set(keys.values_list("force_uuid", flat=True)) == {force_a.uuid}
    # Answered once only; and the old owner cannot offer the closed record again.
    with pytest.raises(ValidationError) as caught:
        accept(force_a, made.uuid)
    assert caught.value.error_dict["status"][0].code == SharingError.ALREADY_DECIDED
    with pytest.raises(ValidationError) as caught:
        offer(force_b, force_a, old)
    assert caught.value.error_dict["subject"][0].code == SharingError.SUBJECT_CLOSED


def test_bad_offers_have_field_codes(force_a, force_b):
    subject = make_subject(force_b)
    connection.set_schema_to_public()
    for to, field, code in [
        (force_b.uuid, "to_force", SharingError.OWN_FORCE),
        ("not-a-uuid", "to_force", SharingError.UNKNOWN_FORCE),
        ("6f1c2b1e-0000-4000-8000-000000000000", "to_force", SharingError.UNKNOWN_FORCE),
    ]:
        with pytest.raises(ValidationError) as caught:
            offer(force_b, force_a, subject, to_force_uuid=to)
        assert caught.value.error_dict[field][0].code == code
    with pytest.raises(ValidationError) as caught:
        offer(force_b, force_a, subject, justification=" ")
    assert caught.value.error_dict["justification"][0].code == SharingError.JUSTIFICATION_REQUIRED
    offer(force_b, force_a, subject)
    with pytest.raises(ValidationError) as caught:
        offer(force_b, force_a, subject)
    assert caught.value.error_dict["subject"][0].code == SharingError.PENDING_OFFER
    assert Transfer.objects.count() == 1
    with tenant_context(force_b), pytest.raises(SharingRefused) as refused:
        transfer.offer_transfer(
            actor=asker(force_b),
            force=force_b,
            subject=subject,
            to_force_uuid=force_a.uuid,
            justification="x",
        )
    assert refused.value.code == SharingError.PERMISSION_DENIED


def test_only_the_receiving_force_answers_and_a_third_sees_nothing(force_a, force_b, monkeypatch):
    subject = moving(force_b)
    made = offer(force_b, force_a, subject)
    # The offering force cannot accept its own offer: to it the offer does not exist.
    with pytest.raises(NotFound):
        accept(force_b, made.uuid)
    monkeypatch.setattr(Force, "auto_create_schema", False)
    third = Force.objects.create(
        slug="third-force", name="Third Police", schema_name="force_third_unused", region=force_a.region
    )
    assert transfer.incoming(third) == [] and transfer.offered(third) == []
    from core.roles import ForceRole
    from tests.factories import make_user

    outsider = make_user(force=third, roles=[ForceRole.DISCLOSURE_OFFICER])
    with pytest.raises(NotFound):
        transfer.accept_transfer(actor=outsider, force=third, transfer_uuid=made.uuid)
    with pytest.raises(NotFound):
        transfer.decline_transfer(actor=outsider, force=third, transfer_uuid=made.uuid, reasons="no")
    made.refresh_from_db()
    assert made.status == TransferStatus.PENDING
    with tenant_context(force_a):
        declined = transfer.decline_transfer(
            actor=decider(force_a), force=force_a, transfer_uuid=made.uuid, reasons="Not our area"
        )
    connection.set_schema_to_public()
    assert declined.status == TransferStatus.DECLINED
    with schema_context(force_a.schema_name):
        assert not Subject.objects.filter(uuid=subject.uuid).exists()


def test_a_failure_mid_copy_leaves_nothing_half_copied(force_a, force_b, monkeypatch):
    subject = moving(force_b)
    made = offer(force_b, force_a, subject)
    from plans.models import PlanVersion

    manager = type(PlanVersion._base_manager)
    real = manager.bulk_create
    copied: list[Any] = []

    def broken(self: Any, objs: Any, *args: Any, **kwargs: Any) -> Any:
        if self.model is PlanVersion:  # the subject, profile and orders are already written
            raise RuntimeError("disk full")
        copied.append(self.model)
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        accept(force_a, made.uuid)
    monkeypatch.setattr(manager, "bulk_create", real)
    assert Subject in copied
    with schema_context(force_a.schema_name):
        from orders.models import ProtectiveOrder

        assert not Subject.objects.filter(uuid=subject.uuid).exists()
        assert not ProtectiveOrder.objects.filter(subject__uuid=subject.uuid).exists()
        assert not AuditEvent.objects.filter(object_ids__contains=[made.uuid]).exists()
    with schema_context(force_b.schema_name):
        assert Subject.objects.get(uuid=subject.uuid).transferred_at is None
    connection.set_schema_to_public()
    made.refresh_from_db()
    assert made.status == TransferStatus.PENDING
    assert set(
        RegistryKey.objects.filter(subject_uuid=subject.uuid).values_list("force_uuid", flat=True)
    ) == {force_b.uuid}


def test_offer_answer_and_case_file_pages(force_a, force_b, client_for):
    subject = moving(force_b)
    b = client_for(decider(force_b), force_b)
    assert b.get(f"/sharing/transfer/{subject.uuid}/").status_code == 200
    bad = b.post(f"/sharing/transfer/{subject.uuid}/", {"to_force": "", "justification": ""})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    sent = b.post(
        f"/sharing/transfer/{subject.uuid}/", {"to_force": str(force_a.uuid), "justification": "Moved"}
    )
    assert sent.status_code == 302
    made = Transfer.objects.get(subject_uuid=subject.uuid)
    a = client_for(decider(force_a), force_a)
    queue = a.get("/sharing/transfers/")
    assert queue.status_code == 200 and str(made.uuid) in queue.content.decode()
    assert (
        str(made.uuid) not in b.get("/sharing/transfers/").content.decode().split("Offers this force made")[0]
    )
    assert b.get(f"/sharing/transfers/{made.uuid}/").status_code == 404  # not b's to answer
    assert a.post(f"/sharing/transfers/{made.uuid}/", {"decision": "decline"}).status_code == 400
    assert a.post(f"/sharing/transfers/{made.uuid}/", {"decision": "accept"}).status_code == 302
    with schema_context(force_a.schema_name):
        assert Subject.objects.filter(uuid=subject.uuid).exists()
    connection.set_schema_to_public()
    assert b.post(f"/subjects/{subject.uuid}/", {"reason": "Checking"}).status_code == 302
    page = b.get(f"/subjects/{subject.uuid}/")
    assert page.status_code == 200
    assert f"Transferred to {force_a.name}" in page.content.decode()


def test_transfer_over_the_api(force_a, force_b, client_for):
    subject = moving(force_b)
    b = client_for(decider(force_b), force_b)
    own = b.post(
        "/api/v1/transfers/",
        {"subject": str(subject.uuid), "to_force": str(force_b.uuid), "justification": "x"},
        content_type="application/json",
    )
    assert own.status_code == 400
    assert own.json()["codes"]["to_force"] == ["own_force"]
    made = b.post(
        "/api/v1/transfers/",
        {"subject": str(subject.uuid), "to_force": str(force_a.uuid), "justification": "Moved"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    offer_uuid = made.json()["uuid"]
    assert b.get("/api/v1/transfers/").json()["results"][0]["uuid"] == offer_uuid
    assert b.get("/api/v1/transfers/incoming/").json() == []
    assert b.post(f"/api/v1/transfers/{offer_uuid}/accept/").status_code == 404
    a = client_for(decider(force_a), force_a)
    assert [t["uuid"] for t in a.get("/api/v1/transfers/incoming/").json()] == [offer_uuid]
    done = a.post(f"/api/v1/transfers/{offer_uuid}/accept/")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "accepted"
    again = a.post(f"/api/v1/transfers/{offer_uuid}/accept/")
    assert again.status_code == 400 and again.json()["codes"]["status"] == ["already_decided"]
