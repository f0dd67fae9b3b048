"""Order and protected-person pages of a subject's case file, under /subjects/<uuid>/orders/.
Records are named by UUID."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("protected-persons/new/", views.ProtectedPersonCreateView.as_view(), name="protected-person-create"),
    path(
        "protected-persons/<uuid:person>/",
        views.ProtectedPersonDetailView.as_view(),
        name="protected-person-detail",
    ),
    path(
        "protected-persons/<uuid:person>/edit/",
        views.ProtectedPersonEditView.as_view(),
        name="protected-person-edit",
    ),
    path(
        "protected-persons/<uuid:person>/remove/",
        views.ProtectedPersonRemoveView.as_view(),
        name="protected-person-remove",
    ),
    path(
        "protected-persons/<uuid:person>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact-create",
    ),
    path("new/", views.OrderCreateView.as_view(), name="order-create"),
    path("<uuid:order>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<uuid:order>/terms/new/", views.TermCreateView.as_view(), name="term-create"),
    path("<uuid:order>/status/", views.StatusChangeView.as_view(), name="status-change"),
    path("<uuid:order>/decisions/new/", views.OrderEventCreateView.as_view(), name="event-create"),
    path("<uuid:order>/notifications/new/", views.TriggerCreateView.as_view(), name="trigger-create"),
    path(
        "<uuid:order>/notifications/<uuid:requirement>/",
        views.NotificationRecordView.as_view(),
        name="notification-record",
    ),
]
