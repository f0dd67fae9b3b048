"""Django admin for platform models; served on the regional host only.

Services are the only mutators (issue 7): every model here is read-only. Forces, domains and regions
come from onboarding (``tenants.services``); memberships, role grants and invitations from the people
services (``tenants.people``), which keep a force's last administrator, revoke tokens and audit; API
tokens from ``tenants.tokens``. The two changes offered here are actions calling a service: revoking
tokens, and deactivating or reactivating an account (``tenants.accounts``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ReadOnlyAdmin

from . import accounts, tokens
from .models import (
    ApiToken,
    Domain,
    Force,
    Membership,
    MembershipInvitation,
    Region,
    RegionalRole,
    RoleGrant,
    User,
)


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug")


@admin.register(Force)
class ForceAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "region", "schema_name", "onboarded_at")
    list_filter = ("region",)


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ("domain", "tenant", "is_primary")


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Accounts, read-only (no password field, no password page); deactivate or reactivate by action."""

    personal_data = True

    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff")
    fields = (
        "email",
        "full_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "is_demo",
        "last_login",
        "date_joined",
    )
    actions = ["deactivate", "reactivate"]

    def _each(self, request: Any, queryset: Any, service: Any, done: str) -> None:
        count = 0
        for user in queryset.order_by("email"):
            try:
                service(actor=request.user, user=user, reason=f"{done.capitalize()} in the Django admin")
            except ValidationError as exc:
                self.message_user(request, f"{user.email}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} account(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Deactivate the selected accounts (revokes their API tokens, ends their sessions)",
        permissions=["view"],
    )
    def deactivate(self, request: Any, queryset: Any) -> None:
        self._each(request, queryset, accounts.deactivate_user, "deactivated")

    @admin.action(description="Reactivate the selected accounts", permissions=["view"])
    def reactivate(self, request: Any, queryset: Any) -> None:
        self._each(request, queryset, accounts.reactivate_user, "reactivated")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only: a force's administrators change memberships on its /force-admin/people/ pages."""

    personal_data = True

    list_display = ("user", "force", "roles", "status")
    list_filter = ("force", "status")
    search_fields = ("user__email",)


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    personal_data = True

    list_display = (
        "membership",
        "role",
        "outcome",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("outcome", "role")


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(ReadOnlyAdmin):
    """When invitations were sent and used; never the link (only its hash is stored, and not shown)."""

    personal_data = True

    list_display = ("membership", "created_at", "expires_at", "used_at")
    exclude = ("token_hash",)


@admin.register(RegionalRole)
class RegionalRoleAdmin(ReadOnlyAdmin):
    """Given (add) and taken away (delete) through ``tenants.accounts``, which audits; never edited."""

    personal_data = True

    list_display = ("user", "region", "role")
    list_filter = ("role", "region")
    autocomplete_fields = ("user",)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change, **kwargs)

        class RegionalRoleForm(base):  # type: ignore[misc, valid-type]
            def clean(self) -> Any:
                data = super().clean()
                if data.get("user") is not None and data["user"].pk == request.user.pk:
                    self.add_error("user", accounts.SELF_GRANT_MESSAGE)
                return data

        return RegionalRoleForm

    def save_model(self, request: Any, obj: RegionalRole, form: Any, change: bool) -> None:
        if change:  # has_change_permission is False: Django refuses before reaching here
            raise PermissionDenied
        created = accounts.grant_regional_role(
            actor=request.user, user=obj.user, role=obj.role, region=obj.region
        )
        obj.pk, obj.uuid = created.pk, created.uuid

    def delete_model(self, request: Any, obj: RegionalRole) -> None:
        accounts.end_regional_role(actor=request.user, regional_role=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for regional_role in queryset:
            accounts.end_regional_role(actor=request.user, regional_role=regional_role)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Read-only list of tokens (never a secret: only its hash is stored) with a revoke action."""

    personal_data = True

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
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens now", permissions=["view"])
    def revoke(self, request: Any, queryset: Any) -> None:
        count = 0
        for token in queryset.select_related("user").filter(revoked_at__isnull=True):
            tokens.revoke_token(token=token, actor=request.user)
            count += 1
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
