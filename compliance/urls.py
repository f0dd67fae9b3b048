"""Compliance pages of a force host: /reviews/, /visits/, /trends/, /outcomes/ (case-file pages in urls_subject)."""

from django.urls import path, re_path

from . import views

app_name = "compliance"

urlpatterns = [
    path("reviews/", views.ReviewQueueView.as_view(), name="review-queue"),
    path("visits/mine/", views.MyVisitsView.as_view(), name="my-visits"),
    path("visits/<uuid:visit>/outcome/", views.VisitOutcomeView.as_view(), name="visit-outcome"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
    re_path(r"^trends/(?P<chart>[a-z]+)\.svg$", views.TrendChartView.as_view(), name="trend-chart"),
    re_path(r"^trends/(?P<chart>[a-z]+)\.csv$", views.TrendCsvView.as_view(), name="trend-csv"),
    path("outcomes/", views.OutcomesView.as_view(), name="outcomes"),
    path("outcomes/chart.svg", views.OutcomesChartView.as_view(), name="outcomes-chart"),
    path("outcomes/outcomes.csv", views.OutcomesCsvView.as_view(), name="outcomes-csv"),
]
