"""Object grants: the rows django-guardian says a user may read beyond their roles.

``ForceScopedQuerySet.widen`` calls ``granted_rows`` for a user whose roles do not open an action
(a partner force's reader inside ``schema_context(owner)``, a partner agency's user). Guardian's
tables live in each force's schema, so the answer is always about the schema that is active: the
caller enters the owner's schema first and names the owner as ``force``. ``core`` imports no app:
the permissions are named as strings ("subjects.share_briefing") by the models that declare them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


def granted_rows(queryset: models.QuerySet[Any], user: Any, perms: Iterable[str], *, path: str = "") -> Any:
    """The rows of ``queryset`` on which (or on whose ``path`` object) ``user`` holds any of
    ``perms`` through guardian, directly or through a group; none for anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    from guardian.shortcuts import get_objects_for_user

    target = queryset.model
    if path:
        for part in path.split("__"):
            target = target._meta.get_field(part).related_model
    objects = get_objects_for_user(
        user,
        list(perms),
        klass=target._default_manager.all(),
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: objects.values("pk")})
