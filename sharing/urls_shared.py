""" "Shared with us" under /shared/: named by the grant's UUID."""

from django.urls import path

from . import views

app_name = "shared"

urlpatterns = [
    path("", views.SharedListView.as_view(), name="list"),
    path("<uuid:uuid>/", views.SharedDetailView.as_view(), name="detail"),
    path("<uuid:uuid>/extend/", views.ExtendView.as_view(), name="extend"),
]
