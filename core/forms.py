"""Form helpers shared by every app's web views."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
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


_DJANGO_REQUIRED = "This field is required."


class GovukFormMixin:
    """Error messages the GOV.UK way on every field of the form, its dynamic fields included.

    A length limit reads "<Name> must be 100 characters or fewer" (never Django's "Ensure this
    value has at most ..."), and an empty required field "Enter <name>" or "Choose <name>".
    Messages a form sets itself are kept. ``error_names`` names fields whose label alone is too
    vague in an error summary (e.g. ``{"name": "Team name"}``).
    """

    error_names: dict[str, str] = {}
    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            govuk_messages(field, self.error_names.get(name) or str(field.label or name.replace("_", " ")))


def govuk_messages(field: Any, name: str) -> None:
    """Give one form field GOV.UK messages for its length limits and for being left empty."""
    messages = field.error_messages
    name = name[:1].upper() + name[1:]
    if getattr(field, "max_length", None) is not None and "max_length" not in messages:
        messages["max_length"] = f"{name} must be {field.max_length} characters or fewer"
    if getattr(field, "min_length", None) is not None and "min_length" not in messages:
        messages["min_length"] = f"{name} must be {field.min_length} characters or more"
    if messages.get("required") == _DJANGO_REQUIRED:
        lowered = name[:1].lower() + name[1:] if not name[:2].isupper() else name
        verb = "Choose" if isinstance(field, (forms.ChoiceField, forms.BooleanField)) else "Enter"
        messages["required"] = f"{verb} {lowered}"


class RecordChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A record chosen by its UUID (``to_field_name="uuid"``): anything else is ``invalid_choice``.

    Django's own field lets the UUID column's ``ValidationError`` through with the database's
    wording ("“x” is not a valid UUID."); a person reads the field's own message instead.
    """

    def to_python(self, value: Any) -> Any:
        model = self.queryset.model if self.queryset is not None else None
        if value not in self.empty_values and not (model is not None and isinstance(value, model)):
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
                ) from None
        return super().to_python(value)


# -- the GOV.UK date input (subjects, compliance and organisation forms) --------------------------
_DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))


class GovukDateWidget(forms.MultiWidget):
    """Three inputs named ``<name>_day``, ``<name>_month``, ``<name>_year`` (GOV.UK date input)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({key: forms.TextInput() for key, _label, _width in _DATE_PARTS}, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def id_for_label(self, id_: str) -> str:
        # The label and the error summary point at the first box, as the Design System asks.
        return f"{id_}_day" if id_ else ""


class DateParts(forms.BoundField):
    """A bound date field that hands the template its three parts, each with its typed value."""

    @property
    def parts(self) -> list[dict[str, Any]]:
        value = self.value()
        if not isinstance(value, (list, tuple)):
            value = self.field.widget.decompress(value)
        part_errors: set[str] = getattr(self.field, "error_parts", set())
        out = []
        for (key, label, width), typed in zip(_DATE_PARTS, value, strict=False):
            out.append(
                {
                    "key": key,
                    "label": label,
                    "width": width,
                    "value": typed or "",
                    "name": f"{self.html_name}_{key}",
                    "id": f"{self.auto_id}_{key}",
                    "error": bool(self.errors) and (not part_errors or key in part_errors),
                }
            )
        return out


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the Design System's error messages."""

    widget = GovukDateWidget
    bound_field_class = DateParts

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        #: Which boxes to mark in error (all three unless some were left empty).
        self.error_parts: set[str] = set()
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, require_all_fields=False, required=False, label=label, **kwargs)

    def clean(self, value: Any) -> dt.date | None:
        # Keep the raw text: "31" "02" "2000" must come back as typed with an error, not vanish.
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        return self.compress(parts)

    def compress(self, data_list: list[str]) -> dt.date | None:
        day, month, year = [*data_list, "", "", ""][:3]
        label = self.label or "Date"
        given = {"day": day, "month": month, "year": year}
        if not any(given.values()):
            return None
        missing = [k for k, v in given.items() if not v]
        self.error_parts = set(missing)
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}", code="incomplete")
        # ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits.
        if not all(v.isascii() and v.isdigit() for v in given.values()):
            raise ValidationError(f"{label} must be a real date, in numbers", code="invalid")
        if len(year) != 4:
            self.error_parts = {"year"}
            raise ValidationError("Year must include 4 numbers", code="invalid_year")
        too_long = {key for key in ("day", "month") if len(given[key]) > 2}
        if too_long:
            # 25 nines as a day does not fit a C int: dt.date raised OverflowError, a 500.
            self.error_parts = too_long
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            return dt.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValidationError(f"{label} must be a real date", code="invalid") from None
