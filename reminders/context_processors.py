"""The unread count in the header of every force page (one query, for people with an inbox)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.roles import Perm


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if user is None or not user.is_authenticated or tenant is None or getattr(tenant, "is_platform", True):
        return {}
    if Perm.USE_INBOX not in user.force_permissions(tenant):
        return {}
    from .services import unread_count

    return {"inbox_unread": unread_count(user), "has_inbox": True}
