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
