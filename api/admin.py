"""Django admin (regional host): platform administrators can see API tokens and revoke them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only list of tokens (never a secret: only its hash is stored) with a revoke action."""

    list_display = (
        "prefix",
        "user",
        "host",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("host",)
    search_fields = ("user__email", "prefix", "name")
    readonly_fields = list_display
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # tokens are issued by POST /api/v1/auth/token/ only

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # revoke instead: the owner's list keeps the history

    @admin.action(description="Revoke the selected tokens now", permissions=["view"])
    def revoke(self, request: Any, queryset: Any) -> None:
        count = 0
        for token in queryset.select_related("user").filter(revoked_at__isnull=True):
            services.revoke_token(token=token, actor=request.user)
            count += 1
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
