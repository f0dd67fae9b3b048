"""Forms of the case-work pages: the subject's identity, the reason for access, the search box.

Forms only parse what was typed; rules that need the database (a PNC id used twice) live in
``subjects.services``, whose field errors ``spmp_platform.forms.add_service_errors`` puts back on
the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.reasons import REASON_MAX_LENGTH

from .models import Subject, SubjectAlias

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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SubjectForm(forms.Form):
    """A subject's core identity, as the create and edit pages ask for it."""

    given_names = forms.CharField(
        label="Given names",
        max_length=Subject._meta.get_field("given_names").max_length,
        error_messages={
            "required": "Enter the subject's given names",
            "max_length": "Given names must be %(limit_value)s characters or fewer",
        },
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=Subject._meta.get_field("family_name").max_length,
        error_messages={
            "required": "Enter the subject's family name",
            "max_length": "Family name must be %(limit_value)s characters or fewer",
        },
    )
    aliases = forms.CharField(
        label="Other names (aliases)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea,
        help_text="Nicknames, previous or assumed names. Put each name on its own line.",
        error_messages={"max_length": "Aliases must be %(limit_value)s characters or fewer in total"},
    )
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 1985")
    pnc_id = forms.CharField(
        label="PNC id",
        required=False,
        max_length=Subject._meta.get_field("pnc_id").max_length,
        help_text="Police National Computer id, for example 98/1234567A",
        error_messages={"max_length": "PNC id must be %(limit_value)s characters or fewer"},
    )
    niche_nominal_ref = forms.CharField(
        label="Niche nominal reference",
        required=False,
        max_length=Subject._meta.get_field("niche_nominal_ref").max_length,
        help_text="The nominal record in Niche, the force's record of truth",
        error_messages={"max_length": "Niche nominal reference must be %(limit_value)s characters or fewer"},
    )

    #: Sent by the "Record as a new subject" button after a possible duplicate was shown.
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, subject: Subject) -> dict[str, Any]:
        return {
            "given_names": subject.given_names,
            "family_name": subject.family_name,
            "aliases": "\n".join(a.name for a in subject.aliases.all()),
            "date_of_birth": subject.date_of_birth,
            "pnc_id": subject.pnc_id,
            "niche_nominal_ref": subject.niche_nominal_ref,
        }

    def clean_aliases(self) -> str:
        """Each alias's length is checked with the other fields, not after they all pass."""
        text = self.cleaned_data["aliases"]
        limit = SubjectAlias._meta.get_field("name").max_length
        errors = [
            ValidationError(
                f"The alias on line {line} must be {limit} characters or fewer", code="max_length"
            )
            for line, name in enumerate((text or "").splitlines(), start=1)
            if len(name.strip()) > limit  # type: ignore[operator]
        ]
        if errors:
            raise ValidationError(errors)
        return text

    def service_arguments(self) -> dict[str, Any]:
        """What ``create_subject``/``update_subject`` take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "given_names": data["given_names"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "pnc_id": data["pnc_id"],
            "niche_nominal_ref": data["niche_nominal_ref"],
            "aliases": _lines(data["aliases"]),
        }


class ReasonForAccessForm(forms.Form):
    """Why the officer is opening this case file: kept in the consult event of the access log."""

    reason = forms.CharField(
        label="Why do you need to open this case file?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea,
        help_text="For example, the visit you are preparing, the review you are doing or the "
        "enquiry you are answering. It is recorded in the access log with your name.",
        error_messages={
            "required": "Enter your reason for opening this case file",
            "max_length": "Reason must be %(limit_value)s characters or fewer",
        },
    )

    def clean_reason(self) -> str:
        return " ".join(self.cleaned_data["reason"].split())


class EraseSubjectForm(forms.Form):
    """Why a subject's record is erased: kept in the erasure event of the access log."""

    reason = forms.CharField(
        label="Why are you erasing this record?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea,
        help_text="For example, recorded in error, or the retention period has ended. It is recorded "
        "in the access log with your name.",
        error_messages={
            "required": "Enter your reason for erasing this record",
            "max_length": "Reason must be %(limit_value)s characters or fewer",
        },
    )

    def clean_reason(self) -> str:
        return " ".join(self.cleaned_data["reason"].split())


class SubjectSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, alias or PNC id",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search must be %(limit_value)s characters or fewer"},
    )
