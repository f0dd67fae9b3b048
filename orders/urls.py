"""Order pages of a subject's case file, under /subjects/<uuid>/orders/. Records are named by UUID."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
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
