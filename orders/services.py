"""Order services: the only code that changes orders, terms, notification requirements,
protected persons and their contact log.

Every change is logged through ``audit.services.audited_change`` (or a collection event for a new
record); every error is a field error with a stable code (``orders.errors.OrderError``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.services import AuditAction, audited_change, record_by_type, record_change, record_changes
from core.forms import coded, field_error, field_errors
from core.signals import protected_person_erasing
from core.tenancy import active_force
from statute.models import INITIAL_TRIGGERS, NotificationTrigger, OrderType
from subjects.models import Subject

from .errors import OrderError
from .models import (
    ContactLogEntry,
    NotificationRequirement,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
    OrderTerm,
    ProtectedPerson,
    ProtectiveOrder,
)
from .transitions import DECISIONS_WHILE, EVENT_FOR_STATUS, can_decide, can_move

ORDER_FIELDS = (
    "court",
    "case_number",
    "applicant",
    "applied_on",
    "made_on",
    "served_on",
    "expires_on",
    "until_further_order",
    "status",
    "niche_occurrence_ref",
)
TERM_FIELDS = ("kind", "wording", "exclusion_zone", "starts_on", "ends_on")
NOTIFICATION_FIELDS = (
    "notified_on",
    "notified_what",
    "station",
    "officer",
    "acknowledgement",
    "fingerprints_taken",
    "photograph_taken",
    "notes",
)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day_for(order_type: OrderType, trigger_date: dt.date) -> dt.date:
    """The last day of a notification period: the trigger day counts as day one."""
    return trigger_date + dt.timedelta(days=(order_type.notification_days or 1) - 1)


# -- snapshots for the audit log ---------------------------------------------------------------
def order_snapshot(order: ProtectiveOrder) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(order, f) for f in ORDER_FIELDS}
    data["order_type"] = order.order_type.code
    data["subject"] = order.subject.uuid
    data["replaces"] = order.replaces.uuid if order.replaces_id else None  # type: ignore[union-attr]
    return data


def term_snapshot(term: OrderTerm) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(term, f) for f in TERM_FIELDS}
    data["order"] = term.order.uuid
    data["varied_by"] = term.varied_by.uuid if term.varied_by_id else None  # type: ignore[union-attr]
    return data


def requirement_snapshot(req: NotificationRequirement) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(req, f) for f in NOTIFICATION_FIELDS}
    data.update(
        order=req.order.uuid,
        trigger=req.trigger,
        trigger_date=req.trigger_date,
        last_day=req.last_day,
        suspended=req.suspended,
    )
    return data


# -- orders ------------------------------------------------------------------------------------
def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _validate_order(order: ProtectiveOrder, *, confirm_short_duration: bool) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        order.full_clean(exclude=["subject", "order_type", "replaces"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(coded(message, code))

    today = timezone.localdate()
    for field, label in (("applied_on", "applied for"), ("made_on", "made"), ("served_on", "served")):
        value = getattr(order, field)
        if value and value > today:
            add(
                field, f"The date the order was {label} must be today or in the past.", OrderError.FUTURE_DATE
            )
    if order.applied_on and order.made_on and order.made_on < order.applied_on:
        add("made_on", "The order cannot be made before it was applied for.", OrderError.MADE_BEFORE_APPLIED)
    if order.made_on and order.served_on and order.served_on < order.made_on:
        add("served_on", "The order cannot be served before it was made.", OrderError.SERVED_BEFORE_MADE)
    start = order.start_date
    if order.expires_on and order.until_further_order:
        add(
            "expires_on",
            "Give an expiry date or 'until further order', not both.",
            OrderError.EXPIRY_AND_UNTIL_FURTHER_ORDER,
        )
    if order.expires_on and start and order.expires_on < start:
        add("expires_on", "The order cannot expire before it was made.", OrderError.EXPIRY_BEFORE_MADE)
    elif order.expires_on and start and "expires_on" not in errors:
        order_type = order.order_type
        minimum, maximum = order_type.minimum_duration_months, order_type.maximum_duration_months
        if minimum and order.expires_on < add_months(start, minimum):
            if order_type.minimum_duration_is_statutory:
                add(
                    "expires_on",
                    f"A {order_type.code} must last at least {minimum} months by law: "
                    f"it cannot expire before {add_months(start, minimum):%-d %B %Y}.",
                    OrderError.BELOW_STATUTORY_MINIMUM,
                )
            elif not confirm_short_duration:
                add(
                    "expires_on",
                    f"A {order_type.code} usually lasts at least {minimum} months. Check the date, "
                    "or confirm that the court made it shorter.",
                    OrderError.BELOW_DEFAULT_MINIMUM,
                )
        if maximum and order.expires_on > add_months(start, maximum):
            add(
                "expires_on",
                f"A {order_type.code} can last at most {maximum} months.",
                OrderError.ABOVE_MAXIMUM,
            )
    if order.replaces_id and order.replaces.subject_id != order.subject_id:  # type: ignore[union-attr]
        add(
            "replaces", "The order replaced must be one of this subject's.", OrderError.REPLACES_OTHER_SUBJECT
        )
    if errors:
        raise ValidationError(errors)


def _initial_status(made_on: dt.date | None, served_on: dt.date | None) -> str:
    if served_on:
        return OrderStatus.ACTIVE
    if made_on:
        return OrderStatus.MADE
    return OrderStatus.APPLIED


@transaction.atomic
def create_order(
    *,
    actor: Any,
    subject: Subject,
    order_type: OrderType,
    court: str,
    case_number: str = "",
    applicant: str = "",
    applied_on: dt.date | None = None,
    made_on: dt.date | None = None,
    served_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    until_further_order: bool = False,
    status: str | None = None,
    niche_occurrence_ref: str = "",
    replaces: ProtectiveOrder | None = None,
    confirm_short_duration: bool = False,
) -> ProtectiveOrder:
    """Record an order (a collection); with the notification requirement its type brings (suspended
    if the subject was on the sex offender register that day and the type says so)."""
    if not order_type.is_active:
        raise field_error(
            "order_type", "This order type is no longer in use.", OrderError.ORDER_TYPE_NOT_IN_USE
        )
    order = ProtectiveOrder(
        subject=subject,
        order_type=order_type,
        court=_clean_text(court or ""),
        case_number=_clean_text(case_number or ""),
        applicant=_clean_text(applicant or ""),
        applied_on=applied_on,
        made_on=made_on,
        served_on=served_on,
        expires_on=expires_on,
        until_further_order=bool(until_further_order),
        status=status or _initial_status(made_on, served_on),
        niche_occurrence_ref=_clean_text(niche_occurrence_ref or ""),
        replaces=replaces,
    )
    _validate_order(order, confirm_short_duration=confirm_short_duration)
    order.save()
    record_change(
        action=AuditAction.COLLECT,
        instance=order,
        before=None,
        after=order_snapshot(order),
        restricted=ProtectiveOrder.RESTRICTED_FIELDS,
        actor=actor,
    )
    for kind, day in (
        (OrderEventKind.APPLICATION, applied_on),
        (OrderEventKind.MADE, made_on),
        (OrderEventKind.SERVED, served_on),
    ):
        if day:
            OrderEvent.objects.create(order=order, kind=kind, occurred_on=day, status_to=order.status)
    if replaces is not None and replaces.status != OrderStatus.REPLACED:
        change_status(
            actor=actor,
            order=replaces,
            status=OrderStatus.REPLACED,
            on=made_on or served_on or timezone.localdate(),
            notes=f"Replaced by order {order.uuid}",
        )
    _ensure_initial_requirement(actor=actor, order=order)
    return order


def _check_move(order: ProtectiveOrder, status: str) -> None:
    """A field error unless moving the order to ``status`` is legal (``orders.transitions``)."""
    if not can_move(order.status, status):
        raise field_error(
            "status",
            f"An order that is {OrderStatus(order.status).label.lower()} cannot become "
            f"{OrderStatus(status).label.lower()}.",
            OrderError.ILLEGAL_STATUS_TRANSITION,
        )


def _move_status(order: ProtectiveOrder, status: str, *, on: dt.date, notes: str = "") -> None:
    """Check ``status`` is a legal move (a field error if not) and write its history event."""
    if status == order.status:
        return
    _check_move(order, status)
    kind = (
        OrderEventKind.APPEAL_DECIDED
        if order.status == OrderStatus.UNDER_APPEAL
        else EVENT_FOR_STATUS.get(status, OrderEventKind.VARIATION)
    )
    OrderEvent.objects.create(
        order=order, kind=kind, occurred_on=on, status_from=order.status, status_to=status, notes=notes
    )
    order.status = status


@transaction.atomic
def update_order(
    *,
    actor: Any,
    order: ProtectiveOrder,
    confirm_short_duration: bool = False,
    justification: str = "",
    **changes: Any,
) -> ProtectiveOrder:
    """Change an order's fields; a status change must be legal and goes into the history."""
    _refuse_unknown_order_fields(changes)
    order = (
        ProtectiveOrder.objects.select_related("order_type", "subject", "replaces")
        .select_for_update(of=("self",))
        .get(pk=order.pk)
    )
    with audited_change(
        order,
        order_snapshot,
        restricted=ProtectiveOrder.RESTRICTED_FIELDS,
        actor=actor,
        justification=justification,
    ):
        status = changes.pop("status", None)
        for field, value in changes.items():
            setattr(order, field, _clean_text(value))
        if status is not None:
            _move_status(order, status, on=timezone.localdate())
        if order.served_on and order.status in (OrderStatus.APPLIED, OrderStatus.MADE):
            _move_status(order, OrderStatus.ACTIVE, on=order.served_on)
        _validate_order(order, confirm_short_duration=confirm_short_duration)
        order.save()
    _ensure_initial_requirement(actor=actor, order=order)
    return order


def _refuse_unknown_order_fields(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(ORDER_FIELDS)
    if unknown:
        raise field_errors(
            {k: [("This field cannot be changed here.", OrderError.NOT_CHANGEABLE)] for k in sorted(unknown)}
        )


# -- many orders at once (a caseload import) ---------------------------------------------------


def check_new_order(order: ProtectiveOrder, *, confirm_short_duration: bool = False) -> None:
    """Check a new order (not saved) by ``create_order``'s rules; one error naming every field.

    ``order.status`` empty is filled from its dates, as ``create_order`` does.
    """
    errors: dict[str, list[ValidationError]] = {}
    if not order.order_type.is_active:
        errors["order_type"] = [
            coded("This order type is no longer in use.", OrderError.ORDER_TYPE_NOT_IN_USE)
        ]
    order.status = order.status or _initial_status(order.made_on, order.served_on)
    try:
        _validate_order(order, confirm_short_duration=confirm_short_duration)
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def check_order_changes(
    order: ProtectiveOrder, changes: Mapping[str, Any], *, confirm_short_duration: bool = False
) -> None:
    """Check ``changes`` to a held order by ``update_order``'s rules, setting them on ``order``
    (which the caller does not save: ``update_order`` makes the change). A status must be a legal
    move; a served date moves an order applied for or made into force."""
    _refuse_unknown_order_fields(changes)
    errors: dict[str, list[ValidationError]] = {}
    changes = dict(changes)
    status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(order, name, _clean_text(value))
    if status is not None and status != order.status:
        try:
            _check_move(order, status)
            order.status = status
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if order.served_on and order.status in (OrderStatus.APPLIED, OrderStatus.MADE):
        order.status = OrderStatus.ACTIVE
    try:
        _validate_order(order, confirm_short_duration=confirm_short_duration)
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def initial_requirement(order: ProtectiveOrder) -> NotificationRequirement | None:
    """The notification requirement the order's type brings on making or service (not saved), or
    None when it brings none (yet): no notification for the type, not made, no trigger day.
    Suspended when the subject was on the sex offender register that day (``requirement_for``)."""
    order_type = order.order_type
    if not order_type.notification_required or order.status not in (OrderStatus.MADE, OrderStatus.ACTIVE):
        return None
    day = order.served_on if order_type.notification_trigger == NotificationTrigger.SERVICE else order.made_on
    if day is None:
        return None
    return requirement_for(order, order_type.notification_trigger, day)


def check_requirement(requirement: NotificationRequirement) -> None:
    """Check a requirement's notification details (``update_requirement``'s rules), not saved."""
    _validate_notification(requirement)


@dataclass
class CheckedOrder:
    """A new order checked by ``check_new_order`` (not saved); its subject may be saved only just
    before ``create_checked_orders``. ``notified_on``: the initial notification, already made."""

    order: ProtectiveOrder
    notified_on: dt.date | None = None


BULK_BATCH = 1000


@transaction.atomic
def create_checked_orders(
    *, actor: Any, checked: Sequence[CheckedOrder], justification: str = ""
) -> list[ProtectiveOrder]:
    """Record orders already checked: bulk INSERTs of the orders, their history (applied, made,
    served) and the notification requirement each type brings, with one collection event per
    order and per requirement, the events ``create_order`` writes. For an import of thousands;
    no order here replaces another."""
    orders = [c.order for c in checked]
    ProtectiveOrder.objects.bulk_create(orders, batch_size=BULK_BATCH)
    history = [
        OrderEvent(order=order, kind=kind, occurred_on=day, status_to=order.status)
        for order in orders
        for kind, day in (
            (OrderEventKind.APPLICATION, order.applied_on),
            (OrderEventKind.MADE, order.made_on),
            (OrderEventKind.SERVED, order.served_on),
        )
        if day
    ]
    OrderEvent.objects.bulk_create(history, batch_size=BULK_BATCH)
    requirements = []
    for c in checked:
        requirement = initial_requirement(c.order)
        if requirement is not None:
            requirement.notified_on = c.notified_on
            requirements.append(requirement)
    NotificationRequirement.objects.bulk_create(requirements, batch_size=BULK_BATCH)
    record_changes(
        action=AuditAction.COLLECT,
        changes=[(order, None, order_snapshot(order)) for order in orders],
        restricted=ProtectiveOrder.RESTRICTED_FIELDS,
        justification=justification,
        actor=actor,
    )
    record_changes(
        action=AuditAction.COLLECT,
        changes=[(r, None, requirement_snapshot(r)) for r in requirements],
        restricted=NotificationRequirement.RESTRICTED_FIELDS,
        justification=justification,
        actor=actor,
    )
    return orders


@transaction.atomic
def change_status(
    *, actor: Any, order: ProtectiveOrder, status: str, on: dt.date | None = None, notes: str = ""
) -> ProtectiveOrder:
    """A court's decision or the order's end: move the status (legally) and keep the history."""
    if status not in OrderStatus.values:
        raise field_error("status", "Choose a status.", "invalid_choice")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise field_error("on", "The date must be today or in the past.", OrderError.FUTURE_DATE)
    order = (
        ProtectiveOrder.objects.select_related("order_type", "subject", "replaces")
        .select_for_update(of=("self",))
        .get(pk=order.pk)
    )
    with audited_change(order, order_snapshot, restricted=ProtectiveOrder.RESTRICTED_FIELDS, actor=actor):
        _move_status(order, status, on=on, notes=(notes or "").strip())
        order.save()
    return order


@transaction.atomic
def record_order_event(
    *,
    actor: Any,
    order: ProtectiveOrder,
    kind: str,
    on: dt.date,
    notes: str = "",
    expires_on: dt.date | None = None,
) -> OrderEvent:
    """A variation or renewal (the order stays in force); a renewal may set a new expiry.

    Only while the order is in force (``transitions.DECISIONS_WHILE``): a discharged, expired,
    refused or replaced order is not varied or renewed.
    """
    if kind not in DECISIONS_WHILE:
        raise field_error("kind", "Record a variation or a renewal here.", "invalid_choice")
    if on > timezone.localdate():
        raise field_error("on", "The date must be today or in the past.", OrderError.FUTURE_DATE)
    order = (
        ProtectiveOrder.objects.select_related("order_type", "subject", "replaces")
        .select_for_update(of=("self",))
        .get(pk=order.pk)
    )
    if not can_decide(kind, order.status):
        raise field_error(
            "kind",
            f"An order that is {OrderStatus(order.status).label.lower()} cannot have a "
            f"{OrderEventKind(kind).label.lower()}.",
            OrderError.ORDER_NOT_IN_FORCE,
        )
    with audited_change(
        order, order_snapshot, restricted=ProtectiveOrder.RESTRICTED_FIELDS, actor=actor, always=True
    ) as change:
        change.justification = f"{OrderEventKind(kind).label} recorded"
        event = OrderEvent.objects.create(
            order=order,
            kind=kind,
            occurred_on=on,
            status_from=order.status,
            status_to=order.status,
            notes=notes,
        )
        if expires_on is not None:
            order.expires_on = expires_on
            _validate_order(order, confirm_short_duration=True)
            order.save()
    return event


# -- terms -------------------------------------------------------------------------------------
def _validate_term(term: OrderTerm) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        term.full_clean(exclude=["order", "varied_by"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    order = term.order
    start, end = order.start_date, (None if order.until_further_order else order.expires_on)
    outside = "This term's dates must fall within the order's"
    span = f" ({start:%-d %B %Y} to {end:%-d %B %Y})" if start and end else ""
    for field in ("starts_on", "ends_on"):
        value = getattr(term, field)
        if value and ((start and value < start) or (end and value > end)):
            errors.setdefault(field, []).append(coded(outside + span + ".", OrderError.TERM_OUTSIDE_ORDER))
    if term.starts_on and term.ends_on and term.ends_on < term.starts_on and "ends_on" not in errors:
        errors["ends_on"] = [coded("A term cannot end before it starts.", OrderError.TERM_ENDS_BEFORE_START)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_term(
    *,
    actor: Any,
    order: ProtectiveOrder,
    kind: str,
    wording: str,
    exclusion_zone: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> OrderTerm:
    """Record one term of an order (a collection)."""
    term = OrderTerm(
        order=order,
        kind=kind,
        wording=(wording or "").strip(),
        exclusion_zone=(exclusion_zone or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _validate_term(term)
    term.save()
    record_change(
        action=AuditAction.COLLECT,
        instance=term,
        before=None,
        after=term_snapshot(term),
        restricted=OrderTerm.RESTRICTED_FIELDS,
        actor=actor,
    )
    return term


@transaction.atomic
def update_term(
    *, actor: Any, term: OrderTerm, varied_by: OrderEvent | None = None, **changes: Any
) -> OrderTerm:
    """Change a term (e.g. after a variation, named by ``varied_by``)."""
    unknown = set(changes) - set(TERM_FIELDS)
    if unknown:
        raise field_errors(
            {k: [("This field cannot be changed here.", OrderError.NOT_CHANGEABLE)] for k in sorted(unknown)}
        )
    term = OrderTerm.objects.select_related("order", "order__order_type", "varied_by").get(pk=term.pk)
    with audited_change(term, term_snapshot, restricted=OrderTerm.RESTRICTED_FIELDS, actor=actor):
        for field, value in changes.items():
            setattr(term, field, _clean_text(value))
        if varied_by is not None:
            term.varied_by = varied_by
        _validate_term(term)
        term.save()
    return term


# -- notification requirements -----------------------------------------------------------------
def _period_start(order: ProtectiveOrder, trigger: str, trigger_date: dt.date) -> tuple[str, dt.date, bool]:
    """(trigger, trigger day, suspended) of a new notification period, from the subject's registration.

    Under a type suspended while registered, a period whose trigger day falls while the subject is
    on the register is suspended; if the registration has ended since, it starts from that end.
    """
    subject = order.subject
    if (
        not order.order_type.suspended_while_registered
        or trigger == NotificationTrigger.REGISTRATION_END
        or not subject.registered_on(trigger_date)
    ):
        return trigger, trigger_date, False
    ended = subject.registration_ended_on()
    if ended is not None:
        return NotificationTrigger.REGISTRATION_END, ended, False
    return trigger, trigger_date, True


def requirement_for(order: ProtectiveOrder, trigger: str, trigger_date: dt.date) -> NotificationRequirement:
    """A notification period of ``order`` from ``trigger`` on ``trigger_date`` (not saved): its last
    day, and suspended (or restarted) by the subject's registration (``_period_start``)."""
    trigger, trigger_date, suspended = _period_start(order, trigger, trigger_date)
    return NotificationRequirement(
        order=order,
        trigger=trigger,
        trigger_date=trigger_date,
        last_day=last_day_for(order.order_type, trigger_date),
        suspended=suspended,
    )


def _save_new_requirement(*, actor: Any, requirement: NotificationRequirement) -> NotificationRequirement:
    requirement.save()
    record_change(
        action=AuditAction.COLLECT,
        instance=requirement,
        before=None,
        after=requirement_snapshot(requirement),
        restricted=NotificationRequirement.RESTRICTED_FIELDS,
        actor=actor,
    )
    return requirement


def _carried_by_interim(order: ProtectiveOrder) -> bool:
    """Whether the order replaces an interim order of its type that already carried a requirement."""
    replaced = order.replaces
    return bool(
        order.order_type.none_when_replacing_notified_interim
        and replaced is not None
        and replaced.order_type.interim_of_id == order.order_type_id
        and replaced.notification_requirements.exists()
    )


def _ensure_initial_requirement(*, actor: Any, order: ProtectiveOrder) -> NotificationRequirement | None:
    """The requirement the order type brings on service or making, made once."""
    wanted = initial_requirement(order)
    if wanted is None or order.notification_requirements.filter(trigger__in=INITIAL_TRIGGERS).exists():
        return None
    if _carried_by_interim(order):
        return None
    return _save_new_requirement(actor=actor, requirement=wanted)


@transaction.atomic
def record_trigger(
    *,
    actor: Any,
    order: ProtectiveOrder,
    trigger: str,
    trigger_date: dt.date,
) -> NotificationRequirement:
    """A new notification period from a change (of name, of address, ...) under ``order``."""
    order_type = order.order_type
    if trigger not in NotificationTrigger.values or not order_type.notifies_on(trigger):
        raise field_error(
            "trigger",
            f"A {order_type.code} needs no notification after this.",
            OrderError.TRIGGER_NOT_NOTIFIABLE,
        )
    if trigger_date > timezone.localdate():
        raise field_error(
            "trigger_date", "The trigger day must be today or in the past.", OrderError.FUTURE_DATE
        )
    start = order.start_date
    if start and trigger_date < start:
        raise field_error(
            "trigger_date",
            "The trigger day cannot be before the order was made.",
            OrderError.TERM_OUTSIDE_ORDER,
        )
    return _save_new_requirement(actor=actor, requirement=requirement_for(order, trigger, trigger_date))


def _validate_notification(req: NotificationRequirement) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        req.full_clean(exclude=["order"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if req.notified_on:
        if req.notified_on > timezone.localdate():
            errors.setdefault("notified_on", []).append(
                coded("The notification date must be today or in the past.", OrderError.FUTURE_DATE)
            )
        elif req.notified_on < req.trigger_date:
            errors.setdefault("notified_on", []).append(
                coded(
                    f"The notification cannot be before the trigger day ({req.trigger_date:%-d %B %Y}).",
                    OrderError.NOTIFIED_BEFORE_TRIGGER,
                )
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_requirement(
    *, actor: Any, requirement: NotificationRequirement, **changes: Any
) -> NotificationRequirement:
    """Record the notification made (what, where, who, the acknowledgement) or correct it."""
    allowed = set(NOTIFICATION_FIELDS) | {"trigger_date"}
    unknown = set(changes) - allowed
    if unknown:
        raise field_errors(
            {k: [("This field cannot be changed here.", OrderError.NOT_CHANGEABLE)] for k in sorted(unknown)}
        )
    requirement = NotificationRequirement.objects.select_related("order", "order__order_type").get(
        pk=requirement.pk
    )
    with audited_change(
        requirement,
        requirement_snapshot,
        restricted=NotificationRequirement.RESTRICTED_FIELDS,
        actor=actor,
    ):
        for field, value in changes.items():
            setattr(requirement, field, _clean_text(value))
        requirement.last_day = last_day_for(requirement.order.order_type, requirement.trigger_date)
        _validate_notification(requirement)
        requirement.save()
    return requirement


def record_notification(
    *, actor: Any, requirement: NotificationRequirement, notified_on: dt.date, **details: Any
) -> NotificationRequirement:
    """The subject attended and notified: the requirement is met."""
    if requirement.notified_on:
        raise field_error(
            "notified_on", "This notification was already recorded.", OrderError.ALREADY_NOTIFIED
        )
    if not notified_on:
        raise field_error("notified_on", "Enter the date the subject notified.", "required")
    return update_requirement(actor=actor, requirement=requirement, notified_on=notified_on, **details)


@transaction.atomic
def restart_after_registration(
    *, subject: Subject, ended_on: dt.date, actor: Any = None, **_: Any
) -> list[NotificationRequirement]:
    """The subject's registration ended on ``ended_on``: every notification requirement of the
    subject's orders it suspended restarts from that day (one audited alteration each); one already
    restarted from an earlier recorded end and not yet met moves to this one.

    Receiver of ``core.signals.registration_ended``; also run nightly for ends typed in advance.
    """
    restarted = []
    pending = (
        NotificationRequirement.objects.select_related("order__order_type", "order__subject")
        .select_for_update(of=("self",))
        .filter(order__subject=subject, notified_on__isnull=True)
        .filter(models.Q(suspended=True) | models.Q(trigger=NotificationTrigger.REGISTRATION_END))
        .order_by("id")
    )
    for requirement in pending:
        if not requirement.suspended and requirement.trigger_date == ended_on:
            continue
        with audited_change(
            requirement,
            requirement_snapshot,
            restricted=NotificationRequirement.RESTRICTED_FIELDS,
            actor=actor,
            justification="Sex offender registration ended",
        ):
            requirement.suspended = False
            requirement.trigger = NotificationTrigger.REGISTRATION_END
            requirement.trigger_date = ended_on
            requirement.last_day = last_day_for(requirement.order.order_type, ended_on)
            requirement.save()
        restarted.append(requirement)
    return restarted


def restart_due_registrations(*, day: dt.date) -> int:
    """Subjects whose registration ended by ``day`` (an end typed in advance has come): restart
    their suspended requirements. How many restarted."""
    subjects = Subject.objects.filter(
        registered_sex_offender=True,
        registered_until__lte=day,
        orders__notification_requirements__suspended=True,
        orders__notification_requirements__notified_on__isnull=True,
    ).distinct()
    return sum(
        len(restart_after_registration(subject=s, ended_on=s.registered_until or day)) for s in subjects
    )


# -- reads -------------------------------------------------------------------------------------
def record_consulted(*, actor: Any, records: Iterable[Any], reason: str) -> None:
    """One consult event per record type naming every record shown, with the reason for access."""
    record_by_type(action=AuditAction.CONSULT, records=records, justification=reason, actor=actor)


def record_orders_erased(*, subject: Any, actor: Any, reason: str = "", **_: Any) -> None:
    """The subject is being erased: log the erasure of its orders, terms, requirements, protected
    persons and their contact log (one event per record type, naming every record), before the
    deletion cascades to them."""
    orders = list(ProtectiveOrder.objects.filter(subject=subject))
    persons = list(ProtectedPerson.objects.filter(subject=subject))
    records: list[Any] = [
        *orders,
        *OrderTerm.objects.filter(order__in=orders),
        *NotificationRequirement.objects.filter(order__in=orders),
        *persons,
        *ContactLogEntry.objects.filter(protected_person__in=persons),
    ]
    record_by_type(action=AuditAction.ERASE, records=records, justification=reason, actor=actor)


# -- protected persons and their contact log ---------------------------------------------------
#: What a service may set on a protected person (besides ``orders``); every one is restricted.
PROTECTED_PERSON_FIELDS = (
    "relationship",
    "name",
    "address",
    "phone",
    "email",
    "safe_contact",
    "safety_measures",
    "notes",
)
CONTACT_FIELDS = ("contacted_on", "method", "officer", "summary", "reassured")


def protected_person_snapshot(person: ProtectedPerson) -> dict[str, Any]:
    """What ``audited_change`` compares. Every value but the subject's UUID is restricted, so the
    log names the fields that changed and never what they held."""
    data: dict[str, Any] = {f: getattr(person, f) for f in PROTECTED_PERSON_FIELDS}
    data["subject"] = person.subject.uuid
    data["orders"] = sorted(str(o.uuid) for o in person.orders.all()) if person.pk else []
    return data


def contact_snapshot(entry: ContactLogEntry) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(entry, f) for f in CONTACT_FIELDS if f != "officer"}
    data["officer"] = entry.officer.uuid if entry.officer_id else None  # type: ignore[union-attr]
    data["protected_person"] = entry.protected_person.uuid
    return data


def _validate_protected_person(person: ProtectedPerson, orders: Iterable[ProtectiveOrder] | None) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        person.full_clean(exclude=["subject"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if orders is not None and any(o.subject_id != person.subject_id for o in orders):
        errors["orders"] = [coded("Choose orders of this subject only.", OrderError.ORDER_OF_ANOTHER_SUBJECT)]
    if errors:
        raise ValidationError(errors)


def _refuse_unknown_fields(changes: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise field_errors(
            {k: [("This field cannot be changed here.", OrderError.NOT_CHANGEABLE)] for k in sorted(unknown)}
        )


@transaction.atomic
def create_protected_person(
    *,
    actor: Any,
    subject: Subject,
    name: str,
    orders: Iterable[ProtectiveOrder] = (),
    **details: Any,
) -> ProtectedPerson:
    """Record a person the subject's orders protect (a collection; no value of theirs is logged).

    Who may do it is the caller's check (``subjects_open_to_protected_persons``): the subject's
    managing team.
    """
    _refuse_unknown_fields(details, PROTECTED_PERSON_FIELDS)
    orders = list(orders)
    person = ProtectedPerson(
        subject=subject,
        name=_clean_text(name or ""),
        **{k: _clean_text(v if v is not None else "") for k, v in details.items()},
    )
    _validate_protected_person(person, orders)
    person.save()
    person.orders.set(orders)
    record_change(
        action=AuditAction.COLLECT,
        instance=person,
        before=None,
        after=protected_person_snapshot(person),
        restricted=ProtectedPerson.RESTRICTED_FIELDS,
        actor=actor,
    )
    return person


@transaction.atomic
def update_protected_person(
    *,
    actor: Any,
    person: ProtectedPerson,
    orders: Iterable[ProtectiveOrder] | None = None,
    **changes: Any,
) -> ProtectedPerson:
    """Change a protected person's details, or the orders that protect them (``orders``: the
    whole new list). The log names the fields changed, never their values."""
    _refuse_unknown_fields(changes, PROTECTED_PERSON_FIELDS)
    person = (
        ProtectedPerson.objects.select_related("subject").select_for_update(of=("self",)).get(pk=person.pk)
    )
    new_orders = list(orders) if orders is not None else None
    with audited_change(
        person, protected_person_snapshot, restricted=ProtectedPerson.RESTRICTED_FIELDS, actor=actor
    ):
        for field, value in changes.items():
            setattr(person, field, _clean_text(value if value is not None else ""))
        _validate_protected_person(person, new_orders)
        person.save()
        if new_orders is not None:
            person.orders.set(new_orders)
    return person


@transaction.atomic
def remove_protected_person(*, actor: Any, person: ProtectedPerson, reason: str) -> None:
    """Erase a protected person and their contact log (recorded in error, or no longer protected
    by any order): one erasure event per record type, with the reason."""
    if not (reason or "").strip():
        raise field_error("reason", "Give the reason for removing this person.", OrderError.REASON_REQUIRED)
    records: list[Any] = [person, *ContactLogEntry.objects.filter(protected_person=person)]
    record_by_type(action=AuditAction.ERASE, records=records, justification=reason.strip(), actor=actor)
    # Apps above log what they held about the person before the cascade removes it (plans).
    protected_person_erasing.send(sender=ProtectedPerson, person=person, actor=actor, reason=reason.strip())
    person.delete()


def _force_member(officer: Any) -> Any:
    """The user named by ``officer`` (a user or a UUID) if they are a member of the active force."""
    from tenants.models import Membership

    if officer is None or officer == "":
        return None
    uuid = getattr(officer, "uuid", officer)
    membership = (
        Membership.objects.filter(force_id=active_force().pk, user__uuid=uuid).select_related("user").first()
    )
    return membership.user if membership else None


@transaction.atomic
def add_contact(
    *,
    actor: Any,
    protected_person: ProtectedPerson,
    contacted_on: dt.date | None,
    method: str,
    summary: str,
    reassured: str,
    officer: Any = None,
) -> ContactLogEntry:
    """Log one contact with a protected person (by default made by ``actor``)."""
    member = _force_member(officer if officer not in (None, "") else actor)
    entry = ContactLogEntry(
        protected_person=protected_person,
        contacted_on=contacted_on,  # type: ignore[misc]  # None: full_clean says it is required
        method=method or "",
        officer=member,
        summary=_clean_text(summary or ""),
        reassured=reassured or "",
    )
    errors: dict[str, list[ValidationError]] = {}
    try:
        entry.full_clean(exclude=["protected_person", "officer"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if member is None:
        errors["officer"] = [
            coded("The officer must be a member of this force.", OrderError.NOT_FORCE_MEMBER)
        ]
    if contacted_on and contacted_on > timezone.localdate():
        errors.setdefault("contacted_on", []).append(
            coded("The date of contact must be today or in the past.", OrderError.FUTURE_DATE)
        )
    if errors:
        raise ValidationError(errors)
    entry.save()
    record_change(
        action=AuditAction.COLLECT,
        instance=entry,
        before=None,
        after=contact_snapshot(entry),
        restricted=ContactLogEntry.RESTRICTED_FIELDS,
        actor=actor,
    )
    return entry


def reencrypt_protected_data(*, batch_size: int = 500) -> dict[str, int]:
    """Rewrite every encrypted column of this force with the first of ``FIELD_ENCRYPTION_KEYS``
    (key rotation); returns rows rewritten per model. Each value reads and writes back unchanged,
    so nothing is altered in the log's sense and nothing is logged."""
    rewritten: dict[str, int] = {}
    for model in (ProtectedPerson, ContactLogEntry):
        manager: Any = model.objects
        rows = list(manager.only("pk", *model.ENCRYPTED_FIELDS))
        manager.bulk_update(rows, fields=list(model.ENCRYPTED_FIELDS), batch_size=batch_size)
        rewritten[model._meta.label] = len(rows)
    return rewritten
