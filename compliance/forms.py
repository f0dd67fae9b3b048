"""Forms of the compliance pages. Services validate too; their coded errors land on these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukFormMixin
from subjects.forms import GovukDateField

from .choices import AssessmentResult, BreachOutcome, BreachSource, ReviewOutcome, VisitOutcome


def term_field(term: Any) -> str:
    return f"term_{term.uuid.hex}"


def evidence_field(term: Any) -> str:
    return f"evidence_{term.uuid.hex}"


class ReviewForm(GovukFormMixin, forms.Form):
    """One review: a result and evidence per term in force, then the outcome and next date."""

    outcome = forms.ChoiceField(
        label="Outcome of the review", choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    next_review_due = GovukDateField(
        label="Next review due", help_text="Leave empty for the force's interval for the plan's risk level."
    )
    notes = forms.CharField(label="Notes", required=False, max_length=4000, widget=forms.Textarea)

    def __init__(self, *args: Any, terms: list[Any], **kwargs: Any) -> None:
        self.terms = terms
        super().__init__(*args, **kwargs)
        for n, term in enumerate(terms, start=1):
            self.fields[term_field(term)] = forms.ChoiceField(
                label=f"Term {n}: was it complied with?",
                choices=AssessmentResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a result for term {n}"},
            )
            self.fields[evidence_field(term)] = forms.CharField(
                label=f"Evidence for term {n}", required=False, max_length=2000, widget=forms.Textarea
            )
        # Terms first, in order, then the outcome.
        self.order_fields([f for t in terms for f in (term_field(t), evidence_field(t))])

    def term_rows(self) -> list[dict[str, Any]]:
        return [
            {"term": t, "result": self[term_field(t)], "evidence": self[evidence_field(t)]}
            for t in self.terms
        ]

    def assessments(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            str(t.uuid): {"result": data.get(term_field(t), ""), "evidence": data.get(evidence_field(t), "")}
            for t in self.terms
        }


class VisitOutcomeForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="What happened", choices=VisitOutcome.choices, widget=forms.RadioSelect)
    visited_on = GovukDateField(
        label="Date of the visit", help_text="Leave empty for today. For example, 27 3 2026"
    )
    early_reason = forms.CharField(
        label="Why the visit came before its window",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        help_text="Only if the visit was made before the window opened.",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=4000, widget=forms.Textarea)


class BreachForm(GovukFormMixin, forms.Form):
    term = forms.ChoiceField(label="Term breached")
    occurred_on = GovukDateField(label="Date of the breach", help_text="For example, 27 3 2026")
    source = forms.ChoiceField(label="How it came to light", choices=[("", "Choose"), *BreachSource.choices])
    niche_occurrence_ref = forms.CharField(label="Niche occurrence number", required=False, max_length=30)
    offence_code = forms.CharField(
        label="Offence code",
        required=False,
        max_length=16,
        help_text="Leave empty for the order type's breach code.",
    )
    outcome = forms.ChoiceField(label="Outcome so far", choices=BreachOutcome.choices)
    protected_person = forms.ChoiceField(
        label="Protected person affected",
        required=False,
        help_text="If the breach was a further offence against one of the subject's protected persons.",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=4000, widget=forms.Textarea)

    error_names = {
        "term": "the term breached",
        "source": "how it came to light",
        "protected_person": "the protected person affected",
    }

    def __init__(
        self, *args: Any, terms: list[Any], protected_persons: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [("", "Choose a term")] + [
            (str(t.uuid), f"{t.order.order_type.code}: {t.wording[:80]}") for t in terms
        ]
        persons = list(protected_persons or [])
        if persons:
            self.fields["protected_person"].choices = [("", "None: not a further offence against one")] + [
                (str(p.uuid), p.name) for p in persons
            ]
        else:
            # Nobody to choose (none recorded, or not this user's to see): no field at all.
            del self.fields["protected_person"]
