"""Factories for sharing tests: the same person in two forces, a request, an approved grant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from core.roles import ForceRole
from sharing import services
from sharing.choices import LawfulBasis, Scope
from tests.factories import make_subject, make_user
from tests.plans.helpers import active

DOB = dt.date(1980, 5, 17)
_n = iter(range(1000, 100000))


def same_person(force_a: Any, force_b: Any, *, with_plan: bool = True) -> tuple[Any, Any]:
    """(subject of a, subject of b): one person known to both (same PNC id, name and birth date).

    With ``with_plan``, b's subject has an active plan (briefing, orders, a protected person)."""
    n = next(_n)
    pnc = f"80/{n}Q"
    fields = {"family_name": f"Shared{n}", "given_names": "Sam", "date_of_birth": DOB}
    theirs = make_subject(force_b, pnc_id=pnc, **fields)
    if with_plan:
        active(force_b, subject=theirs)
    ours = make_subject(force_a, pnc_id=pnc, **fields)
    connection.set_schema_to_public()
    return ours, theirs


def asker(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.OFFICER])


def decider(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.DISCLOSURE_OFFICER])


def ask(force_a: Any, force_b: Any, ours: Any, user: Any = None, **fields: Any) -> Any:
    data = {
        "scopes": [Scope.BRIEFING],
        "lawful_basis": LawfulBasis.LAW_ENFORCEMENT,
        "justification": "He moved to our area; managing the same risk.",
        "duration_days": 30,
    }
    data.update(fields)
    user = user or asker(force_a)
    with tenant_context(force_a):
        request = services.request_sharing(
            actor=user, force=force_a, subject=ours, owning_force_uuid=force_b.uuid, **data
        )
    connection.set_schema_to_public()
    return request


def granted(force_a: Any, force_b: Any, ours: Any, **fields: Any) -> Any:
    request = ask(force_a, force_b, ours, **fields)
    with tenant_context(force_b):
        grant = services.approve(actor=decider(force_b), force=force_b, request_uuid=request.uuid)
    connection.set_schema_to_public()
    return grant


def read(force: Any, user: Any, grant_uuid: Any) -> Any:
    with tenant_context(force):
        try:
            return services.read_shared(user=user, force=force, grant_uuid=grant_uuid)
        finally:
            connection.set_schema_to_public()


def grant_everything(owner: Any, receiver: Any) -> None:
    """A live grant of every scope on every subject of ``owner`` to ``receiver``'s readers (made
    directly, as approval would): the "holds a sharing grant" case of ``ForceEndpointContract``."""
    from django.utils import timezone

    from sharing.models import Grant
    from sharing.services import _set_permissions
    from subjects.models import Subject

    with schema_context(owner.schema_name):
        subjects = list(Subject.objects.values_list("uuid", flat=True))
    connection.set_schema_to_public()
    now = timezone.now()
    for subject_uuid in subjects:
        grant = Grant.objects.create(
            owning_force_uuid=owner.uuid,
            receiving_force_uuid=receiver.uuid,
            subject_uuid=subject_uuid,
            scopes=list(Scope.values),
            granted_at=now,
            expires_at=now + dt.timedelta(days=30),
        )
        _set_permissions(grant, owner, scopes=grant.scopes, give=True)
    connection.set_schema_to_public()
