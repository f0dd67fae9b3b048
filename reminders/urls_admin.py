"""/force-admin/jobs/: the periodic jobs of this force, for force administrators."""

from django.urls import path

from . import views

app_name = "force_jobs"

urlpatterns = [path("", views.JobsView.as_view(), name="jobs")]
