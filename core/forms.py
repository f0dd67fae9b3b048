"""Form helpers shared by every app's web views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError


def add_service_errors(
    form: Any, error: ValidationError, *, field_for: Callable[[str], str | None] | None = None
) -> None:
    """Put a service's ValidationError on the form fields it names; the rest on the whole form.

    Services validate too (uniqueness, cross-field rules), and their errors must reach the officer
    beside the field they concern, as the form's own errors do. ``field_for`` maps a service's
    field name to a form field of another name.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        target = key if key in form.fields else (field_for(key) if field_for else None)
        for message in messages:
            form.add_error(target, message)
