"""The statutory order types the platform ships (DOMAIN.md), and the one function that installs them.

Platform administrators maintain the rows afterwards (Django admin, through ``save_order_type``,
which audits); ``ensure_order_types`` only creates missing ones, so their edits survive a re-run of
the migrate step.
"""

from __future__ import annotations

from typing import Any

_SPO_OFFENCES = {
    "breach": "H20164",
    "fail-to-notify": "H20165",
    "name-change": "H20166",
    "address-change": "H20167",
    "refuse-fingerprints": "H20168",
    "false-information": "H20169",
}

#: The notification rules and limits that used to be free text in ``notification_notes`` (issue 11):
#: merged into ``ORDER_TYPES`` below, and written onto already shipped rows by migration 0003.
#: ``interim_of`` names the full order type by code.
STRUCTURED_RULES: dict[str, dict[str, Any]] = {
    "SPO": {
        "notify_on_name_change": True,
        "notify_on_address_change": True,
        "suspended_while_registered": True,
        "none_when_replacing_notified_interim": True,
        "offence_codes": _SPO_OFFENCES,
    },
    "ISPO": {
        "interim_of": "SPO",
        "notify_on_name_change": True,
        "notify_on_address_change": True,
        "suspended_while_registered": True,
        "offence_codes": _SPO_OFFENCES,
    },
    "DAPO": {
        "notify_on_name_change": True,
        "notify_on_address_change": True,
        "notify_on_no_home_address": True,
    },
    "SCPO": {"maximum_duration_months": 60},
}

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


def shipped_row(row: dict[str, Any]) -> dict[str, Any]:
    """A shipped order type's fields with its structured rules (``interim_of`` still a code)."""
    return {**row, **STRUCTURED_RULES.get(row["code"], {})}


def ensure_order_types(model: Any = None) -> int:
    """Create any shipped order type that is missing (by code); returns how many were created."""
    if model is None:
        from .models import OrderType as model
    created = 0
    interims: dict[str, str] = {}
    # A migration's historical model may predate some fields (0002 runs before 0003 adds them).
    known = {f.name for f in model._meta.get_fields()}
    for position, row in enumerate(ORDER_TYPES, start=1):
        fields = {k: v for k, v in shipped_row(row).items() if k in known}
        interim_of = fields.pop("interim_of", None)
        _obj, made = model.objects.get_or_create(
            code=row["code"], defaults={**fields, "sort_order": position * 10}
        )
        if made and interim_of:
            interims[row["code"]] = interim_of
        created += int(made)
    for code, full in interims.items():
        model.objects.filter(code=code).update(interim_of=model.objects.filter(code=full).first())
    return created


def fill_structured_rules(model: Any) -> None:
    """Write ``STRUCTURED_RULES`` onto the shipped rows that exist (data migration 0003)."""
    for code, rules in STRUCTURED_RULES.items():
        fields = dict(rules)
        interim_of = fields.pop("interim_of", None)
        if interim_of:
            fields["interim_of"] = model.objects.filter(code=interim_of).first()
        model.objects.filter(code=code).update(**fields)


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
