"""Compliance pages inside a subject's case file, under /subjects/<uuid>/compliance/."""

from django.urls import path

from . import views

app_name = "compliance_case"

urlpatterns = [
    path("review/", views.ReviewView.as_view(), name="review"),
    path("breaches/new/", views.BreachCreateView.as_view(), name="breach-create"),
]
