"""Django admin helpers every app may use (this module registers nothing).

Services are the only mutators (issue 7): the admin shows platform records read-only; a change an
administrator may make from the admin is an action that calls the owning app's service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewing follows Django's permissions; nobody, not even a superuser, adds, changes or deletes here.

    Django answers a POST to the add, change or delete view with 403 and changes nothing.
    """

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
