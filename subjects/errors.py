"""Stable codes of the subject services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class SubjectError(models.TextChoices):
    FUTURE_DATE_OF_BIRTH = "future_date_of_birth", "Date of birth in the future"
    IMPLAUSIBLE_DATE_OF_BIRTH = "implausible_date_of_birth", "Date of birth too long ago"
    DUPLICATE_PNC_ID = "duplicate_pnc_id", "Another subject of this force has this PNC id"
    ALIAS_TOO_LONG = "max_length", "Alias too long"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
    REASON_REQUIRED = "reason_required", "A reason is required"
    UNKNOWN_AREA = "unknown_area", "Not an area of this force"
    UNKNOWN_TEAM = "unknown_team", "Not a team of this force"
    NOT_AOU = "not_aou", "The managing team is not an ancillary order unit"
    NOT_FORCE_MEMBER = "not_force_member", "Not a member of this force"
    UNKNOWN_WARNING_MARKER = "unknown_warning_marker", "Not one of the force's warning markers"
    REGISTRATION_START_REQUIRED = "registration_start_required", "Registered, but no date registration began"
    NOT_REGISTERED = "not_registered", "Registration dates for someone not registered"
    REGISTRATION_ALREADY_ENDED = "registration_already_ended", "Registration has already ended"
    DATES_OUT_OF_ORDER = "dates_out_of_order", "An end date before its start date"
    FUTURE_DATE = "future_date", "A date in the future"
    INVALID_IMEI = "invalid_imei", "Not a valid IMEI"
    IMPLAUSIBLE_VRM = "implausible_vrm", "Not a plausible vehicle registration mark"
    INVALID_RECORD = "invalid", "A profile record is incomplete or malformed"
    TOO_MANY_RECORDS = "too_many_records", "Too many records in one list"
    INVALID_IMAGE = "invalid_image", "Not a JPEG or PNG photograph that can be read"
    IMAGE_TOO_LARGE = "image_too_large", "The photograph is too large"
