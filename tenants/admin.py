"""Django admin for platform models; served on the regional host only."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import tokens
from .models import ApiToken, Domain, Force, Membership, Region, RegionalRole, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "region", "schema_name", "onboarded_at")
    list_filter = ("region",)
    readonly_fields = ("schema_name", "uuid")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # forces are onboarded through the onboarding service only

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser", "is_demo")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ("is_active", "is_staff")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "force", "roles", "status")
    list_filter = ("force", "status")


@admin.register(RegionalRole)
class RegionalRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "region", "role")


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
            tokens.revoke_token(token=token, actor=request.user)
            count += 1
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
