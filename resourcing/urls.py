"""The force's resourcing page (force hosts)."""

from django.urls import path

from . import views

app_name = "resourcing"

urlpatterns = [
    path("", views.ForceResourcingView.as_view(), name="force"),
    path("chart.svg", views.ForceResourcingChartView.as_view(), name="force-chart"),
]
