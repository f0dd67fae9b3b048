"""Sharing pages under /sharing/: check, ask, what we asked, the owner's queue and grants."""

from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("check/", views.CheckView.as_view(), name="check-new"),
    path("check/<uuid:uuid>/", views.CheckView.as_view(), name="check"),
    path("ask/<uuid:uuid>/<uuid:force_uuid>/", views.AskView.as_view(), name="ask"),
    path("asked/", views.AskedView.as_view(), name="asked"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("requests/<uuid:uuid>/", views.DecideView.as_view(), name="decide"),
    path("granted/", views.GrantedView.as_view(), name="granted"),
    path("granted/<uuid:uuid>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("transfer/<uuid:uuid>/", views.TransferOfferView.as_view(), name="transfer-offer"),
    path("transfers/", views.TransfersView.as_view(), name="transfers"),
    path("transfers/<uuid:uuid>/", views.TransferAnswerView.as_view(), name="transfer-answer"),
]
