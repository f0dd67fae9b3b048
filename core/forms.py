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


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A service's error on one field, with its stable code (an app's ``ErrorCode`` TextChoices).

    The web shows ``message`` beside the field; the API returns it in ``fields`` and the code in
    ``codes`` under the same field name, so programs branch on the code, never on the words.
    """
    return ValidationError({field: [ValidationError(message, code=str(code))]})


def field_errors(errors: dict[str, list[tuple[str, str]]]) -> ValidationError:
    """Several fields' errors at once: field -> [(message, code), ...]."""
    return ValidationError(
        {
            field: [ValidationError(message, code=str(code)) for message, code in pairs]
            for field, pairs in errors.items()
        }
    )


def coded(message: str, code: str) -> ValidationError:
    """One message with its stable code, for lists of messages a service gathers per field."""
    return ValidationError(message, code=str(code))
