"""Sharing services: registry, request, decision, guardian grants, reads, revocation, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from audit.models import AuditEvent
from core.roles import ForceRole
from plans.models import Plan
from sharing import services
from sharing.choices import RequestStatus, Scope, SharingError
from sharing.errors import GrantEnded, NotFound, Throttled
from sharing.models import Grant, RegistryKey
from subjects.models import Subject
from tests.factories import make_subject, make_user

from .helpers import DOB, ask, asker, decider, granted, read, same_person

pytestmark = pytest.mark.django_db


def test_registry_follows_subjects_and_finds_only_other_forces(force_a, force_b):
    ours, theirs = same_person(force_a, force_b, with_plan=False)
    assert RegistryKey.objects.filter(force_uuid=force_b.uuid, subject_uuid=theirs.uuid).count() == 2
    user = asker(force_a)
    with tenant_context(force_a):
        matches = services.check_registry(actor=user, force=force_a, subject=ours)
        # The new-subject form's values: an alias of the name with the birth date matches too.
        by_name = services.check_registry(
            actor=user, force=force_a, names=[f"sam {theirs.family_name.lower()}"], date_of_birth=DOB
        )
        none = services.check_registry(actor=user, force=force_a, names=["Nobody Else"], date_of_birth=DOB)
        assert AuditEvent.objects.filter(actor_uuid=user.uuid, action="combine").count() == 3
    assert [m.force_uuid for m in matches] == [force_b.uuid]
    assert [m.force_uuid for m in by_name] == [force_b.uuid]
    assert none == []
    # Erasure takes the keys away.
    with schema_context(force_b.schema_name):
        Subject.objects.filter(pk=theirs.pk).get().delete()
    assert not RegistryKey.objects.filter(subject_uuid=theirs.uuid).exists()


def test_registry_checks_are_throttled_from_the_log(force_a, settings):
    settings.SHARING_CHECKS_PER_HOUR = 2
    user = asker(force_a)
    with tenant_context(force_a):
        for _ in range(2):
            services.check_registry(actor=user, force=force_a, pnc_id="99/1Z")
        with pytest.raises(Throttled) as caught:
            services.check_registry(actor=user, force=force_a, pnc_id="99/1Z")
        assert 0 < caught.value.retry_after <= 3601
        assert AuditEvent.objects.filter(actor_uuid=user.uuid, action="permission-denied").exists()


def test_request_errors_have_codes(force_a, force_b):
    ours, _ = same_person(force_a, force_b, with_plan=False)
    stranger = make_subject(force_a, family_name="Nomatch", date_of_birth=DOB)
    connection.set_schema_to_public()
    with pytest.raises(ValidationError) as caught:
        ask(force_a, force_a, ours, justification="", scopes=[Scope.PROTECTED_PERSONS], duration_days=999)
    codes = {f: [e.code for e in errs] for f, errs in caught.value.error_dict.items()}
    assert codes["owning_force"] == [SharingError.OWN_FORCE]
    assert codes["justification"] == [SharingError.JUSTIFICATION_REQUIRED]
    assert codes["protected_persons_justification"] == [SharingError.JUSTIFICATION_REQUIRED]
    assert codes["duration_days"] == [SharingError.INVALID]
    with pytest.raises(ValidationError) as caught:
        ask(force_a, force_b, stranger)
    assert caught.value.error_dict["owning_force"][0].code == SharingError.NO_MATCH


def test_the_whole_journey_is_logged_on_both_sides(force_a, force_b):
    ours, theirs = same_person(force_a, force_b)
    request = ask(force_a, force_b, ours)
    assert request.subject_uuid == theirs.uuid
    assert services.queue(force_b) == [request]
    assert services.queue(force_a) == []
    grant = granted_from(request, force_b)
    reader = asker(force_a)
    shared = read(force_a, reader, grant.uuid)
    assert shared.subject_uuid == theirs.uuid
    assert set(shared.sections) == {"briefing"}
    assert shared.sections["briefing"]["subject"] == str(theirs.uuid)
    with schema_context(force_b.schema_name):
        disclosed = AuditEvent.objects.filter(action="disclose", object_ids__contains=[grant.uuid]).get()
        assert disclosed.recipient == f"{force_a.slug}: {reader.email}"
        assert disclosed.actor_force == force_a.slug
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.filter(action="collect", object_ids__contains=[grant.uuid]).exists()
    # Revoked: the next read is refused, and so is a replay.
    with tenant_context(force_b):
        services.revoke(
            actor=decider(force_b), force=force_b, grant_uuid=grant.uuid, reason="Risk reassessed"
        )
    for _ in range(2):
        with pytest.raises(GrantEnded) as caught:
            read(force_a, reader, grant.uuid)
        assert caught.value.code == SharingError.GRANT_REVOKED
    # ... and guardian holds nothing any more: restrict in the owner's schema gives no row.
    with schema_context(force_b.schema_name):
        assert not Subject.objects.restrict(reader, "view", force=force_b).exists()


def granted_from(request, force_b):  # type: ignore[no-untyped-def]
    with tenant_context(force_b):
        grant = services.approve(actor=decider(force_b), force=force_b, request_uuid=request.uuid)
    connection.set_schema_to_public()
    return grant


def test_restrict_in_the_owner_schema_sees_only_the_grant_scope(force_a, force_b):
    ours, theirs = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours, scopes=[Scope.BRIEFING, Scope.ORDERS])
    reader = asker(force_a)
    other = make_subject(force_b)
    with schema_context(force_b.schema_name):
        from orders.models import ProtectedPerson, ProtectiveOrder
        from plans.models import PlanVersion

        assert list(Subject.objects.restrict(reader, "view", force=force_b)) == [theirs]
        assert other not in Subject.objects.restrict(reader, "view", force=force_b)
        assert Plan.objects.restrict(reader, "brief", force=force_b).count() == 1
        assert ProtectiveOrder.objects.restrict(reader, "view", force=force_b).count() == 1
        assert not PlanVersion.objects.restrict(reader, "view", force=force_b).exists()
        assert not ProtectedPerson.objects.restrict(reader, "view", force=force_b).exists()
        assert not Subject.objects.restrict(reader, "change", force=force_b).exists()
    shared = read(force_a, reader, grant.uuid)
    assert set(shared.sections) == {"briefing", "orders"}
    assert shared.sections["orders"][0]["terms"]
    # A force administrator of the receiving force reads nothing (not a reader).
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    with pytest.raises(Exception) as caught:
        read(force_a, admin, grant.uuid)
    assert getattr(caught.value, "code", None) == SharingError.PERMISSION_DENIED


def test_plan_scope_withholds_protected_persons(force_a, force_b):
    ours, _ = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours, scopes=[Scope.PLAN])
    plan = read(force_a, asker(force_a), grant.uuid).sections["plan"]
    assert plan["victim_risks"] == [{"withheld": True}]
    assert "disclosures" not in plan
    assert "Vicky" not in str(plan)
    grant = granted(
        force_a,
        force_b,
        ours,
        scopes=[Scope.PROTECTED_PERSONS],
        protected_persons_justification="Joint safety plan",
    )
    persons = read(force_a, asker(force_a), grant.uuid).sections["protected_persons"]
    assert [p["name"] for p in persons] == ["Vicky Victim"]


def test_decisions_are_only_the_owners_and_never_wider(force_a, force_b):
    ours, _ = same_person(force_a, force_b)
    request = ask(force_a, force_b, ours)
    with tenant_context(force_a), pytest.raises(NotFound):
        services.approve(actor=decider(force_a), force=force_a, request_uuid=request.uuid)
    with tenant_context(force_b):
        with pytest.raises(ValidationError) as caught:
            services.approve(
                actor=decider(force_b),
                force=force_b,
                request_uuid=request.uuid,
                scopes=["orders"],
                duration_days=31,
            )
        codes = {f: [e.code for e in errs] for f, errs in caught.value.error_dict.items()}
        assert codes == {"scopes": ["wider_than_asked"], "duration_days": ["wider_than_asked"]}
        refused = services.refuse(
            actor=decider(force_b), force=force_b, request_uuid=request.uuid, reasons="No"
        )
        assert refused.status == RequestStatus.REFUSED
        with pytest.raises(ValidationError):
            services.refuse(actor=decider(force_b), force=force_b, request_uuid=request.uuid, reasons="Again")


def test_expiry_refuses_reads_and_the_job_removes_permissions(force_a, force_b):
    ours, _ = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours)
    reader = asker(force_a)
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(GrantEnded) as caught:
        read(force_a, reader, grant.uuid)
    assert caught.value.code == SharingError.GRANT_EXPIRED
    with schema_context(force_b.schema_name):
        assert Subject.objects.restrict(reader, "view", force=force_b).exists()
    assert services.expire_grants() == 1
    with schema_context(force_b.schema_name):
        assert not Subject.objects.restrict(reader, "view", force=force_b).exists()
    assert Grant.objects.get(pk=grant.pk).permissions_removed_at is not None


def test_extension_asked_by_the_receiver_and_granted_by_the_owner(force_a, force_b):
    ours, _ = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours, duration_days=5)
    with tenant_context(force_a):
        request = services.request_extension(
            actor=asker(force_a),
            force=force_a,
            grant_uuid=grant.uuid,
            duration_days=20,
            justification="Trial",
        )
    with tenant_context(force_b):
        extended = services.approve(actor=decider(force_b), force=force_b, request_uuid=request.uuid)
    assert extended.pk == grant.pk
    assert extended.expires_at > grant.expires_at + dt.timedelta(days=14)


def test_suspended_reader_leaves_the_group(force_a, force_b):
    from tenants.models import Membership

    ours, _ = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours)
    reader = asker(force_a)
    Membership.objects.filter(user=reader, force=force_a).get().__class__
    membership = Membership.objects.get(user=reader, force=force_a)
    membership.status = Membership.Status.SUSPENDED
    membership.save()
    with schema_context(force_b.schema_name):
        assert not Subject.objects.restrict(reader, "view", force=force_b).exists()
    assert not services.received(user=reader, force=force_a)
    del grant


def test_partner_agency_users_see_only_what_is_granted_to_them(force_a, force_b):
    partner = make_user(force=force_b, roles=[ForceRole.PARTNER])
    other_partner = make_user(force=force_b, roles=[ForceRole.PARTNER])
    mine = make_subject(force_b)
    make_subject(force_b)
    connection.set_schema_to_public()
    with tenant_context(force_b):
        assert not Subject.objects.restrict(partner, "view", force=force_b).exists()
        grant = services.grant_to_partners(
            actor=decider(force_b),
            force=force_b,
            subject_uuid=mine.uuid,
            users=[partner.uuid],
            scopes=[Scope.ORDERS],
            duration_days=10,
        )
        assert list(Subject.objects.restrict(partner, "view", force=force_b)) == [mine]
        assert not Subject.objects.restrict(other_partner, "view", force=force_b).exists()
        assert services.received(user=partner, force=force_b) == [grant]
        assert services.received(user=other_partner, force=force_b) == []
    shared = read(force_b, partner, grant.uuid)
    assert shared.sections == {"orders": []}
    with pytest.raises(NotFound):
        read(force_b, other_partner, grant.uuid)


def test_erasing_a_shared_subject_removes_its_permissions(force_a, force_b):
    from guardian.models import GroupObjectPermission

    ours, theirs = same_person(force_a, force_b, with_plan=False)
    granted(force_a, force_b, ours)
    with schema_context(force_b.schema_name):
        assert GroupObjectPermission.objects.filter(object_pk=str(theirs.pk)).exists()
        Subject.objects.get(pk=theirs.pk).delete()
        assert not GroupObjectPermission.objects.filter(object_pk=str(theirs.pk)).exists()
