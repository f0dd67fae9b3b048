"""Django admin (regional host): platform administrators maintain the statutory order types.

Saves go through ``statute.order_types.save_order_type``, which audits them; nothing is deleted.
"""

from django.contrib import admin

from .models import OrderType
from .order_types import save_order_type


@admin.register(OrderType)
class OrderTypeAdmin(admin.ModelAdmin):
    """Platform administrators maintain the statutory rules; forces only read them."""

    list_display = (
        "code",
        "name",
        "law",
        "minimum_duration_months",
        "notification_required",
        "notification_days",
        "notification_trigger",
        "is_active",
    )
    list_filter = ("notification_required", "suspended_while_registered", "is_active")
    search_fields = ("code", "name", "law")
    readonly_fields = ("uuid",)

    def _is_platform_admin(self, request) -> bool:  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser or request.user.is_platform_admin)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._is_platform_admin(request)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return self._is_platform_admin(request)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # forces refer to codes; retire a type by unticking "in use" instead

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return bool(request.user.is_staff)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        save_order_type(actor=request.user, order_type=obj)
