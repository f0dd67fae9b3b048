"""The one scoping path, after NetBox's ``RestrictedQuerySet``: ``restrict(user, action, *, force)``.

Every force model's queryset subclasses ``ForceScopedQuerySet`` and declares, per action, the
permissions (``core.roles.Perm``) that open it::

    class SubjectQuerySet(ForceScopedQuerySet["Subject"]):
        scope_permissions = {
            "view": {Perm.VIEW_SUBJECT},
            "change": {Perm.CHANGE_SUBJECT},
            "delete": {Perm.DELETE_SUBJECT},
        }

``restrict`` then decides in three steps:

1. **Roles, all or nothing**: a user holding one of the action's permissions in ``force`` gets
   the rows of step 2; anyone else none of them.
2. **Row rules**: ``narrow(user, action, force=...)`` may keep fewer rows (e.g. "my team's
   visits"). Override it in the model's queryset; the default keeps every row.
3. **Object grants** widen what steps 1-2 gave: ``widen(user, action, force=..., scoped=...)``.
   For a user whose roles do not open the action, the default asks django-guardian
   (``core.grants``) for the rows the queryset's ``grant_permissions`` name, held on the row or on
   the object at ``grant_path`` (a subject): a partner force's reader inside
   ``schema_context(owner)``, or a partner agency's user on their own force. A user whose roles
   open the action costs no query here.

The force is an argument, never read from the connection, so the same call works in a request,
in a job and inside ``schema_context(owner)`` for a cross-force read. An action the model does not
declare raises ``UnknownScopeAction`` (a programming error, caught when the page or viewset class
is defined and by ``tests/core/test_scoping.py``), never a silent empty list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from django.db import models

from .roles import Perm
from .tenancy import ForceLike, permissions_in

_M = TypeVar("_M", bound=models.Model)

#: The actions every scoped model understands unless it declares others.
STANDARD_ACTIONS = ("view", "change", "delete")


class UnknownScopeAction(LookupError):
    """``restrict`` was asked for an action the model does not declare."""


class ForceScopedQuerySet(models.QuerySet[_M], Generic[_M]):
    """A queryset that can only be read through ``restrict(user, action, *, force)``."""

    #: action -> the permissions any one of which opens it. Declared by every subclass.
    scope_permissions: ClassVar[Mapping[str, Iterable[str]]] = {}
    #: action -> django-guardian object permissions ("app_label.codename") that add rows to a
    #: user whose roles do not open the action (cross-force sharing grants, partner agencies).
    grant_permissions: ClassVar[Mapping[str, Iterable[str]]] = {}
    #: The lookup from a row to the object the grant permissions are held on ("" = the row).
    grant_path: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for action, perms in cls.scope_permissions.items():
            unknown = set(perms) - set(Perm.values)
            if unknown:
                raise TypeError(f"{cls.__name__}.scope_permissions[{action!r}] names unknown {unknown}.")

    @classmethod
    def declares(cls, action: str) -> bool:
        return action in cls.scope_permissions

    @classmethod
    def check_action(cls, action: str, *, where: str = "") -> None:
        """Raise ``UnknownScopeAction`` naming the model unless ``action`` is declared."""
        if action not in cls.scope_permissions:
            model = getattr(cls, "model_name", cls.__name__)
            raise UnknownScopeAction(
                f"{where or 'restrict()'}: {model} declares no scope action {action!r} "
                f"(it declares {sorted(cls.scope_permissions)})."
            )

    def restrict(self, user: Any, action: str, *, force: ForceLike | None) -> ForceScopedQuerySet[_M]:
        """The rows ``user`` may ``action`` in ``force`` (see the module docstring)."""
        type(self).check_action(action, where=f"{self.model.__name__}.restrict()")
        held = permissions_in(user, force)
        if force is not None and held & set(self.scope_permissions[action]):
            return self.widen(user, action, force=force, scoped=self.narrow(user, action, force=force))
        return self.widen(user, action, force=force, scoped=self.none())

    # -- hooks --------------------------------------------------------------------------------
    def narrow(self, user: Any, action: str, *, force: ForceLike) -> ForceScopedQuerySet[_M]:
        """Row rules: the rows of this queryset a permitted user may ``action``. Default: all."""
        return self

    def widen(
        self, user: Any, action: str, *, force: ForceLike | None, scoped: ForceScopedQuerySet[_M]
    ) -> ForceScopedQuerySet[_M]:
        """Object grants (cross-force sharing, partner agencies) add rows here: for a user whose
        roles gave no rows, the rows guardian's permissions name (``core.grants``)."""
        perms = self.grant_permissions.get(action)
        if not perms or not scoped.query.is_empty():
            return scoped
        from .grants import granted_rows

        return granted_rows(self, user, perms, path=self.grant_path)


def scoped_queryset_class(model: type[models.Model]) -> type[ForceScopedQuerySet[Any]] | None:
    """The ``ForceScopedQuerySet`` class of ``model``'s default manager, or None if it has none."""
    qs_class = type(model._default_manager.all())
    return qs_class if issubclass(qs_class, ForceScopedQuerySet) else None
