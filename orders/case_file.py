"""The orders and protected-persons sections of a subject's case file (registered in ``core.case_file``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from core.roles import Perm
from core.tenancy import host_force, permissions_in

from .models import (
    KNOW_OF_PROTECTED_PERSONS,
    ContactLogEntry,
    NotificationRequirement,
    ProtectedPerson,
    ProtectiveOrder,
    subjects_open_to_protected_persons,
)
from .services import record_consulted


def orders_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """The subject's orders, if the reader may see orders; the listing is logged with the reason."""
    force = host_force(request)
    held = permissions_in(request.user, force)
    if Perm.VIEW_ORDER not in held:
        return None
    orders = list(
        ProtectiveOrder.objects.restrict(request.user, "view", force=force)
        .filter(subject=subject)
        .select_related("order_type")
        .prefetch_related(
            Prefetch(
                "notification_requirements",
                queryset=NotificationRequirement.objects.select_related("order__order_type"),
            )
        )
    )
    record_consulted(actor=request.user, records=orders, reason=reason)
    return (
        "orders/case_file_orders.html",
        {"orders": orders, "subject": subject, "can_change_orders": Perm.CHANGE_ORDER in held},
    )


def protected_persons_visible(request: Any, subject: Any) -> tuple[list[ProtectedPerson], int]:
    """(the subject's protected persons this reader may see, how many the subject has in all).

    The count comes through ``restrict(..., "know_of")``: whoever may read the subject, its orders
    or its briefing may know that protected persons exist, never who they are.
    """
    force = host_force(request)
    total = (
        ProtectedPerson.objects.restrict(request.user, "know_of", force=force).filter(subject=subject).count()
    )
    if not total:
        return [], 0
    visible = list(
        ProtectedPerson.objects.restrict(request.user, "view", force=force)
        .filter(subject=subject)
        .prefetch_related(Prefetch("orders", queryset=ProtectiveOrder.objects.select_related("order_type")))
        .prefetch_related(
            Prefetch("contacts", queryset=ContactLogEntry.objects.order_by("-contacted_on", "-id"))
        )
    )
    return visible, total


def protected_persons_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """The subject's protected persons for their managing team (and supervisors); for any other
    reader of the case file only how many there are. Reading them is logged with the reason."""
    force = host_force(request)
    if not permissions_in(request.user, force) & KNOW_OF_PROTECTED_PERSONS:
        return None
    visible, total = protected_persons_visible(request, subject)
    record_consulted(actor=request.user, records=visible, reason=reason)
    can_add = subjects_open_to_protected_persons(request.user, force=force).filter(pk=subject.pk).exists()
    return (
        "orders/case_file_protected_persons.html",
        {
            "persons": visible,
            "hidden": total - len(visible),
            "total": total,
            "subject": subject,
            "can_add": can_add,
            "no_managing_team": subject.managing_team_id is None,
        },
    )
