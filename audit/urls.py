"""Access log pages on a force host (/audit/)."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.ForceAuditLogView.as_view(), name="search"),
    path("export.csv", views.ForceAuditLogView.as_view(mode="export"), name="export"),
]
