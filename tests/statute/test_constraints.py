"""The order type table refuses, in the database itself, a notification with no period or trigger."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from statute.models import OrderType

pytestmark = pytest.mark.django_db


def _type(**fields):  # type: ignore[no-untyped-def]
    values = {
        "code": "TESTPO",
        "name": "Test protection order",
        "law": "Test Act",
        "notification_required": True,
        "notification_days": 3,
        "notification_trigger": "service",
    }
    values.update(fields)
    return OrderType(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"notification_days": None},
        {"notification_days": 0},
        {"notification_trigger": ""},
        {"notification_days": None, "notification_trigger": ""},
    ],
    ids=["no-period", "zero-period", "no-trigger", "neither"],
)
def test_a_notifying_order_type_without_a_period_or_trigger_is_refused_by_the_database(forces, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _type(**fields).save()
    assert not OrderType.objects.filter(code="TESTPO").exists()


def test_model_validation_names_the_broken_rule_with_a_code(forces):
    with pytest.raises(ValidationError) as exc:
        _type(notification_days=None).full_clean()
    codes = [e.code for errors in exc.value.error_dict.values() for e in errors]
    assert "notification_period_required" in codes


def test_an_order_type_without_notification_needs_no_period(forces):
    _type(notification_required=False, notification_days=None, notification_trigger="").save()
    _type(code="TESTPO2").save()
    assert OrderType.objects.filter(code__startswith="TESTPO").count() == 2
