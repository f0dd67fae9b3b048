"""The one scoping path: every force model is scoped, unknown actions fail early, and
``restrict(user, action, *, force)`` gives the right rows outside a request (a job, a
``schema_context``) and none of another force's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.conf import settings
from django_tenants.utils import schema_context

from core.pages import ForcePageMixin
from core.roles import ForceRole
from core.scoping import ForceScopedQuerySet, UnknownScopeAction, scoped_queryset_class
from jobs import registry
from jobs.registry import run_for_force
from subjects.models import Subject
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db

#: Models of force apps that hold no case data and are never listed to a force's users; each
#: with the reason it needs no ``restrict``. A new model is scoped, or added here with a reason.
UNSCOPED = {
    "jobs.Heartbeat": "the heartbeat job's proof that it ran in this schema; no personal data",
    "jobs.JobRun": "public job bookkeeping, read by platform operators only",
    "audit.AuditSeal": "public hash chain over events; holds hashes, never event text",
}

PROJECT_FORCE_APPS = [label for label in settings.TENANT_APPS if not label.startswith(("django", "guardian"))]


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


@pytest.mark.parametrize("app_label", PROJECT_FORCE_APPS)
def test_every_model_of_every_force_app_is_scoped(app_label: str) -> None:
    unscoped = [
        model._meta.label
        for model in apps.get_app_config(app_label).get_models()
        if scoped_queryset_class(model) is None and model._meta.label not in UNSCOPED
    ]
    assert not unscoped, f"{unscoped} must use a ForceScopedQuerySet (or be listed in UNSCOPED with a reason)"


def test_every_scoped_model_declares_the_standard_view_action() -> None:
    for app_label in PROJECT_FORCE_APPS:
        for model in apps.get_app_config(app_label).get_models():
            qs_class = scoped_queryset_class(model)
            if qs_class is not None:
                assert qs_class.declares("view"), f"{model._meta.label} declares no 'view' action"


def test_every_page_and_viewset_names_an_action_its_model_declares() -> None:
    """They already refuse at class definition; this proves every one that exists was checked."""
    import api.urls  # noqa: F401  (imports every viewset)
    import spmp_platform.urls_force  # noqa: F401  (imports every page)
    from api.viewsets import ForceViewSetMixin

    pages = [p for p in _all_subclasses(ForcePageMixin) if not p.__module__.startswith("tests.")]
    assert pages, "no force pages found"
    for page in pages:
        model = getattr(page, "model", None) or getattr(getattr(page, "queryset", None), "model", None)
        qs_class = scoped_queryset_class(model) if model is not None else None
        if qs_class is not None:
            qs_class.check_action(page.scope_action, where=page.__qualname__)
    viewsets = [v for v in _all_subclasses(ForceViewSetMixin) if not v.__module__.startswith("tests.")]
    assert viewsets, "no viewsets found"
    for viewset in viewsets:
        queryset = getattr(viewset, "queryset", None)
        if queryset is None:  # an abstract base
            assert not viewset.required_permissions, f"{viewset.__qualname__} names no queryset"
            continue
        qs_class = scoped_queryset_class(queryset.model)
        assert qs_class is not None, f"{viewset.__qualname__}: {queryset.model.__name__} is not scoped"
        for action in viewset.required_permissions:
            qs_class.check_action(viewset.action_scopes.get(action, "view"), where=viewset.__qualname__)


def test_an_undeclared_action_fails_naming_the_model(force_a) -> None:
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    with pytest.raises(UnknownScopeAction, match="Subject"):
        Subject.objects.restrict(user, "teleport", force=force_a)


def test_a_scoped_queryset_refuses_unknown_permissions_when_defined() -> None:
    with pytest.raises(TypeError, match="unknown"):

        class Bad(ForceScopedQuerySet[Subject]):
            scope_permissions = {"view": {"no_such_permission"}}


def test_restrict_inside_schema_context_gives_that_forces_rows_and_none_of_another(force_a, force_b) -> None:
    a_subject = make_subject(force_a, family_name="Alpha")
    b_subject = make_subject(force_b, family_name="Bravo")
    officer_a = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    officer_b = make_user(force=force_b, roles=[ForceRole.COORDINATOR])

    with schema_context(force_b.schema_name):
        # The cross-force read of the sharing issue: the owner's schema, the owner's force passed in.
        assert list(Subject.objects.restrict(officer_b, "view", force=force_b)) == [b_subject]
        # A reader who holds nothing in force B sees nothing there, whatever they hold in A.
        assert list(Subject.objects.restrict(officer_a, "view", force=force_b)) == []
    with schema_context(force_a.schema_name):
        assert list(Subject.objects.restrict(officer_a, "view", force=force_a)) == [a_subject]
        assert list(Subject.objects.restrict(officer_b, "view", force=force_a)) == []


def test_restrict_in_a_job_sees_the_forces_rows(force_a, force_b, monkeypatch) -> None:
    make_subject(force_a, family_name="Alpha")
    make_subject(force_a, family_name="Alpha2")
    make_subject(force_b, family_name="Bravo")
    readers = {
        force_a.slug: make_user(force=force_a, roles=[ForceRole.COORDINATOR]),
        force_b.slug: make_user(force=force_b, roles=[ForceRole.COORDINATOR]),
    }
    seen: dict[str, list[str]] = {}

    def probe(*, force, day):  # type: ignore[no-untyped-def]
        names = Subject.objects.restrict(readers[force.slug], "view", force=force).values_list(
            "family_name", flat=True
        )
        seen[force.slug] = sorted(names)

    monkeypatch.setitem(
        registry._JOBS, "scoping-probe", registry.PeriodicJob(name="scoping-probe", func=probe, schedule=None)
    )
    day = dt.date(2026, 1, 15)
    assert run_for_force("scoping-probe", force_a, day) == "ran"
    assert run_for_force("scoping-probe", force_b, day) == "ran"
    assert seen == {force_a.slug: ["Alpha", "Alpha2"], force_b.slug: ["Bravo"]}
