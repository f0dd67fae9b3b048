"""API routes under /api/v1/ on a force host: token sign-in, the force's endpoints, schema and docs.

The regional host serves ``api.urls_regional`` (no force endpoints there).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .audit import AuditEventViewSet
from .compliance import BreachViewSet, ComplianceReviewViewSet, VisitViewSet
from .order_types import OrderTypeViewSet
from .orders import NotificationRequirementViewSet, OrderViewSet, TermViewSet
from .organisation import AreaViewSet, PlannedAbsenceViewSet, TeamViewSet
from .people import PersonViewSet
from .plans import BriefingViewSet, PlanVersionViewSet, PlanViewSet
from .practice import PracticeSettingsViewSet
from .protected_persons import ContactLogEntryViewSet, ProtectedPersonViewSet
from .reminders import NotificationPreferencesViewSet
from .sharing import GrantViewSet, RegistryCheckViewSet, SharedViewSet, SharingRequestViewSet, TransferViewSet
from .subjects import SubjectViewSet
from .tokens import ApiTokenViewSet, IssueTokenView

router = SimpleRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")
router.register("subjects", SubjectViewSet, basename="subject")
router.register("orders", OrderViewSet, basename="order")
router.register("terms", TermViewSet, basename="order-term")
router.register(
    "notification-requirements", NotificationRequirementViewSet, basename="notification-requirement"
)
router.register("plans", PlanViewSet, basename="plan")
router.register("plan-versions", PlanVersionViewSet, basename="plan-version")
router.register("briefings", BriefingViewSet, basename="briefing")
router.register("protected-persons", ProtectedPersonViewSet, basename="protected-person")
router.register("protected-person-contacts", ContactLogEntryViewSet, basename="protected-person-contact")
router.register("compliance-reviews", ComplianceReviewViewSet, basename="compliance-review")
router.register("visits", VisitViewSet, basename="visit")
router.register("breaches", BreachViewSet, basename="breach")
router.register("people", PersonViewSet, basename="person")
router.register("teams", TeamViewSet, basename="team")
router.register("areas", AreaViewSet, basename="area")
router.register("planned-absences", PlannedAbsenceViewSet, basename="planned-absence")
router.register("practice-settings", PracticeSettingsViewSet, basename="practice-settings")
router.register("order-types", OrderTypeViewSet, basename="order-type")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("registry", RegistryCheckViewSet, basename="registry")
router.register("sharing-requests", SharingRequestViewSet, basename="sharing-request")
router.register("grants", GrantViewSet, basename="grant")
router.register("shared", SharedViewSet, basename="shared")
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = [
    path("auth/token/", IssueTokenView.as_view(), name="api-token-issue"),
    *router.urls,
    path(
        "notification-preferences/",
        NotificationPreferencesViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="notification-preferences",
    ),
    path("schema/", SpectacularAPIView.as_view(urlconf="spmp_platform.urls_force"), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
