"""audited_change (snapshot, change, compare, record) and RecordType, the typed record names."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django_tenants.utils import schema_context

from api.viewsets import ForceViewSetMixin
from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from audit.services import audited_change
from organisation.models import Area
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _area_snapshot(area: Area) -> dict[str, Any]:
    return {"name": area.name, "code": area.code}


def test_a_change_is_recorded_once_naming_the_changed_fields_in_that_force_only(force_a, force_b):
    actor = make_user(force=force_a)
    with schema_context(force_a.schema_name):
        area = Area.objects.create(name="North", code="N")
        with audited_change(area, _area_snapshot, actor=actor, justification="tidy") as change:
            area.name = "North Lincs"
            area.save()
        event = AuditEvent.objects.get()
        assert change.event == event
        assert (event.action, event.object_type) == (AuditAction.ALTER, RecordType.AREA)
        assert event.changed_fields == ["name"]
        assert event.changes == {"name": {"before": "North", "after": "North Lincs"}}
        assert event.justification == "tidy"
    with schema_context(force_b.schema_name):
        assert not AuditEvent.objects.exists()


def test_no_change_records_nothing_and_a_failed_block_records_nothing(force_a):
    with schema_context(force_a.schema_name):
        area = Area.objects.create(name="South", code="S")
        with audited_change(area, _area_snapshot) as change:
            area.save()
        assert change.event is None
        with pytest.raises(RuntimeError), audited_change(area, _area_snapshot):
            area.name = "Changed"
            raise RuntimeError("refused")
        assert not AuditEvent.objects.exists()


def test_restricted_fields_are_named_but_their_values_are_not_kept(force_a):
    with schema_context(force_a.schema_name):
        area = Area.objects.create(name="East", code="E")
        with audited_change(area, _area_snapshot, restricted=("name",)):
            area.name = "A name that must not be copied"
        event = AuditEvent.objects.get()
        assert event.changed_fields == ["name"]
        assert event.changes == {}


def test_every_model_a_viewset_serves_has_a_record_type():
    import api.urls  # noqa: F401  (imports every viewset)

    def subclasses(cls: type) -> set[type]:
        found: set[type] = set()
        for sub in cls.__subclasses__():
            found |= {sub} | subclasses(sub)
        return found

    for viewset in subclasses(ForceViewSetMixin):
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None:
            RecordType.for_model(queryset.model)  # raises LookupError naming the model


def test_an_unlisted_model_is_refused_by_name():
    with pytest.raises(LookupError, match="region"):
        RecordType.for_model(apps.get_model("tenants", "Region"))
