"""Plan pages of a subject's case file, under /subjects/<uuid>/plan/. Records are named by UUID."""

from django.urls import path, re_path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.PlanOverviewView.as_view(), name="overview"),
    path("draft/", views.StartDraftView.as_view(), name="start-draft"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("close/", views.ClosePlanView.as_view(), name="close"),
    path("versions/<uuid:version>/", views.VersionDetailView.as_view(), name="version"),
    path("versions/<uuid:version>/parts/<slug:part>/", views.PartEditView.as_view(), name="part"),
    path("versions/<uuid:version>/submit/", views.SubmitView.as_view(), name="submit"),
    path("versions/<uuid:version>/approve/", views.ApproveView.as_view(), name="approve"),
    path("versions/<uuid:version>/send-back/", views.SendBackView.as_view(), name="send-back"),
    re_path(
        r"^versions/(?P<version>[0-9a-f-]{36})/export\.(?P<kind>pdf|json)$",
        views.ExportView.as_view(),
        name="export",
    ),
]
