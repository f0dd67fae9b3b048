"""Django admin helpers every app may use (this module registers nothing).

Services are the only mutators (issue 7): the admin shows platform records read-only; a change an
administrator may make from the admin is an action that calls the owning app's service.
Reading people's records there is a consultation like any other (DPA 2018 s.62): an admin whose
rows name people sets ``personal_data`` and each list page and record page shown is logged, by the
audit app (``core.signals.records_viewed``: ``core`` imports no app).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin

from core.signals import records_viewed


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewing follows Django's permissions; nobody, not even a superuser, adds, changes or deletes here.

    Django answers a POST to the add, change or delete view with 403 and changes nothing.
    """

    #: The rows name people: every list page and record page shown logs one consult naming them.
    personal_data: ClassVar[bool] = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.personal_data and changelist is not None:  # a redirect (after an action) shows nothing
            # Evaluated once: the page shows the very rows the log names.
            changelist.result_list = list(changelist.result_list)
            self._log_viewed(request, changelist.result_list, f"list: {self.model._meta.verbose_name_plural}")
        return response

    def change_view(self, request: Any, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        record = (getattr(response, "context_data", None) or {}).get("original")
        if self.personal_data and record is not None and response.status_code == 200:
            self._log_viewed(request, [record], f"record: {self.model._meta.verbose_name}")
        return response

    def _log_viewed(self, request: Any, records: list[Any], what: str) -> None:
        if records:
            records_viewed.send(
                sender=type(self), user=request.user, records=records, justification=f"Django admin {what}"
            )
