"""Object grants: the rows django-guardian says a user may read beyond their roles.

``ForceScopedQuerySet.widen`` calls ``granted_rows`` for a user whose roles do not open an action
(a partner force's reader inside ``schema_context(owner)``, a partner agency's user). Guardian's
tables live in each force's schema, so the answer is always about the schema that is active: the
caller enters the owner's schema first and names the owner as ``force``. ``core`` imports no app:
the permissions are named as strings ("subjects.share_briefing") by the models that declare them.

The permission rows are read from guardian's own tables (``UserObjectPermission``,
``GroupObjectPermission``, as ``guardian.shortcuts.get_objects_for_user`` reads them) inside the
same statement as the rows, naming the content type by app label and model: django-tenants clears
the content-type cache at every change of schema, so ``get_objects_for_user`` cost a query more on
every cross-force read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.functions import Cast


def granted_rows(queryset: models.QuerySet[Any], user: Any, perms: Iterable[str], *, path: str = "") -> Any:
    """The rows of ``queryset`` on which (or on whose ``path`` object) ``user`` holds any of
    ``perms`` through guardian, directly or through a group; none for anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    from guardian.models import GroupObjectPermission, UserObjectPermission

    target = queryset.model
    if path:
        for part in path.split("__"):
            target = target._meta.get_field(part).related_model
    by_app: dict[str, list[str]] = {}
    for perm in perms:
        app_label, _, codename = perm.partition(".")
        by_app.setdefault(app_label, []).append(codename)
    held = models.Q()
    for app_label, codenames in by_app.items():
        assert app_label == target._meta.app_label, (perm, target)
        permission = {
            "permission__codename__in": codenames,
            "permission__content_type__app_label": app_label,
            "permission__content_type__model": target._meta.model_name,
        }
        held |= models.Q(
            _granted_pk__in=UserObjectPermission.objects.filter(user=user, **permission).values("object_pk")
        ) | models.Q(
            _granted_pk__in=GroupObjectPermission.objects.filter(group__user=user, **permission).values(
                "object_pk"
            )
        )
    objects = target._base_manager.alias(_granted_pk=Cast("pk", models.CharField())).filter(held).values("pk")
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: objects})
