"""The forms of the plan's pages: one per part, each carrying the revision it was read at.

Lists of rows (Part 2's investigations, Part 4's relationships) are groups of fields, one group a
row (``RowGroup``): the page shows the rows saved and one blank row; "Add another" posts the form
for one more blank row without saving (htmx swaps in only the rows; without JavaScript the whole
page comes back), and a row left blank, or cleared, is not saved. Tactical options are ticked from
the force's list, under each pillar. The services check everything again and their coded errors
land on these fields (a row's on that row).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms

from core.forms import GovukFormMixin, govuk_messages
from organisation.choices import RiskLevel

from .choices import (
    SDASH_QUESTIONS,
    DisclosureDecision,
    DisclosureRoute,
    Pillar,
    PlanPart,
    SdashAnswer,
    StalkerTypology,
)
from .models import PlanVersion
from .services import MAX_TEXT, person_label

TEXT_MAX = MAX_TEXT


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=TEXT_MAX, widget=forms.Textarea, help_text=help_text
    )


def _day(text: str) -> str | None:
    """A date typed as 27/3/2024 (or ISO) as ISO text; None when it is not a date."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


class PartForm(GovukFormMixin, forms.Form):
    """The fields of one part and the revision it was read at."""

    part: str = ""
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        tactical_options: list[str] | None = None,
        persons: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        return {"revision": version.revision}

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "revision"}


@dataclass(frozen=True)
class RowColumn:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, choice
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 200
    help_text: str = ""


@dataclass(frozen=True)
class RowGroup:
    """A list of rows on a part's page, each row a group of fields named ``<name>-<i>-<column>``,
    with the number of rows shown in ``<name>-count`` (at most ``MAX_ROWS``)."""

    name: str
    word: str  # "Investigation": each row's legend and the service's error prefix
    columns: tuple[RowColumn, ...]
    required: tuple[str, ...] = ()

    def field_name(self, index: int, column: str) -> str:
        return f"{self.name}-{index}-{column}"

    def make_field(self, column: RowColumn) -> forms.Field:
        if column.kind == "choice":
            return forms.ChoiceField(
                label=column.label, required=False, choices=column.choices, help_text=column.help_text
            )
        if column.kind == "date":
            return forms.CharField(
                label=column.label,
                required=False,
                max_length=30,
                help_text=column.help_text or "For example, 27/3/2024",
            )
        return forms.CharField(
            label=column.label,
            required=False,
            max_length=column.max_length,
            widget=forms.Textarea if column.kind == "textarea" else forms.TextInput,
            help_text=column.help_text,
        )


MAX_ROWS = 50


class RowsMixin:
    """A part form with row groups (``row_groups``): the fields of each row, the rows typed as the
    service takes them, and each row's errors on that row."""

    row_groups: tuple[RowGroup, ...] = ()
    fields: dict[str, Any]
    cleaned_data: dict[str, Any]
    data: Any
    is_bound: bool

    def add_row_fields(self, initial_rows: dict[str, list[dict[str, Any]]]) -> None:
        #: name -> the number of rows shown; the index of a row added by "Add another" (or None).
        self.row_counts: dict[str, int] = {}
        self.new_row: dict[str, int | None] = {}
        for group in self.row_groups:
            if self.is_bound:
                try:
                    count = int(self.data.get(f"{group.name}-count", 1))
                except (TypeError, ValueError):
                    count = 1
                if self.data.get("add_row") == group.name:
                    self.new_row[group.name] = count
                    count += 1
            else:
                count = len(initial_rows.get(group.name, [])) + 1  # the rows saved and one blank
            count = max(1, min(count, MAX_ROWS))
            self.row_counts[group.name] = count
            self.new_row.setdefault(group.name, None)
            for index in range(count):
                for column in group.columns:
                    field = group.make_field(column)
                    govuk_messages(field, f"{group.word} {index + 1}: {column.label.lower()}")
                    field.error_messages["invalid_choice"] = (
                        f"{group.word} {index + 1}: choose the {column.label.lower()} from the list"
                    )
                    self.fields[group.field_name(index, column.name)] = field

    @staticmethod
    def initial_rows(group: RowGroup, rows: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index, row in enumerate(rows):
            for column in group.columns:
                value = getattr(row, column.name)
                if isinstance(value, dt.date):
                    value = f"{value.day}/{value.month}/{value.year}"
                out[group.field_name(index, column.name)] = value or ""
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Every row group with its rows' bound fields, for the template."""
        out = []
        for group in self.row_groups:
            rows = [
                {
                    "number": index + 1,
                    "new": index == self.new_row.get(group.name),
                    "fields": [self[group.field_name(index, c.name)] for c in group.columns],  # type: ignore[index]
                }
                for index in range(self.row_counts[group.name])
            ]
            out.append({"group": group, "count": self.row_counts[group.name], "rows": rows})
        return out

    def _typed_rows(self, group: RowGroup) -> list[tuple[int, dict[str, Any]]]:
        """The non-blank rows as ``(form index, values)``."""
        out = []
        for index in range(self.row_counts[group.name]):
            values = {
                c.name: (self.cleaned_data.get(group.field_name(index, c.name)) or "").strip()
                for c in group.columns
            }
            if any(values.values()):
                out.append((index, values))
        return out

    def clean_rows(self) -> None:
        """A row begun must say what the service needs (its required columns), a date be a date."""
        for group in self.row_groups:
            for index, values in self._typed_rows(group):
                for column in group.columns:
                    name = group.field_name(index, column.name)
                    if column.name in group.required and not values[column.name]:
                        self.add_error(  # type: ignore[attr-defined]
                            name, f"{group.word} {index + 1}: enter the {column.label.lower()}"
                        )
                    elif column.kind == "date" and values[column.name] and _day(values[column.name]) is None:
                        self.add_error(  # type: ignore[attr-defined]
                            name,
                            f"{group.word} {index + 1}: {column.label.lower()} must be a real date, "
                            "like 27/3/2024",
                        )

    def row_data(self) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for group in self.row_groups:
            rows = []
            for _index, values in self._typed_rows(group):
                for column in group.columns:
                    if column.kind == "date" and values[column.name]:
                        values[column.name] = _day(values[column.name]) or values[column.name]
                rows.append(values)
            out[group.name] = rows
        return out

    def row_field_for(self, key: str, message: str) -> str | None:
        """The field a service error about row list ``key`` lands on: "<Word> <n>: ..." names the
        n-th row saved (blank rows skipped), so its first field; else the list's first field."""
        for group in self.row_groups:
            if key != group.name:
                continue
            typed = self._typed_rows(group)
            match = re.match(rf"{re.escape(group.word)} (\d+):", message)
            if match and 0 < int(match.group(1)) <= len(typed):
                index = typed[int(match.group(1)) - 1][0]
            else:
                index = typed[0][0] if typed else 0
            return group.field_name(index, group.columns[0].name)
        return None


class OffendingForm(PartForm):
    part = PlanPart.OFFENDING
    offending_summary = _text("Offending summary", "The behaviour that led to the order or orders.")
    safeguarding_options = _text("Safeguarding options", "Options for safeguarding the victims.")

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        return {
            **super().initial_for(version),
            "offending_summary": version.offending_summary,
            "safeguarding_options": version.safeguarding_options,
        }


INVESTIGATIONS = RowGroup(
    name="investigations",
    word="Investigation",
    columns=(
        RowColumn("occurrence_ref", "Niche occurrence number", max_length=30),
        RowColumn("started_on", "Date", kind="date"),
        RowColumn("summary", "Summary", kind="textarea", max_length=TEXT_MAX),
    ),
    required=("occurrence_ref",),
)


class ManagementForm(RowsMixin, PartForm):
    part = PlanPart.MANAGEMENT
    row_groups = (INVESTIGATIONS,)
    management_strategies = _text("Management strategies")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_row_fields({"investigations": self.initial.get("_investigations", [])})

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        rows = list(version.investigations.all())
        return {
            **super().initial_for(version),
            **cls.initial_rows(INVESTIGATIONS, rows),
            "_investigations": rows,
            "management_strategies": version.management_strategies,
        }

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        self.clean_rows()
        return cleaned

    def service_data(self) -> dict[str, Any]:
        return {
            "management_strategies": self.cleaned_data.get("management_strategies", ""),
            **self.row_data(),
        }


def victim_risk_field(person: Any) -> str:
    """The form field of the risk to one protected person (named by their UUID, never their name)."""
    return f"victim_risk_{person.uuid.hex}"


class RiskForm(PartForm):
    part = PlanPart.RISK
    risk_level = forms.ChoiceField(
        label="Risk level", required=False, choices=[("", "Not assessed"), *RiskLevel.choices]
    )
    risk_rationale = _text("Rationale for the risk level")
    risk_to_future_victims = _text("Risk to future victims")
    risk_factors = _text("Risk factors")
    protective_factors = _text("Protective factors")
    stalker_typology = forms.ChoiceField(
        label="Stalker typology (Stalking Risk Profile)",
        required=False,
        choices=[("", "Not assessed"), *StalkerTypology.choices],
    )
    on_contact = _text(
        "What to do on contact", "What an officer who meets the subject should do. Shown in the briefing."
    )

    def __init__(
        self,
        *args: Any,
        tactical_options: list[str] | None = None,
        persons: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: The subject's protected persons this reader may view: one "risk to" box each.
        self.persons = list(persons or [])
        for person in self.persons:
            self.fields[victim_risk_field(person)] = _text(
                f"Risk to {person_label(person)}",
                "The harm foreseen to this person and how likely it is. Leave empty if none. "
                "Never shown in briefings.",
            )
        choices = [(o, o) for o in tactical_options or []]
        for pillar in Pillar:
            self.fields[f"pillar_{pillar.value}"] = forms.MultipleChoiceField(
                label=pillar.label,
                required=False,
                choices=choices,
                error_messages={"invalid_choice": "Choose tactical options from the force's list"},
            )
        answers = [("", "Not answered"), *SdashAnswer.choices]
        for index, question in enumerate(SDASH_QUESTIONS, start=1):
            self.fields[f"sdash_{index}"] = forms.ChoiceField(
                label=f"{index}. {question}", required=False, choices=answers
            )

    @property
    def victim_risk_fields(self) -> list[Any]:
        return [self[victim_risk_field(p)] for p in self.persons]

    @property
    def pillar_fields(self) -> list[Any]:
        return [self[f"pillar_{p.value}"] for p in Pillar]

    @property
    def sdash_fields(self) -> list[Any]:
        return [self[f"sdash_{i}"] for i in range(1, len(SDASH_QUESTIONS) + 1)]

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        initial = {
            **super().initial_for(version),
            **{
                f: getattr(version, f)
                for f in (
                    "risk_level",
                    "risk_rationale",
                    "risk_to_future_victims",
                    "risk_factors",
                    "protective_factors",
                    "stalker_typology",
                    "on_contact",
                )
            },
        }
        risks = {r.protected_person_id: r.risk for r in version.victim_risks.all()}
        for person in persons or []:
            initial[victim_risk_field(person)] = risks.get(person.pk, "")
        for pillar in Pillar:
            initial[f"pillar_{pillar.value}"] = [
                t.option for t in version.tactical_options.all() if t.pillar == pillar
            ]
        for index, answer in enumerate(version.sdash_answers or [], start=1):
            initial[f"sdash_{index}"] = answer
        return initial

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in super().service_data().items()
            if not k.startswith(("pillar_", "sdash_", "victim_risk_"))
        }
        # Only the persons shown here: the service keeps the rows about anyone else as they are.
        data["victim_risks"] = [
            {"protected_person": str(p.uuid), "risk": self.cleaned_data.get(victim_risk_field(p), "")}
            for p in self.persons
            if (self.cleaned_data.get(victim_risk_field(p)) or "").strip()
        ]
        data["tactical_options"] = [
            {"pillar": pillar.value, "option": option}
            for pillar in Pillar
            for option in self.cleaned_data.get(f"pillar_{pillar.value}", [])
        ]
        answers = [self.cleaned_data.get(f"sdash_{i}", "") for i in range(1, len(SDASH_QUESTIONS) + 1)]
        data["sdash_answers"] = answers if any(answers) else []
        return data


RELATIONSHIPS = RowGroup(
    name="disclosures",
    word="Relationship",
    columns=(
        RowColumn("partner", "New partner"),
        RowColumn("checks", "Checks made", kind="textarea", max_length=TEXT_MAX),
        RowColumn(
            "route",
            "Route",
            kind="choice",
            choices=(("", "Not known"), *DisclosureRoute.choices),
        ),
        RowColumn(
            "decision",
            "Decision",
            kind="choice",
            choices=(
                (DisclosureDecision.PENDING, DisclosureDecision.PENDING.label),
                (DisclosureDecision.DISCLOSED, DisclosureDecision.DISCLOSED.label),
                (DisclosureDecision.NOT_DISCLOSED, DisclosureDecision.NOT_DISCLOSED.label),
            ),
        ),
        RowColumn("rationale", "Rationale", kind="textarea", max_length=TEXT_MAX),
        RowColumn("decision_maker", "Decision maker"),
        RowColumn("decided_on", "Date of decision", kind="date"),
        RowColumn("recipient", "Disclosed to", help_text="Needed when a disclosure was made."),
    ),
    required=("partner",),
)


class RelationshipsForm(RowsMixin, PartForm):
    part = PlanPart.RELATIONSHIPS
    row_groups = (RELATIONSHIPS,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_row_fields({"disclosures": self.initial.get("_disclosures", [])})

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        rows = list(version.disclosures.all())
        return {
            **super().initial_for(version),
            **cls.initial_rows(RELATIONSHIPS, rows),
            "_disclosures": rows,
        }

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        self.clean_rows()
        for index, values in self._typed_rows(RELATIONSHIPS):
            if values["decision"] == DisclosureDecision.DISCLOSED and not values["recipient"]:
                self.add_error(
                    RELATIONSHIPS.field_name(index, "recipient"),
                    f"Relationship {index + 1}: say to whom the disclosure was made",
                )
        return cleaned

    def _typed_rows(self, group: RowGroup) -> list[tuple[int, dict[str, Any]]]:
        # The decision's select always has a value: a row with nothing else typed is blank.
        rows = super()._typed_rows(group)
        return [(i, v) for i, v in rows if any(v[k] for k in v if k != "decision" or v[k] != "pending")]

    def service_data(self) -> dict[str, Any]:
        return self.row_data()


PART_FORMS: dict[str, type[PartForm]] = {
    PlanPart.OFFENDING: OffendingForm,
    PlanPart.MANAGEMENT: ManagementForm,
    PlanPart.RISK: RiskForm,
    PlanPart.RELATIONSHIPS: RelationshipsForm,
}


class SendBackForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label="What needs to change",
        max_length=2000,
        widget=forms.Textarea,
        help_text="The author sees this note.",
    )
