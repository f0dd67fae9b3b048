"""The orders section of a subject's case file (registered in ``core.case_file``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from core.roles import Perm
from core.tenancy import host_force, permissions_in

from .models import NotificationRequirement, ProtectiveOrder
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
