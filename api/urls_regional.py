"""API routes under /api/v1/ on the regional host: token sign-in, the caller's tokens, the regional report."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .resourcing import RegionReportView
from .tokens import ApiTokenViewSet, IssueTokenView

router = SimpleRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", IssueTokenView.as_view(), name="api-token-issue"),
    *router.urls,
    path("region/report/", RegionReportView.as_view(), name="api-region-report"),
    path("schema/", SpectacularAPIView.as_view(urlconf="spmp_platform.urls_public"), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
