"""The forms of the plan's pages: one per part, each carrying the revision it was read at.

Lists of rows are typed one a line, parts separated by a bar (as the subject's profile records
are); tactical options are ticked from the force's list, under each pillar. The services check
everything again and their coded errors land on these fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from core.forms import GovukFormMixin
from organisation.choices import RiskLevel

from .choices import SDASH_QUESTIONS, Pillar, PlanPart, SdashAnswer, StalkerTypology
from .models import PlanVersion
from .services import person_label

TEXT_MAX = 20_000


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=TEXT_MAX, widget=forms.Textarea, help_text=help_text
    )


def _day(text: str) -> str:
    """A date typed as 27/3/2024 (or ISO) as ISO text; anything else left as typed (the service refuses it)."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


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


def _lines(value: str, columns: tuple[str, ...], dates: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = []
    for line in (value or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        row = dict(zip(columns, parts + [""] * (len(columns) - len(parts)), strict=False))
        if len(parts) > len(columns):
            row[columns[-1]] = " | ".join(parts[len(columns) - 1 :])
        for key in dates:
            if row.get(key):
                row[key] = _day(row[key])
        rows.append(row)
    return rows


def _as_lines(rows: list[Any], columns: tuple[str, ...]) -> str:
    out = []
    for row in rows:
        values = []
        for c in columns:
            v = getattr(row, c)
            values.append(v.strftime("%-d/%-m/%Y") if isinstance(v, dt.date) else str(v or ""))
        out.append(" | ".join(values).rstrip(" |"))
    return "\n".join(out)


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


INVESTIGATION_COLUMNS = ("occurrence_ref", "started_on", "summary")


class ManagementForm(PartForm):
    part = PlanPart.MANAGEMENT
    investigations = _text(
        "Investigations since the order",
        "One a line: Niche occurrence number | date (like 27/3/2024) | summary.",
    )
    management_strategies = _text("Management strategies")

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        return {
            **super().initial_for(version),
            "investigations": _as_lines(list(version.investigations.all()), INVESTIGATION_COLUMNS),
            "management_strategies": version.management_strategies,
        }

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["investigations"] = _lines(data["investigations"], INVESTIGATION_COLUMNS, dates=("started_on",))
        return data


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


DISCLOSURE_COLUMNS = (
    "partner",
    "checks",
    "decision",
    "rationale",
    "decision_maker",
    "decided_on",
    "recipient",
)


class RelationshipsForm(PartForm):
    part = PlanPart.RELATIONSHIPS
    disclosures = _text(
        "Developing relationships and disclosures",
        "One relationship a line: new partner | checks made | decision (disclosed, not-disclosed or pending) "
        "| rationale | decision maker | date (like 27/3/2024) | disclosed to.",
    )

    @classmethod
    def initial_for(cls, version: PlanVersion, persons: list[Any] | None = None) -> dict[str, Any]:
        return {
            **super().initial_for(version),
            "disclosures": _as_lines(list(version.disclosures.all()), DISCLOSURE_COLUMNS),
        }

    def service_data(self) -> dict[str, Any]:
        rows = _lines(self.cleaned_data["disclosures"], DISCLOSURE_COLUMNS, dates=("decided_on",))
        for row in rows:
            row["decision"] = row.get("decision") or "pending"
        return {"disclosures": rows}


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
