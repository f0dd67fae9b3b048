"""The orders demo step: several orders per subject, an ISPO replaced by an SPO, a DAPO, an expired
order, overdue and suspended notifications; safe to run twice; each force's own."""

from __future__ import annotations

from collections import Counter

from django_tenants.utils import schema_context

from core.demo import demo_steps
from orders.demo import seed_orders
from orders.models import NotificationRequirement, OrderStatus, ProtectiveOrder
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
