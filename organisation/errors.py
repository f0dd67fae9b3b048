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
    HOURS_OUT_OF_RANGE = "hours_out_of_range", "Hours a week must be from 0 to 168"
    SHARE_OUT_OF_RANGE = "share_out_of_range", "A share of visits must be from 0 to 100 per cent"
    SHARE_NOT_VISITING = "share_not_visiting_team", "Only response and neighbourhood teams take visits"
    SHARES_OVER_100 = "shares_over_100", "The teams' shares of visits add up to more than 100 per cent"
    ENDS_BEFORE_START = "ends_before_start", "The absence ends before it starts"
    NOT_TEAM_MEMBER = "not_team_member", "Not a member of this team"
    MINUTES_OUT_OF_RANGE = "minutes_out_of_range", "Minutes must be from 1 to 1440"


class PracticeError(models.TextChoices):
    """Codes of the practice settings' field errors (``organisation.practice``)."""

    UNKNOWN_RISK_LEVEL = "unknown_risk_level", "Not a risk level"
    INVALID_UNIT = "invalid_unit", "Not days, weeks or months"
    NOT_WHOLE_NUMBER = "not_whole_number", "Not a whole number"
    NOT_POSITIVE = "not_positive", "Zero or less"
    TOO_LONG = "too_long", "Longer than five years"
    OUT_OF_RANGE = "out_of_range", "Outside the allowed range"
    NOT_A_SETTING = "not_a_setting", "Not a setting of this kind"
    UNKNOWN_ORDER_TYPE = "unknown_order_type", "Not an order type of the platform"
    UNKNOWN_CONDITION = "unknown_condition", "Not one of the choices"
    ENTRY_TOO_LONG = "entry_too_long", "An entry is too long"
    TOO_MANY_ENTRIES = "too_many_entries", "Too many entries"
