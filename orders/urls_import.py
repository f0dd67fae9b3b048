"""The caseload import pages, under /subjects/import/."""

from django.urls import path

from . import import_views

app_name = "caseload_import"

urlpatterns = [
    path("", import_views.ImportUploadView.as_view(), name="upload"),
    path("template.csv", import_views.ImportTemplateView.as_view(), name="template"),
    path("check/", import_views.ImportCheckView.as_view(), name="check"),
]
