"""Order types saved in the Django admin go through the statute service, which audits them (issue 7)."""

from __future__ import annotations

import json

from django.forms.models import model_to_dict
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import RegionalRoleKind
from statute.models import OrderType
from tests.factories import make_user


def _form(order_type: OrderType, **changes):  # type: ignore[no-untyped-def]
    data = {k: v for k, v in model_to_dict(order_type).items() if k not in ("id", "uuid") and v is not None}
    for key in ("minimum_duration_is_statutory", "notification_required", "is_active"):
        if data.get(key) is False:
            data.pop(key)
    if isinstance(data.get("offence_codes"), dict):  # a JSON field is typed as JSON text in the form
        data["offence_codes"] = json.dumps(data["offence_codes"])
    data.update(changes)
    return data


def _platform_admin_client(client_for):  # type: ignore[no-untyped-def]
    user = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    user.is_staff = True
    user.save()
    return user, client_for(user, None)


def test_an_order_type_change_in_the_admin_is_audited_with_before_and_after(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    spo = OrderType.objects.get(code="SPO")
    user, client = _platform_admin_client(client_for)
    url = f"/admin/statute/ordertype/{spo.pk}/change/"
    response = client.post(url, _form(spo, notification_days=5))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OrderType.objects.get(pk=spo.pk).notification_days == 5
    with schema_context("public"):
        [event] = AuditEvent.objects.filter(object_type="ordertype")
    assert event.object_ids == [spo.uuid] and event.actor_id == user.pk and event.action == "alter"
    assert event.changed_fields == ["notification_days"]
    assert event.changes == {"notification_days": {"before": 3, "after": 5}}
    for force in (force_a, force_b):  # a platform decision, logged on the platform only
        with schema_context(force.schema_name):
            assert not AuditEvent.objects.filter(object_type="ordertype").exists()
    # Saving again unchanged logs nothing more.
    assert client.post(url, _form(OrderType.objects.get(pk=spo.pk))).status_code == 302
    with schema_context("public"):
        assert AuditEvent.objects.filter(object_type="ordertype").count() == 1


def test_an_inconsistent_order_type_is_refused_with_a_message_and_nothing_logged(db, client_for):  # type: ignore[no-untyped-def]
    spo = OrderType.objects.get(code="SPO")
    _user, client = _platform_admin_client(client_for)
    form = _form(spo, notification_days=0)  # a notification needs a period of at least a day
    response = client.post(f"/admin/statute/ordertype/{spo.pk}/change/", form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert OrderType.objects.get(pk=spo.pk).notification_days == 3
    with schema_context("public"):
        assert not AuditEvent.objects.filter(object_type="ordertype").exists()
