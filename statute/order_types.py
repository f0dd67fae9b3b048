"""The statutory order types the platform ships (DOMAIN.md), and the one function that installs them.

Platform administrators maintain the rows afterwards (Django admin, through ``save_order_type``,
which audits); ``ensure_order_types`` only creates missing ones, so their edits survive a re-run of
the migrate step.
"""

from __future__ import annotations

from typing import Any

ORDER_TYPES: list[dict[str, Any]] = [
    {
        "code": "SPO",
        "name": "Stalking protection order",
        "law": "Stalking Protection Act 2019",
        "minimum_duration_months": 24,
        "minimum_duration_is_statutory": True,
        "duration_notes": "At least 2 years, or until further order.",
        "notification_required": True,
        "notification_days": 3,
        "notification_trigger": "service",
        "notification_notes": (
            "Names and home address within the 3 days beginning with the day of service; any new "
            "name or address within 3 days of the change. None for an order replacing an interim "
            "order that already carried the requirement. Suspended while the subject is on the sex "
            "offender register, starting when registration ends."
        ),
    },
    {
        "code": "ISPO",
        "name": "Interim stalking protection order",
        "law": "Stalking Protection Act 2019, s.5",
        "minimum_duration_months": None,
        "minimum_duration_is_statutory": False,
        "duration_notes": "Until the main application is decided.",
        "notification_required": True,
        "notification_days": 3,
        "notification_trigger": "service",
        "notification_notes": "As for a stalking protection order.",
    },
    {
        "code": "DAPO",
        "name": "Domestic abuse protection order",
        "law": "Domestic Abuse Act 2021",
        "minimum_duration_months": None,
        "minimum_duration_is_statutory": False,
        "duration_notes": "A period, an event, or until further order; electronic monitoring at most 12 months.",
        "notification_required": True,
        "notification_days": 3,
        "notification_trigger": "making",
        "notification_notes": (
            "Names and home address within the 3 days beginning with the day the order is made; "
            "also when the subject no longer has a home address."
        ),
    },
    {
        "code": "SHPO",
        "name": "Sexual harm prevention order",
        "law": "Sexual Offences Act 2003 / Sentencing Act 2020",
        "minimum_duration_months": 60,
        "minimum_duration_is_statutory": False,
        "duration_notes": "At least 5 years (default).",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "Notification via the sex offender register where applicable.",
    },
    {
        "code": "SRO",
        "name": "Sexual risk order",
        "law": "Sexual Offences Act 2003 / Sentencing Act 2020",
        "minimum_duration_months": 60,
        "minimum_duration_is_statutory": False,
        "duration_notes": "At least 5 years (default).",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "Notification via the sex offender register where applicable.",
    },
    {
        "code": "SCPO",
        "name": "Serious crime prevention order",
        "law": "Serious Crime Act 2007",
        "minimum_duration_months": None,
        "minimum_duration_is_statutory": False,
        "duration_notes": "Up to 5 years (default).",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "As set by the order.",
    },
    {
        "code": "FMPO",
        "name": "Forced marriage protection order",
        "law": "Family Law Act 1996 Part 4A",
        "minimum_duration_months": None,
        "minimum_duration_is_statutory": False,
        "duration_notes": "As ordered.",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "None by default.",
    },
    {
        "code": "FGMPO",
        "name": "FGM protection order",
        "law": "Female Genital Mutilation Act 2003 Sch 2",
        "minimum_duration_months": None,
        "minimum_duration_is_statutory": False,
        "duration_notes": "As ordered.",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "None by default.",
    },
    {
        "code": "STPO",
        "name": "Slavery and trafficking prevention order",
        "law": "Modern Slavery Act 2015 s.14-15",
        "minimum_duration_months": 60,
        "minimum_duration_is_statutory": False,
        "duration_notes": "At least 5 years (default).",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "Names and address if the order says so.",
    },
    {
        "code": "STRO",
        "name": "Slavery and trafficking risk order",
        "law": "Modern Slavery Act 2015 s.23",
        "minimum_duration_months": 24,
        "minimum_duration_is_statutory": False,
        "duration_notes": "At least 2 years (default).",
        "notification_required": False,
        "notification_days": None,
        "notification_trigger": "",
        "notification_notes": "As ordered.",
    },
]


def ensure_order_types(model: Any = None) -> int:
    """Create any shipped order type that is missing (by code); returns how many were created."""
    if model is None:
        from .models import OrderType as model
    created = 0
    for position, row in enumerate(ORDER_TYPES, start=1):
        _obj, made = model.objects.get_or_create(
            code=row["code"], defaults={**row, "sort_order": position * 10}
        )
        created += int(made)
    return created


def _snapshot(order_type: Any) -> dict[str, Any]:
    """Every editable field's value, for the audit log (statutory rules hold no personal data)."""
    return {
        f.name: getattr(order_type, f.attname)
        for f in order_type._meta.concrete_fields
        if f.editable and not f.primary_key
    }


def save_order_type(*, actor: Any, order_type: Any) -> Any:
    """Create or change one order type (platform administrators, in the Django admin), audited.

    One event in the platform (public) log names the fields changed with their values before and
    after; a save that changes nothing logs nothing.
    """
    from django.db import transaction
    from django_tenants.utils import get_public_schema_name, schema_context

    from audit.services import AuditAction, record_change

    from .models import OrderType

    with transaction.atomic():
        stored = (
            OrderType.objects.select_for_update().filter(pk=order_type.pk).first() if order_type.pk else None
        )
        before = _snapshot(stored) if stored is not None else None
        order_type.full_clean()
        order_type.save()
        after = _snapshot(order_type)
        if before != after:
            with schema_context(get_public_schema_name()):
                record_change(
                    action=AuditAction.COLLECT if before is None else AuditAction.ALTER,
                    instance=order_type,
                    before=before,
                    after=after,
                    actor=actor,
                    justification="Order type saved in the Django admin",
                )
    return order_type
