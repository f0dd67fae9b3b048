"""The platform's own access log on the regional host (/audit/), for platform administrators."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.PlatformAuditLogView.as_view(), name="search"),
    path("export.csv", views.PlatformAuditLogView.as_view(mode="export"), name="export"),
]
