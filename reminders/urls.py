"""The inbox of a force host: /inbox/ (the jobs page, /force-admin/jobs/, is in urls_admin)."""

from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read-all"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<uuid:item>/", views.OpenItemView.as_view(), name="open"),
]
