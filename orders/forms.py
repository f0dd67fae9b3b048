"""Forms of the order pages. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

from core.forms import GovukFormMixin
from statute.models import NotificationTrigger, OrderType
from subjects.forms import GovukDateField
from subjects.models import Gender, RetentionGroup, Subject, SubjectAddress, SubjectDevice, SubjectVehicle

from .models import (
    ContactLogEntry,
    ContactMethod,
    NotificationRequirement,
    OrderEventKind,
    OrderStatus,
    ProtectedPerson,
    ProtectiveOrder,
    Reassurance,
    Relationship,
    TermKind,
)


def _max(model: Any, field: str) -> int:
    return int(model._meta.get_field(field).max_length)


class OrderForm(forms.Form):
    order_type = forms.ModelChoiceField(
        label="Order type",
        queryset=OrderType.objects.none(),
        to_field_name="code",
        empty_label="Choose the order type",
        error_messages={"required": "Choose the order type", "invalid_choice": "Choose the order type"},
    )
    court = forms.CharField(
        label="Court",
        max_length=_max(ProtectiveOrder, "court"),
        help_text="For example, Lincoln Magistrates' Court",
        error_messages={"required": "Enter the court that made the order"},
    )
    case_number = forms.CharField(
        label="Court case number", required=False, max_length=_max(ProtectiveOrder, "case_number")
    )
    applicant = forms.CharField(
        label="Applicant",
        required=False,
        max_length=_max(ProtectiveOrder, "applicant"),
        help_text="For example, Chief Constable of Lincolnshire Police",
    )
    applied_on = GovukDateField(label="Date applied for", help_text="For example, 27 3 2026")
    made_on = GovukDateField(label="Date made", help_text="For example, 27 3 2026")
    served_on = GovukDateField(label="Date served", help_text="Leave empty if not yet served")
    expires_on = GovukDateField(label="Expiry date", help_text="Leave empty if until further order")
    until_further_order = forms.BooleanField(label="The order runs until further order", required=False)
    niche_occurrence_ref = forms.CharField(
        label="Niche occurrence reference",
        required=False,
        max_length=_max(ProtectiveOrder, "niche_occurrence_ref"),
    )
    replaces = forms.ModelChoiceField(
        label="Replaces an earlier order",
        queryset=ProtectiveOrder.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="No, it replaces none",
        help_text="For example, the interim order a full order replaces",
    )
    confirm_short_duration = forms.BooleanField(
        label="I confirm the court made the order shorter than usual", required=False
    )

    def __init__(self, *args: Any, subject_orders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["order_type"]
        field.queryset = OrderType.objects.filter(is_active=True)  # type: ignore[attr-defined]
        field.label_from_instance = lambda ot: f"{ot.name} ({ot.code})"  # type: ignore[attr-defined]
        replaces = self.fields["replaces"]
        replaces.queryset = subject_orders if subject_orders is not None else ProtectiveOrder.objects.none()  # type: ignore[attr-defined]
        replaces.label_from_instance = lambda o: f"{o.order_type.code}, made {o.made_on or 'date not known'}"  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TermForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of term",
        choices=[("", "Choose prohibition or requirement"), *TermKind.choices],
        error_messages={"required": "Choose prohibition or requirement"},
    )
    wording = forms.CharField(
        label="Wording",
        widget=forms.Textarea,
        max_length=5000,
        help_text="The term as the order words it",
        error_messages={"required": "Enter the wording of the term"},
    )
    exclusion_zone = forms.CharField(
        label="Exclusion zone",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        help_text="Streets or area, if any",
    )
    starts_on = GovukDateField(label="Starts on", help_text="Leave empty if from the order's start")
    ends_on = GovukDateField(label="Ends on", help_text="Leave empty if until the order ends")

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", error_messages={"required": "Choose the new status"})
    on = GovukDateField(label="Date of the decision", help_text="For example, 27 3 2026")
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every status is offered: an illegal move gets the service's explanation, not a silent gap.
        self.fields["status"].choices = [("", "Choose the new status"), *OrderStatus.choices]  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class OrderEventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What did the court decide?",
        choices=[
            ("", "Choose"),
            (OrderEventKind.VARIATION, "Variation"),
            (OrderEventKind.RENEWAL, "Renewal"),
        ],
        error_messages={"required": "Choose variation or renewal"},
    )
    on = GovukDateField(label="Date of the decision", help_text="For example, 27 3 2026")
    expires_on = GovukDateField(label="New expiry date", help_text="For a renewal; leave empty otherwise")
    notes = forms.CharField(label="What changed", widget=forms.Textarea, required=False, max_length=5000)


class TriggerForm(forms.Form):
    trigger = forms.ChoiceField(
        label="What happened?",
        choices=[
            ("", "Choose"),
            *[
                (t.value, t.label)
                for t in NotificationTrigger
                if t not in (NotificationTrigger.SERVICE, NotificationTrigger.MAKING)
            ],
        ],
        error_messages={"required": "Choose what happened"},
    )
    trigger_date = GovukDateField(label="Date it happened", help_text="That day counts as day one")


class NotificationForm(forms.Form):
    notified_on = GovukDateField(label="Date notified", help_text="For example, 27 3 2026")
    notified_what = forms.CharField(
        label="What was notified",
        max_length=_max(NotificationRequirement, "notified_what"),
        help_text="For example, names and home address",
        error_messages={"required": "Enter what was notified"},
    )
    station = forms.CharField(
        label="Police station", max_length=_max(NotificationRequirement, "station"), required=False
    )
    officer = forms.CharField(
        label="Officer who took it", max_length=_max(NotificationRequirement, "officer"), required=False
    )
    acknowledgement = forms.CharField(
        label="Written acknowledgement reference",
        max_length=_max(NotificationRequirement, "acknowledgement"),
        required=False,
    )
    fingerprints_taken = forms.BooleanField(label="Fingerprints taken", required=False)
    photograph_taken = forms.BooleanField(label="Photograph taken", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False, max_length=5000)

    def clean_notified_on(self) -> Any:
        value = self.cleaned_data.get("notified_on")
        if value is None:
            raise forms.ValidationError("Enter the date the subject notified", code="required")
        return value

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _text(label: str, field: str, *, model: Any = ProtectedPerson, area: bool = False, **kwargs: Any) -> Any:
    """A text field as long as the model's, with its validators (an email's, a telephone's), so the
    page shows every field's error at once rather than the service's after the form's."""
    validators = [v for v in model._meta.get_field(field).validators if not isinstance(v, MaxLengthValidator)]
    return forms.CharField(
        label=label,
        max_length=_max(model, field),
        required=kwargs.pop("required", False),
        widget=forms.Textarea if area else forms.TextInput,
        validators=validators,
        **kwargs,
    )


class ProtectedPersonForm(GovukFormMixin, forms.Form):
    """A protected person's details; all but the relationship are stored encrypted."""

    name = _text("Full name", "name", required=True, help_text="As the order gives it")
    relationship = forms.ChoiceField(
        label="Relationship to the subject",
        choices=[("", "Choose or leave empty"), *Relationship.choices],
        required=False,
    )
    orders = forms.ModelMultipleChoiceField(
        label="Orders that protect them",
        queryset=ProtectiveOrder.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = _text("Address", "address", area=True, help_text="Where they live now")
    phone = _text("Telephone", "phone")
    email = _text("Email", "email")
    safe_contact = _text(
        "How to contact them safely",
        "safe_contact",
        area=True,
        help_text="For example, text first, never leave a voicemail, not after 6pm",
    )
    safety_measures = _text(
        "Safety measures",
        "safety_measures",
        area=True,
        help_text="For example, a panic alarm, a marker on the address",
    )
    notes = _text("Notes", "notes", area=True)

    def __init__(self, *args: Any, subject_orders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["orders"]
        field.queryset = subject_orders if subject_orders is not None else ProtectiveOrder.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = lambda o: (  # type: ignore[attr-defined]
            f"{o.order_type.name}, {o.get_status_display().lower()}"
            + (f", made {o.made_on:%-d %B %Y}" if o.made_on else "")
        )


class ContactForm(GovukFormMixin, forms.Form):
    contacted_on = GovukDateField(label="Date of contact", help_text="For example, 27 3 2026")
    method = forms.ChoiceField(label="How", choices=[("", "Choose how"), *ContactMethod.choices])
    officer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Officer",
        queryset=None,
        to_field_name="uuid",
        empty_label="Choose the officer",
        help_text="The member of the force who made the contact",
    )
    summary = _text("What was said", "summary", model=ContactLogEntry, area=True, required=True)
    reassured = forms.ChoiceField(
        label="Did they feel reassured?", choices=[("", "Choose"), *Reassurance.choices]
    )
    error_names = {"method": "how the contact was made", "reassured": "whether they felt reassured"}

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        field.queryset = officers  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.full_name or u.email  # type: ignore[attr-defined]

    def clean_contacted_on(self) -> Any:
        value = self.cleaned_data.get("contacted_on")
        if value is None:
            raise forms.ValidationError("Enter the date of contact", code="required")
        return value


class RemoveProtectedPersonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you removing this person?",
        max_length=500,
        widget=forms.Textarea,
        help_text="Kept in the access log. Do not write their name.",
    )


# -- the caseload import (orders.imports) --------------------------------------------------------

#: Dates in an import file: as typed in the UK or as spreadsheets export them.
IMPORT_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class ImportDateField(forms.DateField):
    """A date cell: 27/03/1985, 27-03-1985 or 1985-03-27."""

    def __init__(self, *, label: str, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            input_formats=IMPORT_DATE_FORMATS,
            help_text=help_text or "A date like 27/03/1985",
            error_messages={"invalid": f"{label} must be a real date, like 27/03/1985"},
        )


class YesNoField(forms.Field):
    """A yes/no cell (yes, no, y, n, true, false, 1, 0); empty is None (not given)."""

    def __init__(self, *, label: str, help_text: str) -> None:
        super().__init__(label=label, required=False, help_text=help_text)

    def to_python(self, value: Any) -> bool | None:
        text = str(value or "").strip().lower()
        if not text:
            return None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise forms.ValidationError(f"{self.label} must be yes or no", code="invalid")


class LooseChoiceField(forms.Field):
    """A cell holding one of ``choices``, by its value or its label, in any case; empty is ""."""

    def __init__(self, *, label: str, choices: Any, help_text: str = "") -> None:
        self.choices = list(choices)
        allowed = ", ".join(str(v) for v, _label in self.choices)
        super().__init__(label=label, required=False, help_text=help_text or f"One of: {allowed}")

    def to_python(self, value: Any) -> str:
        text = str(value or "").strip().lower()
        if not text:
            return ""
        for choice, label in self.choices:
            if text in (str(choice).lower(), str(label).lower()):
                return str(choice)
        allowed = ", ".join(str(v) for v, _label in self.choices)
        raise forms.ValidationError(f"{self.label} must be one of: {allowed}", code="invalid_choice")


def _cell(model: Any, name: str, label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=_max(model, name),
        help_text=help_text,
        error_messages={"max_length": f"{label} must be %(limit_value)s characters or fewer"},
    )


def _list(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=5000,
        help_text=help_text,
        error_messages={"max_length": f"{label} must be %(limit_value)s characters or fewer"},
    )


class CaseloadRowForm(forms.Form):
    """One row of a caseload import file: reads each cell (the services then check the rules).

    The field names are the file's column names; labels and hints document them on the import
    page and in the template. Subject columns first, then the order's.
    """

    pnc_id = _cell(Subject, "pnc_id", "PNC id", "Police National Computer id, like 98/1234567A")
    niche_nominal_ref = _cell(
        Subject, "niche_nominal_ref", "Niche nominal reference", "The nominal record in Niche"
    )
    family_name = _cell(
        Subject, "family_name", "Family name", "Surname as recorded; needed for a new subject"
    )
    given_names = _cell(Subject, "given_names", "Given names", "Forenames in full; needed for a new subject")
    aliases = _list("Aliases", "Other names, separated by semicolons (;)")
    date_of_birth = ImportDateField(label="Date of birth")
    gender = LooseChoiceField(label="Gender", choices=Gender.choices)
    area = forms.CharField(
        label="Area", required=False, max_length=200, help_text="The name of an area of this force"
    )
    managing_team = forms.CharField(
        label="Managing team",
        required=False,
        max_length=200,
        help_text="The name of an ancillary order unit of this force",
    )
    lead_officer = forms.CharField(
        label="Lead officer",
        required=False,
        max_length=254,
        help_text="The email address of a member of this force",
    )
    warning_markers = _list(
        "Warning markers", "From the force's list of warning markers, separated by semicolons (;)"
    )
    registered_sex_offender = YesNoField(label="Registered sex offender", help_text="yes or no")
    registered_from = ImportDateField(label="Registered from")
    registered_until = ImportDateField(label="Registered until")
    retention_group = LooseChoiceField(
        label="MoPI retention group", choices=RetentionGroup.choices, help_text="1, 2 or 3"
    )
    next_review_date = ImportDateField(label="Next MoPI review")
    home_address = _cell(SubjectAddress, "address", "Home address", "The address the subject lives at")
    home_postcode = _cell(SubjectAddress, "postcode", "Home postcode", "Its postcode")
    imei = _cell(SubjectDevice, "imei", "IMEI", "A mobile device's IMEI (15 digits)")
    vrm = _cell(SubjectVehicle, "vrm", "VRM", "A vehicle's registration mark, like AB12 CDE")

    order_type = forms.CharField(
        label="Order type",
        required=False,
        max_length=20,
        help_text="The order type's code, like SPO, ISPO or DAPO; leave the order columns empty for none",
    )
    court = _cell(ProtectiveOrder, "court", "Court", "The court that made the order")
    case_number = _cell(ProtectiveOrder, "case_number", "Court case number", "The court's case number")
    applicant = _cell(ProtectiveOrder, "applicant", "Applicant", "Who applied for the order")
    applied_on = ImportDateField(label="Date applied for")
    made_on = ImportDateField(label="Date made")
    served_on = ImportDateField(label="Date served")
    expires_on = ImportDateField(label="Expiry date", help_text="Empty if until further order")
    until_further_order = YesNoField(label="Until further order", help_text="yes or no")
    status = LooseChoiceField(
        label="Status",
        choices=OrderStatus.choices,
        help_text="Empty: worked out from the dates. Or one of: " + ", ".join(OrderStatus.values),
    )
    niche_occurrence_ref = _cell(
        ProtectiveOrder, "niche_occurrence_ref", "Niche occurrence reference", "The occurrence in Niche"
    )
    notified_on = ImportDateField(
        label="Date notified",
        help_text="When the subject made the notification the order brought; empty if not yet",
    )
    confirm_short_duration = YesNoField(
        label="Shorter than usual",
        help_text="yes if the court made the order shorter than its type usually lasts",
    )


def read_row(cells: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[forms.ValidationError]]]:
    """One row read by ``CaseloadRowForm``'s fields: the values of the cells that read, and the
    errors of those that did not, by column.

    What ``CaseloadRowForm(data=cells).is_valid()`` does, without building a form for each row:
    a form deep-copies its 33 fields when made, a third of the time of a 3,000-row import. The
    fields are only read here (``Field.clean`` keeps no state).
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[forms.ValidationError]] = {}
    for name, field in CaseloadRowForm.base_fields.items():
        try:
            values[name] = field.clean(cells.get(name, ""))
        except forms.ValidationError as exc:
            errors[name] = exc.error_list
    return values, errors


SUBJECT_COLUMNS = tuple(
    list(CaseloadRowForm.base_fields)[: list(CaseloadRowForm.base_fields).index("order_type")]
)
ORDER_COLUMNS = tuple(list(CaseloadRowForm.base_fields)[len(SUBJECT_COLUMNS) :])
IMPORT_COLUMNS = (*SUBJECT_COLUMNS, *ORDER_COLUMNS)


class CaseloadUploadForm(forms.Form):
    """The caseload file: a CSV of at most ``orders.imports.MAX_ROWS`` rows (the import checks it)."""

    file = forms.FileField(
        label="Upload a caseload file",
        help_text="A CSV file saved as UTF-8, with the template's header row, at most 5,000 rows",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )


class ConfirmDuplicatesForm(forms.Form):
    """Which rows, each a possible duplicate of a held subject, are new people to record."""

    confirm_rows = forms.TypedMultipleChoiceField(
        label="Record as new subjects",
        required=False,
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, rows: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm_rows"].choices = [(str(r), f"Row {r}") for r in rows]  # type: ignore[attr-defined]
