"""Stable codes of the subject services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class SubjectError(models.TextChoices):
    FUTURE_DATE_OF_BIRTH = "future_date_of_birth", "Date of birth in the future"
    IMPLAUSIBLE_DATE_OF_BIRTH = "implausible_date_of_birth", "Date of birth too long ago"
    DUPLICATE_PNC_ID = "duplicate_pnc_id", "Another subject of this force has this PNC id"
    ALIAS_TOO_LONG = "max_length", "Alias too long"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
    REASON_REQUIRED = "reason_required", "A reason is required"
