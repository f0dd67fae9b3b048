"""Django admin for platform models; served on the regional host only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Domain, Force, JobRun, Membership, OrderType, Region, RegionalRole, User


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


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("job", "force", "day", "outcome", "started_at", "finished_at", "schema_seen")
    list_filter = ("job", "outcome")


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
    list_filter = ("notification_required", "is_active")
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
