"""Authentication guards that run before the ordinary backends."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class RefuseDemoUsersInProduction:
    """Demo accounts share a published password: they must never sign in to a real system.

    Raising PermissionDenied stops Django trying the remaining backends.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **_: Any) -> None:
        if settings.PRODUCTION and username:
            from .models import User

            if User.objects.filter(email__iexact=username, is_demo=True).exists():
                raise PermissionDenied("Demo users cannot sign in to a production system.")
        return None

    def get_user(self, user_id: int) -> None:
        return None
