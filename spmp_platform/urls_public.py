"""URLs of the regional platform host (SPMP_DOMAIN): sign-in, onboarding, admin, regional API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls_regional")),
    path("audit/", include("audit.urls_platform")),
    path("region/report/", include("resourcing.urls_region")),
    path("", include("tenants.urls")),
]

handler403 = "spmp_platform.errors.permission_denied"
handler404 = "spmp_platform.errors.page_not_found"
handler500 = "spmp_platform.errors.server_error"
