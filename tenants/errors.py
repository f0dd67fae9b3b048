"""Stable codes of the tenants services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class PeopleError(models.TextChoices):
    UNKNOWN_ROLE = "unknown_role", "Not a role of this platform"
    NO_ROLE = "no_role", "No role chosen"
    INVALID_EMAIL = "invalid_email", "Not an email address"
    ALREADY_MEMBER = "already_member", "Already a member of this force"
    TOO_LONG = "max_length", "Too long"
    LAST_ADMINISTRATOR = "last_administrator", "Would leave the force without an administrator"
    SELF_GRANT = "self_grant", "Giving oneself a role"
    SELF_DEACTIVATE = "self_deactivate", "Deactivating one's own account"
    INVALID_DECISION = "invalid_decision", "Neither approve nor decline"
    NO_PENDING_REQUEST = "no_pending_request", "No role request awaits approval"
    SECOND_ADMINISTRATOR_REQUIRED = "second_administrator_required", "Needs a second administrator"
    WEAK_PASSWORD = "weak_password", "Password refused by the password rules"
    UNKNOWN_REGION = "unknown_region", "Not a region of the platform"
