"""ForcePageMixin and force_page, the one base of force pages, on views written for these tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse
from django.views.generic import ListView
from django_tenants.utils import schema_context, tenant_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.pages import ForcePageMixin, force_page
from core.roles import ForceRole, Perm
from subjects.models import Subject
from tenants.models import Region
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


class SubjectNames(ForcePageMixin, ListView):  # type: ignore[type-arg]
    model = Subject
    permission = Perm.VIEW_SUBJECT

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        names = ",".join(s.family_name for s in context["object_list"])
        return HttpResponse(f"{names}|{context['case_data']}|{context['force'].slug}")


class Forgetful(ForcePageMixin, ListView):  # type: ignore[type-arg]
    model = Subject


class Unscoped(ForcePageMixin, ListView):  # type: ignore[type-arg]
    queryset = Region.objects.all()  # a public model without a scoped queryset: no force page's business
    permission = Perm.VIEW_SUBJECT


@force_page(Perm.CHANGE_SUBJECT)
def function_page(request: Any) -> HttpResponse:
    return HttpResponse("ok")


def _request(rf: Any, user: Any, force: Any) -> Any:
    request = rf.get("/anything/?q=secret", HTTP_HOST=f"{force.slug}.spmp.localhost")
    request.user = user
    request.tenant = force
    return request


def test_scoped_list_sees_only_its_force_and_is_marked_as_case_data(rf, force_a, force_b):
    make_subject(force_a, family_name="Ashby")
    make_subject(force_b, family_name="Bingham")
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    with tenant_context(force_a):
        view = type("Marked", (SubjectNames,), {"case_data": True}).as_view()
        response = view(_request(rf, user, force_a))
    assert response.content.decode() == "Ashby|True|lincolnshire"


def test_restrict_is_applied_even_when_the_permission_check_is_passed(rf, force_a):
    """A view asking for one permission still gets the queryset scoped for its action."""
    make_subject(force_a, family_name="Ashby")
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])  # view_settings, no view_subject
    view = type("AskingLess", (SubjectNames,), {"permission": Perm.VIEW_SETTINGS}).as_view()
    with tenant_context(force_a):
        response = view(_request(rf, admin, force_a))
    assert response.content.decode().startswith("|")  # no subject leaks through


def test_a_page_without_a_permission_refuses_to_run(rf, force_a):
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    with tenant_context(force_a), pytest.raises(ImproperlyConfigured, match="must set `permission`"):
        Forgetful.as_view()(_request(rf, user, force_a))


def test_a_model_without_a_scoped_queryset_refuses_to_be_listed(rf, force_a):
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    with tenant_context(force_a), pytest.raises(ImproperlyConfigured, match="not a ForceScopedQuerySet"):
        Unscoped.as_view()(_request(rf, user, force_a))


def test_function_page_redirects_anonymous_and_logs_refusals(rf, force_a):
    request = _request(rf, AnonymousUser(), force_a)
    with tenant_context(force_a):
        response = function_page(request)
    assert response.status_code == 302 and "/sign-in/?next=" in response["Location"]

    reader = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    with tenant_context(force_a), pytest.raises(PermissionDenied):
        function_page(_request(rf, reader, force_a))
    with schema_context(force_a.schema_name):
        event = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).latest("id")
    assert event.actor_uuid == reader.uuid
    assert "change_subject" in event.justification
    assert "secret" not in event.justification  # the query string may hold a name: never logged

    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    with tenant_context(force_a):
        assert function_page(_request(rf, coordinator, force_a)).status_code == 200


def test_force_pages_do_not_exist_on_the_regional_host(rf, force_a):
    from tenants.models import Force

    platform = Force.objects.get(schema_name="public")
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    request = rf.get("/", HTTP_HOST="spmp.localhost")
    request.user = user
    with pytest.raises(Http404):
        function_page(request)
    assert platform.is_platform
