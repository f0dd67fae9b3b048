"""Forms of the regional host: sign-in, set password, onboarding a force."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from core.forms import GovukFormMixin

from .models import Region


class SignInForm(GovukFormMixin, AuthenticationForm):
    # Bounded here, not only in the widget: an over-long name would otherwise reach the lockout
    # table (django-axes, 255 characters) and fail there.
    username = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account cannot sign in.",
    }


class SetPasswordWithEmailForm(GovukFormMixin, SetPasswordForm):
    """Set a password: a weak password is wrong on the password field, a mismatch on the confirmation."""

    error_names = {"new_password1": "Password", "new_password2": "Password confirmation"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
        self.error_messages = {**self.error_messages, "password_mismatch": "The passwords do not match"}

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class OnboardForceForm(GovukFormMixin, forms.Form):
    error_names = {"slug": "Slug", "name": "Force name", "admin_email": "Administrator's email address"}

    region = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        to_field_name="slug",
        label="Region",
        error_messages={"required": "Choose the force's region."},
    )
    slug = forms.CharField(
        label="Slug",
        max_length=42,
        help_text="Lower-case letters, digits and hyphens; the force's address becomes "
        "<slug>.<platform domain>.",
        error_messages={"required": "Enter a slug for the force, e.g. lincolnshire."},
    )
    name = forms.CharField(
        label="Name",
        max_length=100,
        error_messages={"required": "Enter the force's name, e.g. Lincolnshire Police."},
    )
    admin_email = forms.EmailField(
        label="First force administrator's email address",
        error_messages={"required": "Enter the email address of the force's first administrator."},
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        field.queryset = regions  # type: ignore[attr-defined]
        if len(regions) == 1:  # a regional administrator of one region has nothing to choose
            field.empty_label = None  # type: ignore[attr-defined]
            field.initial = regions[0].slug


class TwoFactorCodeForm(GovukFormMixin, forms.Form):
    """A 6-digit code from an authenticator app."""

    error_names = {"code": "Code"}
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        help_text="The 6 digits your app shows now, for example 123456.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )
