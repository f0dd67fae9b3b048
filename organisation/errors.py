"""Stable codes of the organisation services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class OrganisationError(models.TextChoices):
    REQUIRED = "required", "Required"
    TOO_LONG = "max_length", "Too long"
    DUPLICATE_NAME = "duplicate_name", "Another record of this force has this name"
    DUPLICATE_CODE = "duplicate_code", "Another area of this force has this code"
    UNKNOWN_KIND = "unknown_kind", "Not a kind of team"
    UNKNOWN_AREA = "unknown_area", "Not an area of this force"
    NOT_FORCE_MEMBER = "not_force_member", "Not a member of this force"
    LEAD_NOT_MEMBER = "lead_not_member", "The lead is not one of the team's members"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
