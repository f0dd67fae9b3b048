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

# The GOV.UK date input lives in core.forms (organisation's absences use it too); importable here.
from core.forms import DateParts, GovukDateField, GovukDateWidget  # noqa: F401
from core.reasons import REASON_MAX_LENGTH

from .models import (
    Gender,
    RetentionGroup,
    Subject,
    SubjectAddress,
    SubjectAlias,
    SubjectDevice,
    SubjectSocialAccount,
    SubjectVehicle,
)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# -- profile records typed one a line, columns separated by "|" ---------------------------------

#: Per nested list: the columns of a line (a record's field, or a date), and which are choices.
RECORD_COLUMNS: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "addresses": (SubjectAddress, ("address", "postcode", "known_from", "known_to", "kind")),
    "devices": (
        SubjectDevice,
        ("kind", "make_model", "imei", "serial_number", "phone_number", "known_from", "known_to"),
    ),
    "social_accounts": (SubjectSocialAccount, ("platform", "handle", "status", "known_from", "known_to")),
    "vehicles": (
        SubjectVehicle,
        ("vrm", "make", "model", "colour", "known_from", "known_to", "keeper_status"),
    ),
}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")
_CHOICE_COLUMNS = {"kind": "Kind", "status": "Status", "keeper_status": "KeeperStatus"}


def _column_label(model: Any, column: str) -> str:
    return str(model._meta.get_field(column).verbose_name)


def _choice_of(model: Any, column: str) -> Any:
    """The TextChoices of a column typed as a choice, or None (a device's ``kind`` is free text)."""
    if model is SubjectDevice:
        return None
    return getattr(model, _CHOICE_COLUMNS[column], None) if column in _CHOICE_COLUMNS else None


def parse_records(name: str, text: str) -> list[dict[str, Any]]:
    """Each non-empty line as one record; a line that cannot be read is a field error naming it."""
    model, columns = RECORD_COLUMNS[name]
    records: list[dict[str, Any]] = []
    problems: list[ValidationError] = []
    for number, line in enumerate(_lines(text), start=1):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > len(columns):
            problems.append(
                ValidationError(f"Line {number} has more than {len(columns)} parts", code="invalid")
            )
            continue
        record: dict[str, Any] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column in ("known_from", "known_to"):
                record[column] = _parse_date(cell, number, column, problems)
            elif (choices := _choice_of(model, column)) is not None:
                if not cell:
                    continue
                found = [v for v, label in choices.choices if cell.lower() in (v, str(label).lower())]
                if not found:
                    allowed = ", ".join(v for v, _label in choices.choices)
                    problems.append(
                        ValidationError(
                            f"Line {number}: {_column_label(model, column)} must be one of {allowed}",
                            code="invalid_choice",
                        )
                    )
                    continue
                record[column] = found[0]
            else:
                record[column] = cell
        records.append(record)
    if problems:
        raise ValidationError(problems)
    return records


def _parse_date(cell: str, number: int, column: str, problems: list[ValidationError]) -> dt.date | None:
    if not cell:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cell, fmt).date()
        except ValueError:
            continue
    problems.append(
        ValidationError(
            f"Line {number}: {column.replace('_', ' ')} must be a real date, like 27/3/2024", code="invalid"
        )
    )
    return None


def format_records(name: str, records: Any) -> str:
    """The records as the lines the form reads back (so an edit keeps every column)."""
    _model, columns = RECORD_COLUMNS[name]
    lines = []
    for record in records:
        cells = []
        for column in columns:
            value = getattr(record, column)
            cells.append(f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else str(value or ""))
        while cells and not cells[-1]:
            cells.pop()
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def _records_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=20_000,
        widget=forms.Textarea,
        help_text=help_text,
        error_messages={"max_length": f"{label} must be %(limit_value)s characters or fewer in total"},
    )


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

    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Not recorded"), *Gender.choices]
    )
    area = forms.ChoiceField(label="Area", required=False, choices=())
    managing_team = forms.ChoiceField(
        label="Managing team", required=False, choices=(), help_text="An ancillary order unit of this force"
    )
    lead_officer = forms.ChoiceField(label="Lead officer", required=False, choices=())
    warning_markers = forms.MultipleChoiceField(
        label="Warning markers",
        required=False,
        choices=(),
        help_text="Select all that apply. The list is the force's own, set in its practice settings.",
        error_messages={"invalid_choice": "Choose warning markers from the list"},
    )
    registered_sex_offender = forms.TypedChoiceField(
        label="Registered sex offender",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
    )
    registered_from = GovukDateField(label="Registered from", help_text="For example, 27 3 2019")
    registered_until = GovukDateField(
        label="Registered until", help_text="Leave empty while registration is indefinite"
    )
    retention_group = forms.ChoiceField(
        label="MoPI retention group",
        required=False,
        choices=[("", "Not set"), *RetentionGroup.choices],
        help_text="Management of police information",
    )
    next_review_date = GovukDateField(label="Next MoPI review", help_text="For example, 1 6 2030")
    addresses = _records_field(
        "Addresses",
        "One address a line: address | postcode | known from | known to | kind (home, other or nfa). "
        "Dates like 27/3/2024; leave a part empty between bars if not known.",
    )
    devices = _records_field(
        "Electronic devices",
        "One device a line: type | make and model | IMEI | serial number | number | known from | known to",
    )
    social_accounts = _records_field(
        "Social media accounts",
        "One account a line: platform | handle or profile URL | status (active, suspended, closed, "
        "not-known) | known from | known to",
    )
    vehicles = _records_field(
        "Vehicles",
        "One vehicle a line: VRM | make | model | colour | known from | known to | keeper status "
        "(keeper, user, not-known)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_profile_choices()

    def _set_profile_choices(self) -> None:
        """The force's own lists: its areas, its ancillary order units, its people, its markers."""
        from core.tenancy import active_force
        from organisation.choices import TeamKind
        from organisation.models import Area, PracticeSettings, Team
        from tenants.models import Membership

        initial = self.initial or {}
        self.fields["area"].choices = [("", "Not set"), *((str(a.uuid), a.name) for a in Area.objects.all())]  # type: ignore[attr-defined]
        teams = Team.objects.filter(kind=TeamKind.ANCILLARY_ORDER_UNIT)
        self.fields["managing_team"].choices = [("", "Not set"), *((str(t.uuid), t.name) for t in teams)]  # type: ignore[attr-defined]
        members = (
            Membership.objects.filter(force_id=active_force().pk, status=Membership.Status.ACTIVE)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        people = [(str(m.user.uuid), m.user.full_name or m.user.email) for m in members]
        current = initial.get("lead_officer")
        if current and current not in {value for value, _label in people}:
            people.append((current, "The current lead officer (no longer active here)"))
        self.fields["lead_officer"].choices = [("", "Not set"), *people]  # type: ignore[attr-defined]
        markers = list(PracticeSettings.objects.values_list("warning_markers", flat=True).first() or [])
        markers += [m for m in initial.get("warning_markers", []) if m not in markers]
        self.fields["warning_markers"].choices = [(m, m) for m in markers]  # type: ignore[attr-defined]

    def _clean_records(self, name: str) -> list[dict[str, Any]]:
        return parse_records(name, self.cleaned_data.get(name, ""))

    def clean_addresses(self) -> list[dict[str, Any]]:
        return self._clean_records("addresses")

    def clean_devices(self) -> list[dict[str, Any]]:
        return self._clean_records("devices")

    def clean_social_accounts(self) -> list[dict[str, Any]]:
        return self._clean_records("social_accounts")

    def clean_vehicles(self) -> list[dict[str, Any]]:
        return self._clean_records("vehicles")

    @classmethod
    def initial_for(cls, subject: Subject) -> dict[str, Any]:
        return {
            "given_names": subject.given_names,
            "family_name": subject.family_name,
            "aliases": "\n".join(a.name for a in subject.aliases.all()),
            "date_of_birth": subject.date_of_birth,
            "pnc_id": subject.pnc_id,
            "niche_nominal_ref": subject.niche_nominal_ref,
            "gender": subject.gender,
            "area": str(subject.area.uuid) if subject.area else "",
            "managing_team": str(subject.managing_team.uuid) if subject.managing_team else "",
            "lead_officer": str(subject.lead_officer.uuid) if subject.lead_officer else "",
            "warning_markers": list(subject.warning_markers),
            "registered_sex_offender": "yes" if subject.registered_sex_offender else "no",
            "registered_from": subject.registered_from,
            "registered_until": subject.registered_until,
            "retention_group": subject.retention_group,
            "next_review_date": subject.next_review_date,
            **{name: format_records(name, getattr(subject, name).all()) for name in RECORD_COLUMNS},
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
            "gender": data["gender"],
            "area": data["area"] or None,
            "managing_team": data["managing_team"] or None,
            "lead_officer": data["lead_officer"] or None,
            "warning_markers": data["warning_markers"],
            "registered_sex_offender": data["registered_sex_offender"],
            "registered_from": data["registered_from"],
            "registered_until": data["registered_until"],
            "retention_group": data["retention_group"],
            "next_review_date": data["next_review_date"],
            **{name: data[name] for name in RECORD_COLUMNS},
        }


class PhotoForm(forms.Form):
    """A photograph of the subject; the service checks it and strips its metadata."""

    photo = forms.FileField(
        label="Upload a photograph",
        help_text="A JPEG or PNG, smaller than 10 MB. Its metadata (camera, time, location) is removed.",
        error_messages={"required": "Select a photograph", "empty": "The selected file is empty"},
    )
    caption = forms.CharField(
        label="Caption",
        required=False,
        max_length=200,
        help_text="For example, custody photograph",
        error_messages={"max_length": "Caption must be %(limit_value)s characters or fewer"},
    )
    taken_on = GovukDateField(label="Date taken", help_text="For example, 27 3 2024")

    def service_arguments(self) -> dict[str, Any]:
        upload = self.cleaned_data["photo"]
        data = upload.read(10 * 1024 * 1024 + 1)  # one byte over the limit is enough to refuse it
        return {
            "data": data,
            "caption": self.cleaned_data["caption"],
            "taken_on": self.cleaned_data["taken_on"],
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


class EndRegistrationForm(forms.Form):
    """The day the subject's sex offender registration ended; the service checks it."""

    ended_on = GovukDateField(
        label="Date registration ended",
        help_text="For example, 27 3 2026. Any notification the registration suspended starts from that day",
    )

    def clean_ended_on(self) -> Any:
        value = self.cleaned_data.get("ended_on")
        if value is None:
            raise forms.ValidationError("Enter the date registration ended", code="required")
        return value

    def service_arguments(self) -> dict[str, Any]:
        return {"ended_on": self.cleaned_data["ended_on"]}


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
        label="Search by name, alias, PNC id, VRM, IMEI or social media handle",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search must be %(limit_value)s characters or fewer"},
    )


class RetainSubjectForm(forms.Form):
    """A retention review's "retain": why, and when the record is next reviewed."""

    reason = forms.CharField(
        label="Why is this record kept?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea,
        required=False,
        help_text="For example, the subject is still managed under an order. It is recorded in the access log.",
        error_messages={"max_length": "Reason must be %(limit_value)s characters or fewer"},
    )
    next_review_date = GovukDateField(label="Next retention review", help_text="For example, 1 6 2031")
