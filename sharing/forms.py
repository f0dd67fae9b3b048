"""The sharing pages' forms: the services validate again and their errors land on these fields."""

from __future__ import annotations

from django import forms
from django.conf import settings

from .choices import LawfulBasis, Scope


class CheckForm(forms.Form):
    """The new-subject form's identifiers, checked before the subject is recorded."""

    given_names = forms.CharField(label="Given names", max_length=150, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, help_text="For example, 27 3 1985: as 1985-03-27."
    )
    pnc_id = forms.CharField(
        label="PNC id", max_length=13, required=False, help_text="For example, 98/1234567A."
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        named = data.get("family_name") and data.get("date_of_birth")
        if not (named or data.get("pnc_id")):
            raise forms.ValidationError("Enter a PNC id, or a name with the date of birth.", code="invalid")
        return data


class RequestForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label="What do you need shared?", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    lawful_basis = forms.ChoiceField(label="Lawful basis", choices=[("", "Choose"), *LawfulBasis.choices])
    justification = forms.CharField(
        label="Why do you need it?", widget=forms.Textarea, max_length=2000, help_text="The owner reads this."
    )
    protected_persons_justification = forms.CharField(
        label="Why do you need the protected persons?",
        widget=forms.Textarea,
        max_length=2000,
        required=False,
        help_text="Only if you ask for protected persons.",
    )
    duration_days = forms.IntegerField(
        label="For how many days?", min_value=1, max_value=settings.SHARING_MAX_DAYS, initial=30
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[("approve", "Approve"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    scopes = forms.MultipleChoiceField(
        label="What to share (you may share less than asked)",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    duration_days = forms.IntegerField(label="For how many days?", min_value=1, required=False)
    reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea,
        max_length=2000,
        required=False,
        help_text="Required to refuse.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("reasons") or "").strip():
            self.add_error("reasons", "Give the reasons for refusing.")
        if data.get("decision") == "approve" and not data.get("scopes"):
            self.add_error("scopes", "Choose what to share.")
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Why are you revoking it?", widget=forms.Textarea, max_length=2000)


class ExtendForm(forms.Form):
    duration_days = forms.IntegerField(
        label="For how many more days?", min_value=1, max_value=settings.SHARING_MAX_DAYS, initial=30
    )
    justification = forms.CharField(label="Why do you need longer?", widget=forms.Textarea, max_length=2000)


class TransferOfferForm(forms.Form):
    to_force = forms.ChoiceField(label="Which force does the subject move to?", choices=[])
    justification = forms.CharField(
        label="Why does the subject move?", widget=forms.Textarea, max_length=2000, required=False
    )

    def __init__(self, *args: object, forces: list[tuple[str, str]] = (), **kwargs: object) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_force"].choices = [("", "Choose a force"), *forces]  # type: ignore[attr-defined]
        self.fields["to_force"].required = False


class TransferAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your answer",
        choices=[("accept", "Accept: the record moves to this force"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea,
        max_length=2000,
        required=False,
        help_text="Required to decline.",
    )
