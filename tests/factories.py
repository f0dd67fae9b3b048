"""Small factories for test data: users with roles in a force, subjects in a force."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from django_tenants.utils import schema_context

from tenants.models import Force, Membership, RegionalRole, User

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_user(
    *,
    force: Force | None = None,
    roles: Iterable[str] = (),
    email: str | None = None,
    status: str = Membership.Status.ACTIVE,
    regional: tuple[str, object] | None = None,
) -> User:
    email = email or f"user{next(_seq)}@{force.slug if force else 'platform'}.test"
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=f"Test {email}")
    if force is not None:
        Membership.objects.create(user=user, force=force, roles=list(roles), status=status)
    if regional is not None:
        role, region = regional
        RegionalRole.objects.create(user=user, role=role, region=region)
    return user


def make_subject(force: Force, **fields):  # type: ignore[no-untyped-def]
    from subjects.models import Subject

    n = next(_seq)
    defaults = {"family_name": f"Surname{n}", "given_names": f"Given{n}"}
    defaults.update(fields)
    with schema_context(force.schema_name):
        return Subject.objects.create(**defaults)
