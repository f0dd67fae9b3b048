"""The orders demo step: several orders per subject, an ISPO replaced by an SPO, a DAPO, an expired
order, overdue and suspended notifications; safe to run twice; each force's own."""

from __future__ import annotations

from collections import Counter

from django_tenants.utils import schema_context

from core.demo import demo_steps
from orders.demo import seed_orders
from orders.models import (
    ContactLogEntry,
    NotificationRequirement,
    OrderStatus,
    ProtectedPerson,
    ProtectiveOrder,
)
from subjects.demo import seed_subjects


def test_the_orders_step_is_registered_after_subjects():
    order = {step.name: step.order for step in demo_steps()}
    assert order["subjects"] < order["orders"]


def test_seed_orders(force_a, force_b):
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            seed_subjects(force)
            seed_orders(force)
            count = ProtectiveOrder.objects.count()
            seed_orders(force)  # a rerun adds nothing
            assert ProtectiveOrder.objects.count() == count
            per_subject = Counter(ProtectiveOrder.objects.values_list("subject_id", flat=True))
            assert len(per_subject) == 4 and min(per_subject.values()) >= 2
            codes = Counter(ProtectiveOrder.objects.values_list("order_type__code", flat=True))
            assert {"SPO", "ISPO", "DAPO", "SHPO"} <= set(codes)
            replaced = ProtectiveOrder.objects.filter(
                order_type__code="ISPO", replaced_by__isnull=False
            ).first()
            assert replaced is not None
            assert replaced.status == OrderStatus.REPLACED
            assert replaced.replaced_by.get().order_type.code == "SPO"
            assert ProtectiveOrder.objects.filter(status=OrderStatus.EXPIRED).exists()
            states = Counter(
                r.current_state for r in NotificationRequirement.objects.select_related("order__order_type")
            )
            assert states["overdue"] and states["suspended"] and states["met"] and states["due"]


def test_seed_orders_adds_protected_persons_with_contacts_once(force_a):
    from core.roles import ForceRole
    from organisation.demo import seed_force_organisation
    from tests.factories import make_user

    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    officer.is_demo = True
    officer.save(update_fields=["is_demo"])
    with schema_context(force_a.schema_name):
        seed_force_organisation(force_a)
        seed_subjects(force_a)
        seed_orders(force_a)
        persons = list(ProtectedPerson.objects.select_related("subject"))
        contacts = ContactLogEntry.objects.count()
        seed_orders(force_a)  # a rerun adds nothing
        assert ProtectedPerson.objects.count() == len(persons) == 4
        assert ContactLogEntry.objects.count() == contacts
        # Each protected by its subject's live orders, in a subject its unit manages.
        for person in persons:
            assert person.subject.managing_team_id is not None
            assert person.orders.exists()
            assert not person.orders.filter(status__in=[OrderStatus.EXPIRED, OrderStatus.REPLACED]).exists()
        assert set(ContactLogEntry.objects.values_list("reassured", flat=True)) == {"yes", "partly", "no"}
        assert set(ContactLogEntry.objects.values_list("officer", flat=True)) == {officer.pk}
