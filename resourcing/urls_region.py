"""The regional report (regional host)."""

from django.urls import path

from . import views

app_name = "region_report"

urlpatterns = [
    path("", views.RegionReportView.as_view(), name="report"),
    path("report.csv", views.RegionReportCsvView.as_view(), name="csv"),
    path("report.pdf", views.RegionReportPdfView.as_view(), name="pdf"),
    path("chart.svg", views.RegionReportChartView.as_view(), name="chart"),
]
