"""The preferences form: one radio group per routine kind (urgent kinds are fixed)."""

from __future__ import annotations

from typing import Any

from django import forms

from .choices import ROUTINE_KINDS, EmailMode


def field_name(kind: str) -> str:
    return kind.replace("-", "_")


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, initial_modes: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in ROUTINE_KINDS:
            self.fields[field_name(kind)] = forms.ChoiceField(
                label=kind.label,
                choices=EmailMode.choices,
                widget=forms.RadioSelect,
                initial=(initial_modes or {}).get(kind.value, EmailMode.IMMEDIATE),
                error_messages={"required": f"Choose how to have “{kind.label}” emailed."},
            )

    def choices(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[field_name(kind)] for kind in ROUTINE_KINDS}
