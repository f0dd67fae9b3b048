"""The case file's section of orders other forces disclose (issue 14, item 8)."""

from __future__ import annotations

from typing import Any

from core.tenancy import host_force

from .services import disclosed_orders


def disclosed_orders_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    force = host_force(request)
    if force is None:
        return None
    shared = disclosed_orders(user=request.user, force=force, subject=subject)  # type: ignore[arg-type]
    if not shared:
        return None
    return "sharing/case_file_orders.html", {"shared": shared}


def transfer_section(request: Any, subject: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """A transferred record says to whom and when; otherwise disclosure officers may offer it."""
    from core.roles import Perm
    from core.tenancy import permissions_in

    force = host_force(request)
    if force is None:
        return None
    may_offer = Perm.DECIDE_SHARING in permissions_in(request.user, force)
    if subject.transferred_at is None and not may_offer:
        return None
    return "sharing/case_file_transfer.html", {"subject": subject, "may_offer": may_offer}
