"""URLs of a force host (<force-slug>.SPMP_DOMAIN): the force's case work and its API."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("api.urls")),
    path("subjects/import/", include("orders.urls_import")),
    path("subjects/", include("subjects.urls")),
    path("subjects/<uuid:uuid>/orders/", include("orders.urls")),
    path("subjects/<uuid:uuid>/plan/", include("plans.urls")),
    path("subjects/<uuid:uuid>/compliance/", include("compliance.urls_subject")),
    path("briefings/", include("plans.urls_briefings")),
    path("sharing/", include("sharing.urls")),
    path("shared/", include("sharing.urls_shared")),
    path("", include("compliance.urls")),
    path("inbox/", include("reminders.urls")),
    path("resourcing/", include("resourcing.urls")),
    path("force-admin/jobs/", include("reminders.urls_admin")),
    path("force-admin/", include("organisation.urls")),
    path("audit/", include("audit.urls")),
    path("", include("tenants.urls")),
]

handler403 = "spmp_platform.errors.permission_denied"
handler404 = "spmp_platform.errors.page_not_found"
handler500 = "spmp_platform.errors.server_error"
