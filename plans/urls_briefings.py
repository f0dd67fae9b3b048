"""The workforce's briefings, under /briefings/. Named by the plan's UUID, never a name."""

from django.urls import path

from . import views

app_name = "briefings"

urlpatterns = [
    path("", views.BriefingListView.as_view(), name="list"),
    path("<uuid:uuid>/", views.BriefingDetailView.as_view(), name="detail"),
    path("<uuid:uuid>/photo/", views.BriefingPhotoView.as_view(), name="photo"),
]
