"""Case-work pages of a force host, under /subjects/. Records are named by UUID only."""

from django.urls import path

from . import views

app_name = "subjects"

urlpatterns = [
    path("", views.SubjectListView.as_view(), name="subject-list"),
    path("new/", views.SubjectCreateView.as_view(), name="subject-create"),
    path("retention/", views.RetentionQueueView.as_view(), name="retention"),
    path("retention/<uuid:uuid>/retain/", views.RetainSubjectView.as_view(), name="retention-retain"),
    path("<uuid:uuid>/", views.SubjectDetailView.as_view(), name="subject-detail"),
    path("<uuid:uuid>/edit/", views.SubjectEditView.as_view(), name="subject-edit"),
    path("<uuid:uuid>/erase/", views.SubjectEraseView.as_view(), name="subject-erase"),
    path(
        "<uuid:uuid>/registration/end/",
        views.SubjectRegistrationEndView.as_view(),
        name="subject-registration-end",
    ),
    path("<uuid:uuid>/photos/new/", views.SubjectPhotoAddView.as_view(), name="subject-photo-add"),
    path("<uuid:uuid>/photos/<uuid:photo_uuid>/", views.SubjectPhotoView.as_view(), name="subject-photo"),
    path(
        "<uuid:uuid>/photos/<uuid:photo_uuid>/remove/",
        views.SubjectPhotoRemoveView.as_view(),
        name="subject-photo-remove",
    ),
]
