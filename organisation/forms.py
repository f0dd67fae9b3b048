"""Forms of the force administration pages: they parse input; the services validate and act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.forms import GovukDateField, GovukFormMixin, add_service_errors
from core.roles import ForceRole
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition, TeamKind
from organisation.models import Area, PracticeSettings, Team, TeamMember
from organisation.models.organisation import HOURS_IN_WEEK
from organisation.models.settings import DEMAND_FIELDS
from organisation.practice import COMPLIANCE_FIELDS, REMINDER_FIELDS, review_field, visit_field
from tenants.models import Membership

NO_PLAN = ""


class InviteForm(GovukFormMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The officer's work email address; the invitation link is sent there.",
        error_messages={
            "required": "Enter the officer's email address.",
            "invalid": "Enter a valid email address, e.g. j.smith@lincolnshire.police.uk.",
        },
    )
    full_name = forms.CharField(label="Full name", max_length=150, required=False)
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=ForceRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose every role the officer holds in this force.",
        error_messages={
            "required": "Choose at least one role.",
            "invalid_choice": "'%(value)s' is not a role of this platform; choose from the list.",
        },
    )


class RolesForm(GovukFormMixin, forms.Form):
    roles = InviteForm.base_fields["roles"]


class RoleGrantForm(GovukFormMixin, forms.Form):
    """A decision on a role awaiting a second administrator's approval."""

    role = forms.ChoiceField(choices=ForceRole.choices, error_messages={"required": "Choose the role."})
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")],
        error_messages={"required": "Choose approve or decline."},
    )


class ReasonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        required=False,
        help_text="Optional: recorded in the force's audit log (for example 'left the force').",
    )


class PeopleFilterForm(GovukFormMixin, forms.Form):
    error_names = {"q": "Name or email"}
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *ForceRole.choices])
    team = forms.ChoiceField(label="Team", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Membership.Status.choices]
    )
    sign_in = forms.ChoiceField(
        label="Last sign-in",
        required=False,
        choices=[
            ("", "Any time"),
            ("30", "In the last 30 days"),
            ("stale-90", "Not in the last 90 days"),
            ("never", "Never signed in"),
        ],
    )
    q = forms.CharField(label="Name or email contains", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Any team")] + [  # type: ignore[attr-defined]
            (str(t.uuid), t.name) for t in Team.objects.order_by("name")
        ]


class AreaForm(GovukFormMixin, forms.Form):
    error_names = {"name": "Area name", "code": "Area code", "description": "Area description"}
    name = forms.CharField(label="Name", max_length=100, required=False)
    code = forms.CharField(
        label="Code", max_length=20, required=False, help_text="A short code, e.g. LINC-C."
    )
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea,
        max_length=Area._meta.get_field("description").max_length,
    )


class TeamForm(GovukFormMixin, forms.Form):
    error_names = {"name": "Team name"}
    name = forms.CharField(label="Name", max_length=100, required=False)
    kind = forms.ChoiceField(
        label="Kind of team",
        required=False,
        choices=[("", "Choose a kind"), *TeamKind.choices],
        help_text="Visits are tasked to response and neighbourhood teams.",
    )
    areas = forms.MultipleChoiceField(
        label="Areas covered",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose areas of this force from the list."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = [(str(a.uuid), a.name) for a in Area.objects.order_by("name")]  # type: ignore[attr-defined]


class TeamMemberForm(GovukFormMixin, forms.Form):
    person = forms.ChoiceField(
        label="Person",
        error_messages={
            "required": "Choose a person of this force.",
            "invalid_choice": "Only people of this force can be added to its teams.",
        },
    )
    is_lead = forms.BooleanField(label="Team lead", required=False)

    def __init__(self, *args: Any, people: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose a person")] + [  # type: ignore[attr-defined]
            (str(m.user.uuid), f"{m.user.get_full_name()} ({m.user.email})") for m in people
        ]


def hours_field_name(link: TeamMember) -> str:
    return f"hours_{link.user.uuid.hex}"


class CapacityForm(GovukFormMixin, forms.Form):
    """Members' hours a week on this work and, for response and neighbourhood teams, the share of
    the unit's visits the team takes (issue 15)."""

    def __init__(self, *args: Any, team: Team, links: list[TeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = links
        for link in links:
            self.fields[hours_field_name(link)] = forms.DecimalField(
                label=f"Hours a week: {link.user.get_full_name()}",
                min_value=0,
                max_value=HOURS_IN_WEEK,
                decimal_places=1,
                max_digits=4,
                initial=link.hours_per_week,
                error_messages={
                    "required": f"Enter the hours a week for {link.user.get_full_name()}, from 0 to 168",
                    "invalid": "Enter the hours a week as a number from 0 to 168",
                    "min_value": "Enter the hours a week as a number from 0 to 168",
                    "max_value": "Enter the hours a week as a number from 0 to 168",
                    "max_decimal_places": "Enter the hours a week to one decimal place at most",
                    "max_digits": "Enter the hours a week as a number from 0 to 168",
                },
            )
        if team.kind in (TeamKind.RESPONSE, TeamKind.NEIGHBOURHOOD):
            self.fields["visit_share"] = forms.IntegerField(
                label="Share of the unit's visits this team takes (%)",
                min_value=0,
                max_value=100,
                initial=team.visit_share,
                help_text="A whole number from 0 to 100; all teams together take 100% at most.",
                error_messages={
                    "required": "Enter the share of visits, from 0 to 100",
                    "invalid": "Enter the share of visits as a whole number from 0 to 100",
                    "min_value": "Enter the share of visits as a whole number from 0 to 100",
                    "max_value": "Enter the share of visits as a whole number from 0 to 100",
                },
            )

    def hours(self) -> dict[int, Any]:
        return {link.user_id: self.cleaned_data[hours_field_name(link)] for link in self.links}


class AbsenceForm(GovukFormMixin, forms.Form):
    """A member of the team away from one day to another (issue 15)."""

    person = forms.ChoiceField(
        label="Person",
        error_messages={
            "required": "Choose a member of the team",
            "invalid_choice": "Choose a member of the team",
        },
    )
    starts_on = GovukDateField(label="From", help_text="For example, 27 3 2026")
    ends_on = GovukDateField(label="To", help_text="The last day away, for example, 3 4 2026")

    def __init__(self, *args: Any, links: list[TeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose a person")] + [  # type: ignore[attr-defined]
            (str(link.user.uuid), link.user.get_full_name()) for link in links
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, label in (("starts_on", "the first day away"), ("ends_on", "the last day away")):
            if name not in self.errors and data.get(name) is None:
                self.add_error(name, f"Enter {label}")
        return data


class SettingsForm(GovukFormMixin, forms.Form):
    """Every practice setting on one page; built from the current settings and the order types."""

    def __init__(self, *args: Any, settings_row: PracticeSettings, order_types: list[Any], **kwargs: Any):
        initial: dict[str, Any] = {
            f: getattr(settings_row, f) for f in (*REMINDER_FIELDS, *COMPLIANCE_FIELDS, *DEMAND_FIELDS)
        }
        for visit in settings_row.visit_intervals.all():
            initial[visit_field(visit.risk_level) + "_every"] = visit.every
            initial[visit_field(visit.risk_level) + "_unit"] = visit.unit
        for interval in settings_row.review_intervals.all():
            initial[review_field(interval.risk_level) + "_every"] = interval.every
            initial[review_field(interval.risk_level) + "_unit"] = interval.unit
        for rule in settings_row.scope_rules.all():
            initial[f"scope_{rule.order_type_code}"] = rule.subject_condition
        initial["tactical_options"] = "\n".join(settings_row.tactical_options)
        initial["warning_markers"] = "\n".join(settings_row.warning_markers)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for level in RiskLevel:
            name = review_field(level)
            self.fields[name + "_every"] = forms.IntegerField(
                label=f"{level.label} risk: review every",
                required=True,
                error_messages={
                    "required": f"Enter how often {level.label.lower()} risk plans are reviewed.",
                    "invalid": "Enter a whole number.",
                },
            )
            self.fields[name + "_unit"] = forms.ChoiceField(
                label=f"{level.label} risk: unit", choices=IntervalUnit.choices
            )
        for level in RiskLevel:
            name = visit_field(level)
            self.fields[name + "_every"] = forms.IntegerField(
                label=f"{level.label} risk: a routine visit every",
                required=False,
                help_text="Leave empty for no routine visits at this risk level.",
                error_messages={"invalid": "Enter a whole number."},
            )
            self.fields[name + "_unit"] = forms.ChoiceField(
                label=f"{level.label} risk: unit", choices=IntervalUnit.choices, required=False
            )
        labels = {
            name: PracticeSettings._meta.get_field(name)
            for name in (*REMINDER_FIELDS, *COMPLIANCE_FIELDS, *DEMAND_FIELDS)
        }
        for field in (*REMINDER_FIELDS, *COMPLIANCE_FIELDS, *DEMAND_FIELDS):
            self.fields[field] = forms.IntegerField(
                # A post without the compliance settings (an older page) leaves them as they are.
                required=field in REMINDER_FIELDS,
                label=str(labels[field].verbose_name).capitalize(),  # type: ignore[union-attr]
                help_text=str(labels[field].help_text),  # type: ignore[union-attr]
                error_messages={
                    "required": f"Enter “{labels[field].verbose_name!s}”.",  # type: ignore[union-attr]
                    "invalid": "Enter a whole number.",
                },
            )
        self.order_types = order_types
        for order_type in order_types:
            self.fields[f"scope_{order_type.code}"] = forms.ChoiceField(
                label=f"{order_type.name} ({order_type.code})",
                required=False,
                choices=[(NO_PLAN, "No plan needed"), *SubjectCondition.choices],
            )
        self.fields["tactical_options"] = forms.CharField(
            label="Tactical options", required=False, widget=forms.Textarea, help_text="One per line."
        )
        self.fields["warning_markers"] = forms.CharField(
            label="Warning markers", required=False, widget=forms.Textarea, help_text="One per line."
        )

    def summary(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The settings as headed rows of (label, value) for those who may only read them."""

        def shown(name: str) -> str:
            field, value = self.fields[name], self[name].value()
            if isinstance(field, forms.ChoiceField):
                return str(dict(field.choices).get(value or "", value or "No plan needed"))  # type: ignore[arg-type]
            return str(value if value not in (None, "") else "None")

        intervals = [
            (
                str(every.label).replace(": review every", ""),
                f"Every {every.value()} {dict(IntervalUnit.choices).get(unit.value(), unit.value()).lower()}",
            )
            for every, unit in self.interval_fields()
        ]
        reminders = [(str(f.label), f"{shown(f.name)} days") for f in self.reminder_fields()]
        visits = [
            (
                str(every.label).replace(": a routine visit every", ""),
                f"Every {every.value()} {dict(IntervalUnit.choices).get(unit.value(), unit.value()).lower()}"
                if every.value() not in (None, "")
                else "No routine visits",
            )
            for every, unit in self.visit_interval_fields()
        ]
        compliance = [(str(f.label), shown(f.name)) for f in self.compliance_fields()]
        demand = [(str(f.label), f"{shown(f.name)} minutes") for f in self.demand_fields()]
        scope = [(str(f.label), shown(f.name)) for f in self.scope_fields()]
        lists = [
            (str(self.fields[name].label), ", ".join(str(self[name].value() or "").splitlines()) or "None")
            for name in ("tactical_options", "warning_markers")
        ]
        return [
            ("Review intervals by risk level", intervals),
            ("Reminder lead times", reminders),
            ("Routine visits by risk level", visits),
            ("Breaches and escalation", compliance),
            ("Time per piece of work (resourcing)", demand),
            ("Which orders and subjects need a plan", scope),
            ("Lists", lists),
        ]

    def interval_fields(self) -> list[tuple[Any, Any]]:
        return [
            (self[review_field(level) + "_every"], self[review_field(level) + "_unit"]) for level in RiskLevel
        ]

    def reminder_fields(self) -> list[Any]:
        return [self[f] for f in REMINDER_FIELDS]

    def visit_interval_fields(self) -> list[tuple[Any, Any]]:
        return [
            (self[visit_field(level) + "_every"], self[visit_field(level) + "_unit"]) for level in RiskLevel
        ]

    def compliance_fields(self) -> list[Any]:
        return [self[f] for f in COMPLIANCE_FIELDS]

    def demand_fields(self) -> list[Any]:
        return [self[f] for f in DEMAND_FIELDS]

    def scope_fields(self) -> list[Any]:
        return [self[f"scope_{o.code}"] for o in self.order_types]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "review_intervals": {
                level: {
                    "every": data[review_field(level) + "_every"],
                    "unit": data[review_field(level) + "_unit"],
                }
                for level in RiskLevel.values
            },
            "reminders": {f: data[f] for f in REMINDER_FIELDS},
            "compliance": {f: data[f] for f in COMPLIANCE_FIELDS if data.get(f) is not None},
            # Left out of a post (an older page): as they are.
            "demand_minutes": {f: data[f] for f in DEMAND_FIELDS if data.get(f) is not None},
            # Only the levels the post carries: an emptied box means no routine visits there.
            "visit_intervals": {
                level: (
                    {
                        "every": data[visit_field(level) + "_every"],
                        "unit": data.get(visit_field(level) + "_unit") or "",
                    }
                    if data.get(visit_field(level) + "_every") is not None
                    else None
                )
                for level in RiskLevel.values
                if visit_field(level) + "_every" in self.data
            },
            "plan_scope": {
                o.code: data[f"scope_{o.code}"] for o in self.order_types if data.get(f"scope_{o.code}")
            },
            "tactical_options": data["tactical_options"].splitlines(),
            "warning_markers": data["warning_markers"].splitlines(),
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's field errors on the form's fields (intervals on their number box)."""
        add_service_errors(
            self, error, field_for=lambda key: f"{key}_every" if f"{key}_every" in self.fields else None
        )
